"""Booking during a call: the best windows of the next working days, the contact call.

The dispatcher types the caller's address and the expected duration ("Proposer un
rendez-vous"); :func:`propose_bookings` geocodes it offline, plans each of the next working
days as stored (the same problem as "Optimiser la journée") and ranks the windows where the
visit adds the least road time, with the technician's name. :func:`record_contact_call`
logs the first call of a new request and, when the customer is reached, books the window
agreed ("Demandes à contacter").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from dispatch import records
from dispatch.errors import InvalidInput
from dispatch.geo import check_address
from dispatch.i18n import N_
from dispatch.office.auth import User, require_role
from dispatch.office.calls import CallRecord, record_call
from dispatch.office.planning import build_day_problem, technician_id
from dispatch.routing import next_working_days, solve, suggest_bookings
from dispatch.settings import TZ, Settings

if TYPE_CHECKING:
    from dispatch.geo import Region
    from dispatch.records import Database
    from dispatch.routing import DispatchProblem, Plan

#: Solver budget per day when ranking windows: the caller is on the phone.
BOOKING_TIME_LIMIT_S = 0.5

#: The windows offered in a contact call ("Plage"), label -> (start, end) of the day.
CALL_WINDOWS: dict[str, tuple[time, time]] = {
    "08:00–10:00": (time(8, 0), time(10, 0)),
    "10:00–12:00": (time(10, 0), time(12, 0)),
    "13:00–15:00": (time(13, 0), time(15, 0)),
    "15:00–17:00": (time(15, 0), time(17, 0)),
}


@dataclass(frozen=True)
class BookingOption:
    """A window that can be offered to the caller.

    Attributes
    ----------
    day
        The working day.
    window_start, window_end
        The window offered (aware datetimes, Montréal time).
    technician
        The name of the technician whose route takes the visit.
    added_travel_min
        Road time the visit adds to that route, in minutes.
    """

    day: date
    window_start: datetime
    window_end: datetime
    technician: str
    added_travel_min: float


def technician_names(db: Database) -> dict[str, str]:
    """Routing technician id (``t<id>``) -> name, for every active technician."""
    return {technician_id(t.id): t.name for t in records.technicians(db)}


def propose_bookings(
    db: Database,
    region: Region,
    settings: Settings,
    address: str,
    *,
    duration_min: float,
    start: date,
    days: int = 5,
    time_limit: float = BOOKING_TIME_LIMIT_S,
) -> list[BookingOption]:
    """The best windows over the next ``days`` working days from ``start`` (inclusive).

    Parameters
    ----------
    db, region, settings
        The open database, the loaded region, the settings in force.
    address
        The caller's address (geocoded like the coverage page).
    duration_min
        Expected length of the visit.
    start
        First day considered (usually tomorrow); weekends are skipped.
    days
        Number of working days considered.
    time_limit
        Solver budget per day, in seconds.

    Returns
    -------
    list[BookingOption]
        Cheapest added road time first; empty when no window fits. Days without an active
        technician are left out.

    Raises
    ------
    DispatchError
        The address cannot be found on the region's map (French message).
    """
    point = check_address(region, address, settings=settings).point
    planned: dict[date, tuple[DispatchProblem, Plan]] = {}
    for d in next_working_days(start, days):
        built = build_day_problem(region, db, d, settings=settings)
        if built.problem.technicians:
            planned[d] = (built.problem, solve(built.problem, time_limit=time_limit))
    names = technician_names(db)
    return [
        BookingOption(
            day=x.day,
            window_start=x.window_start,
            window_end=x.window_end,
            technician=names.get(x.technician, x.technician),
            added_travel_min=x.marginal_travel_s / 60,
        )
        for x in suggest_bookings(planned, location=point, service_min=float(duration_min))
    ]


def call_window(day: date, window: str) -> tuple[datetime, datetime]:
    """The aware ``(start, end)`` of the contact-call window labelled ``window`` on ``day``.

    Raises
    ------
    InvalidInput
        ``window`` is not one of :data:`CALL_WINDOWS`.
    """
    if window not in CALL_WINDOWS:
        msg = N_("Unknown window {window!r}: choose one of {choices}.")
        raise InvalidInput(msg, window=window, choices=", ".join(CALL_WINDOWS))
    start, end = CALL_WINDOWS[window]
    return datetime.combine(day, start, tzinfo=TZ), datetime.combine(day, end, tzinfo=TZ)


def record_contact_call(
    db: Database, request_id: int, outcome: str, *, day: date, window: str, actor: str,
    settings: Settings, force: bool = False, user: User | None = None,
) -> CallRecord:
    """Log the first call of a new request; ``reached`` books it in ``window`` of ``day``.

    A window already over is refused; ``force`` books it anyway (a visit made earlier, recorded
    afterwards) and is allowed to an administrator only (``user`` of role ``admin``).

    Returns the :class:`~dispatch.office.calls.CallRecord`.

    Raises
    ------
    AccessDenied
        ``force`` asked by someone who is not an administrator.
    """
    if force:
        require_role(user)  # no role named: administrators only
    agreed = call_window(day, window) if outcome == "reached" else None
    return record_call(db, request_id, outcome, kind="contact", actor=actor, settings=settings,
                       window=agreed, force=force)


__all__ = [
    "BOOKING_TIME_LIMIT_S",
    "CALL_WINDOWS",
    "BookingOption",
    "call_window",
    "propose_bookings",
    "record_contact_call",
    "technician_names",
]
