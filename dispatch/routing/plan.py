"""The answer of a solve: routes of stops, the visits left out and why, totals.

:class:`Plan` (frozen) holds one :class:`Route` per technician (its :class:`Stop` list,
lunch placement, totals) and the :class:`Unassigned` visits, each with a reason code of
:data:`REASONS` and its French message; ``to_dict`` gives the JSON form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dispatch.i18n import N_, _
from dispatch.routing.problem import Visit

#: Reason codes of unassigned visits and their explanations (English templates, translated
#: into the active language by :func:`unassigned_visit`).
REASONS: dict[str, str] = {
    "no_skill": N_("No available technician has the required skill ({skills})."),
    "unreachable": N_("The address cannot be reached by road from the technicians' starting point."),
    "window_unreachable": N_(
        "Even alone in their day, no technician can arrive within the agreed window "
        "and get back before the end of their shift."
    ),
    "pinned_conflict": N_(
        "Pinning conflict: the imposed technician or position does not allow "
        "this visit together with the other pinned visits."
    ),
    "over_capacity": N_(
        "The total work exceeds the capacity of the shifts: no room left in the routes "
        "without removing a higher-priority visit."
    ),
    "window_conflict": N_(
        "Its time window conflicts with the other visits: no route can fit it in "
        "without missing another one."
    ),
    "not_worth": N_(
        "Optional visit: adding it would cost more in travel than its postponement penalty."
    ),
    "no_technician": N_("No technician works that day."),
}


@dataclass(frozen=True)
class Stop:
    """One served visit in a route (timezone-aware times)."""

    visit: str
    arrival: datetime
    start: datetime
    end: datetime
    wait_s: int
    travel_s: int
    distance_m: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "visit": self.visit,
            "arrival": self.arrival.isoformat(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "wait_min": round(self.wait_s / 60, 1),
            "travel_min": round(self.travel_s / 60, 1),
            "km": round(self.distance_m / 1000, 2),
        }


@dataclass(frozen=True)
class Route:
    """A technician's route: departure, stops, lunch placement, return, totals.

    ``break_after`` is the visit after which the lunch is taken (``None``: before the first
    visit); the lunch may be taken on the way or while waiting for the next window.
    ``fixed`` holds visits already done or in progress when the day was re-optimised.
    """

    technician: str
    departure: datetime
    return_time: datetime
    stops: tuple[Stop, ...]
    travel_s: int
    distance_m: float
    break_start: datetime | None = None
    break_end: datetime | None = None
    break_after: str | None = None
    fixed: tuple[Stop, ...] = ()

    @property
    def km(self) -> float:
        return self.distance_m / 1000

    @property
    def travel_min(self) -> float:
        return self.travel_s / 60

    @property
    def work_min(self) -> float:
        """Minutes from departure to return, lunch excluded."""
        total = (self.return_time - self.departure).total_seconds()
        if self.break_start is not None and self.break_end is not None:
            total -= (self.break_end - self.break_start).total_seconds()
        return total / 60

    def to_dict(self) -> dict[str, Any]:
        return {
            "technician": self.technician,
            "departure": self.departure.isoformat(),
            "return": self.return_time.isoformat(),
            "stops": [s.to_dict() for s in self.stops],
            "fixed": [s.to_dict() for s in self.fixed],
            "break": None
            if self.break_start is None
            else {
                "start": self.break_start.isoformat(),
                "end": self.break_end.isoformat() if self.break_end else None,
                "after": self.break_after,
            },
            "km": round(self.km, 2),
            "travel_min": round(self.travel_min, 1),
            "work_min": round(self.work_min, 1),
        }


@dataclass(frozen=True)
class Unassigned:
    """A visit left out, with a reason code (:data:`REASONS`) and a French message."""

    visit: str
    reason: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"visit": self.visit, "reason": self.reason, "message": self.message}


@dataclass(frozen=True)
class Plan:
    """The answer of :func:`dispatch.routing.solving.solve`: routes, unassigned visits, totals, and the check."""

    day: date
    day_start: datetime
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    objective: int
    engine: str
    seconds: float
    feasible: bool
    violations: tuple[str, ...] = ()

    @property
    def total_km(self) -> float:
        return sum(r.km for r in self.routes)

    @property
    def total_travel_min(self) -> float:
        return sum(r.travel_min for r in self.routes)

    @property
    def served(self) -> list[str]:
        return [s.visit for r in self.routes for s in r.stops]

    def route_of(self, technician: str) -> Route | None:
        return next((r for r in self.routes if r.technician == technician), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (times ISO 8601 with offset, America/Montreal)."""
        return {
            "day": self.day.isoformat(),
            "routes": [r.to_dict() for r in self.routes],
            "unassigned": [u.to_dict() for u in self.unassigned],
            "total_km": round(self.total_km, 2),
            "total_travel_min": round(self.total_travel_min, 1),
            "served": len(self.served),
            "objective": self.objective,
            "engine": self.engine,
            "seconds": round(self.seconds, 3),
            "feasible": self.feasible,
            "violations": list(self.violations),
        }


def unassigned_visit(visit: Visit, reason: str) -> Unassigned:
    """The :class:`Unassigned` entry of ``visit`` for a reason code of :data:`REASONS`."""
    msg = _(REASONS[reason]).format(skills=", ".join(sorted(visit.skills)) or "-")
    return Unassigned(visit=visit.id, reason=reason, message=msg)


__all__ = ["REASONS", "Plan", "Route", "Stop", "Unassigned", "unassigned_visit"]
