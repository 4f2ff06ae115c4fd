"""Invoices: exact totals from stored visits, gapless numbering under concurrency, immutability,
credit notes, payments and balance, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from dispatch import records as st
from dispatch.billing import invoices as iv
from dispatch.errors import ConflictError, InvalidInput, InvalidTransition
from dispatch.records import TZ
from tests.storage_data import CORE_COVERAGE, diagnosed, make_request

pytest_plugins = ["tests.storage_support"]

D = Decimal
ISSUED = datetime(2026, 12, 3, 15, 0, tzinfo=TZ)


def test_refused_workshop_invoice_has_exact_lines_taxes_and_numbers(db, settings):
    """45 min, core zone, workshop refused: 35.00 + 63.75 + 12.75; GST 5.58; QST 11.12; 128.20."""
    req = diagnosed(db, minutes=45, outcome="workshop_refused", coverage=CORE_COVERAGE)
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="lea", at=ISSUED)
    assert inv.number == "F2026-00001"
    assert [(ln.kind, str(ln.amount)) for ln in inv.lines] == [
        ("travel", "35.00"), ("diagnostic", "63.75"), ("compensation", "12.75"),
    ]
    assert (inv.subtotal, inv.gst, inv.qst, inv.total) == (D("111.50"), D("5.58"), D("11.12"), D("128.20"))
    assert inv.lines[0].detail.startswith("Déplacement depuis l'atelier : 1,6 km")
    assert (inv.gst_number, inv.qst_number) == (settings.billing.gst_number, settings.billing.qst_number)
    assert inv.interac_ref == "F202600001-" + inv.interac_ref[-2:]
    assert inv.customer_name == "Marie Tremblay" and inv.status == "unpaid"
    assert inv.retain_until.year == 2032
    assert st.get_request(db, req.id).state == "invoiced"


def test_invoice_before_an_outcome_is_refused_and_uses_no_number(db, settings):
    """A request still 'contacted' cannot be invoiced; the next real invoice is still 00001."""
    early = make_request(db)
    with pytest.raises(InvalidTransition, match="outcome"):
        iv.issue_invoice(db, early.id, settings=settings, actor="x", at=ISSUED)
    req = diagnosed(db, email="b@example.com", phone="")
    assert iv.issue_invoice(db, req.id, settings=settings, actor="x", at=ISSUED).number == "F2026-00001"


def test_a_request_is_invoiced_once(db, settings):
    """A second issue for the same request is refused (it is no longer in a billable state)."""
    req = diagnosed(db)
    iv.issue_invoice(db, req.id, settings=settings, actor="x")
    with pytest.raises(InvalidTransition):
        iv.issue_invoice(db, req.id, settings=settings, actor="x")
    assert len(iv.list_invoices(db)) == 1


def test_issued_invoice_cannot_be_changed(db, settings):
    """Updating an issued invoice or its lines is refused: corrections go by credit note."""
    req = diagnosed(db)
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="x")
    with pytest.raises(ConflictError, match="credit note") as refused, db.write() as s:
        s.get(st.InvoiceRow, inv.id).total = D("1.00")
    assert "note de crédit" in refused.value.localized("fr_CA")
    with pytest.raises(ConflictError, match="credit note"), db.write() as s:
        s.scalars(sa.select(st.InvoiceLineRow)).first().amount = D("0.00")
    assert iv.get_invoice(db, inv.number).total == inv.total


def test_full_credit_note_cancels_the_balance_without_touching_the_invoice(db, settings):
    """A full credit note (own AV series) mirrors the lines and taxes; balance 0, status credited."""
    req = diagnosed(db, coverage=CORE_COVERAGE)
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="x", at=ISSUED)
    cn = iv.issue_credit_note(db, inv.number, reason="Erreur de facturation", settings=settings, actor="x", at=ISSUED)
    assert cn.number == "AV2026-00001" and cn.kind == "credit_note" and cn.credits_number == inv.number
    assert cn.total == inv.total and cn.gst == inv.gst
    again = iv.get_invoice(db, inv.number)
    assert (again.balance, again.status, again.credit_notes) == (D("0.00"), "credited", (cn.number,))
    assert again.lines == inv.lines
    with pytest.raises(InvalidInput, match="left to credit"):
        iv.issue_credit_note(db, inv.number, reason="encore", settings=settings, actor="x")


def test_partial_credit_reduces_the_balance_by_amount_plus_taxes(db, settings):
    """A 10.00 credit before taxes takes 11.50 off (10.00 + 0.50 GST + 1.00 QST after rounding)."""
    req = diagnosed(db, minutes=45, outcome="estimate_refused", coverage=CORE_COVERAGE)
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="x")  # 113.54
    cn = iv.issue_credit_note(db, inv.number, reason="Geste commercial", amount=D("10.00"), settings=settings, actor="x")
    assert (cn.subtotal, cn.gst, cn.qst, cn.total) == (D("10.00"), D("0.50"), D("1.00"), D("11.50"))
    assert iv.get_invoice(db, inv.number).balance == D("102.04")


def test_partial_payments_then_balance_zero_marks_the_request_paid(db, settings):
    """113.54 paid as 50.00 cash + 63.54 Interac: partial, then paid; the request becomes paid."""
    req = diagnosed(db, minutes=45, outcome="estimate_refused", coverage=CORE_COVERAGE)
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="x")
    assert inv.total == D("113.54")
    part = iv.record_payment(db, inv.number, method="cash", amount="50.00", actor="lea")
    assert (part.balance, part.status) == (D("63.54"), "partial")
    assert st.get_request(db, req.id).state == "invoiced"
    with pytest.raises(InvalidInput, match="exceeds the balance"):
        iv.record_payment(db, inv.number, method="interac", amount="63.55", reference="CA9", actor="lea")
    done = iv.record_payment(db, inv.number, method="interac", amount="63.54", reference="CAxYz12", actor="lea")
    assert (done.balance, done.status, done.status_label) == (D("0.00"), "paid", "Payée")
    assert [(p.method, p.reference, p.amount) for p in done.payments] == [
        ("cash", "", D("50.00")), ("interac", "CAxYz12", D("63.54")),
    ]
    assert st.get_request(db, req.id).state == "paid"


@pytest.mark.parametrize("method", ["cheque", "bank_transfer", "interac", "paypal", "square"])
def test_each_non_cash_method_needs_its_reference(db, settings, method):
    """Cheque, transfer, Interac, PayPal and Square payments are refused without a reference."""
    req = diagnosed(db)
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="x")
    with pytest.raises(InvalidInput, match="needs its reference"):
        iv.record_payment(db, inv.number, method=method, amount="1.00", actor="x")
    got = iv.record_payment(db, inv.number, method=method, amount="1.00", reference="REF-1", actor="x")
    assert got.payments[0].method == method


def test_on_quote_travel_needs_the_agreed_amount(db, settings):
    """Outside the zone the invoice is refused until the agreed travel amount is given."""
    cov = {"zone": "outside", "road_km": 31.0, "travel_fee": {"amount": None, "explanation": "hors zone : sur devis"}}
    req = diagnosed(db, minutes=30, coverage=cov)
    with pytest.raises(InvalidInput, match="--travel-amount"):
        iv.issue_invoice(db, req.id, settings=settings, actor="x")
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="x", travel_amount=D("60.00"))
    assert inv.lines[0].amount == D("60.00") and "60,00 $" in inv.lines[0].detail


def test_late_cancellation_fee_is_invoiced_once(db, settings):
    """A late cancellation with a 25.00 fee gives a one-line invoice (28.74 with taxes)."""
    s = settings.with_section("tariff", late_cancellation_fee=D("25.00"))
    req = make_request(db)
    start = datetime(2026, 12, 3, 9, tzinfo=TZ)
    st.book_appointment(db, req.id, start=start, end=start.replace(hour=11), actor="b")
    st.cancel_request(db, req.id, settings=s, at=start.replace(hour=8), actor="b")
    inv = iv.issue_invoice(db, req.id, settings=s, actor="b")
    # 25.00 + 1.25 GST + 2.49375 -> 2.49 QST = 28.74
    assert [str(ln.amount) for ln in inv.lines] == ["25.00"] and inv.total == D("28.74")
    with pytest.raises(InvalidTransition, match="already invoiced"):
        iv.issue_invoice(db, req.id, settings=s, actor="b")


def test_numbers_restart_each_year(db, settings):
    """The first invoice of 2027 is F2027-00001."""
    a, b = diagnosed(db), diagnosed(db, email="z@example.com", phone="")
    iv.issue_invoice(db, a.id, settings=settings, actor="x", at=datetime(2026, 12, 31, 23, 59, tzinfo=TZ))
    inv = iv.issue_invoice(db, b.id, settings=settings, actor="x", at=datetime(2027, 1, 1, 0, 1, tzinfo=TZ))
    assert inv.number == "F2027-00001"


def test_concurrent_issuing_gives_gapless_unique_numbers(db, settings):
    """12 threads issue at once (plus 4 failing issues and 2 racing on one request): 1..N, no gap."""
    good = [diagnosed(db, email=f"c{i}@example.com", phone="") for i in range(12)]
    bad = [make_request(db, email=f"x{i}@example.com", phone="") for i in range(4)]
    targets = [r.id for r in good] + [r.id for r in bad] + [good[0].id, good[1].id]
    barrier = threading.Barrier(len(targets))
    numbers: list[str] = []
    errors: list[str] = []

    def issue(rid: int) -> None:
        barrier.wait()
        try:
            numbers.append(iv.issue_invoice(db, rid, settings=settings, actor="t", at=ISSUED).number)
        except (InvalidTransition, ConflictError) as err:
            errors.append(type(err).__name__)

    threads = [threading.Thread(target=issue, args=(rid,)) for rid in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == [f"F2026-{n:05d}" for n in range(1, 13)]
    assert len(errors) == 6
    stored = sorted(i.number for i in iv.list_invoices(db))
    assert stored == sorted(numbers)
    assert {i.request_id for i in iv.list_invoices(db)} == {r.id for r in good}


def test_database_itself_refuses_raw_updates_of_issued_invoices(db, settings):
    """Even a raw SQL UPDATE (bypassing the ORM) is refused by a trigger; the total is unchanged."""
    req = diagnosed(db)
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="x")
    for stmt in ("UPDATE invoices SET total = 1", "UPDATE invoice_lines SET amount = 0"):
        with pytest.raises(ConflictError, match="immutable"), db.write() as s:
            s.execute(sa.text(stmt))
    assert iv.get_invoice(db, inv.number).total == inv.total


def _issue_in_process(url: str, data_dir: str, request_ids: list[int], queue) -> None:
    """Child process: open the database itself and issue invoices for ``request_ids``."""
    from dispatch.settings import load_settings
    from tests.conftest import with_legal_identity

    settings = with_legal_identity(load_settings(data_dir=data_dir, env={}))
    db = st.open_database(url)
    try:
        for rid in request_ids:
            queue.put(iv.issue_invoice(db, rid, settings=settings, actor="p", at=ISSUED).number)
    finally:
        db.close()


def test_concurrent_processes_share_one_gapless_sequence(db, db_url, settings):
    """3 processes, each with its own connections, issue 4 invoices each: F2026-00001..00012."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    reqs = [diagnosed(db, email=f"p{i}@example.com", phone="").id for i in range(12)]
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_issue_in_process, args=(db_url, str(settings.data_dir), reqs[i::3], queue))
        for i in range(3)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    numbers = sorted(queue.get(timeout=5) for _ in range(12))
    assert numbers == [f"F2026-{n:05d}" for n in range(1, 13)]


def test_payments_are_listed_by_date_range(db, settings):
    """list_payments returns the payments received in [since, until), oldest first."""
    req = diagnosed(db)
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="x")
    for day, amount in ((4, "10.00"), (5, "20.00"), (6, "30.00")):
        iv.record_payment(db, inv.number, method="cash", amount=amount, actor="x",
                          received_at=datetime(2026, 12, day, 12, tzinfo=TZ))  # fmt: skip
    got = iv.list_payments(db, since=datetime(2026, 12, 5, tzinfo=TZ), until=datetime(2026, 12, 6, tzinfo=TZ))
    assert [(p.invoice_number, p.amount) for p in got] == [(inv.number, D("20.00"))]
    assert len(iv.list_payments(db)) == 3


def test_remote_interrupted_invoice_has_no_travel(db, settings):
    """Remote session interrupted after 10 min: one line 21.25, total 24.43, no travel line."""
    req = make_request(db, remote_ok=True, coverage=CORE_COVERAGE)
    st.start_remote_session(db, req.id, actor="t", consent=True)
    st.end_remote_session(db, req.id, minutes=10, interrupted=True, actor="t")
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="x")
    assert [(ln.kind, str(ln.amount)) for ln in inv.lines] == [("diagnostic", "21.25")]
    assert inv.total == D("24.43") and "Soutien à distance" in inv.visit_summary


def test_workshop_repair_invoice_bills_repairs_and_return_travel(db, settings):
    """Workshop path: travel 35.00 + 30 min 42.50 + repair 250.00 + return travel 35.00 = 362.50."""
    req = diagnosed(db, minutes=30, outcome="in_workshop", coverage=CORE_COVERAGE)
    st.record_workshop_repair(db, req.id, repair_lines=[("Carte mère", "250.00")], actor="t")
    start = datetime(2026, 12, 10, 13, tzinfo=TZ)
    st.book_appointment(db, req.id, start=start, end=start.replace(hour=15), kind="return", witness="Paul", actor="b")
    st.record_return(db, req.id, tested_with="Paul (fils)", actor="t")
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="x")
    assert [(ln.kind, str(ln.amount)) for ln in inv.lines] == [
        ("travel", "35.00"), ("diagnostic", "42.50"), ("repair", "250.00"), ("travel", "35.00"),
    ]
    # 362.50; GST 18.125 -> 18.13; QST 36.159375 -> 36.16; total 416.79
    assert (inv.subtotal, inv.gst, inv.qst, inv.total) == (D("362.50"), D("18.13"), D("36.16"), D("416.79"))
    assert "en présence de Paul (fils)" in inv.visit_summary


# --------------------------------------------------------------------------------------------
# Retention: an invoice cannot disappear (issue 18)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["invoices", "invoice_lines", "payments"])
def test_raw_delete_of_an_invoice_within_retention_is_refused(db, settings, table):
    """A plain SQL DELETE on an invoice, its lines or its payments within retention is refused by
    the database itself, with a clear message; nothing is deleted."""
    req = diagnosed(db, coverage=CORE_COVERAGE)
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="lea", at=ISSUED)
    iv.record_payment(db, inv.number, method="cash", amount=inv.total, actor="lea", received_at=ISSUED)
    with pytest.raises(ConflictError, match="cannot be deleted before the end of its retention period"), db.write() as s:
        s.execute(sa.text(f"DELETE FROM {table}"))
    kept = iv.get_invoice(db, inv.number)
    assert (len(kept.lines), len(kept.payments), kept.total) == (len(inv.lines), 1, inv.total)


def test_raw_delete_of_an_invoice_past_retention_is_allowed(db, settings):
    """Issued 8 years ago (kept 6): the database lets its payments, lines and row go."""
    req = diagnosed(db, coverage=CORE_COVERAGE)
    old = datetime(ISSUED.year - 8, 3, 1, 10, tzinfo=TZ)
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="lea", at=old)
    with db.write() as s:
        for table in ("payments", "invoice_lines", "invoices"):
            s.execute(sa.text(f"DELETE FROM {table}"))
    assert iv.list_invoices(db) == [] and inv.retain_until < datetime.now(TZ).date()


def test_invoice_keeps_no_email_or_phone_of_the_customer(db, settings):
    """Tax law needs the name, address and amounts: the e-mail and phone are neither stored
    nor printed on the invoice."""
    from dispatch.billing import documents

    req = diagnosed(db, coverage=CORE_COVERAGE, email="marie@example.com", phone="450 555-1234")
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="lea", at=ISSUED)
    with db.write() as s:
        row = s.scalars(sa.select(st.InvoiceRow)).one()
        assert (row.customer_email, row.customer_phone) == ("", "")
    page = documents.invoice_html(inv, settings=settings)
    assert "marie@example.com" not in page and "555-1234" not in page and "Marie Tremblay" in page
    assert set(inv.to_dict()["customer"]) == {"name", "address"}


@pytest.fixture(params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    """URL of a new, EMPTY database (no schema), SQLite or PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    import uuid

    from tests.storage_support import _admin_engine, pg_url_or_skip

    url = pg_url_or_skip()
    name = f"opms_m_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_upgrade_empties_the_email_and_phone_of_existing_invoices_and_keeps_them_immutable(empty_url):
    """An invoice stored before 0004 with the customer's e-mail and phone: the upgrade empties
    them (and only them); afterwards the invoice is still immutable and cannot be deleted."""
    from dispatch.records.migrations import run_upgrade

    old = st.open_database(empty_url, migrate=False)
    run_upgrade(old.engine, "0003")
    with old.write() as s:
        s.add(st.InvoiceRow(
            number="F2026-00001", kind="invoice", issued_at=ISSUED, customer_name="Marie Tremblay",
            customer_address="1 rue X, Mascouche", customer_email="marie@example.com",
            customer_phone="450 555-1234", subtotal=D("10.00"), gst=D("0.50"), qst=D("1.00"),
            total=D("11.50"), retain_until=ISSUED.date().replace(year=2032),
        ))  # fmt: skip
    old.close()
    db = st.open_database(empty_url)
    try:
        inv = iv.get_invoice(db, "F2026-00001")
        assert (inv.customer_name, inv.customer_address, inv.total) == ("Marie Tremblay", "1 rue X, Mascouche", D("11.50"))
        with db.write() as s:
            row = s.scalars(sa.select(st.InvoiceRow)).one()
            assert (row.customer_email, row.customer_phone) == ("", "")
        with pytest.raises(ConflictError), db.write() as s:
            s.execute(sa.text("UPDATE invoices SET total = 0"))
        with pytest.raises(ConflictError, match="retention"), db.write() as s:
            s.execute(sa.text("DELETE FROM invoices"))
    finally:
        db.close()
