"""One function per event, building its messages and writing them to the outbox.

Every function takes the **session of the event's transaction** (``with db.write() as s``),
so the messages are stored if and only if the event is: a rolled-back booking sends nothing,
a committed one cannot lose its message. Each message has an idempotency key naming the
event, its subject and the channel (``appointment_confirmed:7:2026-12-09T13:00:00-05:00:email``):
calling a function twice for the same event writes nothing new.

For each event, an e-mail when the customer has an address, and a text message when SMS is
enabled (``[sms] enabled``) and the customer has a phone number, on the channels the customer
agreed to (:mod:`dispatch.messaging.consent`); the other channels are skipped. A customer who
agreed to no channel at all gets ``cancelled`` traces (the office sees why nothing went
out), never a sent message.

Events and where they are called:

* :func:`request_received`: :func:`dispatch.office.intake.submit`;
* :func:`appointment_confirmed`: a call agreeing a time (:func:`dispatch.office.calls.record_call`),
  the ``.ics`` invitation attached;
* :func:`day_before_reminders`: the worker, once a day (:mod:`dispatch.messaging.worker`);
* :func:`en_route`: when the technician starts the leg (ETA of the published plan);
* :func:`invoice_issued`: when an invoice is issued (PDF attached, Interac/PayPal instructions);
* :func:`workshop_ready`: when a workshop device becomes ready;
* :func:`cancellation_acknowledged`: a cancelled request (late or not, and the fee).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.errors import NotFound
from dispatch.i18n import N_, _
from dispatch.messaging import consent
from dispatch.messaging.outbox import Attachment, Draft, enqueue, sender_domain
from dispatch.messaging.rendering import french_window, render
from dispatch.records import now
from dispatch.records.schema import (
    AddressRow,
    AppointmentRow,
    CustomerRow,
    InvoiceRow,
    RequestRow,
    TechnicianRow,
)
from dispatch.settings import TZ

if TYPE_CHECKING:
    from dispatch.settings import Settings

#: The events and their labels (English msgids: the office pages translate them).
EVENTS: dict[str, str] = {
    "request_received": N_("Request received"),
    "appointment_confirmed": N_("Appointment confirmed"),
    "reminder": N_("Day-before reminder"),
    "en_route": N_("On the way"),
    "invoice_issued": N_("Invoice issued"),
    "workshop_ready": N_("Device ready"),
    "cancellation": N_("Cancellation acknowledged"),
}


def sms_number(phone: str) -> str | None:
    """A North American phone number in E.164 form (``+14505551234``), else ``None``."""
    text = phone.strip()
    digits = re.sub(r"\D", "", text.split("poste")[0].split("ext")[0].split("#")[0])
    if len(digits) == 10 and digits[0] in "23456789":
        return f"+1{digits}"
    if len(digits) == 11 and digits[0] == "1":
        return f"+{digits}"
    if text.startswith("+") and 8 <= len(digits) <= 15:
        return f"+{digits}"
    return None


def _get(s: Session, model: Any, ident: int, what: str) -> Any:
    row = s.get(model, ident)
    if row is None:
        msg = N_("No {what} {id}: check the number.")
        raise NotFound(msg, what=what, id=ident)
    return row


def _unsubscribe_url(s: Session, customer_id: int, settings: Settings) -> str:
    base = settings.mail.public_url.rstrip("/")
    if not base:
        return ""
    token = consent.unsubscribe_token(s, customer_id)
    return f"{base}/desabonnement?jeton={token}" if token else ""


def _notify(
    s: Session,
    *,
    event: str,
    key: str,
    customer: CustomerRow,
    request_id: int | None,
    context: dict[str, Any],
    settings: Settings,
    attachments: Sequence[Attachment] = (),
    at: datetime | None = None,
) -> list[int]:
    """Enqueue the e-mail and the SMS of one event for one customer; returns the ids written."""
    if customer.erased_at is not None:
        return []
    ctx = {
        "customer_name": customer.name, "request_id": request_id,
        "unsubscribe_url": _unsubscribe_url(s, customer.id, settings), **context,
    }  # fmt: skip
    texts = render(event, ctx, settings=settings)
    ids: list[int] = []
    targets: list[tuple[str, str]] = []
    if customer.email.strip():
        targets.append(("email", customer.email.strip()))
    if settings.sms.enabled:
        number = sms_number(customer.phone or "")
        if number:
            targets.append(("sms", number))
    agreed = {c for c, _r in targets if consent.allowed(s, customer.id, c)}
    for channel, recipient in targets:
        if agreed and channel not in agreed:
            continue  # the customer chose other channels: nothing to show for this one
        draft = Draft(
            channel=channel, event=event, recipient=recipient, request_id=request_id,
            customer_id=customer.id,
            subject=texts.subject if channel == "email" else "",
            body=texts.text if channel == "email" else texts.sms,
            html=texts.html if channel == "email" else "",
            attachments=tuple(attachments) if channel == "email" else (),
        )  # fmt: skip
        reason = None if channel in agreed else _("No consent of the customer for this channel.")
        row_id, _created = enqueue(
            s, draft, key=f"{key}:{channel}", settings=settings, at=at, cancelled_reason=reason
        )
        ids.append(row_id)
    return ids


def _request_parts(s: Session, request_id: int) -> tuple[RequestRow, CustomerRow, AddressRow]:
    req = _get(s, RequestRow, request_id, "request")
    return req, _get(s, CustomerRow, req.customer_id, "customer"), _get(s, AddressRow, req.address_id, "address")


def request_received(s: Session, request_id: int, *, settings: Settings, at: datetime | None = None) -> list[int]:
    """The acknowledgement of a new request, with its number."""
    req, cust, _addr = _request_parts(s, request_id)
    return _notify(
        s, event="request_received", key=f"request_received:{req.id}", customer=cust,
        request_id=req.id, context={"problem": req.problem}, settings=settings, at=at,
    )  # fmt: skip


def appointment_ics(appt: AppointmentRow, *, address: str, settings: Settings, stamp: datetime) -> bytes:
    """The appointment as an iCalendar invitation (``METHOD:PUBLISH``, times in UTC).

    The UID is the appointment's, its SEQUENCE the appointment's version: a moved appointment
    updates the event already in the customer's calendar.
    """
    import icalendar  # lazy: only the events with an invitation need it

    cal = icalendar.Calendar()
    cal.add("prodid", "-//opms-dispatch//rendez-vous//FR")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    ev = icalendar.Event()
    ev.add("uid", f"appointment-{appt.id}@{sender_domain(settings)}")
    ev.add("dtstamp", stamp.astimezone(UTC))
    ev.add("dtstart", appt.window_start.astimezone(UTC))
    ev.add("dtend", appt.window_end.astimezone(UTC))
    ev.add("sequence", int(appt.version or 1))
    ev.add("summary", f"{settings.general.company_name} : rendez-vous")
    if appt.kind != "remote":
        ev.add("location", address)
    ev.add(
        "description",
        f"Plage d'arrivée du technicien : {french_window(appt.window_start, appt.window_end)}. "
        f"{settings.general.company_name} {settings.general.company_phone}".strip(),
    )
    cal.add_component(ev)
    return bytes(cal.to_ical())


def _window_context(appt: AppointmentRow, addr: AddressRow, settings: Settings) -> dict[str, Any]:
    return {
        "window": french_window(appt.window_start, appt.window_end),
        "address": addr.text, "remote": appt.kind == "remote",
        "notice_h": settings.tariff.cancellation_notice_h,
        "late_fee": settings.tariff.late_cancellation_fee or None,
    }  # fmt: skip


def appointment_confirmed(
    s: Session, appointment_id: int, *, settings: Settings, at: datetime | None = None
) -> list[int]:
    """The appointment agreed with the customer, its window and an ``.ics`` invitation.

    The key holds the window: a moved appointment sends a new confirmation.
    """
    appt = _get(s, AppointmentRow, appointment_id, "appointment")
    req, cust, addr = _request_parts(s, appt.request_id)
    ics = appointment_ics(appt, address=addr.text, settings=settings, stamp=at or now())
    return _notify(
        s, event="appointment_confirmed",
        key=f"appointment_confirmed:{appt.id}:{appt.window_start.isoformat()}",
        customer=cust, request_id=req.id, context=_window_context(appt, addr, settings),
        settings=settings, attachments=[Attachment("rendez-vous.ics", "text/calendar", ics)], at=at,
    )  # fmt: skip


def day_before_reminders(s: Session, day: date, *, settings: Settings, at: datetime | None = None) -> list[int]:
    """Reminders for every appointment of ``day`` still on (scheduled or confirmed)."""
    lo = datetime.combine(day, datetime.min.time(), tzinfo=TZ)
    appts = s.scalars(
        sa.select(AppointmentRow)
        .where(AppointmentRow.window_start >= lo, AppointmentRow.window_start < lo + timedelta(days=1))
        .where(AppointmentRow.status.in_(["scheduled", "confirmed"]))
        .order_by(AppointmentRow.window_start, AppointmentRow.id)
    ).all()
    ids: list[int] = []
    for appt in appts:
        req, cust, addr = _request_parts(s, appt.request_id)
        if req.state == "cancelled":
            continue
        ids += _notify(
            s, event="reminder", key=f"reminder:{appt.id}:{appt.window_start.isoformat()}",
            customer=cust, request_id=req.id, context=_window_context(appt, addr, settings),
            settings=settings, at=at,
        )  # fmt: skip
    return ids


def en_route(
    s: Session,
    appointment_id: int,
    *,
    eta: datetime,
    settings: Settings,
    at: datetime | None = None,
) -> list[int]:
    """"On the way": the technician started the leg; ``eta`` from the published plan."""
    appt = _get(s, AppointmentRow, appointment_id, "appointment")
    req, cust, addr = _request_parts(s, appt.request_id)
    tech = s.get(TechnicianRow, appt.technician_id) if appt.technician_id else None
    first_name = tech.name.split()[0] if tech is not None and tech.name.strip() else ""
    return _notify(
        s, event="en_route", key=f"en_route:{appt.id}:{appt.window_start.date().isoformat()}",
        customer=cust, request_id=req.id,
        context={"eta": eta, "technician": first_name, "address": addr.text},
        settings=settings, at=at,
    )  # fmt: skip


def invoice_issued(
    s: Session, invoice: InvoiceRow | str, *, settings: Settings, at: datetime | None = None
) -> list[int]:
    """The invoice (PDF attached) with its balance and the Interac/PayPal instructions."""
    from dispatch.billing.documents import invoice_pdf
    from dispatch.billing.ledger import invoice_from_row

    row = invoice if isinstance(invoice, InvoiceRow) else s.scalar(
        sa.select(InvoiceRow).where(InvoiceRow.number == invoice)
    )
    if row is None:
        msg = N_("No invoice {number}: check the number.")
        raise NotFound(msg, number=invoice)
    if row.customer_id is None:
        return []
    cust = _get(s, CustomerRow, row.customer_id, "customer")
    inv = invoice_from_row(s, row)
    pdf = invoice_pdf(inv, settings=settings)
    return _notify(
        s, event="invoice_issued", key=f"invoice_issued:{row.number}", customer=cust,
        request_id=row.request_id,
        context={
            "number": row.number, "total": inv.total, "balance": inv.balance,
            "interac_email": settings.billing.interac_email, "interac_ref": row.interac_ref,
        },
        settings=settings, attachments=[Attachment(f"{row.number}.pdf", "application/pdf", pdf)], at=at,
    )  # fmt: skip


def workshop_ready(
    s: Session,
    request_id: int,
    *,
    settings: Settings,
    device: str = "",
    item_id: int | None = None,
    at: datetime | None = None,
) -> list[int]:
    """The device repaired in the workshop is ready to be returned."""
    req, cust, _addr = _request_parts(s, request_id)
    return _notify(
        s, event="workshop_ready", key=f"workshop_ready:{req.id}:{item_id or 0}", customer=cust,
        request_id=req.id, context={"device": device}, settings=settings, at=at,
    )  # fmt: skip


def cancellation_acknowledged(
    s: Session, request_id: int, *, settings: Settings, at: datetime | None = None
) -> list[int]:
    """The cancellation of a request: on time or late, and the fee of a late one."""
    req, cust, _addr = _request_parts(s, request_id)
    appt = s.scalars(
        sa.select(AppointmentRow).where(AppointmentRow.request_id == req.id).order_by(
            AppointmentRow.window_start.desc()
        )
    ).first()
    window = french_window(appt.window_start, appt.window_end) if appt is not None else ""
    stamp = req.cancelled_at.isoformat() if req.cancelled_at else "0"
    return _notify(
        s, event="cancellation", key=f"cancellation:{req.id}:{stamp}", customer=cust,
        request_id=req.id,
        context={
            "late": req.cancellation == "late", "fee": req.cancellation_fee, "window": window,
            "notice_h": settings.tariff.cancellation_notice_h,
        },
        settings=settings, at=at,
    )  # fmt: skip


__all__ = [
    "EVENTS",
    "appointment_confirmed",
    "appointment_ics",
    "cancellation_acknowledged",
    "day_before_reminders",
    "en_route",
    "invoice_issued",
    "request_received",
    "sms_number",
    "workshop_ready",
]
