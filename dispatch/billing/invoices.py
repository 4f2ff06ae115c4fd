"""Invoices, credit notes and payments, stored: numbering, immutability, balance.

* **Numbers** are sequential with no gaps, per series and year: ``F2026-00001``,
  ``F2026-00002``... (credit notes ``AV2026-00001``...; prefixes in ``[billing]``). The next
  number is taken inside the transaction that stores the invoice (one counter row per series,
  incremented with a row lock), so a failed or concurrent issue never skips nor repeats one.
* **Immutability**: an issued invoice and its lines are never updated (the ORM refuses it);
  a correction is a **credit note** referring to it, for the whole invoice or a pre-tax amount.
* **Payments**: cash, cheque, bank transfer, Interac e-Transfer, PayPal, Square, each with its
  reference (all but cash); partial payments; the balance due is total - credit notes -
  payments. When the balance reaches zero the request becomes ``paid``.
* Each invoice carries an **Interac reference** (:func:`dispatch.billing.rules.interac_reference`)
  printed on it, for the customer's e-Transfer message.

Typical use::

    inv = issue_invoice(db, request_id, settings=settings, actor="lea")
    record_payment(db, inv.number, method="interac", amount=inv.total, reference="CA1234",
                   actor="lea")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from babel.dates import format_date
from sqlalchemy.orm import Session

from dispatch.billing import rules as bl
from dispatch.billing.fees import TravelFee
from dispatch.billing.numbering import format_number, next_number
from dispatch.errors import InvalidInput, InvalidTransition, NotFound
from dispatch.i18n import N_, _, active_language
from dispatch.money import ZERO, format_money
from dispatch.records import (
    AddressRow,
    CustomerRow,
    Database,
    InvoiceLineRow,
    InvoiceRow,
    PaymentRow,
    RequestRow,
    VisitRow,
    audit,
    now,
)
from dispatch.records.guards import _aware, _get, _set_state
from dispatch.records.lifecycle import BILLABLE, State, state_label

if TYPE_CHECKING:
    from dispatch.settings import Settings


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
    customer_email: str
    customer_phone: str
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
                "email": self.customer_email,
                "phone": self.customer_phone,
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
        customer_email=row.customer_email,
        customer_phone=row.customer_phone,
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


def _row_by_number(s: Session, number: str) -> InvoiceRow:
    row = s.scalars(sa.select(InvoiceRow).where(InvoiceRow.number == number.strip())).first()
    if row is None:
        msg = N_("No invoice or credit note numbered {number!r}.")
        raise NotFound(msg, number=number)
    return row


def get_invoice(db: Database, number: str) -> Invoice:
    """The invoice (or credit note) with this number (raise NotFound)."""
    with db.read() as s:
        return invoice_from_row(s, _row_by_number(s, number))


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


# --------------------------------------------------------------------------------------------
# Issuing
# --------------------------------------------------------------------------------------------


def _retain_until(issued: datetime, years: int) -> date:
    d = issued.date()
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _store(
    s: Session,
    *,
    settings: Settings,
    kind: str,
    bill: bl.Bill,
    when: datetime,
    customer: CustomerRow | None,
    address_text: str,
    request_id: int | None,
    credited: InvoiceRow | None = None,
    visit_summary: str = "",
    reason: str = "",
    actor: str,
) -> InvoiceRow:
    b = settings.billing
    prefix = b.invoice_prefix if kind == "invoice" else b.credit_note_prefix
    year = when.year
    number = format_number(prefix, year, next_number(s, f"{prefix}{year}"))
    src = credited
    row = InvoiceRow(
        number=number,
        kind=kind,
        request_id=request_id,
        customer_id=customer.id if customer is not None else (src.customer_id if src else None),
        credited_invoice_id=credited.id if credited is not None else None,
        issued_at=when,
        customer_name=customer.name if customer is not None else (src.customer_name if src else ""),
        customer_address=address_text,
        customer_email=customer.email if customer is not None else (src.customer_email if src else ""),
        customer_phone=customer.phone if customer is not None else (src.customer_phone if src else ""),
        outcome=bill.outcome,
        subtotal=bill.subtotal,
        gst=bill.gst,
        qst=bill.qst,
        total=bill.total,
        gst_number=b.gst_number,
        qst_number=b.qst_number,
        interac_ref=bl.interac_reference(number) if kind == "invoice" else "",
        visit_summary=visit_summary,
        reason=reason,
        retain_until=_retain_until(when, b.retention_years),
    )
    s.add(row)
    s.flush()
    for pos, ln in enumerate(bill.lines, start=1):
        s.add(
            InvoiceLineRow(
                invoice_id=row.id, position=pos, kind=ln.kind, label=ln.label, detail=ln.detail,
                amount=ln.amount,
            )
        )
    s.flush()
    audit(s, actor, "issue", kind, row.id, number=number, total=bill.total)
    return row


def _summary(visits: list[VisitRow], state: str) -> str:
    parts = []
    kinds = {"visit": N_("Visit"), "return": N_("Return visit"), "remote": N_("Remote support")}
    for v in visits:
        when = format_date(v.arrived_at, format="long", locale=active_language()) if v.arrived_at else ""
        what = _(kinds[v.kind])
        pieces = [_("{visit} of {date}").format(visit=what, date=when) if when else what]
        if v.diagnostic_min:
            pieces.append(_("diagnostic {minutes} min").format(minutes=v.diagnostic_min))
        if v.tested_with:
            pieces.append(_("equipment tested in the presence of {name}").format(name=v.tested_with))
        parts.append(", ".join(pieces))
    parts.append(state_label(state))
    return " ; ".join(parts)


def _bill_for(
    s: Session, req: RequestRow, *, settings: Settings, travel_amount: Decimal | None
) -> tuple[bl.Bill, list[VisitRow], AddressRow]:
    state = State(req.state)
    addr = s.get_one(AddressRow, req.address_id)
    visits = list(
        s.scalars(sa.select(VisitRow).where(VisitRow.request_id == req.id).order_by(VisitRow.id))
    )
    if state is State.CANCELLED and req.cancellation_fee:
        line = bl.Line(
            "fee",
            _("Late cancellation fee"),
            req.cancellation_fee,
            _("Cancelled less than {hours} h before the appointment").format(
                hours=settings.tariff.cancellation_notice_h
            ),
        )
        b = settings.billing
        return bl.total_of([line], gst_rate=b.gst_rate, qst_rate=b.qst_rate, outcome="late_cancellation"), visits, addr
    if state not in BILLABLE:
        billable = ", ".join(s_.value for s_ in BILLABLE)
        msg = N_(
            "Request {id} is {state} (« {label} »): an invoice is issued only "
            "once the visit has an outcome ({billable}) or for a late cancellation with a fee."
        )
        raise InvalidTransition(msg, id=req.id, state=state.value, label=state_label(state), billable=billable)
    first = next((v for v in visits if v.kind in {"visit", "remote"}), None)
    remote = first is not None and first.kind == "remote"
    minutes = (first.diagnostic_min or 0) if first is not None else 0
    repairs = [(ln["label"], ln["amount"]) for ln in (first.repair_lines or [])] if first else []
    amount: Decimal | None
    if travel_amount is not None:
        amount = bl.money(travel_amount)
        expl = (addr.fee_explanation + " ; " if addr.fee_explanation else "") + (
            _("agreed amount {amount}").format(amount=format_money(amount))
        )
    else:
        amount, expl = addr.travel_fee, addr.fee_explanation or _("Travel")
    travel = TravelFee(amount, addr.zone or "outside", addr.road_km, _("the workshop"), expl, amount is None)
    if travel.amount is None and not remote:
        msg = N_(
            "The travel fee of request {id} is on quote ({explanation}); "
            "give the agreed amount (--travel-amount) to issue the invoice."
        )
        raise InvalidInput(msg, id=req.id, explanation=travel.explanation or _("no coverage"))
    returned = state is State.RETURNED
    bill = bl.price(
        BILLABLE[state],
        diagnostic_min=minutes,
        billing=settings.billing,
        travel=travel,
        remote=remote,
        repairs=repairs if BILLABLE[state] == "accepted" else (),
        return_travel=travel if returned else None,
    )
    return bill, visits, addr


def issue_invoice(
    db: Database,
    request_id: int,
    *,
    settings: Settings,
    actor: str,
    at: datetime | None = None,
    travel_amount: Decimal | None = None,
) -> Invoice:
    """Issue the invoice of a request whose visit has an outcome, in one transaction.

    The lines come from the billing rules (:func:`dispatch.billing.rules.price`) over the recorded
    visit (diagnostic minutes, repairs) and the travel fee found at intake;
    ``travel_amount`` sets the fee of an "on quote" trip. The request becomes ``invoiced``
    (a late cancellation with a fee is invoiced and stays ``cancelled``).

    Raises
    ------
    InvalidTransition
        The request has no billable outcome yet, or is already invoiced.
    """
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        if req.state == State.CANCELLED.value:
            already = s.scalars(
                sa.select(InvoiceRow.id).where(
                    InvoiceRow.request_id == req.id, InvoiceRow.kind == "invoice"
                )
            ).first()
            if already is not None:
                msg = N_("The late cancellation of request {id} is already invoiced.")
                raise InvalidTransition(msg, id=req.id)
        bill, visits, addr = _bill_for(s, req, settings=settings, travel_amount=travel_amount)
        customer = s.get(CustomerRow, req.customer_id)
        summary = _summary(visits, req.state)
        if req.state != State.CANCELLED.value:
            _set_state(s, req, State.INVOICED, actor)
        row = _store(
            s,
            settings=settings,
            kind="invoice",
            bill=bill,
            when=when,
            customer=customer,
            address_text=addr.text,
            request_id=req.id,
            visit_summary=summary,
            actor=actor,
        )
        s.flush()
        return invoice_from_row(s, row)


def issue_credit_note(
    db: Database,
    number: str,
    *,
    reason: str,
    settings: Settings,
    actor: str,
    amount: Decimal | None = None,
    at: datetime | None = None,
) -> Invoice:
    """Issue a credit note against invoice ``number``: all of it (``amount=None``) or a pre-tax amount.

    The invoice itself is never changed; its balance drops by the credit note's total.
    """
    if not reason.strip():
        msg = N_("A credit note needs its reason (printed on it).")
        raise InvalidInput(msg)
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        inv_row = _row_by_number(s, number)
        if inv_row.kind != "invoice":
            msg = N_("{number} is a credit note; only an invoice can be credited.")
            raise InvalidInput(msg, number=number)
        inv = invoice_from_row(s, inv_row)
        lines = bl.credit_lines(inv.lines, amount, reason)
        b = settings.billing
        bill = bl.total_of(lines, gst_rate=b.gst_rate, qst_rate=b.qst_rate, outcome="credit")
        room = inv.total - inv.credited - inv.paid
        if bill.total > inv.total - inv.credited:
            msg = N_(
                "Invoice {number} has {left} left to credit; this credit note "
                "would total {total}."
            )
            raise InvalidInput(msg, number=number, left=inv.total - inv.credited, total=bill.total)
        row = _store(
            s,
            settings=settings,
            kind="credit_note",
            bill=bill,
            when=when,
            customer=None,
            address_text=inv_row.customer_address,
            request_id=inv_row.request_id,
            credited=inv_row,
            visit_summary=_("Credit on invoice {number}").format(number=number),
            reason=reason.strip(),
            actor=actor,
        )
        audit(s, actor, "credit", "invoice", inv_row.id, credit_note=row.number, refund_due=bill.total > room)
        s.flush()
        return invoice_from_row(s, row)


def record_payment(
    db: Database,
    number: str,
    *,
    method: str,
    amount: object,
    reference: str = "",
    actor: str,
    received_at: datetime | None = None,
) -> Invoice:
    """Record a payment (possibly partial) of invoice ``number``; returns the updated invoice.

    Refused when it exceeds the balance due. When the balance reaches zero the request moves
    ``invoiced -> paid``.
    """
    m, amt, ref = bl.check_payment(method, amount, reference)
    when = _aware(received_at, "received_at") if received_at is not None else now()
    with db.write() as s:
        row = _row_by_number(s, number)
        if row.kind != "invoice":
            msg = N_("{number} is a credit note; record the payment on the invoice.")
            raise InvalidInput(msg, number=number)
        inv = invoice_from_row(s, row)
        if amt > inv.balance:
            msg = N_("Payment of {amount} exceeds the balance due of invoice {number} ({balance}).")
            raise InvalidInput(msg, amount=amt, number=number, balance=inv.balance)
        pay = PaymentRow(
            invoice_id=row.id, method=m.value, reference=ref, amount=amt, received_at=when,
            recorded_by=actor,
        )
        s.add(pay)
        s.flush()
        audit(s, actor, "payment", "invoice", row.id, method=m.value, amount=amt)
        inv = invoice_from_row(s, row)
        if inv.balance == 0 and row.request_id is not None:
            req = s.get_one(RequestRow, row.request_id)
            if req.state == State.INVOICED.value:
                _set_state(s, req, State.PAID, actor, invoice=number)
        s.flush()
        return inv


__all__ = [
    "Invoice",
    "Payment",
    "get_invoice",
    "invoice_from_row",
    "issue_credit_note",
    "issue_invoice",
    "list_invoices",
    "list_payments",
    "record_payment",
]
