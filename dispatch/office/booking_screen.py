"""Booking a request in one screen ("Répartition › Demandes à contacter").

For a new request the office sees, without typing anything again, the best windows of the
coming working days: :func:`booking_options` places the request's stored position into each
day's current routes (the same problem as "Optimiser la journée") and ranks *free* windows
(a two-hour arrival window may start at any half hour of the day, not only at the four fixed
slots) by the drive time the visit adds, with the technician whose route takes it. The office
books one with one click (:func:`book_option`): the contact call is logged as "reached" and the
appointment is made with that window and technician, in one transaction, and the answer is
the confirmation to show.

The first day considered is the day chosen on the page (never a day already over); windows
that have started are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from dispatch import records
from dispatch.errors import InvalidInput
from dispatch.geo.point import GeoPoint
from dispatch.i18n import N_, _
from dispatch.office.booking import BOOKING_TIME_LIMIT_S, technician_names
from dispatch.office.calls import CallItem, record_call, requests_to_contact
from dispatch.office.planning import build_day_problem
from dispatch.records import appointments
from dispatch.routing import next_working_days, solve, suggest_bookings
from dispatch.settings import TZ

if TYPE_CHECKING:
    from dispatch.geo import Region
    from dispatch.records import Database
    from dispatch.routing import DispatchProblem, Plan
    from dispatch.settings import Settings

#: Length of the arrival window offered to the customer.
WINDOW_LENGTH = timedelta(hours=2)
#: Candidate windows start every this often, from :data:`FIRST_START` to :data:`LAST_START`.
WINDOW_STEP = timedelta(minutes=30)
FIRST_START = time(8, 0)
LAST_START = time(15, 0)
#: How many windows the screen offers, and over how many working days.
OPTIONS = 5
DAYS = 3

_FRENCH_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass(frozen=True)
class WindowOption:
    """A window that can be booked for the request with one click.

    Attributes
    ----------
    rank
        1 for the best (least added drive time).
    day
        The working day.
    window_start, window_end
        The arrival window (aware, Montréal time).
    technician
        The name of the technician whose route takes the visit.
    technician_id
        The stored id of that technician (``None`` when it is not a stored one).
    added_min
        Drive time the visit adds to that route, in minutes.
    """

    rank: int
    day: date
    window_start: datetime
    window_end: datetime
    technician: str
    technician_id: int | None
    added_min: float

    @property
    def key(self) -> str:
        """A stable identifier (for widget keys): ``2026-12-08T09:30-t3``."""
        return f"{self.window_start.isoformat(timespec='minutes')}-{self.technician_id}"


@dataclass(frozen=True)
class RequestBooking:
    """What the booking screen shows for one request.

    Attributes
    ----------
    request
        The request as on the call list (name, phone, address, zone, fee, problem).
    options
        The best windows, best first (empty when none fits or the address has no position).
    days
        The working days considered.
    placed
        False when the request's address has no position on the map: windows cannot be
        ranked, the office chooses one by hand.
    """

    request: CallItem
    options: tuple[WindowOption, ...]
    days: tuple[date, ...]
    placed: bool


@dataclass(frozen=True)
class Booked:
    """A booking made: what the confirmation says."""

    request_id: int
    appointment_id: int
    window_start: datetime
    window_end: datetime
    technician: str

    def message(self) -> str:
        """The confirmation, in the active language."""
        return _("Appointment booked: {customer_day}, {start}–{end} with {technician}.").format(
            customer_day=long_day(self.window_start.date()),
            start=self.window_start.astimezone(TZ).strftime("%H:%M"),
            end=self.window_end.astimezone(TZ).strftime("%H:%M"),
            technician=self.technician or _("a technician to be assigned"),
        )


def long_day(d: date) -> str:
    """``mardi 8 décembre`` (French) or ``Tuesday 8 December``."""
    from dispatch.i18n import active_language

    if active_language().startswith("fr"):
        months = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                  "septembre", "octobre", "novembre", "décembre")
        return f"{_FRENCH_DAYS[d.weekday()]} {d.day} {months[d.month - 1]}"
    return d.strftime("%A %-d %B")


def candidate_windows(
    *, length: timedelta = WINDOW_LENGTH, step: timedelta = WINDOW_STEP,
    first: time = FIRST_START, last: time = LAST_START,
) -> list[tuple[str, str]]:
    """The windows tried on every day: ``length`` long, starting every ``step`` from ``first``
    to ``last`` (``("08:00", "10:00"), ("08:30", "10:30"), …``)."""
    out = []
    t = datetime.combine(date(2000, 1, 3), first)
    end = datetime.combine(date(2000, 1, 3), last)
    while t <= end:
        out.append((t.strftime("%H:%M"), (t + length).strftime("%H:%M")))
        t += step
    return out


def _request_item(db: Database, request_id: int) -> CallItem:
    for item in requests_to_contact(db):
        if item.request_id == request_id:
            return item
    msg = N_("Request {id} is not waiting for a first call (already booked or cancelled).")
    raise InvalidInput(msg, id=request_id)


def _stored_id(routing_id: str) -> int | None:
    return int(routing_id[1:]) if routing_id[:1] == "t" and routing_id[1:].isdigit() else None


def booking_options(
    db: Database,
    region: Region,
    settings: Settings,
    request_id: int,
    *,
    start: date,
    now: datetime | None = None,
    days: int = DAYS,
    limit: int = OPTIONS,
    duration_min: float = 60.0,
    time_limit: float = BOOKING_TIME_LIMIT_S,
) -> RequestBooking:
    """The best windows for a stored request, from ``start`` (the page's day) on.

    Parameters
    ----------
    db, region, settings
        The open database, the loaded region, the settings in force.
    request_id
        A request waiting for its first call.
    start
        First day considered (the day chosen on the page); a day already over is replaced by
        today, weekends are skipped.
    now
        The present (default: the clock of the booking rule); windows that have started are
        left out.
    days, limit
        Working days considered; windows offered.
    duration_min
        Expected length of the visit.
    time_limit
        Solver budget per day, in seconds.

    Returns
    -------
    RequestBooking
        At most one window per technician and overlapping time, best first.

    Raises
    ------
    InvalidInput
        The request is not waiting for a first call.
    """
    item = _request_item(db, request_id)
    clock = now if now is not None else appointments.booking_clock()  # the booking rule's clock
    first = max(start, clock.astimezone(TZ).date())
    considered = tuple(next_working_days(first, days))
    req = records.get_request(db, request_id)
    if req.address.lat is None or req.address.lon is None:
        return RequestBooking(item, (), considered, placed=False)
    point = GeoPoint(req.address.lat, req.address.lon)
    planned: dict[date, tuple[DispatchProblem, Plan]] = {}
    for d in considered:
        built = build_day_problem(region, db, d, settings=settings)
        if built.problem.technicians:
            planned[d] = (built.problem, solve(built.problem, time_limit=time_limit))
    ranked = suggest_bookings(
        planned, location=point, service_min=float(duration_min), windows=candidate_windows(), limit=10_000,
    )
    names = technician_names(db)
    chosen: list[WindowOption] = []
    for x in ranked:
        if x.window_start < clock:
            continue
        if any(
            c.technician_id == _stored_id(x.technician) and c.day == x.day
            and c.window_start < x.window_end and x.window_start < c.window_end
            for c in chosen
        ):
            continue  # an overlapping window of the same technician is already offered
        chosen.append(
            WindowOption(
                rank=len(chosen) + 1, day=x.day, window_start=x.window_start, window_end=x.window_end,
                technician=names.get(x.technician, x.technician), technician_id=_stored_id(x.technician),
                added_min=x.marginal_travel_s / 60.0,
            )
        )
        if len(chosen) >= limit:
            break
    return RequestBooking(item, tuple(chosen), considered, placed=True)


def book_option(
    db: Database,
    request_id: int,
    option: WindowOption,
    *,
    actor: str,
    settings: Settings,
    duration_min: int = 60,
) -> Booked:
    """Book ``option`` for the request: the contact call "reached" and the appointment, at once.

    Raises
    ------
    InvalidInput
        The window has already started (refused by the appointment rules), or the request is
        no longer waiting for a first call.
    """
    call = record_call(
        db, request_id, "reached", kind="contact", actor=actor, settings=settings,
        window=(option.window_start, option.window_end), technician_id=option.technician_id,
        duration_min=duration_min,
    )
    assert call.appointment_id is not None  # a contact call reached with a window books it
    return Booked(request_id, call.appointment_id, option.window_start, option.window_end, option.technician)


__all__ = [
    "DAYS",
    "OPTIONS",
    "WINDOW_LENGTH",
    "WINDOW_STEP",
    "Booked",
    "RequestBooking",
    "WindowOption",
    "book_option",
    "booking_options",
    "candidate_windows",
    "long_day",
]
