"""GST and QST of a period: what the owner copies into the returns (Revenu Québec files both).

The taxes are those **billed**: every invoice issued in the period adds its GST and QST, every
credit note issued in the period subtracts its own (a credit note is a reduction of the tax
collected, in the period it is issued, whatever the period of the invoice it credits). The
figures are the amounts printed on the documents (each rounded to the cent when issued), so
the report's totals are exactly the sum of the listed lines. Payments do not change the
taxes: the return is on what was billed, not on what was received.

:func:`tax_report` is pure: it takes the stored documents (:class:`dispatch.billing.ledger.Invoice`)
and a :class:`~dispatch.reports.periods.Period`, and keeps those issued in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dispatch.i18n import N_, _
from dispatch.money import ZERO

if TYPE_CHECKING:
    from dispatch.billing.ledger import Invoice
    from dispatch.reports.periods import Period

#: The French notice of a period without any document (shown instead of an error).
NO_INVOICE = N_("No invoice or credit note in this period: nothing to declare (0,00 $ of GST and QST).")


@dataclass(frozen=True)
class TaxLine:
    """One document of the tax report; a credit note's amounts are negative."""

    issued_at: datetime
    number: str
    kind: str  # "invoice" or "credit_note"
    credits_number: str | None
    customer: str
    subtotal: Decimal
    gst: Decimal
    qst: Decimal
    total: Decimal

    @property
    def day(self) -> date:
        return self.issued_at.date()

    def kind_label(self) -> str:
        """``Facture`` or ``Note de crédit``."""
        return _("Credit note") if self.kind == "credit_note" else _("Invoice")

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "issued_at": self.issued_at.isoformat(),
            "number": self.number,
            "kind": self.kind,
            "credits": self.credits_number,
            "customer": self.customer,
            "subtotal": str(self.subtotal),
            "gst": str(self.gst),
            "qst": str(self.qst),
            "total": str(self.total),
        }


@dataclass(frozen=True)
class TaxPeriod:
    """The taxes of one step of the period's time series (a day, a week or a month)."""

    start: date
    gst: Decimal
    qst: Decimal


@dataclass(frozen=True)
class TaxReport:
    """GST and QST billed in a period, with the documents that make them up."""

    period: Period
    lines: tuple[TaxLine, ...]
    invoice_count: int
    credit_note_count: int
    subtotal: Decimal
    gst: Decimal
    qst: Decimal
    total: Decimal
    series: tuple[TaxPeriod, ...]

    @property
    def empty(self) -> bool:
        """No document in the period (every total is zero)."""
        return not self.lines

    def notice(self) -> str:
        """The honest French sentence of an empty period ("aucune facture"), else ``""``."""
        return _(NO_INVOICE) if self.empty else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.to_dict(),
            "invoices": self.invoice_count,
            "credit_notes": self.credit_note_count,
            "subtotal": str(self.subtotal),
            "gst": str(self.gst),
            "qst": str(self.qst),
            "total": str(self.total),
            "notice": self.notice(),
            "lines": [ln.to_dict() for ln in self.lines],
            "series": [
                {"start": p.start.isoformat(), "gst": str(p.gst), "qst": str(p.qst)} for p in self.series
            ],
        }


def tax_line(doc: Invoice) -> TaxLine:
    """The line of one stored invoice (positive) or credit note (negative)."""
    sign = Decimal(-1) if doc.kind == "credit_note" else Decimal(1)
    return TaxLine(
        issued_at=doc.issued_at,
        number=doc.number,
        kind=doc.kind,
        credits_number=doc.credits_number,
        customer=doc.customer_name,
        subtotal=sign * doc.subtotal,
        gst=sign * doc.gst,
        qst=sign * doc.qst,
        total=sign * doc.total,
    )


def tax_report(documents: Iterable[Invoice], period: Period) -> TaxReport:
    """GST and QST billed in ``period``: invoices issued in it minus credit notes issued in it.

    Parameters
    ----------
    documents
        Stored invoices and credit notes (any period: those outside are left out).
    period
        The report's days (midnight to midnight, Montréal).

    Returns
    -------
    TaxReport
        Lines in issue order; totals are their exact sums (all zero for an empty period).
    """
    lines = tuple(
        tax_line(d)
        for d in sorted(documents, key=lambda d: (d.issued_at, d.number))
        if period.contains(d.issued_at)
    )
    buckets = {b: [ZERO, ZERO] for b in period.buckets()}
    for ln in lines:
        acc = buckets[period.bucket_of(ln.issued_at)]
        acc[0] += ln.gst
        acc[1] += ln.qst
    return TaxReport(
        period=period,
        lines=lines,
        invoice_count=sum(1 for ln in lines if ln.kind != "credit_note"),
        credit_note_count=sum(1 for ln in lines if ln.kind == "credit_note"),
        subtotal=sum((ln.subtotal for ln in lines), ZERO),
        gst=sum((ln.gst for ln in lines), ZERO),
        qst=sum((ln.qst for ln in lines), ZERO),
        total=sum((ln.total for ln in lines), ZERO),
        series=tuple(TaxPeriod(b, g, q) for b, (g, q) in buckets.items()),
    )


__all__ = ["NO_INVOICE", "TaxLine", "TaxPeriod", "TaxReport", "tax_line", "tax_report"]
