"""Booking suggestions: the windows to offer a new request over the next working days.

:func:`suggest_bookings` ranks candidate windows (:data:`DEFAULT_WINDOWS`) by the marginal
travel time of inserting the request into each day's current routes (no other visit moved
to another technician); :func:`next_working_days` lists the days to consider.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from dispatch.geo.point import GeoPoint
from dispatch.routing.plan import Plan
from dispatch.routing.problem import DispatchProblem, TimeLike
from dispatch.routing.repair import best_insertion
from dispatch.routing.translate import to_engine

#: Default candidate windows offered to customers (local time).
DEFAULT_WINDOWS: tuple[tuple[str, str], ...] = (
    ("08:00", "10:00"),
    ("10:00", "12:00"),
    ("13:00", "15:00"),
    ("15:00", "17:00"),
)


@dataclass(frozen=True)
class BookingSuggestion:
    """A window that can be offered, with its marginal travel time and technician."""

    day: date
    window_start: datetime
    window_end: datetime
    technician: str
    marginal_travel_s: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "technician": self.technician,
            "marginal_travel_min": round(self.marginal_travel_s / 60, 1),
        }


def next_working_days(start: date, n: int, *, holidays: Iterable[date] = ()) -> list[date]:
    """The next ``n`` working days (Monday-Friday, holidays skipped) from ``start`` inclusive."""
    out: list[date] = []
    d, skip = start, set(holidays)
    while len(out) < n:
        if d.weekday() < 5 and d not in skip:
            out.append(d)
        d += timedelta(days=1)
    return out


def suggest_bookings(
    days: Mapping[date, tuple[DispatchProblem, Plan]],
    *,
    location: GeoPoint | int,
    service_min: float,
    skills: Iterable[str] = (),
    windows: Sequence[tuple[TimeLike, TimeLike]] = DEFAULT_WINDOWS,
    limit: int = 5,
) -> list[BookingSuggestion]:
    """Rank candidate windows for a new request by marginal travel time.

    Parameters
    ----------
    days
        For each candidate day (see :func:`next_working_days`), its problem and current plan.
    location, service_min, skills
        The new request.
    windows
        Candidate windows offered on each day.
    limit
        Number of suggestions returned (best first).

    Returns
    -------
    list[BookingSuggestion]
        Feasible insertions into the existing routes (no other visit moved to another
        technician), cheapest marginal travel first, one per (day, window).
    """
    out: list[BookingSuggestion] = []
    for day, (problem, plan) in sorted(days.items()):
        trial = problem.copy()
        trial.add_visit("__request__", location=location, service_min=service_min, skills=skills)
        model = to_engine(trial)
        if "__request__" not in model.visit_ids:
            continue
        j = model.visit_ids.index("__request__")
        pos = {vid: k for k, vid in enumerate(model.visit_ids)}
        routes: list[list[int]] = []
        for tid in model.tech_ids:
            current = plan.route_of(tid)
            stops = current.stops if current else ()
            routes.append([pos[s.visit] for s in stops if s.visit in pos])
        for a, b in windows:
            wa, wb = trial.at(a), trial.at(b)
            wa_s, wb_s = trial.seconds(wa), trial.seconds(wb)
            job = replace(model.inst.jobs[j], windows=((wa_s, wb_s),))
            inst = replace(model.inst, jobs=[*model.inst.jobs[:j], job, *model.inst.jobs[j + 1 :]])
            ins = best_insertion(inst, routes, j)
            if ins is None:
                continue
            extra = ins[0] - (inst.vehicles[ins[1]].fixed_cost if not routes[ins[1]] else 0)
            out.append(
                BookingSuggestion(
                    day=day,
                    window_start=wa,
                    window_end=wb,
                    technician=model.tech_ids[ins[1]],
                    marginal_travel_s=int(extra),
                )
            )
    out.sort(key=lambda s: (s.marginal_travel_s, s.day, s.window_start))
    return out[:limit]


__all__ = ["DEFAULT_WINDOWS", "BookingSuggestion", "next_working_days", "suggest_bookings"]
