"""The invoice ledger, read: invoices and credit notes with their lines, credits and payments.

:class:`Invoice` and :class:`Payment` are what :mod:`dispatch.billing.invoices` returns when it
issues and what :func:`get_invoice`, :func:`list_invoices` and :func:`list_payments` read back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.billing import rules as bl
from dispatch.errors import NotFound
from dispatch.i18n import N_, _
from dispatch.money import ZERO
from dispatch.records import (
    Database,
    InvoiceLineRow,
    InvoiceRow,
    PaymentRow,
)
from dispatch.records.guards import _aware

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Payment:
    """A payment received for an invoice."""

    id: int
    invoice_number: str
    method: str
    method_label: str
    reference: str
    amount: Decimal
    received_at: datetime
    recorded_by: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "invoice": self.invoice_number,
            "method": self.method,
            "method_label": self.method_label,
            "reference": self.reference,
            "amount": str(self.amount),
            "received_at": self.received_at.isoformat(),
            "recorded_by": self.recorded_by,
        }


#: The statuses of an invoice, as printed (translated when shown).
_STATUS_LABELS = {
    "paid": N_("Paid"),
    "partial": N_("Partially paid"),
    "unpaid": N_("Unpaid"),
    "credited": N_("Cancelled by a credit note"),
    "credit_note": N_("Credit note"),
}


@dataclass(frozen=True)
class Invoice:
    """An issued invoice (or credit note) with its lines, payments and balance."""

    id: int
    number: str
    kind: str  # "invoice" or "credit_note"
    request_id: int | None
    customer_id: int | None
    credits_number: str | None
    issued_at: datetime
    customer_name: str
    customer_address: str
    outcome: str
    lines: tuple[bl.Line, ...]
    subtotal: Decimal
    gst: Decimal
    qst: Decimal
    total: Decimal
    gst_number: str
    qst_number: str
    interac_ref: str
    visit_summary: str
    reason: str
    retain_until: date
    payments: tuple[Payment, ...]
    credit_notes: tuple[str, ...]
    credited: Decimal
    paid: Decimal
    balance: Decimal

    @property
    def status(self) -> str:
        """``paid``, ``partial``, ``unpaid``, ``credited`` (fully) or ``credit_note``."""
        if self.kind == "credit_note":
            return "credit_note"
        if self.balance <= 0:
            return "paid" if self.paid > 0 or self.credited < self.total else "credited"
        return "partial" if self.paid > 0 or self.credited > 0 else "unpaid"

    @property
    def status_label(self) -> str:
        """The status in the active language, as printed."""
        return _(_STATUS_LABELS[self.status])

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "kind": self.kind,
            "request_id": self.request_id,
            "customer_id": self.customer_id,
            "credits": self.credits_number,
            "issued_at": self.issued_at.isoformat(),
            "customer": {
                "name": self.customer_name,
                "address": self.customer_address,
            },
            "outcome": self.outcome,
            "lines": [ln.to_dict() for ln in self.lines],
            "subtotal": str(self.subtotal),
            "gst": str(self.gst),
            "qst": str(self.qst),
            "total": str(self.total),
            "gst_number": self.gst_number,
            "qst_number": self.qst_number,
            "interac_ref": self.interac_ref,
            "visit": self.visit_summary,
            "reason": self.reason,
            "retain_until": self.retain_until.isoformat(),
            "payments": [p.to_dict() for p in self.payments],
            "credit_notes": list(self.credit_notes),
            "credited": str(self.credited),
            "paid": str(self.paid),
            "balance": str(self.balance),
            "status": self.status,
            "status_label": self.status_label,
        }


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def invoice_from_row(s: Session, row: InvoiceRow) -> Invoice:
    """The stored invoice ``row`` as an :class:`Invoice`, with its lines, credits and payments."""
    lines = tuple(
        bl.Line(r.kind, r.label, r.amount, r.detail)
        for r in s.scalars(
            sa.select(InvoiceLineRow)
            .where(InvoiceLineRow.invoice_id == row.id)
            .order_by(InvoiceLineRow.position)
        )
    )
    pays = tuple(
        Payment(
            p.id,
            row.number,
            p.method,
            bl.method_label(p.method),
            p.reference,
            p.amount,
            p.received_at,
            p.recorded_by,
        )
        for p in s.scalars(
            sa.select(PaymentRow).where(PaymentRow.invoice_id == row.id).order_by(PaymentRow.id)
        )
    )
    notes = s.scalars(
        sa.select(InvoiceRow).where(InvoiceRow.credited_invoice_id == row.id).order_by(InvoiceRow.id)
    ).all()
    credited = sum((n.total for n in notes), ZERO)
    paid = sum((p.amount for p in pays), ZERO)
    credits_number = None
    if row.credited_invoice_id is not None:
        credits_number = s.get_one(InvoiceRow, row.credited_invoice_id).number
    balance = ZERO if row.kind == "credit_note" else bl.balance_due(
        row.total, credited=[credited], paid=[paid]
    )
    return Invoice(
        id=row.id,
        number=row.number,
        kind=row.kind,
        request_id=row.request_id,
        customer_id=row.customer_id,
        credits_number=credits_number,
        issued_at=row.issued_at,
        customer_name=row.customer_name,
        customer_address=row.customer_address,
        outcome=row.outcome,
        lines=lines,
        subtotal=row.subtotal,
        gst=row.gst,
        qst=row.qst,
        total=row.total,
        gst_number=row.gst_number,
        qst_number=row.qst_number,
        interac_ref=row.interac_ref,
        visit_summary=row.visit_summary,
        reason=row.reason,
        retain_until=row.retain_until,
        payments=pays,
        credit_notes=tuple(n.number for n in notes),
        credited=credited,
        paid=paid,
        balance=balance,
    )


def row_by_number(s: Session, number: str) -> InvoiceRow:
    """The stored invoice or credit note ``number`` (``NotFound`` when there is none)."""
    row = s.scalars(sa.select(InvoiceRow).where(InvoiceRow.number == number.strip())).first()
    if row is None:
        msg = N_("No invoice or credit note numbered {number!r}.")
        raise NotFound(msg, number=number)
    return row


def get_invoice(db: Database, number: str) -> Invoice:
    """The invoice (or credit note) with this number (raise NotFound)."""
    with db.read() as s:
        return invoice_from_row(s, row_by_number(s, number))


def list_invoices(
    db: Database,
    *,
    customer_id: int | None = None,
    request_id: int | None = None,
    unpaid_only: bool = False,
    kind: str | None = None,
) -> list[Invoice]:
    """Invoices and credit notes in issue order, optionally filtered."""
    with db.read() as s:
        q = sa.select(InvoiceRow).order_by(InvoiceRow.issued_at, InvoiceRow.id)
        if customer_id is not None:
            q = q.where(InvoiceRow.customer_id == customer_id)
        if request_id is not None:
            q = q.where(InvoiceRow.request_id == request_id)
        if kind is not None:
            q = q.where(InvoiceRow.kind == kind)
        out = [invoice_from_row(s, r) for r in s.scalars(q)]
    if unpaid_only:
        out = [i for i in out if i.kind == "invoice" and i.balance > 0]
    return out


def list_payments(
    db: Database, *, since: datetime | None = None, until: datetime | None = None
) -> list[Payment]:
    """Payments received in ``[since, until)`` (any bound optional), oldest first."""
    with db.read() as s:
        q = (
            sa.select(PaymentRow, InvoiceRow.number)
            .join(InvoiceRow, PaymentRow.invoice_id == InvoiceRow.id)
            .order_by(PaymentRow.received_at, PaymentRow.id)
        )
        if since is not None:
            q = q.where(PaymentRow.received_at >= _aware(since, "since"))
        if until is not None:
            q = q.where(PaymentRow.received_at < _aware(until, "until"))
        return [
            Payment(
                p.id, number, p.method, bl.method_label(p.method), p.reference,
                p.amount, p.received_at, p.recorded_by,
            )
            for p, number in s.execute(q).all()
        ]


__all__ = ["Invoice", "Payment", "get_invoice", "invoice_from_row", "list_invoices", "list_payments", "row_by_number"]
