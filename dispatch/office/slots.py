"""A slot the customer picks: the best windows of the next working days, booked as tentative.

After the public request form (and from the signed link of :mod:`dispatch.office.customer_link`)
the customer sees the 3-5 best windows of the next working days (:func:`slots_for_request`),
ranked by the road time the visit adds to the stored days' routes (the same
:func:`dispatch.routing.suggest_bookings` as the office's "Proposer un rendez-vous"), each
labelled plainly (:func:`slot_label`: ``mardi 9 décembre, entre 13 h et 15 h``).

Picking one (:func:`pick_slot`) books it as **tentative**: the company's rule is that the
desired date is not final until the office's call. The tentative booking is an appointment
whose ``status`` is :data:`TENTATIVE` (no new table): it holds the window in the day's plan,
while the request stays ``requested`` with the flag :data:`FLAG_TENTATIVE`, so it is still a
request to contact, and :func:`call_list` puts it at the top of the office's call list with
its window. The office's call then settles it (:func:`accept_tentative`: the appointment
becomes ``scheduled`` and the request ``contacted``). A cancellation counts the tentative
window like any other (:func:`dispatch.records.cancel_request`: late inside the notice).

The clock is :func:`clock`: the records' time, or ``$OPMS_NOW`` (an ISO time, Montréal when it
has no offset) for tests and demonstrations of the 24 h rule in a served dashboard; never set
it in production.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dispatch import records
from dispatch.errors import InvalidInput, InvalidTransition
from dispatch.i18n import N_, _, active_language
from dispatch.records import AppointmentRow, RequestRow
from dispatch.records.appointments import check_not_past
from dispatch.records.audit_trail import audit
from dispatch.records.guards import _aware, _get, _set_state
from dispatch.records.lifecycle import State
from dispatch.settings import TZ

if TYPE_CHECKING:
    from dispatch.geo.built_region import Region
    from dispatch.office.calls import CallItem
    from dispatch.records import Appointment, Database
    from dispatch.settings import Settings

#: ``AppointmentRow.status`` of a window the customer picked, not yet agreed by the office.
TENTATIVE = "tentative"
#: Office flag of a request whose customer picked a window (removed by the office's call).
FLAG_TENTATIVE = "créneau choisi par le client, à confirmer"
#: Number of windows offered, and of working days looked at.
SLOT_COUNT = 5
SLOT_DAYS = 5
#: Expected length of a first visit when nothing else is known (minutes).
VISIT_MIN = 60
#: Solver budget per day: the customer is waiting for the page.
SLOT_TIME_LIMIT_S = 0.5
#: Environment variable that sets the clock (tests, demonstrations).
NOW_ENV = "OPMS_NOW"

#: Who books from the public pages (audit log).
CUSTOMER = "client"


def clock() -> datetime:
    """Now, in Montréal time: ``$OPMS_NOW`` when set (tests), else the records' clock.

    Raises
    ------
    InvalidInput
        ``$OPMS_NOW`` is not an ISO date and time.
    """
    text = os.environ.get(NOW_ENV, "").strip()
    if not text:
        return records.now()
    try:
        at = datetime.fromisoformat(text)
    except ValueError as err:
        msg = N_("{name} = {value!r} is not a date and time (YYYY-MM-DDTHH:MM).")
        raise InvalidInput(msg, name=NOW_ENV, value=text) from err
    return (at if at.tzinfo else at.replace(tzinfo=TZ)).astimezone(TZ)


def _hour(t: datetime) -> str:
    if active_language().startswith("fr"):
        return f"{t.hour} h" + (f" {t.minute:02d}" if t.minute else "")
    return f"{t.hour}:{t.minute:02d}"


def slot_label(start: datetime, end: datetime) -> str:
    """The window as people say it: ``mardi 9 décembre, entre 13 h et 15 h`` (active language)."""
    # lazy: Babel's date tables are needed only when a label is made
    from babel import UnknownLocaleError
    from babel.dates import format_date

    start, end = start.astimezone(TZ), end.astimezone(TZ)
    try:
        day = format_date(start.date(), "EEEE d MMMM", locale=active_language())
    except (ValueError, UnknownLocaleError):
        day = format_date(start.date(), "EEEE d MMMM", locale="en")
    return _("{day}, between {start} and {end}").format(day=day, start=_hour(start), end=_hour(end))


@dataclass(frozen=True)
class Slot:
    """A window offered to the customer.

    Attributes
    ----------
    number
        Its rank, from 1 (the least added driving).
    day, window_start, window_end
        The working day and the window (aware, Montréal).
    technician
        Routing id of the technician whose route takes it (not shown to customers).
    added_travel_min
        Road time the visit adds to that route.
    """

    number: int
    day: date
    window_start: datetime
    window_end: datetime
    technician: str
    added_travel_min: float

    @property
    def label(self) -> str:
        """``mardi 9 décembre, entre 13 h et 15 h``."""
        return slot_label(self.window_start, self.window_end)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "day": self.day.isoformat(),
            "window_start": self.window_start.isoformat(), "window_end": self.window_end.isoformat(),
            "label": self.label, "technician": self.technician,
            "added_travel_min": round(self.added_travel_min, 1),
        }  # fmt: skip


def _point(db: Database, request_id: int) -> tuple[Any, str]:
    req = records.get_request(db, request_id)
    if req.state not in {State.REQUESTED.value, State.CONTACTED.value, State.CONFIRMED.value}:
        msg = N_("Request {id} is {state}: there is no visit time to choose any more.")
        raise InvalidTransition(msg, id=request_id, state=req.state)
    if req.address.lat is None or req.address.lon is None:
        msg = N_(
            "The address of request {id} could not be placed on our map: the office will call "
            "you to agree on a time."
        )
        raise InvalidInput(msg, id=request_id)
    from dispatch.geo.point import GeoPoint

    return GeoPoint(req.address.lat, req.address.lon), req.state


def slots_for_request(
    db: Database,
    region: Region,
    settings: Settings,
    request_id: int,
    *,
    now: datetime | None = None,
    days: int = SLOT_DAYS,
    limit: int = SLOT_COUNT,
    duration_min: int = VISIT_MIN,
    time_limit: float = SLOT_TIME_LIMIT_S,
) -> list[Slot]:
    """The best windows for a stored request over the next ``days`` working days (from tomorrow).

    Each day is planned as stored (its appointments, tentative ones included, and its active
    technicians); the windows where the visit adds the least road time come first.

    Returns
    -------
    list[Slot]
        At most ``limit`` windows, numbered from 1; empty when no day can take the visit.

    Raises
    ------
    InvalidInput
        The request's address has no position (the office calls instead).
    InvalidTransition
        The request is past the booking (visit done, cancelled...).
    """
    # lazy: the planner and the engines cost about a second to import
    from dispatch.office.planning import build_day_problem
    from dispatch.routing import next_working_days, solve, suggest_bookings

    point, _state = _point(db, request_id)
    at = now if now is not None else clock()
    first = at.astimezone(TZ).date() + timedelta(days=1)
    planned = {}
    for d in next_working_days(first, days):
        built = build_day_problem(region, db, d, settings=settings)
        if built.problem.technicians:
            planned[d] = (built.problem, solve(built.problem, time_limit=time_limit))
    found = suggest_bookings(planned, location=point, service_min=float(duration_min), limit=limit)
    return [
        Slot(
            number=k, day=x.day, window_start=x.window_start, window_end=x.window_end,
            technician=x.technician, added_travel_min=x.marginal_travel_s / 60,
        )
        for k, x in enumerate(found, start=1)
    ]  # fmt: skip


def _tentative_row(s: Any, request_id: int) -> AppointmentRow | None:
    row: AppointmentRow | None = s.scalars(
        sa.select(AppointmentRow)
        .where(AppointmentRow.request_id == request_id, AppointmentRow.status == TENTATIVE)
        .order_by(AppointmentRow.id)
    ).first()
    return row


def tentative_appointment(db: Database, request_id: int) -> Appointment | None:
    """The window the customer picked and the office has not settled yet, if any."""
    with db.read() as s:
        row = _tentative_row(s, request_id)
        appt_id = None if row is None else row.id
    return None if appt_id is None else records.get_appointment(db, appt_id)


def book_tentative(
    db: Database,
    request_id: int,
    *,
    start: datetime,
    end: datetime,
    actor: str = CUSTOMER,
    duration_min: int = VISIT_MIN,
    now: datetime | None = None,
) -> Appointment:
    """Hold ``start``-``end`` for a new request as the customer's choice, not yet agreed.

    A second choice moves the tentative window (one per request). The request stays
    ``requested`` and gets :data:`FLAG_TENTATIVE`.

    Raises
    ------
    InvalidInput
        The window is already over, or ends before it starts.
    InvalidTransition
        The request is no longer waiting for its first call (a time is already agreed).
    """
    _aware(start, "start")
    _aware(end, "end")
    if end <= start:
        msg = N_("The appointment window must end after it starts ({start} - {end}).")
        raise InvalidInput(msg, start=start, end=end)
    check_not_past(start, end, now if now is not None else clock())
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        if req.state != State.REQUESTED.value:
            msg = N_(
                "Request {id} already has a time agreed with the office: use the link of your "
                "confirmation to ask to move it."
            )
            raise InvalidTransition(msg, id=req.id)
        row = _tentative_row(s, req.id)
        if row is None:
            row = AppointmentRow(
                request_id=req.id, technician_id=None, kind="visit", window_start=start,
                window_end=end, duration_min=int(duration_min), status=TENTATIVE, witness="",
                skills=[], notes="", created_at=records.now(),
            )  # fmt: skip
            s.add(row)
            action = "create"
        else:
            row.window_start, row.window_end = start, end
            action = "update"
        if FLAG_TENTATIVE not in (req.flags or []):
            req.flags = [*(req.flags or []), FLAG_TENTATIVE]
        s.flush()
        audit(s, actor, action, "appointment", row.id, request_id=req.id, status=TENTATIVE)
        appt_id = row.id
    return records.get_appointment(db, appt_id)


def pick_slot(
    db: Database,
    region: Region,
    settings: Settings,
    request_id: int,
    number: int,
    *,
    actor: str = CUSTOMER,
    now: datetime | None = None,
    slots: list[Slot] | None = None,
) -> Appointment:
    """Book window ``number`` (1-based) of :func:`slots_for_request` as tentative.

    ``slots`` is the list the customer saw (recomputed when not given).

    Raises
    ------
    InvalidInput
        ``number`` is not one of the windows offered.
    """
    offered = slots if slots is not None else slots_for_request(db, region, settings, request_id, now=now)
    if not 1 <= number <= len(offered):
        msg = N_("Window {number} is not offered: choose a number from 1 to {count}.")
        raise InvalidInput(msg, number=number, count=len(offered))
    chosen = offered[number - 1]
    return book_tentative(
        db, request_id, start=chosen.window_start, end=chosen.window_end, actor=actor, now=now
    )


def accept_tentative(
    db: Database,
    request_id: int,
    *,
    actor: str,
    window: tuple[datetime, datetime] | None = None,
    technician_id: int | None = None,
) -> Appointment | None:
    """The office's call settles the customer's choice: ``tentative`` -> ``scheduled``.

    The request goes ``requested -> contacted`` and loses :data:`FLAG_TENTATIVE`; ``window``
    moves the time if the call agreed on another. Returns ``None`` when the request has no
    tentative window (book it the usual way then).
    """
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        row = _tentative_row(s, req.id)
        if row is None:
            return None
        if window is not None:
            row.window_start, row.window_end = _aware(window[0], "start"), _aware(window[1], "end")
        if technician_id is not None:
            row.technician_id = technician_id
        row.status = "scheduled"
        req.flags = [f for f in (req.flags or []) if f != FLAG_TENTATIVE]
        _set_state(s, req, State.CONTACTED, actor, appointment_id=row.id)
        s.flush()
        audit(s, actor, "update", "appointment", row.id, status="scheduled")
        appt_id = row.id
    return records.get_appointment(db, appt_id)


def call_list(db: Database) -> list[CallItem]:
    """The office's list of requests to contact, the customers' picked windows first.

    Requests with a tentative window come first (soonest window first) and carry that window
    (``window_start``/``window_end``, ``appointment_id``); the others follow, oldest first, as
    in :func:`dispatch.office.calls.requests_to_contact`.
    """
    from dispatch.office.calls import requests_to_contact

    items = requests_to_contact(db)
    with db.read() as s:
        rows = s.scalars(
            sa.select(AppointmentRow)
            .where(AppointmentRow.status == TENTATIVE)
            .order_by(AppointmentRow.window_start.desc(), AppointmentRow.id.desc())
        ).all()
        held = {r.request_id: (r.id, r.window_start, r.window_end) for r in rows}  # soonest wins
    first = [
        replace(i, appointment_id=held[i.request_id][0], window_start=held[i.request_id][1],
                window_end=held[i.request_id][2])
        for i in items if i.request_id in held
    ]  # fmt: skip
    far = datetime.max.replace(tzinfo=TZ)
    first.sort(key=lambda i: (i.window_start or far, i.request_id))
    return first + [i for i in items if i.request_id not in held]


__all__ = [
    "CUSTOMER",
    "FLAG_TENTATIVE",
    "NOW_ENV",
    "SLOT_COUNT",
    "SLOT_DAYS",
    "TENTATIVE",
    "Slot",
    "accept_tentative",
    "book_tentative",
    "call_list",
    "clock",
    "pick_slot",
    "slot_label",
    "slots_for_request",
    "tentative_appointment",
]
