"""Daily dispatch optimisation: build a day's problem, solve it, get an explained plan.

The shape follows PyVRP's ``Model``: build the problem in domain words, then call
:func:`solve`, which returns a frozen :class:`Plan`; :func:`dispatch.routing.feasibility.check_plan`
verifies it independently of any solver (every plan :func:`solve` returns has been checked).

>>> problem = DispatchProblem(date(2026, 6, 1), shop=region.shop)          # doctest: +SKIP
>>> problem.add_technician("alex", shift=("08:00", "17:00"), lunch=(30, "11:30", "13:30"))
>>> problem.add_visit("v1", location=GeoPoint(45.75, -73.60), windows=[("09:00", "11:00")],
...                   service_min=60)
>>> problem.use_region(region, traffic_factor=1.1)
>>> plan = solve(problem, time_limit=1, seed=1)
>>> plan.to_dict()

Engines (see ``docs/routing.md`` for the measurements behind the choice): problems PyVRP can
express exactly (no lunch breaks, skills or pins) go to PyVRP, the rest to OR-Tools, both
behind the same integer model (:mod:`dispatch.routing._engine`). A plan is never empty when a
feasible one exists: every visit is optional in the engines with a large penalty, and each
visit left out gets a reason found by a diagnosis step (:data:`REASONS`).

Also here: :func:`reoptimize` (re-plan the rest of the day from the technicians' positions)
and :func:`suggest_bookings` (rank candidate windows over the next working days by the
marginal travel time of inserting a new request).
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dispatch.errors import InfeasibleProblem
from dispatch.geo.point import GeoPoint
from dispatch.routing._engine import (
    EngineBreak,
    EngineInput,
    EngineJob,
    EngineResult,
    EngineVehicle,
)

TZ = ZoneInfo("America/Montreal")

#: Objective cost of leaving out a (non-optional) visit, per priority level + 1, in seconds
#: of travel (about 28 h): more than any detour of a day, so serving one more visit always
#: comes first, yet small enough not to swamp the engines' search (measured: 10x larger
#: penalties made PyVRP's routes 2-6 % longer).
REQUIRED_PENALTY = 100_000
#: Default penalty of an optional visit, per priority level + 1 (one hour of driving).
OPTIONAL_PENALTY = 3_600
#: Drive time used for unreachable pairs inside the engines (longer than any day).
UNREACHABLE_S = 10_000_000

#: Reason codes of unassigned visits and their French explanations.
REASONS: dict[str, str] = {
    "no_skill": "Aucun technicien disponible n'a la compétence requise ({skills}).",
    "unreachable": "L'adresse n'est pas joignable par la route depuis le point de départ des techniciens.",
    "window_unreachable": (
        "Même seul dans sa journée, aucun technicien ne peut arriver dans la plage convenue "
        "et rentrer avant la fin de son quart."
    ),
    "pinned_conflict": (
        "Conflit avec l'épinglage : le technicien ou la position imposés ne permettent pas "
        "cette visite avec les autres visites épinglées."
    ),
    "over_capacity": (
        "Le travail total dépasse la capacité des quarts : plus de place dans les tournées "
        "sans retirer une visite plus prioritaire."
    ),
    "window_conflict": (
        "Sa plage horaire entre en conflit avec les autres visites : aucune tournée ne peut "
        "l'insérer sans en manquer une autre."
    ),
    "not_worth": (
        "Visite optionnelle : l'ajouter coûterait plus en déplacement que sa pénalité de report."
    ),
    "no_technician": "Aucun technicien ne travaille ce jour-là.",
}

TimeLike = datetime | time | str | int | float


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Lunch:
    """A lunch break of ``duration_s`` starting between ``earliest`` and ``latest``."""

    duration_s: int
    earliest: datetime
    latest: datetime


@dataclass(frozen=True)
class Technician:
    """A technician's day: shift, start/end place, lunch, limits, skills, fixed cost.

    ``start`` / ``end`` are a :class:`GeoPoint` (region matrices) or an index into a given
    matrix; ``None`` means the shop.
    """

    id: str
    shift_start: datetime
    shift_end: datetime
    start: GeoPoint | int | None = None
    end: GeoPoint | int | None = None
    lunch: Lunch | None = None
    max_work_s: int | None = None
    skills: frozenset[str] = frozenset()
    fixed_cost: int = 0
    name: str = ""


@dataclass(frozen=True)
class Visit:
    """A visit to plan: place, agreed windows (service start), duration, skills, priority.

    ``pinned_technician`` forces the technician; ``pinned_position`` (0-based, needs a pinned
    technician) forces its rank in that technician's route. An ``optional`` visit may be
    left out when its ``drop_penalty`` (seconds of travel) is smaller than its cost.
    """

    id: str
    location: GeoPoint | int
    windows: tuple[tuple[datetime, datetime], ...]
    service_s: int
    skills: frozenset[str] = frozenset()
    priority: int = 0
    pinned_technician: str | None = None
    pinned_position: int | None = None
    optional: bool = False
    drop_penalty: int | None = None
    label: str = ""

    @property
    def penalty(self) -> int:
        """Objective cost of leaving this visit out."""
        if self.drop_penalty is not None:
            return int(self.drop_penalty)
        base = OPTIONAL_PENALTY if self.optional else REQUIRED_PENALTY
        return base * (1 + max(0, self.priority))


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
    """The answer of :func:`solve`: routes, unassigned visits, totals, and the check."""

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


# --------------------------------------------------------------------------- builder


#: Longest service accepted (minutes): a day.
MAX_SERVICE_MIN = 24 * 60
#: Longest travel time accepted between two places (s): a week (``inf`` = unreachable).
MAX_TRAVEL_S = 7 * 24 * 3600.0
#: Longest distance accepted between two places (m).
MAX_DISTANCE_M = 10_000_000.0


def _checked_matrix(rows: Sequence[Sequence[float]], what: str, unit: str, limit: float) -> list[list[float]]:
    """Floats >= 0 and below ``limit``, or ``inf`` (unreachable); anything else is refused."""
    out = []
    for i, row in enumerate(rows):
        clean = []
        for j, x in enumerate(row):
            try:
                v = float(x)
            except (TypeError, ValueError) as err:
                msg = f"Matrix {what} [{i}][{j}] = {x!r} is not a number."
                raise InfeasibleProblem(msg) from err
            if math.isnan(v) or v < 0 or (math.isfinite(v) and v > limit):
                msg = (
                    f"Matrix {what} [{i}][{j}] = {x!r} {unit} is invalid: give a value >= 0 and "
                    f"<= {limit:g} {unit}, or inf for an unreachable pair."
                )
                raise InfeasibleProblem(msg)
            clean.append(v)
        out.append(clean)
    return out

class DispatchProblem:
    """A day's dispatch problem, built step by step (like PyVRP's ``Model``).

    Parameters
    ----------
    day
        The day planned (times given as ``"HH:MM"``, ``time`` or seconds are on this day).
    shop
        Default start/end of technicians: a :class:`GeoPoint` (region matrices) or an index
        into a given matrix (default 0 when a matrix is given).
    skills
        The catalogue of known skills; a visit needing a skill outside it is rejected. When
        omitted, the catalogue is the union of the technicians' and visits' skills.
    tz
        Time zone (default America/Montreal).
    """

    def __init__(
        self,
        day: date,
        *,
        shop: GeoPoint | int | None = None,
        skills: Iterable[str] | None = None,
        tz: ZoneInfo = TZ,
    ) -> None:
        self.day = day
        self.tz = tz
        self.shop = shop
        self.known_skills = frozenset(skills) if skills is not None else None
        self.day_start = datetime.combine(day, time(0, 0), tzinfo=tz)
        self.technicians: list[Technician] = []
        self.visits: list[Visit] = []
        self._durations: list[list[float]] | None = None
        self._distances: list[list[float]] | None = None
        self._region: Any = None
        self._traffic = 1.0
        self._cache: tuple | None = None

    # -- times
    def at(self, value: TimeLike) -> datetime:
        """A timezone-aware datetime on this day from ``"HH:MM"``, ``time``, seconds or datetime.

        The result must lie between the day's midnight and 48 h later (a shift may end after
        midnight); anything else is refused with :class:`InfeasibleProblem`.
        """
        moment = self._at(value)
        if not (self.day_start <= moment <= self.day_start + timedelta(hours=48)):
            msg = (
                f"Time {value!r} is outside the day of {self.day:%Y-%m-%d} (from midnight to 48 h "
                "later); give HH:MM, or seconds since midnight >= 0."
            )
            raise InfeasibleProblem(msg)
        return moment

    def _at(self, value: TimeLike) -> datetime:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                msg = f"Datetime {value} has no time zone; give an aware datetime (America/Montreal)."
                raise InfeasibleProblem(msg)
            return value.astimezone(self.tz)
        if isinstance(value, time):
            return datetime.combine(self.day, value, tzinfo=self.tz)
        if isinstance(value, str):
            try:
                hh, mm = value.strip().split(":")[:2]
                return datetime.combine(self.day, time(int(hh), int(mm)), tzinfo=self.tz)
            except ValueError as err:
                msg = f"Time {value!r} is not HH:MM (for example 08:30)."
                raise InfeasibleProblem(msg) from err
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not (math.isfinite(value) and -1e7 < value < 1e7):
                msg = f"Time {value!r} is not a usable number of seconds since midnight."
                raise InfeasibleProblem(msg)
            return self.day_start + timedelta(seconds=float(value))
        msg = f"Cannot read a time from {value!r}; give HH:MM, a time, seconds or an aware datetime."
        raise InfeasibleProblem(msg)

    def seconds(self, value: datetime) -> int:
        """Whole seconds since the start of the day (local midnight)."""
        return round((value - self.day_start).total_seconds())

    # -- building
    def add_technician(
        self,
        id: str,
        *,
        shift: tuple[TimeLike, TimeLike] = ("08:00", "17:00"),
        start: GeoPoint | int | None = None,
        end: GeoPoint | int | None = None,
        lunch: tuple[float, TimeLike, TimeLike] | None = None,
        max_work_min: float | None = None,
        skills: Iterable[str] = (),
        fixed_cost: int = 0,
        name: str = "",
    ) -> Technician:
        """Add a technician.

        Parameters
        ----------
        id
            Unique identifier.
        shift
            (start, end) of the shift; the route leaves and returns inside it.
        start, end
            Start and end place (home or shop); default the shop, ``end`` defaults to ``start``.
        lunch
            ``(minutes, earliest start, latest start)`` of the lunch break, or ``None``.
        max_work_min
            Maximum minutes from departure to return, lunch excluded.
        skills
            Skills of the technician.
        fixed_cost
            Objective cost (seconds of travel) of using this technician at all.
        """
        if any(t.id == id for t in self.technicians):
            msg = f"Technician {id!r} is already in the problem; give each technician a unique id."
            raise InfeasibleProblem(msg)
        s0, s1 = self.at(shift[0]), self.at(shift[1])
        if s1 <= s0:
            msg = f"Technician {id!r}: shift ends ({s1:%H:%M}) before it starts ({s0:%H:%M}); swap the times."
            raise InfeasibleProblem(msg)
        lun = None
        if lunch is not None:
            minutes, early, late = lunch
            if minutes < 0:
                msg = f"Technician {id!r}: lunch of {minutes} min is negative."
                raise InfeasibleProblem(msg)
            le, ll = self.at(early), self.at(late)
            if ll < le:
                msg = f"Technician {id!r}: lunch window ends ({ll:%H:%M}) before it starts ({le:%H:%M})."
                raise InfeasibleProblem(msg)
            if le < s0 or ll + timedelta(minutes=minutes) > s1:
                msg = f"Technician {id!r}: lunch window {le:%H:%M}-{ll:%H:%M} does not fit in the shift {s0:%H:%M}-{s1:%H:%M}."
                raise InfeasibleProblem(msg)
            lun = Lunch(duration_s=round(minutes * 60), earliest=le, latest=ll)
        if max_work_min is not None and max_work_min <= 0:
            msg = f"Technician {id!r}: maximum working time must be positive, got {max_work_min} min."
            raise InfeasibleProblem(msg)
        if fixed_cost < 0:
            msg = f"Technician {id!r}: fixed cost must not be negative."
            raise InfeasibleProblem(msg)
        tech = Technician(
            id=id,
            shift_start=s0,
            shift_end=s1,
            start=start,
            end=end if end is not None else start,
            lunch=lun,
            max_work_s=None if max_work_min is None else round(max_work_min * 60),
            skills=frozenset(skills),
            fixed_cost=int(fixed_cost),
            name=name or id,
        )
        self.technicians.append(tech)
        self._cache = None
        return tech

    def add_visit(
        self,
        id: str,
        *,
        location: GeoPoint | int,
        windows: Sequence[tuple[TimeLike, TimeLike]] | None = None,
        service_min: float = 60,
        skills: Iterable[str] = (),
        priority: int = 0,
        pinned_technician: str | None = None,
        pinned_position: int | None = None,
        optional: bool = False,
        drop_penalty: int | None = None,
        label: str = "",
    ) -> Visit:
        """Add a visit.

        Parameters
        ----------
        id
            Unique identifier.
        location
            Where (a :class:`GeoPoint`, or an index into a given matrix).
        windows
            One or more agreed windows for the start of service; default the whole day.
        service_min
            Service duration in minutes (the diagnostic estimate).
        skills
            Skills required.
        priority
            0 normal; higher is kept first when not everything fits.
        pinned_technician, pinned_position
            Force the technician, and the 0-based rank in its route.
        optional, drop_penalty
            An optional visit is left out when serving it costs more than ``drop_penalty``
            (seconds of travel; default one hour per priority level + 1).
        label
            Free text shown with the visit (customer, address).
        """
        if any(v.id == id for v in self.visits):
            msg = f"Visit {id!r} is already in the problem; give each visit a unique id."
            raise InfeasibleProblem(msg)
        if (
            not isinstance(service_min, (int, float))
            or isinstance(service_min, bool)
            or not math.isfinite(service_min)
        ):
            msg = f"Visit {id!r}: service duration {service_min!r} is not a number of minutes."
            raise InfeasibleProblem(msg)
        if service_min < 0:
            msg = f"Visit {id!r}: service duration {service_min} min is negative; give minutes >= 0."
            raise InfeasibleProblem(msg)
        if service_min > MAX_SERVICE_MIN:
            msg = (
                f"Visit {id!r}: service duration {service_min:g} min is longer than a day "
                f"({MAX_SERVICE_MIN} min); check the units (minutes)."
            )
            raise InfeasibleProblem(msg)
        if windows is None or len(windows) == 0:
            windows = [(0, 24 * 3600 - 1)]
        wins = []
        for a, b in windows:
            wa, wb = self.at(a), self.at(b)
            if wb < wa:
                msg = f"Visit {id!r}: window ends ({wb:%H:%M}) before it starts ({wa:%H:%M}); fix the window."
                raise InfeasibleProblem(msg)
            wins.append((wa, wb))
        wins.sort()
        if pinned_position is not None and (pinned_technician is None or pinned_position < 0):
            msg = f"Visit {id!r}: a pinned position needs a pinned technician and a rank >= 0."
            raise InfeasibleProblem(msg)
        if drop_penalty is not None and drop_penalty < 0:
            msg = f"Visit {id!r}: drop penalty must not be negative."
            raise InfeasibleProblem(msg)
        visit = Visit(
            id=id,
            location=location,
            windows=tuple(wins),
            service_s=round(service_min * 60),
            skills=frozenset(skills),
            priority=int(priority),
            pinned_technician=pinned_technician,
            pinned_position=pinned_position,
            optional=bool(optional),
            drop_penalty=drop_penalty,
            label=label,
        )
        self.visits.append(visit)
        self._cache = None
        return visit

    def remove_visit(self, id: str) -> None:
        """Remove a visit (cancellations, re-optimisation)."""
        self.visits = [v for v in self.visits if v.id != id]
        self._cache = None

    def set_matrix(
        self, durations_s: Sequence[Sequence[float]], distances_m: Sequence[Sequence[float]] | None = None,
        *, traffic_factor: float = 1.0,
    ) -> DispatchProblem:
        """Use a given matrix; locations are then indices into it (``inf`` = unreachable)."""
        n = len(durations_s)
        if any(len(row) != n for row in durations_s):
            msg = "The duration matrix must be square."
            raise InfeasibleProblem(msg)
        if distances_m is None:
            distances_m = [[0.0] * n for _ in range(n)]
        if len(distances_m) != n or any(len(row) != n for row in distances_m):
            msg = "The distance matrix must be square and of the same size as the durations."
            raise InfeasibleProblem(msg)
        self._durations = _checked_matrix(durations_s, "travel time", "s", MAX_TRAVEL_S)
        self._distances = _checked_matrix(distances_m, "distance", "m", MAX_DISTANCE_M)
        self._region = None
        self._set_traffic(traffic_factor)
        return self

    def use_region(self, region: Any, *, traffic_factor: float = 1.0) -> DispatchProblem:
        """Compute travel times and distances on the region's road network (at solve time).

        ``traffic_factor`` multiplies drive times (1.1 = 10 % slack for traffic).
        """
        self._region = region
        self._durations = self._distances = None
        if self.shop is None:
            self.shop = region.shop
        self._set_traffic(traffic_factor)
        return self

    def _set_traffic(self, factor: float) -> None:
        if not (factor >= 1.0 and math.isfinite(factor)):
            msg = f"Traffic factor must be >= 1.0 (1.1 = 10 % slack), got {factor}."
            raise InfeasibleProblem(msg)
        self._traffic = float(factor)
        self._cache = None

    @property
    def traffic_factor(self) -> float:
        return self._traffic

    def copy(self) -> DispatchProblem:
        """A copy sharing the matrix source (technicians and visits are immutable values)."""
        other = DispatchProblem(self.day, shop=self.shop, skills=self.known_skills, tz=self.tz)
        other.technicians = list(self.technicians)
        other.visits = list(self.visits)
        other._durations, other._distances = self._durations, self._distances
        other._region, other._traffic = self._region, self._traffic
        return other

    # -- places and matrix
    def _place(self, value: GeoPoint | int | None) -> GeoPoint | int:
        if value is None:
            if self.shop is None:
                if self._durations is not None:
                    return 0
                msg = "No shop location: give DispatchProblem(shop=...) or use_region(region)."
                raise InfeasibleProblem(msg)
            return self.shop
        return value

    def _keys(self) -> list[tuple[tuple[str, str], GeoPoint | int]]:
        keys = []
        for t in self.technicians:
            keys.append((("tech_start", t.id), self._place(t.start)))
            keys.append((("tech_end", t.id), self._place(t.end)))
        for v in self.visits:
            keys.append((("visit", v.id), v.location))
        return keys

    def _matrix(self) -> tuple[dict, list[list[int]], list[list[float]]]:
        """(key -> index, integer seconds after traffic, metres) for the current places."""
        if self._cache is not None:
            return self._cache
        keys = self._keys()
        if self._region is None and self._durations is None:
            msg = "No travel times: call use_region(region) or set_matrix(...) before solving."
            raise InfeasibleProblem(msg)
        index: dict[tuple[str, str], int] = {}
        if self._durations is not None:
            n = len(self._durations)
            for key, place in keys:
                if isinstance(place, GeoPoint) or not (0 <= int(place) < n):
                    msg = f"{key[0]} {key[1]!r}: location {place!r} is not an index of the given {n}x{n} matrix."
                    raise InfeasibleProblem(msg)
                index[key] = int(place)
            dur_src, dist_src = self._durations, self._distances
        else:
            points: list[GeoPoint] = []
            pos: dict[GeoPoint, int] = {}
            for key, place in keys:
                if not isinstance(place, GeoPoint):
                    msg = f"{key[0]} {key[1]!r}: give a GeoPoint location with region matrices, got {place!r}."
                    raise InfeasibleProblem(msg)
                if place not in pos:
                    pos[place] = len(points)
                    points.append(place)
                index[key] = pos[place]
            tm = self._region.network.matrix(points)
            dur_src = tm.durations_s.tolist()
            dist_src = tm.distances_m.tolist()
        f = self._traffic
        durations = [
            [math.ceil(x * f - 1e-9) if math.isfinite(x) else math.inf for x in row] for row in dur_src
        ]
        distances = [[float(x) for x in row] for row in dist_src]
        self._cache = (index, durations, distances)
        return self._cache

    def location_index(self, key: tuple[str, str]) -> int:
        """Matrix index of ``("tech_start"|"tech_end"|"visit", id)``."""
        return self._matrix()[0][key]

    def travel_s(self, i: int, j: int) -> float:
        """Drive seconds from matrix index ``i`` to ``j`` (traffic factor applied, rounded up)."""
        return self._matrix()[1][i][j]

    def travel_m(self, i: int, j: int) -> float:
        """Road metres from matrix index ``i`` to ``j``."""
        return self._matrix()[2][i][j]

    # -- validation
    def validate(self) -> None:
        """Reject malformed input before solving (raises :class:`InfeasibleProblem`)."""
        catalogue = self.known_skills
        if catalogue is not None:
            for who, skills in [(f"technician {t.id!r}", t.skills) for t in self.technicians] + [
                (f"visit {v.id!r}", v.skills) for v in self.visits
            ]:
                unknown = sorted(skills - catalogue)
                if unknown:
                    msg = f"Unknown skill {', '.join(unknown)} for {who}; known skills: {', '.join(sorted(catalogue))}."
                    raise InfeasibleProblem(msg)
        tech_ids = {t.id for t in self.technicians}
        for v in self.visits:
            if v.pinned_technician is not None and v.pinned_technician not in tech_ids:
                msg = f"Visit {v.id!r} is pinned to unknown technician {v.pinned_technician!r}."
                raise InfeasibleProblem(msg)
        self._matrix()


# --------------------------------------------------------------------------- engine model


@dataclass
class _Model:
    """The engine input plus the maps back to domain ids."""

    inst: EngineInput
    visit_ids: list[str]
    tech_ids: list[str]
    pre_unassigned: list[Unassigned] = field(default_factory=list)


def _to_engine(problem: DispatchProblem) -> _Model:
    index, durations, distances = problem._matrix()
    dur = [[UNREACHABLE_S if not math.isfinite(x) else int(x) for x in row] for row in durations]
    dist = [[round(x) if math.isfinite(x) else UNREACHABLE_S for x in row] for row in distances]
    techs = problem.technicians
    vehicles = []
    for t in techs:
        brk = None
        if t.lunch is not None:
            brk = EngineBreak(
                duration=t.lunch.duration_s,
                early=problem.seconds(t.lunch.earliest),
                late=problem.seconds(t.lunch.latest),
            )
        vehicles.append(
            EngineVehicle(
                start=index[("tech_start", t.id)],
                end=index[("tech_end", t.id)],
                tw_early=problem.seconds(t.shift_start),
                tw_late=problem.seconds(t.shift_end),
                max_span=t.max_work_s,
                brk=brk,
                fixed_cost=t.fixed_cost,
            )
        )
    tech_pos = {t.id: k for k, t in enumerate(techs)}
    jobs, ids, pre = [], [], []
    for v in problem.visits:
        if not techs:
            pre.append(_unassigned(v, "no_technician"))
            continue
        able = [k for k, t in enumerate(techs) if v.skills <= t.skills]
        if not able:
            pre.append(_unassigned(v, "no_skill"))
            continue
        if v.pinned_technician is not None:
            k = tech_pos[v.pinned_technician]
            if k not in able:
                pre.append(_unassigned(v, "no_skill"))
                continue
            able = [k]
        allowed = None if len(able) == len(techs) else frozenset(able)
        jobs.append(
            EngineJob(
                loc=index[("visit", v.id)],
                windows=tuple((problem.seconds(a), problem.seconds(b)) for a, b in v.windows),
                service=v.service_s,
                penalty=v.penalty,
                allowed=allowed,
                position=v.pinned_position,
            )
        )
        ids.append(v.id)
    inst = EngineInput(durations=dur, distances=dist, vehicles=vehicles, jobs=jobs, objective="duration")
    return _Model(inst=inst, visit_ids=ids, tech_ids=[t.id for t in techs], pre_unassigned=pre)


def _unassigned(v: Visit, reason: str) -> Unassigned:
    msg = REASONS[reason].format(skills=", ".join(sorted(v.skills)) or "-")
    return Unassigned(visit=v.id, reason=reason, message=msg)


# --------------------------------------------------------------------------- scheduling


@dataclass(frozen=True)
class _Schedule:
    departure: int
    back: int
    arrivals: tuple[int, ...]
    starts: tuple[int, ...]
    break_start: int | None
    break_leg: int | None  # lunch on the leg arriving at stop k (len(route) = way back)


def _simulate(inst: EngineInput, v: int, route: Sequence[int], depart: int, leg_of_break: int | None):
    """Forward pass leaving at ``depart`` with the lunch on leg ``leg_of_break`` (windows and
    shift end checked, not the span); ``None`` if infeasible."""
    veh = inst.vehicles[v]
    dur = inst.durations
    jobs = inst.jobs
    t = depart
    prev = veh.start
    arrivals, starts = [], []
    bstart = None
    n = len(route)
    for k in range(n + 1):
        loc = jobs[route[k]].loc if k < n else veh.end
        leg = dur[prev][loc]
        if leg_of_break == k:
            b = veh.brk
            s = t if t > b.early else b.early
            if s > b.late:
                return None
            bstart = s
            ready = (t + leg if t + leg > b.early else b.early) + b.duration
        else:
            ready = t + leg
        if k == n:
            if ready > veh.tw_late:
                return None
            return _Schedule(depart, ready, tuple(arrivals), tuple(starts), bstart, leg_of_break)
        start = None
        for a, bb in jobs[route[k]].windows:
            if ready <= bb:
                start = ready if ready > a else a
                break
        if start is None:
            return None
        arrivals.append(ready)
        starts.append(start)
        t = start + jobs[route[k]].service
        prev = loc
    return None  # pragma: no cover


def _best_at(inst: EngineInput, v: int, route: Sequence[int], depart: int):
    """Earliest-return schedule leaving at ``depart`` over every lunch position."""
    veh = inst.vehicles[v]
    if veh.brk is None or not route:
        return _simulate(inst, v, route, depart, None)
    # no lunch needed when the technician is back before the lunch window opens
    best = _simulate(inst, v, route, depart, None)
    if best is not None and best.back > veh.brk.early:
        best = None
    for leg in range(len(route) + 1):
        s = _simulate(inst, v, route, depart, leg)
        if s is not None and (best is None or s.back < best.back):
            best = s
    return best


def _span(inst: EngineInput, v: int, s: _Schedule) -> int:
    veh = inst.vehicles[v]
    return s.back - s.departure - (veh.brk.duration if veh.brk is not None else 0)


def _latest(inst: EngineInput, v: int, route: Sequence[int], lo: _Schedule, ok) -> _Schedule:
    """Latest departure whose schedule satisfies ``ok`` (binary search; ``lo`` satisfies it)."""
    a, b = lo.departure, inst.vehicles[v].tw_late
    best = lo
    while b - a > 1:
        mid = (a + b) // 2
        s = _best_at(inst, v, route, mid)
        if s is not None and ok(s):
            a, best = mid, s
        else:
            b = mid
    return best


def schedule_route(inst: EngineInput, v: int, route: Sequence[int]) -> _Schedule | None:
    """Earliest-return schedule of a route, leaving as late as that allows; ``None`` if infeasible.

    The lunch goes on the leg that gives the earliest return; the departure is then pushed
    as late as possible without delaying the return (less waiting at the first visit). With
    a working-time limit, if that schedule is too long the departure is pushed to the latest
    feasible one (the shortest span).
    """
    veh = inst.vehicles[v]
    if not route:
        return _Schedule(veh.tw_early, veh.tw_early, (), (), None, None)
    first = _best_at(inst, v, route, veh.tw_early)
    if first is None:
        return None
    best = _latest(inst, v, route, first, lambda s: s.back <= first.back)
    if veh.max_span is None or _span(inst, v, best) <= veh.max_span:
        return best
    last = _latest(inst, v, route, best, lambda s: True)
    return last if _span(inst, v, last) <= veh.max_span else None


def _route_feasible(inst: EngineInput, v: int, route: Sequence[int]) -> bool:
    veh = inst.vehicles[v]
    if not route:
        return True
    for pos, j in enumerate(route):
        job = inst.jobs[j]
        if job.allowed is not None and v not in job.allowed:
            return False
        if job.position is not None and job.position != pos:
            return False
    first = _best_at(inst, v, route, veh.tw_early)
    if first is None:
        return False
    if veh.max_span is None or _span(inst, v, first) <= veh.max_span:
        return True
    return schedule_route(inst, v, route) is not None


def _windows_ok(inst: EngineInput, v: int, route: Sequence[int]) -> bool:
    """Cheap necessary condition: windows and shift end without lunch nor span."""
    return _simulate(inst, v, route, inst.vehicles[v].tw_early, None) is not None


def _route_cost(inst: EngineInput, v: int, route: Sequence[int]) -> int:
    veh = inst.vehicles[v]
    locs = [veh.start, *(inst.jobs[j].loc for j in route), veh.end]
    return sum(inst.durations[a][b] for a, b in zip(locs, locs[1:], strict=False))


def _best_insertion(inst: EngineInput, routes: list[list[int]], j: int) -> tuple[int, int, int] | None:
    """Cheapest feasible (extra cost, vehicle, position) to insert job ``j``; ``None`` if none."""
    job = inst.jobs[j]
    cands = []
    for v, route in enumerate(routes):
        if job.allowed is not None and v not in job.allowed:
            continue
        base = _route_cost(inst, v, route)
        extra_fixed = inst.vehicles[v].fixed_cost if not route else 0
        positions = [job.position] if job.position is not None else range(len(route) + 1)
        for p in positions:
            if p > len(route):
                continue
            cand = [*route[:p], j, *route[p:]]
            cands.append((_route_cost(inst, v, cand) - base + extra_fixed, v, p, cand))
    cands.sort(key=lambda c: c[:3])
    for delta, v, p, cand in cands:
        if _windows_ok(inst, v, cand) and _route_feasible(inst, v, cand):
            return (delta, v, p)
    return None


def _repair(
    inst: EngineInput, routes: list[list[int]], dropped: list[int]
) -> tuple[list[list[int]], list[int], set[int]]:
    """Make every route feasible under our own scheduler, then insert what fits and pays.

    Returns the routes, the jobs still left out, and those of them that could have been
    inserted but cost more than their penalty.
    """
    routes = [list(r) for r in routes]
    removed = list(dropped)
    for v, route in enumerate(routes):
        while route and not _route_feasible(inst, v, route):
            # drop the visit whose removal helps most (cheapest penalty first)
            k = min(range(len(route)), key=lambda i: inst.jobs[route[i]].penalty)
            removed.append(route.pop(k))
    still, not_worth = [], set()
    for j in sorted(removed, key=lambda j: -inst.jobs[j].penalty):
        ins = _best_insertion(inst, routes, j)
        if ins is not None and ins[0] < inst.jobs[j].penalty:
            routes[ins[1]].insert(ins[2], j)
        else:
            still.append(j)
            if ins is not None:
                not_worth.add(j)
    return routes, sorted(still), not_worth


def _routes_cost(inst: EngineInput, routes: list[list[int]]) -> int:
    """Travel plus fixed costs of the technicians used (:meth:`EngineInput.route_cost`)."""
    return sum(inst.route_cost(v, r) for v, r in enumerate(routes))


def _eject_insert(
    inst: EngineInput, routes: list[list[int]], dropped: list[int], *, max_checks: int = 40_000
) -> tuple[list[list[int]], list[int]]:
    """Serve more visits by one ejection: a left-out visit takes the place of a served one,
    which moves to another route (or the same one elsewhere).

    For each left-out job (highest penalty first), each technician allowed to serve it and
    each visit of that technician's route: remove the visit, insert the job at its cheapest
    feasible place in that route, then re-insert the removed visit at its cheapest feasible
    place anywhere. The first success is applied, when the extra travel (and fixed cost)
    is below the job's penalty. The search stops after ``max_checks``
    route evaluations (a work count, so the result is repeatable).
    """
    routes = [list(r) for r in routes]
    still = list(dropped)
    checks = 0
    progress = True
    while progress and still and checks < max_checks:
        progress = False
        for j in sorted(still, key=lambda j: (-inst.jobs[j].penalty, j)):
            job = inst.jobs[j]
            if job.position is not None:
                continue
            done = False
            for v, route in enumerate(routes):
                if done or checks >= max_checks:
                    break
                if job.allowed is not None and v not in job.allowed:
                    continue
                for i, k in enumerate(route):
                    if inst.jobs[k].position is not None or inst.jobs[k].penalty > job.penalty:
                        continue
                    rest = [*route[:i], *route[i + 1 :]]
                    trial = [*routes[:v], rest, *routes[v + 1 :]]
                    checks += len(rest) + 1
                    ins = None
                    for p in range(len(rest) + 1):
                        cand = [*rest[:p], j, *rest[p:]]
                        if _windows_ok(inst, v, cand) and _route_feasible(inst, v, cand):
                            ins = cand
                            break
                    if ins is None:
                        continue
                    trial[v] = ins
                    checks += sum(len(r) + 1 for r in trial)
                    back = _best_insertion(inst, trial, k)
                    if back is None:
                        continue
                    trial[back[1]].insert(back[2], k)
                    if _routes_cost(inst, trial) - _routes_cost(inst, routes) >= job.penalty:
                        continue  # an optional visit not worth its detour
                    routes = trial
                    still.remove(j)
                    done = progress = True
                    break
            if checks >= max_checks:
                break
    return routes, sorted(still)


# --------------------------------------------------------------------------- diagnosis


def _diagnose(inst: EngineInput, routes: list[list[int]], j: int, not_worth: set[int]) -> str:
    job = inst.jobs[j]
    able = [v for v in range(len(inst.vehicles)) if job.allowed is None or v in job.allowed]
    if all(
        inst.durations[inst.vehicles[v].start][job.loc] >= UNREACHABLE_S
        or inst.durations[job.loc][inst.vehicles[v].end] >= UNREACHABLE_S
        for v in able
    ):
        return "unreachable"
    unpinned = replace(job, position=None)
    alone_ok = []
    for v in able:
        probe = replace(inst, jobs=[*inst.jobs[:j], unpinned, *inst.jobs[j + 1 :]])
        if _route_feasible(probe, v, [j]):
            alone_ok.append(v)
    if not alone_ok:
        return "window_unreachable"
    if job.position is not None:
        return "pinned_conflict"
    if j in not_worth:
        return "not_worth"
    # workload: services + shortest access vs shift time left
    demand = sum(inst.jobs[k].service for r in routes for k in r) + job.service
    capacity = 0
    for v, veh in enumerate(inst.vehicles):
        cap = veh.tw_late - veh.tw_early - (veh.brk.duration if veh.brk else 0)
        if veh.max_span is not None:
            cap = min(cap, veh.max_span)
        capacity += cap - _route_cost(inst, v, routes[v])
    if demand > 0.85 * capacity:
        return "over_capacity"
    pinned_here = any(inst.jobs[k].position is not None for v in alone_ok for k in routes[v])
    if pinned_here and len(alone_ok) == 1:
        return "pinned_conflict"
    return "window_conflict"


# --------------------------------------------------------------------------- solve

#: PyVRP iterations x clients per second of one search (one thread) on a 30-visit day, as
#: the deterministic stop assumes; an iteration costs more on days with more visits, as
#: (visits / 30) ** 0.76 (fitted on 16 generated days, single searches: iterations per
#: second = e^14.5 x visits^-0.76 x clients^-0.99, within +-25 %). Calibrated so that a 1 s
#: call takes about 0.7 s on this idle machine (two searches in parallel threads), and a
#: busy machine still finishes the count before the clock's guard. 50,000 instead of 70,000
#: since the searches cross late days (:data:`dispatch.routing._pyvrp.TIME_WARP_PENALTY`), where an
#: iteration costs more: 60,000 served the same visits over 16 days x 6 seeds (22 s less
#: driving per day) but some 1 s calls took 1.05-1.14 s.
_PYVRP_RATE = 50_000
#: Most PyVRP iterations per second of budget of one search, whatever the size: a day of a
#: few visits converges in a few hundred, and its iterations cost less than the rate above
#: assumes (session 3: a 1-visit day took 2.7-3.2 s for a 1 s budget, the clock guard
#: stopping a count of 140,000). No benchmark day comes near the cap (at most 640).
_MAX_ITERATIONS = 3000
#: Shares of the budget: the two first searches (in parallel), then the two continuations
#: from the recombined best (in parallel); the rest goes to recombination and repair (and,
#: in the wall-clock mode, to the OR-Tools polish).
_FIRST_SHARE = 0.45
_CONTINUE_SHARE = 0.25
#: CP-SAT deterministic time of one set-packing solve, per second of budget. 0.02 instead
#: of 0.05 (session 3): the same plans on 16 days x 3 seeds, about 0.03 s less per call.
_PACKING_SHARE = 0.02
#: Work bound of the one-ejection insertions (route evaluations per second of budget, up
#: to 60 visits; repeatable).
_EJECT_CHECKS = 40_000
#: VROOM's exploration level for the extra first answer (``None`` = no VROOM), and the
#: largest day it runs on: pyvroom holds the GIL while it solves (measured: a Python thread
#: ran 2 % of its speed beside it), so its time is taken from the PyVRP threads: 0.03-0.4 s
#: up to 60 visits, 1.0 s on 150.
_VROOM_EXPLORATION: int | None = 3
_VROOM_MAX_JOBS = 80

_THREADS = None


def _threads():
    """Threads for two PyVRP searches at once (its C++ search releases the GIL: measured
    1,883 iterations in 1.1 s for two threads against 842 in 1 s for one) and VROOM (which
    does not release it)."""
    global _THREADS
    if _THREADS is None:
        from concurrent.futures import ThreadPoolExecutor

        _THREADS = ThreadPoolExecutor(max_workers=3, thread_name_prefix="opms-search")
    return _THREADS


def _cost_of(inst: EngineInput, routes: Sequence[Sequence[int]]) -> int:
    """Objective value of these routes (see :meth:`EngineResult.cost`)."""
    return EngineResult.from_routes([list(r) for r in routes], len(inst.jobs), engine="", seconds=0.0).cost(inst)


def _recombine(inst: EngineInput, routes: list[list[int]], pool: dict, *, packing_time: float) -> list[list[int]]:
    """The best day made of pooled routes (see :mod:`dispatch.routing._recombine`), never worse than
    ``routes``; every route chosen is checked by the product's scheduler."""
    from dispatch.routing import _recombine as rc

    keys = list(pool)
    keys += [(v, tuple(r)) for v, r in enumerate(routes) if r]
    cols = rc.columns(keys, inst.route_cost)
    index = {c: k for k, c in enumerate(cols)}
    value = [sum(inst.jobs[j].penalty for j in r) - inst.route_cost(v, r) for v, r in cols]
    start = []
    for v, r in enumerate(routes):
        k = index.get((v, tuple(r)), -1) if r else -1
        if r and k < 0:  # an order that lost to a cheaper one of the same visits
            k = next(i for i, (w, rr) in enumerate(cols) if w == v and set(rr) == set(r))
        start.append(k)
    for _ in range(3):
        picked = rc.exchange(len(inst.vehicles), len(inst.jobs), cols, value, start)
        if packing_time > 0:
            picked = rc.set_packing(len(inst.vehicles), cols, value, picked, deterministic_time=packing_time)
        bad = [c for c in picked if c >= 0 and not _route_feasible(inst, cols[c][0], list(cols[c][1]))]
        if not bad:
            out = [list(cols[c][1]) if c >= 0 else [] for c in picked]
            return out if _cost_of(inst, out) < _cost_of(inst, routes) else routes
        for c in bad:  # a pooled route our scheduler refuses: never choose it again
            value[c] = -(10**15)
    return routes


def _pyvrp_day(
    inst: EngineInput, *, time_limit: float, seed: int, deterministic: bool, t0: float, deadline: float
) -> EngineResult:
    """PyVRP searches + VROOM + route recombination (see docs/routing.md).

    1. two PyVRP searches on the exact day model (:class:`dispatch.routing._pyvrp.DayModel`,
       lunch spots), in parallel threads, every candidate route pooled; VROOM in a third
       thread (its repaired routes pooled too);
    2. the best day made of pooled routes (:func:`_recombine`: exchange + CP-SAT);
    3. two more searches continuing from it (other seeds), pooled, recombined again;
    4. repair by the product's scheduler, one-ejection insertions; in the wall-clock mode
       the time left goes to an OR-Tools polish.

    Repeatable mode: every search stops on an iteration count, CP-SAT on deterministic
    time, the ejections on a work count; the clock only guards.
    """
    from dispatch.routing import _ortools, _pyvrp, _vroom

    model = _pyvrp.DayModel(inst)
    n_clients = max(1, model.size)
    n_jobs = max(1, len(inst.jobs))
    iterations_done: list[int] = []

    def budget(share: float, clients_rate: float) -> tuple[int | None, float]:
        if deterministic:
            return max(10, int(clients_rate * share * time_limit)), 4 * share * time_limit  # clock = guard
        room = deadline - _time.perf_counter() - 0.2 * time_limit
        return None, max(0.02 * time_limit, min(share * time_limit, room))

    def run(share: float, tasks: list[tuple]):
        """PyVRP searches in parallel threads, ``tasks`` = (seed, initial) each; returns
        their best solutions and the pool of their candidate routes."""
        # beyond 300 clients an iteration costs more per client (longer routes, more
        # neighbours): measured about 80 iterations/s at 918 clients, not 140
        rate = _PYVRP_RATE / n_clients * (30 / n_jobs) ** 0.76 * min(1.0, 300 / n_clients)
        iterations, limit = budget(share, min(rate, _MAX_ITERATIONS))
        pools: list[dict] = [{} for _ in tasks]
        futures = [
            _threads().submit(
                model.search, time_limit=limit, seed=s, iterations=iterations, initial=init, pool=p,
                time_warp_penalty=_pyvrp.TIME_WARP_PENALTY,
            )
            for (s, init), p in zip(tasks, pools, strict=True)
        ]
        done = [f.result() for f in futures]
        sols = [sol for sol, _ in done]
        iterations_done.extend(n for _, n in done)
        pool: dict = {}
        for p in pools:
            pool.update(p)
        return sols, pool

    def start_of(routes: list[list[int]]):
        legs, starts = [], []
        for v, r in enumerate(routes):
            sched = schedule_route(inst, v, r) if r else None
            legs.append(sched.break_leg if sched is not None else None)
            starts.append(sched.starts if sched is not None else [0] * len(r))
        return model.solution(routes, legs, starts)

    packing = _PACKING_SHARE * time_limit
    vroom = None
    if _VROOM_EXPLORATION is not None and len(inst.jobs) <= _VROOM_MAX_JOBS and _vroom.available():
        vroom = _threads().submit(_vroom.solve, inst, exploration=_VROOM_EXPLORATION)
    sols, pool = run(_FIRST_SHARE, [(seed, None), (seed + 1000, None)])
    cands = [model.routes_of(sol) for sol in sols]
    if vroom is not None:
        try:
            cands.append(vroom.result().routes)
        except Exception:  # an optional start: the PyVRP answers stand alone
            vroom = None
    cands = [_repair(inst, r, [])[0] for r in cands]
    if vroom is not None:
        for v, r in enumerate(cands[-1]):
            if r:
                pool[(v, tuple(r))] = None
    best = min(cands, key=lambda r: _cost_of(inst, r))
    best = _recombine(inst, best, pool, packing_time=packing)
    if _CONTINUE_SHARE > 0 and (deterministic or deadline - _time.perf_counter() > 0.3 * time_limit):
        start = start_of(best)
        more, pool2 = run(_CONTINUE_SHARE, [(seed + 2000, start), (seed + 3000, start)])
        pool.update(pool2)
        for sol in more:
            r = _repair(inst, model.routes_of(sol), [])[0]
            if _cost_of(inst, r) < _cost_of(inst, best):
                best = r
        best = _recombine(inst, best, pool, packing_time=packing)
    served = {j for r in best for j in r}
    routes, dropped, _ = _repair(inst, best, [j for j in range(len(inst.jobs)) if j not in served])
    # a work count scaled with the budget, smaller on large days (each check is longer)
    checks = int(_EJECT_CHECKS * time_limit * min(1.0, 60 / max(1, len(inst.jobs))))
    routes, dropped = _eject_insert(inst, routes, dropped, max_checks=max(1000, checks))
    result = EngineResult(routes=routes, dropped=dropped, engine="pyvrp", seconds=0.0, stats={"pool": len(pool), "iterations": sum(iterations_done)})
    left = deadline - _time.perf_counter()
    if not deterministic and left > 0.1 * time_limit:
        # wall-clock mode: the time left goes to OR-Tools' own moves (guided local search
        # from these routes). Not in the repeatable mode: measured on the bench days, the
        # 0.3 s OR-Tools needs on 60 visits served fewer visits than as PyVRP iterations
        polished = _ortools.solve(
            inst, time_limit=left, initial_routes=routes, metaheuristic="guided_local_search", warm_only=True
        )
        if polished.stats.get("warm_start") and polished.cost(inst) < result.cost(inst):
            result = replace(polished, engine="pyvrp+ortools", stats=result.stats)
    return replace(result, seconds=_time.perf_counter() - t0)


def _engine_solve(
    inst: EngineInput,
    *,
    time_limit: float,
    seed: int,
    engine: str,
    deterministic: bool,
    started: float | None = None,
) -> EngineResult:
    """Run the engines on the integer model (see docs/routing.md for the measurements).

    ``auto``: when PyVRP can express the problem (everything but pinned positions), PyVRP
    searches about 75 % of the budget (lunch spots, skill profiles; two seeds, half each,
    the better kept and, in the repeatable mode, continued from its best solution for a
    quarter of the budget; each answer repaired, then :func:`_eject_insert`), then
    OR-Tools starts from its routes and polishes them with its own moves (it often inserts
    one more visit); otherwise OR-Tools alone (guided local search).
    ``started`` is when the caller's clock started (matrix time counts in the budget).
    """
    from dispatch.routing import _ortools, _pyvrp

    if not inst.jobs:
        return EngineResult(routes=[[] for _ in inst.vehicles], dropped=[], engine="none", seconds=0.0)
    t0 = _time.perf_counter() if started is None else started
    deadline = t0 + 0.95 * time_limit
    use = engine
    if engine == "auto":
        use = "pyvrp" if _pyvrp.can_express(inst) else "ortools"
    if use == "pyvrp":
        return _pyvrp_day(inst, time_limit=time_limit, seed=seed, deterministic=deterministic, t0=t0, deadline=deadline)
    if use == "ortools":
        return _ortools.solve(
            inst,
            time_limit=time_limit * (2 if deterministic else 1),
            solution_limit=max(50, int(100 * time_limit)) if deterministic else None,
        )
    msg = f"Unknown engine {engine!r}; use auto, ortools or pyvrp."
    raise InfeasibleProblem(msg)


def solve(
    problem: DispatchProblem,
    *,
    time_limit: float = 1.0,
    seed: int = 1,
    engine: str = "auto",
    deterministic: bool = True,
) -> Plan:
    """Optimise the day: routes with times, lunch placement, totals and unassigned visits.

    Parameters
    ----------
    problem
        The day's problem (validated first).
    time_limit
        Search budget in seconds. With ``deterministic=True`` (default) the search stops on
        a work count scaled from this budget, so the same input and seed give the same
        plan; the wall clock then only guards (three times the budget).
    seed
        Random seed.
    engine
        ``auto`` (PyVRP when it can express the problem, else OR-Tools), ``ortools`` or
        ``pyvrp``.
    deterministic
        See ``time_limit``; ``False`` searches for exactly ``time_limit`` seconds.

    Returns
    -------
    Plan
        Checked by :func:`dispatch.routing.feasibility.check_plan` (``plan.feasible``).

    Raises
    ------
    InfeasibleProblem
        Malformed input (window ending before it starts, negative duration, unknown skill,
        pinned to an unknown technician, no travel times).
    """
    t0 = _time.perf_counter()
    if time_limit <= 0:
        msg = f"time_limit must be positive, got {time_limit}."
        raise InfeasibleProblem(msg)
    problem.validate()
    model = _to_engine(problem)
    inst = model.inst
    res = _engine_solve(
        inst, time_limit=time_limit, seed=seed, engine=engine, deterministic=deterministic, started=t0
    )
    routes, dropped, not_worth = _repair(inst, res.routes, res.dropped)
    return _build_plan(problem, model, routes, dropped, engine=res.engine, t0=t0, not_worth=not_worth)


def _build_plan(
    problem: DispatchProblem,
    model: _Model,
    routes: list[list[int]],
    dropped: list[int],
    *,
    engine: str,
    t0: float,
    fixed: Mapping[str, tuple[Stop, ...]] | None = None,
    not_worth: set[int] | None = None,
) -> Plan:
    from dispatch.routing.feasibility import check_plan

    inst = model.inst
    ds = problem.day_start
    out_routes = []
    objective = 0
    for v, route in enumerate(routes):
        tid = model.tech_ids[v]
        sch = schedule_route(inst, v, route)
        veh = inst.vehicles[v]
        stops = []
        prev = veh.start
        t = sch.departure
        travel = 0
        meters = 0.0
        for k, j in enumerate(route):
            loc = inst.jobs[j].loc
            leg = problem.travel_s(prev, loc)
            travel += leg
            meters += problem.travel_m(prev, loc)
            arr = sch.arrivals[k]
            st = sch.starts[k]
            no_break = 0 if sch.break_leg != k else veh.brk.duration
            stops.append(
                Stop(
                    visit=model.visit_ids[j],
                    arrival=ds + timedelta(seconds=arr),
                    start=ds + timedelta(seconds=st),
                    end=ds + timedelta(seconds=st + inst.jobs[j].service),
                    wait_s=int(max(0, st - t - leg - no_break)),
                    travel_s=int(leg),
                    distance_m=problem.travel_m(prev, loc),
                )
            )
            t = st + inst.jobs[j].service
            prev = loc
        if route:
            travel += problem.travel_s(prev, veh.end)
            meters += problem.travel_m(prev, veh.end)
            objective += travel + veh.fixed_cost
        bs = sch.break_start if route else None
        out_routes.append(
            Route(
                technician=tid,
                departure=ds + timedelta(seconds=sch.departure),
                return_time=ds + timedelta(seconds=sch.back),
                stops=tuple(stops),
                travel_s=int(travel),
                distance_m=meters,
                break_start=None if bs is None else ds + timedelta(seconds=bs),
                break_end=None if bs is None else ds + timedelta(seconds=bs + veh.brk.duration),
                break_after=None
                if bs is None or not sch.break_leg
                else model.visit_ids[route[sch.break_leg - 1]],
                fixed=(fixed or {}).get(tid, ()),
            )
        )
    unassigned = list(model.pre_unassigned)
    for j in dropped:
        reason = _diagnose(inst, routes, j, not_worth or set())
        vis = next(v for v in problem.visits if v.id == model.visit_ids[j])
        unassigned.append(_unassigned(vis, reason))
    by_id = {v.id: v for v in problem.visits}
    objective += sum(by_id[u.visit].penalty for u in unassigned)
    draft = Plan(
        day=problem.day,
        day_start=ds,
        routes=tuple(out_routes),
        unassigned=tuple(unassigned),
        objective=int(objective),
        engine=engine,
        seconds=0.0,
        feasible=True,
    )
    report = check_plan(problem, draft)
    return replace(
        draft,
        feasible=report.ok,
        violations=report.violations,
        seconds=_time.perf_counter() - t0,
    )


def plan_from_routes(problem: DispatchProblem, routes: Mapping[str, Sequence[str]], *, engine: str = "given") -> Plan:
    """Schedule and check given routes (technician -> visit ids in order), e.g. a peer's answer.

    Routes that cannot be scheduled keep the visits that fit; the others are unassigned
    with their diagnosis.
    """
    t0 = _time.perf_counter()
    problem.validate()
    model = _to_engine(problem)
    pos = {vid: j for j, vid in enumerate(model.visit_ids)}
    raw = [[pos[x] for x in routes.get(tid, ()) if x in pos] for tid in model.tech_ids]
    served = {j for r in raw for j in r}
    dropped = [j for j in range(len(model.visit_ids)) if j not in served]
    fixed_routes = [list(r) for r in raw]
    out = []
    for v, r in enumerate(fixed_routes):
        while r and not _route_feasible(model.inst, v, r):
            dropped.append(r.pop())
        out.append(r)
    return _build_plan(problem, model, out, sorted(dropped), engine=engine, t0=t0)


# --------------------------------------------------------------------------- during the day


def reoptimize(
    problem: DispatchProblem,
    plan: Plan,
    *,
    now: datetime,
    positions: Mapping[str, GeoPoint | int] | None = None,
    done: Iterable[str] = (),
    in_progress: Mapping[str, str] | None = None,
    new_visits: Sequence[Mapping[str, Any]] = (),
    time_limit: float = 1.0,
    seed: int = 1,
) -> tuple[Plan, DispatchProblem]:
    """Re-plan the rest of the day from where the technicians are now.

    Parameters
    ----------
    problem, plan
        The morning's problem and plan.
    now
        The current time (aware).
    positions
        Technician id -> current position (GeoPoint, or matrix index). A technician with no
        position given starts from the place of their last finished visit (or their start).
    done
        Ids of visits already finished (removed from the problem).
    in_progress
        Technician id -> visit id being served now: fixed, the technician is free at its
        planned end (or now, if later) at that place.
    new_visits
        Keyword arguments of :meth:`DispatchProblem.add_visit` for new (urgent) visits.
    time_limit, seed
        As for :func:`solve`.

    Returns
    -------
    (Plan, DispatchProblem)
        The plan of the remaining visits (each route's ``fixed`` lists the visits done or in
        progress, in order) and the re-built problem it solves (technicians starting where
        and when they become free), against which it was checked.
    """
    now = problem.at(now)
    done = set(done)
    in_progress = dict(in_progress or {})
    positions = dict(positions or {})
    busy = set(in_progress.values())
    new = problem.copy()
    new.visits = [v for v in problem.visits if v.id not in done and v.id not in busy]
    by_visit = {v.id: v for v in problem.visits}
    fixed: dict[str, tuple[Stop, ...]] = {}
    techs = []
    for t in problem.technicians:
        route = plan.route_of(t.id)
        stops = route.stops if route else ()
        fixed_stops = tuple(s for s in stops if s.visit in done or in_progress.get(t.id) == s.visit)
        fixed[t.id] = fixed_stops
        free_at = now
        place = positions.get(t.id)
        if t.id in in_progress:
            vid = in_progress[t.id]
            st = next((s for s in stops if s.visit == vid), None)
            end = st.end if st is not None else now + timedelta(seconds=by_visit[vid].service_s)
            free_at = max(now, end)
            place = by_visit[vid].location
        elif place is None:
            last_done = [s for s in stops if s.visit in done]
            place = by_visit[last_done[-1].visit].location if last_done else t.start
        lunch = t.lunch
        if lunch is not None and route is not None and route.break_end is not None and route.break_end <= now:
            lunch = None  # already taken
        elif lunch is not None:
            early = max(lunch.earliest, free_at)
            lunch = None if early > lunch.latest else replace(lunch, earliest=early)
        shift_start = max(t.shift_start, free_at)
        if shift_start >= t.shift_end:
            shift_start = t.shift_end - timedelta(seconds=1)
        max_work = t.max_work_s
        if max_work is not None and route is not None and route.stops:
            spent = max(0.0, (shift_start - route.departure).total_seconds())
            max_work = max(1, int(max_work - spent))
        techs.append(
            replace(t, shift_start=shift_start, start=place, lunch=lunch, max_work_s=max_work)
        )
    new.technicians = techs
    new._cache = None
    for kw in new_visits:
        new.add_visit(**kw)
    # visits whose windows are already over cannot be served; still planned -> diagnosed
    t0 = _time.perf_counter()
    new.validate()
    model = _to_engine(new)
    res = _engine_solve(model.inst, time_limit=time_limit, seed=seed, engine="auto", deterministic=True)
    routes, dropped, not_worth = _repair(model.inst, res.routes, res.dropped)
    plan = _build_plan(
        new, model, routes, dropped, engine=res.engine, t0=t0, fixed=fixed, not_worth=not_worth
    )
    return plan, new


# --------------------------------------------------------------------------- booking


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
    out, d, skip = [], start, set(holidays)
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
        model = _to_engine(trial)
        if "__request__" not in model.visit_ids:
            continue
        j = model.visit_ids.index("__request__")
        pos = {vid: k for k, vid in enumerate(model.visit_ids)}
        routes = [
            [pos[s.visit] for s in (plan.route_of(tid).stops if plan.route_of(tid) else ()) if s.visit in pos]
            for tid in model.tech_ids
        ]
        for a, b in windows:
            wa, wb = trial.at(a), trial.at(b)
            wa_s, wb_s = trial.seconds(wa), trial.seconds(wb)
            job = replace(model.inst.jobs[j], windows=((wa_s, wb_s),))
            inst = replace(model.inst, jobs=[*model.inst.jobs[:j], job, *model.inst.jobs[j + 1 :]])
            ins = _best_insertion(inst, routes, j)
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


__all__ = [
    "DEFAULT_WINDOWS",
    "REASONS",
    "TZ",
    "BookingSuggestion",
    "DispatchProblem",
    "Lunch",
    "Plan",
    "Route",
    "Stop",
    "Technician",
    "Unassigned",
    "Visit",
    "next_working_days",
    "plan_from_routes",
    "reoptimize",
    "schedule_route",
    "solve",
    "suggest_bookings",
]
