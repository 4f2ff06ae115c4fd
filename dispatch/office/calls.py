"""Call lists and call outcomes: who to phone, and what came of each call.

* :func:`requests_to_contact`: new requests (state ``requested``), oldest first, with the
  desired date, the coverage (zone, road km, travel fee), the office flags and past attempts.
* :func:`confirmation_calls`: the day-before calls: appointments of a day not yet confirmed,
  with name, phone, window and address.
* :func:`record_call`: log a call's outcome (``reached``, ``message_left``, ``rescheduled``,
  ``cancelled``) and apply it, in one transaction: a contact call reached with a time agreed
  books the appointment; a confirmation call reached confirms it; ``rescheduled`` moves the
  window (the new time needs a new confirmation); ``cancelled`` cancels the request (on time or
  late, see :func:`dispatch.records.lifecycle.cancellation_timing`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import records as st
from dispatch.errors import InvalidInput
from dispatch.i18n import N_, _
from dispatch.messaging import events
from dispatch.records import (
    AddressRow,
    AppointmentRow,
    CallRow,
    CustomerRow,
    Database,
    RequestRow,
)
from dispatch.records.guards import _aware, _get
from dispatch.records.lifecycle import State

if TYPE_CHECKING:
    from dispatch.settings import Settings

#: The flag the customer's link sets on confirming (:data:`dispatch.office.customer_link.FLAG_CONFIRMED`).
CONFIRMED_BY_LINK = "confirmé par le client (lien)"

#: Call outcomes and their labels (English msgids: read them with :func:`outcome_label`).
OUTCOMES: dict[str, str] = {
    "reached": N_("Reached"),
    "message_left": N_("Message left"),
    "rescheduled": N_("Appointment moved"),
    "cancelled": N_("Cancelled by the customer"),
}


def outcome_label(outcome: str) -> str:
    """The label of a call outcome in the active language (``"Joint"`` in French)."""
    return _(OUTCOMES[outcome])

#: Kinds of calls.
KINDS = ("contact", "confirmation")


@dataclass(frozen=True)
class CallItem:
    """One line of a call list."""

    kind: str
    request_id: int
    appointment_id: int | None
    name: str
    phone: str
    email: str
    address: str
    desired_date: date | None
    window_start: datetime | None
    window_end: datetime | None
    zone: str | None
    road_km: float | None
    travel_fee: Decimal | None
    remote_ok: bool
    problem: str
    flags: tuple[str, ...]
    requested_at: datetime
    attempts: int
    last_outcome: str | None
    #: ``visit`` (a first visit to book) or ``return`` (a device ready in the workshop: the
    #: return visit, where it is tested at home, to book).
    purpose: str = "visit"
    #: Day-before calls: the state of the reminder message of the appointment (``sent``,
    #: ``queued``, ``failed``, ``cancelled``; ``""``: none written).
    reminder: str = ""

    @property
    def confirmed_by_link(self) -> bool:
        """The customer confirmed the time through the link of their messages."""
        return CONFIRMED_BY_LINK in self.flags

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "purpose": self.purpose,
            "request_id": self.request_id,
            "appointment_id": self.appointment_id,
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
            "desired_date": self.desired_date.isoformat() if self.desired_date else None,
            "window_start": self.window_start.isoformat() if self.window_start else None,
            "window_end": self.window_end.isoformat() if self.window_end else None,
            "zone": self.zone,
            "road_km": self.road_km,
            "travel_fee": None if self.travel_fee is None else str(self.travel_fee),
            "remote_ok": self.remote_ok,
            "problem": self.problem,
            "flags": list(self.flags),
            "requested_at": self.requested_at.isoformat(),
            "attempts": self.attempts,
            "last_outcome": self.last_outcome,
            "reminder": self.reminder,
            "confirmed_by_link": self.confirmed_by_link,
        }


@dataclass(frozen=True)
class CallRecord:
    """A logged call."""

    id: int
    request_id: int
    appointment_id: int | None
    kind: str
    outcome: str
    note: str
    at: datetime
    actor: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "request_id": self.request_id, "appointment_id": self.appointment_id,
            "kind": self.kind, "outcome": self.outcome, "outcome_label": outcome_label(self.outcome),
            "note": self.note, "at": self.at.isoformat(), "actor": self.actor,
        }  # fmt: skip


def _attempts(s: Session, request_id: int, kind: str) -> tuple[int, str | None]:
    rows = s.scalars(
        sa.select(CallRow)
        .where(CallRow.request_id == request_id, CallRow.kind == kind)
        .order_by(CallRow.id)
    ).all()
    return len(rows), (rows[-1].outcome if rows else None)


def _item(
    s: Session,
    kind: str,
    req: RequestRow,
    cust: CustomerRow,
    addr: AddressRow,
    appt: AppointmentRow | None = None,
) -> CallItem:
    n, last = _attempts(s, req.id, kind)
    return CallItem(
        kind=kind,
        request_id=req.id,
        appointment_id=appt.id if appt is not None else None,
        name=cust.name,
        phone=cust.phone,
        email=cust.email,
        address=addr.text,
        desired_date=req.desired_date,
        window_start=appt.window_start if appt is not None else None,
        window_end=appt.window_end if appt is not None else None,
        zone=addr.zone,
        road_km=addr.road_km,
        travel_fee=addr.travel_fee,
        remote_ok=req.remote_ok,
        problem=req.problem,
        flags=tuple(req.flags or ()),
        requested_at=req.created_at,
        attempts=n,
        last_outcome=last,
    )


#: What the call list says of an appointment's day-before reminder, by message state.
REMINDER_LABELS: dict[str, str] = {
    "sent": N_("reminder sent"),
    "sending": N_("reminder being sent"),
    "queued": N_("reminder waiting to be sent"),
    "failed": N_("reminder failed"),
    "cancelled": N_("no reminder (the customer did not agree to messages)"),
}


def reminder_label(state: str) -> str:
    """The call list's words for a reminder's state (French by default)."""
    return _(REMINDER_LABELS.get(state, state))


def requests_to_contact(db: Database) -> list[CallItem]:
    """Requests waiting for a call to agree on a time, oldest first: new requests (state
    ``requested``), then devices ready in the workshop whose return visit is to book
    (``repaired_in_workshop``, ``purpose="return"``)."""
    with db.read() as s:
        q = (
            sa.select(RequestRow, CustomerRow, AddressRow)
            .join(CustomerRow, RequestRow.customer_id == CustomerRow.id)
            .join(AddressRow, RequestRow.address_id == AddressRow.id)
            .where(RequestRow.state.in_([State.REQUESTED.value, State.REPAIRED_IN_WORKSHOP.value]))
            .order_by(RequestRow.created_at, RequestRow.id)
        )
        items = [
            replace(_item(s, "contact", r, c, a), purpose="return")
            if r.state == State.REPAIRED_IN_WORKSHOP.value else _item(s, "contact", r, c, a)
            for r, c, a in s.execute(q).all()
        ]  # fmt: skip
        return [i for i in items if i.purpose == "visit"] + [i for i in items if i.purpose == "return"]


def confirmation_calls(db: Database, day: date) -> list[CallItem]:
    """Day-before calls for the appointments of ``day`` still to confirm, by window start."""
    lo = datetime.combine(day, datetime.min.time(), tzinfo=st.TZ)
    hi = lo + timedelta(days=1)
    with db.read() as s:
        q = (
            sa.select(AppointmentRow, RequestRow, CustomerRow, AddressRow)
            .join(RequestRow, AppointmentRow.request_id == RequestRow.id)
            .join(CustomerRow, RequestRow.customer_id == CustomerRow.id)
            .join(AddressRow, RequestRow.address_id == AddressRow.id)
            .where(AppointmentRow.window_start >= lo, AppointmentRow.window_start < hi)
            .where(AppointmentRow.status == "scheduled")
            .order_by(AppointmentRow.window_start, AppointmentRow.id)
        )
        items = [_item(s, "confirmation", r, c, a, ap) for ap, r, c, a in s.execute(q).all()]
        states = _reminder_states(s, [i.appointment_id for i in items if i.appointment_id is not None],
                                  request_ids=[i.request_id for i in items])
        return [replace(i, reminder=states.get(i.appointment_id or 0, "")) for i in items]


#: Which state of an appointment's reminders the call list shows (the best one: a reminder
#: sent by e-mail counts even if the text message failed).
_REMINDER_ORDER = ("sent", "sending", "queued", "failed", "cancelled")


def _reminder_states(s: Session, appointment_ids: list[int], *, request_ids: list[int]) -> dict[int, str]:
    """Appointment id -> the best state of its day-before reminder messages (read for the
    day's requests only: the outbox keeps every reminder ever sent)."""
    if not appointment_ids:
        return {}
    from dispatch.records.schema import OutboxRow

    rows = s.execute(
        sa.select(OutboxRow.idempotency_key, OutboxRow.state).where(OutboxRow.event == "reminder")
        .where(OutboxRow.request_id.in_(request_ids))
    ).all()
    wanted = set(appointment_ids)
    out: dict[int, str] = {}
    for key, state in rows:
        parts = str(key).split(":")  # reminder:<appointment>:<window start>:<channel>
        if len(parts) < 2 or not parts[1].isdigit() or int(parts[1]) not in wanted:
            continue
        appt = int(parts[1])
        rank = _REMINDER_ORDER.index(state) if state in _REMINDER_ORDER else len(_REMINDER_ORDER)
        best = out.get(appt)
        if best is None or rank < (_REMINDER_ORDER.index(best) if best in _REMINDER_ORDER else 99):
            out[appt] = state
    return out


def record_call(
    db: Database,
    request_id: int,
    outcome: str,
    *,
    kind: str,
    actor: str,
    settings: Settings | None = None,
    appointment_id: int | None = None,
    window: tuple[datetime, datetime] | None = None,
    technician_id: int | None = None,
    duration_min: int = 60,
    note: str = "",
    at: datetime | None = None,
    force: bool = False,
) -> CallRecord:
    """Log a call and apply its outcome, all in one transaction.

    Parameters
    ----------
    request_id
        The request called about.
    outcome
        ``reached``, ``message_left``, ``rescheduled`` or ``cancelled``.
    kind
        ``contact`` (first call of a new request) or ``confirmation`` (day-before call).
    settings
        Needed for ``cancelled`` (notice hours and late fee of the tariff) and for the
        customer's message, written to the outbox in the call's transaction: the appointment
        agreed, moved or confirmed (:func:`dispatch.messaging.events.appointment_confirmed`,
        one per window), the cancellation (:func:`~dispatch.messaging.events.cancellation_acknowledged`).
        Without settings no message is written.
    appointment_id
        The appointment of a confirmation call (default: the request's next scheduled one).
    window
        ``(start, end)`` agreed: books the visit (contact call ``reached``) or moves the
        appointment (``rescheduled``); a window already over is refused unless ``force``.
    force
        Book or move into a window already over (recording a visit made earlier): an
        administrator's decision, checked by the caller (:func:`dispatch.office.booking.record_contact_call`,
        the command line's ``--force``).
    """
    if outcome not in OUTCOMES:
        msg = N_("Unknown call outcome {outcome!r}; expected one of {expected}.")
        raise InvalidInput(msg, outcome=outcome, expected=", ".join(OUTCOMES))
    if kind not in KINDS:
        msg = N_("Unknown call kind {kind!r}; expected contact or confirmation.")
        raise InvalidInput(msg, kind=kind)
    if outcome == "rescheduled" and window is None:
        msg = N_("A rescheduled call needs the new window (start and end).")
        raise InvalidInput(msg)
    if outcome == "cancelled" and settings is None:
        msg = N_("Recording a cancellation needs the settings (notice hours, late fee).")
        raise InvalidInput(msg)
    when = _aware(at, "at") if at is not None else st.now()
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        appt_id = appointment_id
        if kind == "confirmation" and appt_id is None:
            appt = s.scalars(
                sa.select(AppointmentRow)
                .where(AppointmentRow.request_id == req.id)
                .where(AppointmentRow.status.in_(["scheduled", "confirmed"]))
                .order_by(AppointmentRow.window_start)
            ).first()
            if appt is None:
                msg = N_("Request {id} has no appointment to confirm.")
                raise InvalidInput(msg, id=req.id)
            appt_id = appt.id
        # a device ready in the workshop: the time agreed is the return visit's
        appt_kind = "return" if req.state == State.REPAIRED_IN_WORKSHOP.value else "visit"
        if outcome == "reached" and kind == "contact" and window is not None:
            booked = st.book_appointment(
                db, req.id, start=window[0], end=window[1], actor=actor, kind=appt_kind,
                technician_id=technician_id, duration_min=duration_min, force=force,
            )  # fmt: skip
            appt_id = booked.id
        elif outcome == "reached" and kind == "confirmation":
            assert appt_id is not None  # given, or found above (else refused)
            st.confirm_appointment(db, appt_id, actor=actor)
        elif outcome == "rescheduled":
            assert window is not None  # a rescheduled call without a window was refused above
            if appt_id is None:  # a contact call agreeing on a time
                appt_id = st.book_appointment(
                    db, req.id, start=window[0], end=window[1], actor=actor, kind=appt_kind,
                    technician_id=technician_id, duration_min=duration_min, force=force,
                ).id  # fmt: skip
            else:
                st.update_appointment(
                    db, appt_id, expected_version=None, actor=actor, force=force,
                    window_start=window[0], window_end=window[1],
                )  # fmt: skip
        elif outcome == "cancelled":
            assert settings is not None  # a cancellation without the settings was refused above
            st.cancel_request(db, req.id, settings=settings, actor=actor, at=when, reason=note)
        row = CallRow(
            request_id=req.id, appointment_id=appt_id, kind=kind, outcome=outcome, note=note,
            at=when, actor=actor,
        )  # fmt: skip
        s.add(row)
        s.flush()
        st.audit(s, actor, "call", "request", req.id, kind=kind, outcome=outcome)
        if settings is not None:
            _notify_customer(s, req.id, outcome, appointment_id=appt_id, settings=settings)
        return CallRecord(row.id, row.request_id, row.appointment_id, kind, outcome, note, when, actor)


def _notify_customer(
    s: Session, request_id: int, outcome: str, *, appointment_id: int | None, settings: Settings
) -> None:
    """The customer's message of a call's outcome, in the call's transaction: the appointment
    agreed, moved or confirmed (with its ``.ics``; one per window), or the cancellation."""
    if outcome in {"reached", "rescheduled"} and appointment_id is not None:
        events.appointment_confirmed(s, appointment_id, settings=settings)
    elif outcome == "cancelled":
        events.cancellation_acknowledged(s, request_id, settings=settings)


def calls_of(db: Database, request_id: int) -> list[CallRecord]:
    """Every call logged for a request, oldest first."""
    with db.read() as s:
        rows = s.scalars(
            sa.select(CallRow).where(CallRow.request_id == request_id).order_by(CallRow.id)
        ).all()
        return [
            CallRecord(r.id, r.request_id, r.appointment_id, r.kind, r.outcome, r.note, r.at, r.actor)
            for r in rows
        ]


__all__ = [
    "KINDS",
    "OUTCOMES",
    "CallItem",
    "CallRecord",
    "calls_of",
    "confirmation_calls",
    "outcome_label",
    "record_call",
    "requests_to_contact",
]
