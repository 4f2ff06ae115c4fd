"""Appointments: the windows agreed with the customer, booked, edited, confirmed, listed by day.

An appointment is a first ``visit`` (the request goes ``requested -> contacted``, then
``confirmed`` by the day-before call), a ``return`` visit after a workshop repair
(``repaired_in_workshop -> return_scheduled``) or a ``remote`` session slot. Days are local
days (America/Montreal). A window that is already over when it is booked (or moved) is
refused (:func:`check_not_past`) unless ``force=True``, which only an administrator passes
(the command line's ``--force``, a visit made earlier and recorded afterwards).

Typical use::

    appt = book_appointment(db, req.id, start=..., end=..., actor="bureau")
    for a in appointments_for_day(db, date(2026, 12, 3)): ...
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from dispatch.errors import InvalidInput, InvalidTransition
from dispatch.i18n import N_
from dispatch.records.audit_trail import audit
from dispatch.records.database import Database, now
from dispatch.records.guards import _aware, _check_version, _get, _set_state
from dispatch.records.lifecycle import State
from dispatch.records.schema import (
    AddressRow,
    AppointmentRow,
    CustomerRow,
    RequestRow,
    TechnicianRow,
)
from dispatch.records.values import Appointment, DayAppointment, _appointment
from dispatch.settings import TZ


def book_appointment(
    db: Database,
    request_id: int,
    *,
    start: datetime,
    end: datetime,
    actor: str,
    kind: str = "visit",
    technician_id: int | None = None,
    duration_min: int = 60,
    witness: str = "",
    skills: Sequence[str] = (),
    notes: str = "",
    force: bool = False,
) -> Appointment:
    """Book an appointment (the time agreed with the customer: a window).

    ``kind``: ``visit`` (first visit: the request goes ``requested -> contacted``), ``return``
    (return visit after a workshop repair: ``repaired_in_workshop -> return_scheduled``;
    ``witness`` names who will attend the test if not the customer) or ``remote``
    (a remote session slot; the state does not change). A window already over is refused
    unless ``force`` (an administrator's decision, see :func:`check_not_past`).
    """
    _aware(start, "start")
    _aware(end, "end")
    if end <= start:
        msg = N_("The appointment window must end after it starts ({start} - {end}).")
        raise InvalidInput(msg, start=start, end=end)
    if not force:
        check_not_past(start, end, booking_clock())
    if duration_min <= 0:
        msg = N_("The appointment duration must be positive (minutes).")
        raise InvalidInput(msg)
    if kind not in {"visit", "return", "remote"}:
        msg = N_("Unknown appointment kind {kind!r}; expected visit, return or remote.")
        raise InvalidInput(msg, kind=kind)
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        if technician_id is not None:
            _get(s, TechnicianRow, technician_id, "technician")
        if kind == "visit":
            _set_state(s, req, State.CONTACTED, actor)
        elif kind == "return":
            _set_state(s, req, State.RETURN_SCHEDULED, actor)
        row = AppointmentRow(
            request_id=req.id,
            technician_id=technician_id,
            kind=kind,
            window_start=start,
            window_end=end,
            duration_min=int(duration_min),
            status="scheduled",
            witness=witness.strip(),
            skills=list(skills),
            notes=notes,
            created_at=now(),
        )
        s.add(row)
        s.flush()
        audit(s, actor, "create", "appointment", row.id, request_id=req.id, kind=kind)
        return _appointment(row)


def booking_clock() -> datetime:
    """The time a booking is checked against: :func:`~dispatch.records.database.now`.

    One name for the one clock of the rule, so that the test suite, whose stored data books
    fixed days, can set it (``tests/conftest.py``); the product never changes it.
    """
    return now()


def check_not_past(start: datetime, end: datetime, at: datetime) -> None:
    """Refuse a window already over at ``at`` (a pure rule; ``at`` is the current time).

    A window that has started but not ended (booked at 9:30 for 9:00-11:00) is accepted: the
    technician can still come. Recording a visit made earlier needs ``force`` (administrator).

    Raises
    ------
    InvalidInput
        ``end`` is at or before ``at``.
    """
    if end <= at:
        msg = N_(
            "The window {start} - {end} is already over: a visit cannot be booked in the past. "
            "Choose a window to come; an administrator can force it (--force) to record a "
            "visit made earlier."
        )
        local = "%Y-%m-%d %H:%M"
        raise InvalidInput(msg, start=start.astimezone(TZ).strftime(local), end=end.astimezone(TZ).strftime(local))


def get_appointment(db: Database, appointment_id: int) -> Appointment:
    """The appointment with this id (raise NotFound)."""
    with db.read() as s:
        return _appointment(_get(s, AppointmentRow, appointment_id, "appointment"))


def appointments_of(db: Database, request_id: int) -> list[Appointment]:
    """Every appointment of a request, by window start."""
    with db.read() as s:
        q = (
            sa.select(AppointmentRow)
            .where(AppointmentRow.request_id == request_id)
            .order_by(AppointmentRow.window_start, AppointmentRow.id)
        )
        return [_appointment(r) for r in s.scalars(q)]


def update_appointment(
    db: Database,
    appointment_id: int,
    *,
    expected_version: int | None,
    actor: str,
    force: bool = False,
    **changes: Any,
) -> Appointment:
    """Edit an appointment (window, technician, duration, witness, skills, notes).

    ``expected_version`` is the version the user loaded: if someone else saved the appointment
    since, :class:`ConflictError` is raised and nothing is changed. A window moved to one
    already over is refused unless ``force`` (administrator, see :func:`check_not_past`).
    """
    allowed = {
        "window_start", "window_end", "technician_id", "duration_min", "witness", "skills", "notes",
    }  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        msg = N_("Cannot change {fields} of an appointment; allowed: {allowed}.")
        raise InvalidInput(msg, fields=", ".join(sorted(unknown)), allowed=", ".join(sorted(allowed)))
    with db.write() as s:
        row = _get(s, AppointmentRow, appointment_id, "appointment")
        _check_version(row, expected_version, "appointment")
        if row.status == "cancelled":
            msg = N_("Appointment {id} is cancelled; book a new one instead.")
            raise InvalidTransition(msg, id=row.id)
        if changes.get("technician_id") is not None:
            _get(s, TechnicianRow, changes["technician_id"], "technician")
        for k, v in changes.items():
            if k in {"window_start", "window_end"}:
                _aware(v, k)
            setattr(row, k, list(v) if k == "skills" else v)
        if row.window_end <= row.window_start:
            msg = N_("The appointment window must end after it starts.")
            raise InvalidInput(msg)
        if {"window_start", "window_end"} & set(changes) and not force:
            check_not_past(row.window_start, row.window_end, booking_clock())
        if {"window_start", "window_end"} & set(changes) and row.status == "confirmed":
            row.status = "scheduled"  # a new time needs a new confirmation
        s.flush()
        audit(s, actor, "update", "appointment", row.id, fields=sorted(changes))
        return _appointment(row)


def confirm_appointment(db: Database, appointment_id: int, *, actor: str) -> Appointment:
    """Record the day-before confirmation (a first visit moves the request to ``confirmed``)."""
    with db.write() as s:
        row = _get(s, AppointmentRow, appointment_id, "appointment")
        if row.status != "scheduled":
            msg = N_("Appointment {id} is {status}; only a scheduled appointment can be confirmed.")
            raise InvalidTransition(msg, id=row.id, status=row.status)
        row.status = "confirmed"
        req = s.get(RequestRow, row.request_id)
        assert req is not None  # foreign key: the request exists
        if row.kind == "visit" and req.state == State.CONTACTED.value:
            _set_state(s, req, State.CONFIRMED, actor, appointment_id=row.id)
        s.flush()
        audit(s, actor, "confirm", "appointment", row.id)
        return _appointment(row)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), tzinfo=TZ)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=TZ)
    return start, end


def appointments_for_day(
    db: Database,
    day: date,
    *,
    include_cancelled: bool = False,
    kinds: Sequence[str] = ("visit", "return"),
) -> list[DayAppointment]:
    """The appointments whose window starts on ``day`` (local time), by window start.

    Each carries the customer's name and phone, the address with its point and zone, and the
    problem: what ``plan --date`` and the technician's day sheet need. By default only the
    trips (``visit`` and ``return`` visits) are listed; pass
    ``kinds=("visit", "return", "remote")`` to include remote sessions (calendar). ``lat`` /
    ``lon`` are ``None`` for an address still to verify.
    """
    lo, hi = _day_bounds(day)
    with db.read() as s:
        q = (
            sa.select(AppointmentRow, RequestRow, CustomerRow, AddressRow)
            .join(RequestRow, AppointmentRow.request_id == RequestRow.id)
            .join(CustomerRow, RequestRow.customer_id == CustomerRow.id)
            .join(AddressRow, RequestRow.address_id == AddressRow.id)
            .where(AppointmentRow.window_start >= lo, AppointmentRow.window_start < hi)
            .order_by(AppointmentRow.window_start, AppointmentRow.id)
        )
        if not include_cancelled:
            q = q.where(AppointmentRow.status != "cancelled")
        q = q.where(AppointmentRow.kind.in_(list(kinds)))
        return [
            DayAppointment(
                appointment=_appointment(a),
                request_id=r.id,
                request_state=r.state,
                customer_name=c.name,
                phone=c.phone,
                address=ad.text,
                lat=ad.lat,
                lon=ad.lon,
                zone=ad.zone,
                problem=r.problem,
            )
            for a, r, c, ad in s.execute(q).all()
        ]


def appointments_between(
    db: Database,
    first: date,
    last: date,
    *,
    include_cancelled: bool = False,
    kinds: Sequence[str] = ("visit", "return", "remote"),
) -> dict[date, list[DayAppointment]]:
    """Appointments from day ``first`` to day ``last`` included, grouped by local day (calendar).

    Remote sessions are included by default here (unlike :func:`appointments_for_day`).
    """
    if last < first:
        msg = N_("The last day ({last}) is before the first ({first}).")
        raise InvalidInput(msg, last=last, first=first)
    out: dict[date, list[DayAppointment]] = {}
    day = first
    while day <= last:
        out[day] = appointments_for_day(db, day, include_cancelled=include_cancelled, kinds=kinds)
        day += timedelta(days=1)
    return out


__all__ = [
    "appointments_between",
    "appointments_for_day",
    "appointments_of",
    "book_appointment",
    "check_not_past",
    "confirm_appointment",
    "get_appointment",
    "update_appointment",
]
