"""The GST/QST report and the accounting export over invoices issued by the real billing functions,
stored in a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as hs

from dispatch.office import reporting
from dispatch.reports import Period, journal_totals, month_of
from tests.reports.history import CORE_COVERAGE, COVERAGE, billable, credit, invoice, pay

pytest_plugins = ["tests.storage_support"]

D = Decimal
MONTREAL = ZoneInfo("America/Montreal")
CENT = D("0.01")
OUTCOMES = ["repaired_on_site", "in_workshop", "workshop_refused", "estimate_refused", "remote_completed",
            "remote_interrupted"]  # fmt: skip
ACCEPTED = {"repaired_on_site", "in_workshop", "remote_completed"}

documents = hs.lists(
    hs.fixed_dictionaries({
        "outcome": hs.sampled_from(OUTCOMES),
        "minutes": hs.integers(0, 240),
        "repair": hs.none() | hs.decimals(D("0.01"), D("3000"), places=2),
        "extended": hs.booleans(),
        "day": hs.integers(0, 45),
        # the seconds of the day: the midnights (both sides) are drawn often
        "second": hs.sampled_from([0, 1, 86398, 86399]) | hs.integers(0, 86399),
        "credit": hs.none() | hs.just("all") | hs.fractions(0, 1).filter(lambda f: f > 0),
        "credit_after": hs.integers(0, 40),
    }),
    max_size=6,
)  # fmt: skip


def _local(day: date, second: int) -> datetime:
    return datetime.combine(day, time(0), tzinfo=MONTREAL) + timedelta(seconds=second)


def _inside(t: datetime, first: date, last: date) -> bool:
    """Independent check of the period: compare in UTC with the local midnights."""
    lo = datetime.combine(first, time(0), tzinfo=MONTREAL).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=MONTREAL).astimezone(UTC)
    return lo <= t.astimezone(UTC) < hi


_bases = itertools.count()


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=documents, start=hs.integers(0, 45), length=hs.integers(1, 50))
def test_tax_report_is_invoices_tax_lines_minus_credit_notes_and_the_journal_agrees(
    db, settings, docs, start, length
):
    """Property: over generated invoices (every outcome, repairs, both zones, times at the
    midnights) and credit notes (whole or part, in or out of the period), the report's GST,
    QST, subtotal and total are the invoices' minus the credit notes' issued in the period,
    and the accounting export read back has the same totals."""
    base = date(2030, 1, 1) + timedelta(days=120 * next(_bases))  # each example its own days
    issued = []
    for i, d in enumerate(docs):
        when = _local(base + timedelta(days=d["day"]), d["second"])
        repairs = [("Pièce", str(d["repair"]))] if d["repair"] is not None and d["outcome"] in ACCEPTED else []
        rid = billable(
            db, outcome=d["outcome"], minutes=d["minutes"], arrived_at=when - timedelta(hours=2),
            repairs=repairs, coverage=COVERAGE if d["extended"] else CORE_COVERAGE, name=f"Client {i}",
        )  # fmt: skip
        inv = invoice(db, settings, rid, when)
        issued.append(inv)
        if d["credit"] is not None and inv.subtotal > 0:
            amount = None if d["credit"] == "all" else max(CENT, (inv.subtotal * D(d["credit"].numerator) / D(d["credit"].denominator)).quantize(CENT))
            issued.append(credit(db, settings, inv.number, when + timedelta(days=d["credit_after"]), amount=amount))
    first = base + timedelta(days=start)
    last = first + timedelta(days=length - 1)
    report = reporting.taxes_of(db, Period(first, last))

    inside = [x for x in issued if _inside(x.issued_at, first, last)]
    sign = {"invoice": 1, "credit_note": -1}
    for field in ("gst", "qst", "subtotal", "total"):
        expected = sum((sign[x.kind] * getattr(x, field) for x in inside), D("0.00"))
        assert getattr(report, field) == expected, field
    assert [ln.number for ln in report.lines] == [x.number for x in sorted(inside, key=lambda x: (x.issued_at, x.number))]
    assert report.invoice_count == sum(1 for x in inside if x.kind == "invoice")
    assert report.empty == (not inside)
    assert sum((p.gst for p in report.series), D(0)) == report.gst

    text, totals, _lines = reporting.journal_of(db, Period(first, last))
    back = journal_totals(csv.DictReader(io.StringIO(text)))
    assert (back.subtotal, back.gst, back.qst, back.total) == (report.subtotal, report.gst, report.qst, report.total)
    assert (totals.subtotal, totals.gst, totals.qst, totals.total) == (report.subtotal, report.gst, report.qst, report.total)


def test_invoice_at_23_59_59_is_in_its_month_and_one_at_midnight_in_the_next(db, settings):
    """31 December 23:59:59 (Montréal) counts in December; 1 January 00:00:00 in January,
    although both are 1 January in UTC. The same for a payment."""
    late = datetime(2026, 12, 31, 23, 59, 59, tzinfo=MONTREAL)
    midnight = datetime(2027, 1, 1, 0, 0, 0, tzinfo=MONTREAL)
    a = invoice(db, settings, billable(db, outcome="estimate_refused", minutes=30, arrived_at=late - timedelta(hours=3)), late)
    b = invoice(db, settings, billable(db, outcome="workshop_refused", minutes=45, arrived_at=late - timedelta(hours=3), name="Paul Roy"), midnight)
    pay(db, a.number, a.total, late, method="cash")
    pay(db, b.number, b.total, midnight, method="cash")
    dec = reporting.owner_report(db, month_of(date(2026, 12, 1)))
    jan = reporting.owner_report(db, month_of(date(2027, 1, 1)))
    assert [ln.number for ln in dec.taxes.lines] == [a.number]
    assert [ln.number for ln in jan.taxes.lines] == [b.number]
    assert (dec.taxes.gst, dec.taxes.qst) == (a.gst, a.qst)
    assert (jan.taxes.gst, jan.taxes.qst) == (b.gst, b.qst) == (D("5.58"), D("11.12"))
    assert (dec.revenue.collected, jan.revenue.collected) == (a.total, b.total)


def test_empty_period_gives_zeros_and_says_aucune_facture(db, settings):
    """No document in the period: every total is 0,00 and the French notice says so, no error."""
    invoice(db, settings, billable(db, outcome="estimate_refused", minutes=30, arrived_at=datetime(2026, 11, 3, 9, tzinfo=MONTREAL)),
            datetime(2026, 11, 3, 15, tzinfo=MONTREAL))  # fmt: skip
    report = reporting.taxes_of(db, month_of(date(2026, 12, 1)))
    assert report.empty and report.lines == ()
    assert (report.subtotal, report.gst, report.qst, report.total) == (D("0.00"),) * 4
    assert "aucune facture" in report.notice().lower()
    text, totals, lines = reporting.journal_of(db, month_of(date(2026, 12, 1)))
    assert lines == 0 and text.splitlines() == [",".join(reporting_columns())]
    assert totals.total == D("0.00")
    csv_text, pdf = reporting.tax_files(report, settings=settings)
    assert csv_text.splitlines()[-1] == ",TOTAL,,,,0.00,0.00,0.00,0.00"
    assert pdf.startswith(b"%PDF")


def reporting_columns():
    from dispatch.reports.journal import COLUMNS

    return COLUMNS


def test_credit_note_counts_in_the_period_it_is_issued_under_its_invoice_outcome(db, settings):
    """An invoice of November credited in December: November keeps its taxes, December
    subtracts the credit note's, under the invoice's outcome (repaired on site)."""
    nov = datetime(2026, 11, 20, 14, tzinfo=MONTREAL)
    rid = billable(db, outcome="repaired_on_site", minutes=30, arrived_at=nov, repairs=[("SSD", "149.50")])
    inv = invoice(db, settings, rid, nov)
    note = credit(db, settings, inv.number, datetime(2026, 12, 2, 10, tzinfo=MONTREAL), amount=D("100.00"))
    assert (note.gst, note.qst) == (D("5.00"), D("9.98"))
    dec = reporting.owner_report(db, month_of(date(2026, 12, 1)))
    assert (dec.taxes.gst, dec.taxes.qst, dec.taxes.credit_note_count) == (D("-5.00"), D("-9.98"), 1)
    assert dec.revenue.by_category["on_site"] == -note.total
    assert reporting.taxes_of(db, month_of(nov.date())).gst == inv.gst



def test_tax_report_pdf_and_csv_print_every_document_and_the_totals(db, settings):
    """pypdf reads the documents and the GST/QST totals back from the PDF; the CSV's TOTAL line
    is the sum of its lines."""
    import pypdf

    day = datetime(2026, 12, 3, 14, tzinfo=MONTREAL)
    inv = invoice(db, settings, billable(db, outcome="workshop_refused", minutes=45, arrived_at=day,
                                         name="Zoé L’Écuyer « test »"), day)  # fmt: skip
    note = credit(db, settings, inv.number, day + timedelta(days=1), amount=D("11.50"))
    report = reporting.taxes_of(db, month_of(day.date()))
    csv_text, pdf = reporting.tax_files(report, settings=settings)
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for piece in (inv.number, note.number, "Zoé L’Écuyer « test »", "TPS facturée", "Rapport de TPS et de TVQ"):
        assert piece in text, piece
    assert report.gst == inv.gst - note.gst == D("5.00")
    assert "5,00\u202f$" in text or "5,00 $" in text
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[-1][5:] == [str(report.subtotal), str(report.gst), str(report.qst), str(report.total)]
    assert sum(D(r[6]) for r in rows[1:-1]) == report.gst
