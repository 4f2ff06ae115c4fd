"""Technicians' workload: service, driving, waiting and lunch per day, visits, utilisation.

Stored per trip: the technician it was published to, its planned service time
(``duration_min``) and its address's drive time from the shop; per technician: the shift
and the lunch. A day of a technician who has at least one trip then splits its shift into:

* **service**: the planned service minutes of the day's trips;
* **lunch**: the technician's lunch (``break_min``);
* **driving (estimated)**: a round trip from the shop per trip (twice the drive minutes of
  the address), never more than what is left of the shift (an upper bound: real routes chain
  visits; the driving of the published routes is not stored);
* **waiting**: the rest of the shift.

**Utilisation** is service / (shift - lunch). Trips without a technician (not published) are
not counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from dispatch.i18n import N_, _

if TYPE_CHECKING:
    from dispatch.reports.facts import AppointmentFact, TechnicianFact
    from dispatch.reports.periods import Period

#: The parts of a working day, in the chart's order, and their labels (English msgids).
PARTS = ("service", "driving", "waiting", "lunch")
PART_LABELS = {
    "service": N_("Service"),
    "driving": N_("Driving (estimated)"),
    "waiting": N_("Waiting"),
    "lunch": N_("Lunch"),
}


def part_label(part: str) -> str:
    """The label of a part of the day in the active language."""
    return _(PART_LABELS[part])


def _minutes_of_shift(t: TechnicianFact) -> float:
    start = datetime.combine(date(2000, 1, 3), t.shift_start)
    end = datetime.combine(date(2000, 1, 3), t.shift_end)
    return max(0.0, (end - start).total_seconds() / 60.0)


@dataclass(frozen=True)
class TechnicianDay:
    """One technician's day (minutes)."""

    technician_id: int
    name: str
    day: date
    visits: int
    service: float
    driving: float
    waiting: float
    lunch: float

    @property
    def utilisation(self) -> float:
        """Service / (shift - lunch), 0 to 1 (more when the trips overrun the shift)."""
        available = self.service + self.driving + self.waiting
        return self.service / available if available > 0 else 0.0

    def minutes(self, part: str) -> float:
        return float(getattr(self, part))

    def to_dict(self) -> dict[str, Any]:
        return {
            "technician_id": self.technician_id,
            "name": self.name,
            "day": self.day.isoformat(),
            "visits": self.visits,
            "service_min": round(self.service, 1),
            "driving_min_estimate": round(self.driving, 1),
            "waiting_min": round(self.waiting, 1),
            "lunch_min": round(self.lunch, 1),
            "utilisation": round(self.utilisation, 3),
        }


def workload_report(
    trips: Iterable[AppointmentFact], technicians: Iterable[TechnicianFact], period: Period
) -> tuple[TechnicianDay, ...]:
    """Every (technician, day) of ``period`` with at least one trip, by day then name."""
    techs = {t.id: t for t in technicians}
    days: dict[tuple[int, date], list[AppointmentFact]] = {}
    for a in trips:
        if a.kind not in {"visit", "return"} or a.status == "cancelled" or a.technician_id is None:
            continue
        if a.technician_id not in techs or not period.contains(a.window_start):
            continue
        days.setdefault((a.technician_id, a.window_start.date()), []).append(a)
    out = []
    for (tid, day), items in days.items():
        t = techs[tid]
        shift = _minutes_of_shift(t)
        lunch = float(t.break_min)
        service = float(sum(a.duration_min for a in items))
        left = max(0.0, shift - lunch - service)
        driving = min(left, sum(2 * float(a.drive_min or 0.0) for a in items))
        out.append(TechnicianDay(tid, t.name, day, len(items), service, driving, left - driving, lunch))
    return tuple(sorted(out, key=lambda d: (d.day, d.name, d.technician_id)))


@dataclass(frozen=True)
class TechnicianAverage:
    """A technician's average working day over the period (days with at least one trip)."""

    technician_id: int
    name: str
    days: int
    visits_per_day: float
    minutes: dict[str, float]
    utilisation: float


def average_days(days: Iterable[TechnicianDay]) -> tuple[TechnicianAverage, ...]:
    """Each technician's mean minutes per part, visits per day and utilisation (by name)."""
    by_tech: dict[int, list[TechnicianDay]] = {}
    for d in days:
        by_tech.setdefault(d.technician_id, []).append(d)
    out = []
    for tid, items in by_tech.items():
        n = len(items)
        minutes = {p: sum(d.minutes(p) for d in items) / n for p in PARTS}
        available = minutes["service"] + minutes["driving"] + minutes["waiting"]
        out.append(TechnicianAverage(
            tid, items[0].name, n, sum(d.visits for d in items) / n, minutes,
            minutes["service"] / available if available > 0 else 0.0,
        ))  # fmt: skip
    return tuple(sorted(out, key=lambda a: (a.name, a.technician_id)))


__all__ = [
    "PARTS",
    "PART_LABELS",
    "TechnicianAverage",
    "TechnicianDay",
    "average_days",
    "part_label",
    "workload_report",
]
