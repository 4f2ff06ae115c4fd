"""Invoices, credit notes and payments, stored: numbering, immutability, balance.

What is stored is read back through :mod:`dispatch.billing.ledger` (re-exported here).

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

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from babel.dates import format_date
from sqlalchemy.orm import Session

from dispatch.billing import rules as bl
from dispatch.billing.fees import TravelFee
from dispatch.billing.ledger import (
    Invoice,
    Payment,
    get_invoice,
    invoice_from_row,
    list_invoices,
    list_payments,
    row_by_number,
)
from dispatch.billing.numbering import format_number, next_number
from dispatch.errors import InvalidInput, InvalidTransition
from dispatch.i18n import N_, _, active_language
from dispatch.money import format_money
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
from dispatch.records.visits import visit_day
from dispatch.settings import BillingSettings

if TYPE_CHECKING:
    from dispatch.settings import Settings


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
        # tax law needs the name and address only: no e-mail or phone on the kept invoice (Law 25)
        customer_email="",
        customer_phone="",
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


def _summary(s: Session, visits: list[VisitRow], state: str) -> str:
    """The visits as printed on the invoice, each dated by its appointment's day."""
    parts = []
    kinds = {"visit": N_("Visit"), "return": N_("Return visit"), "remote": N_("Remote support")}
    for v in visits:
        day = visit_day(s, v)
        when = format_date(day, format="long", locale=active_language()) if day else ""
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


#: The placeholder legal identity of a fresh installation (``[billing]`` defaults).
PLACEHOLDERS = {
    "gst_number": BillingSettings.gst_number,
    "qst_number": BillingSettings.qst_number,
    "interac_email": BillingSettings.interac_email,
}


def legal_identity_missing(settings: Settings) -> list[str]:
    """The ``[billing]`` fields still empty or at their placeholder (an invoice needs them)."""
    b = settings.billing
    return [f for f, placeholder in PLACEHOLDERS.items() if getattr(b, f).strip() in ("", placeholder)]


def check_legal_identity(settings: Settings) -> None:
    """Refuse to invoice while the GST/QST numbers or the Interac address are placeholders.

    Raises
    ------
    InvalidInput
        French message naming the fields and where to set them.
    """
    missing = legal_identity_missing(settings)
    if missing:
        msg = N_(
            "The company's legal details are not set ({fields}): enter the GST and QST "
            "registration numbers and the Interac address in Settings › Company (or [billing] "
            "in settings.toml) before issuing an invoice."
        )
        raise InvalidInput(msg, fields=", ".join(missing))


def invoice_preview(
    db: Database, request_id: int, *, settings: Settings, travel_amount: Decimal | None = None
) -> bl.Bill:
    """The lines and totals the invoice of ``request_id`` would have; nothing is stored."""
    with db.read() as s:
        req = _get(s, RequestRow, request_id, "request")
        bill, _visits, _addr = _bill_for(s, req, settings=settings, travel_amount=travel_amount)
        return bill


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
    check_legal_identity(settings)
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
        summary = _summary(s, visits, req.state)
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
        inv_row = row_by_number(s, number)
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
        row = row_by_number(s, number)
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
    "PLACEHOLDERS",
    "Invoice",
    "Payment",
    "check_legal_identity",
    "get_invoice",
    "invoice_from_row",
    "invoice_preview",
    "issue_credit_note",
    "issue_invoice",
    "legal_identity_missing",
    "list_invoices",
    "list_payments",
    "record_payment",
]
