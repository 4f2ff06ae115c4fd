"""Live positions of the technicians: sharing from the phone, the dispatcher's view, lateness.

With the technician's consent of the day ("Partager ma position pendant la tournée" on the
technician page), the phone sends its position every few minutes (:func:`share_position`).
The dispatcher sees each technician's last position and who is late on the published
ETAs (:func:`positions_for_day`), and "Ré-optimiser le reste de la journée" starts each
technician from their recent position (:func:`current_positions`, the default of
:func:`dispatch.office.planning.replan_from_now`).

A position is a :class:`~dispatch.geo.GeoPoint` of the routing problem: on a region's
road matrices the network snaps it to the nearest road, like any address.

Positions are personal data kept for the day only (Law 25): the worker's ``positions_purge``
job (:func:`worker_jobs`, hourly) deletes the points of past days and keeps only their
count and first and last time per technician and day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from dispatch import records
from dispatch.office.planning import (  # re-exported: the office's live view
    FRESH_FOR,
    current_positions,
)
from dispatch.records import positions as stored
from dispatch.settings import TZ

if TYPE_CHECKING:
    from dispatch.geo import Region
    from dispatch.office.planning import DayPlan
    from dispatch.records import Database
    from dispatch.records.positions import Position
    from dispatch.settings import Settings

#: How late after a published arrival time a technician shows as late.
LATE_MARGIN = timedelta(minutes=15)
#: How often the phone sends its position while sharing (seconds).
SHARE_EVERY_S = 180


@dataclass(frozen=True)
class TechnicianLive:
    """Where a technician is and whether they are late on their published route.

    Attributes
    ----------
    technician_id, name
        The stored technician.
    position
        Their last position of the day (``None``: not shared).
    age
        How old that position is at the time asked (``None`` without position).
    next_visit
        Routing id of their next unfinished published visit (``None``: none left).
    next_address
        Its address.
    planned_arrival
        Its published arrival time.
    late_by
        How late they are on it (``None``: not late by more than :data:`LATE_MARGIN`).
    """

    technician_id: int
    name: str
    position: Position | None
    age: timedelta | None
    next_visit: str | None = None
    next_address: str = ""
    planned_arrival: datetime | None = None
    late_by: timedelta | None = None

    @property
    def late(self) -> bool:
        """Late on the next published arrival by more than the margin."""
        return self.late_by is not None


def share_position(
    db: Database,
    technician_id: int,
    lat: float,
    lon: float,
    accuracy: float | None = None,
    at: datetime | None = None,
) -> Position:
    """Store a position sent by a technician's phone (refused without the day's consent)."""
    return stored.record_position(db, technician_id, lat, lon, accuracy_m=accuracy, at=at)


def set_sharing(db: Database, technician_id: int, day: date, on: bool, *, actor: str) -> None:
    """Turn the sharing of the technician's position on ``day`` on (consent) or off (withdrawal)."""
    if on:
        stored.give_consent(db, technician_id, day, actor=actor)
    else:
        stored.withdraw_consent(db, technician_id, day, actor=actor)


def sharing(db: Database, technician_id: int, day: date) -> bool:
    """Whether the technician shares their position on ``day``."""
    return stored.has_consent(db, technician_id, day)


def published_plan(region: Region, db: Database, day: date, *, settings: Settings, time_limit: float = 0.5) -> DayPlan | None:
    """The day as published to the technicians (every stored assignment pinned); ``None``: nothing published."""
    from dispatch.office import planning

    pins = planning.assigned_pins(db, day)
    if not pins:
        return None
    return planning.plan_day(region, db, day, settings=settings, time_limit=time_limit, pins=pins, paths=False)


def _next_stop(day_plan: DayPlan, tid: str, states: dict[str, str]) -> tuple[str | None, datetime | None, bool]:
    """(next unfinished visit, its planned arrival, on site now) of technician ``tid``."""
    from dispatch.office.planning import _DONE_STATES, _IN_PROGRESS_STATES

    route = day_plan.plan.route_of(tid)
    if route is None:
        return None, None, False
    for stop in (*route.fixed, *route.stops):
        state = states.get(stop.visit, "")
        if state in _IN_PROGRESS_STATES:
            return stop.visit, stop.arrival, True
        if state not in _DONE_STATES:
            return stop.visit, stop.arrival, False
    return None, None, False


def positions_for_day(
    db: Database,
    day: date,
    *,
    plan: DayPlan | None = None,
    now: datetime | None = None,
    margin: timedelta = LATE_MARGIN,
) -> list[TechnicianLive]:
    """Each technician's last position and lateness on ``plan`` (the published day).

    Parameters
    ----------
    db, day
        The database and the day.
    plan
        The published plan (:func:`published_plan`); without it nobody is late.
    now
        The time asked (default: now).
    margin
        Late when the next unfinished visit's planned arrival is past by more than this;
        a technician on site at a visit is not late.

    Returns
    -------
    list of TechnicianLive
        Technicians with a position or a published route, by name.
    """
    from dispatch.office.planning import technician_id, visit_id

    when = (now or datetime.now(TZ)).astimezone(TZ)
    latest = stored.latest_positions(db, day)
    names = {t.id: t.name for t in records.technicians(db, active_only=False)}
    states = {visit_id(a.appointment.id): a.request_state for a in records.appointments_for_day(db, day)}
    routed = set()
    if plan is not None:
        routed = {plan.technicians[r.technician].id for r in plan.plan.routes
                  if (r.stops or r.fixed) and r.technician in plan.technicians}
    out = []
    for tech in sorted(set(latest) | routed, key=lambda t: (names.get(t, ""), t)):
        p = latest.get(tech)
        visit: str | None = None
        arrival: datetime | None = None
        late_by = None
        if plan is not None:
            visit, arrival, on_site = _next_stop(plan, technician_id(tech), states)
            if arrival is not None and not on_site and when - arrival > margin:
                late_by = when - arrival
        out.append(TechnicianLive(
            tech, names.get(tech, str(tech)), p, None if p is None else when - p.recorded_at,
            visit, plan.label(visit) if plan is not None and visit else "", arrival, late_by,
        ))
    return out


def _purge(db: Database, settings: Settings, at: datetime) -> dict[str, Any]:
    today = at.astimezone(TZ).date()
    return {"before": today.isoformat(), "deleted": stored.purge_positions(db, today)}


def worker_jobs(settings: Settings) -> list[Any]:
    """The worker's ``positions_purge`` job: hourly, the points of past days become counts."""
    from dispatch.messaging.worker import PeriodicJob

    return [PeriodicJob("positions_purge", 3600.0, _purge)]


__all__ = [
    "FRESH_FOR",
    "LATE_MARGIN",
    "SHARE_EVERY_S",
    "TechnicianLive",
    "current_positions",
    "positions_for_day",
    "published_plan",
    "set_sharing",
    "share_position",
    "sharing",
    "worker_jobs",
]
