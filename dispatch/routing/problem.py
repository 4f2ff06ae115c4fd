"""A day's dispatch problem, built step by step in domain words (like PyVRP's ``Model``).

:class:`DispatchProblem` holds the technicians (:class:`Technician`, with their
:class:`Lunch`), the visits (:class:`Visit`) and the travel-time source (a region's road
network or a given matrix); :meth:`DispatchProblem.validate` rejects malformed input with a
message saying what to fix. :mod:`dispatch.routing.translate` turns it into the engines'
integer model.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dispatch.errors import InfeasibleProblem
from dispatch.geo.point import GeoPoint
from dispatch.i18n import N_
from dispatch.settings import TZ

if TYPE_CHECKING:  # numpy, shapely: not imported for a matrix-only problem
    from dispatch.geo.built_region import Region

#: Objective cost of leaving out a (non-optional) visit, per priority level + 1, in seconds
#: of travel (about 28 h): more than any detour of a day, so serving one more visit always
#: comes first, yet small enough not to swamp the engines' search (measured: 10x larger
#: penalties made PyVRP's routes 2-6 % longer).
REQUIRED_PENALTY = 100_000
#: Default penalty of an optional visit, per priority level + 1 (one hour of driving).
OPTIONAL_PENALTY = 3_600

TimeLike = datetime | time | str | int | float
#: key -> matrix index, drive seconds after traffic (whole seconds, ``inf`` = unreachable), metres.
_Matrix = tuple[dict[tuple[str, str], int], list[list[float]], list[list[float]]]


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


# --------------------------------------------------------------------------- builder


#: Longest service accepted (minutes): a day.
MAX_SERVICE_MIN = 24 * 60
#: Longest travel time accepted between two places (s): a week (``inf`` = unreachable).
MAX_TRAVEL_S = 7 * 24 * 3600.0
#: Longest distance accepted between two places (m).
MAX_DISTANCE_M = 10_000_000.0


def _checked_matrix(rows: Sequence[Sequence[float]], distances: bool, limit: float) -> list[list[float]]:
    """Floats >= 0 and below ``limit``, or ``inf`` (unreachable); anything else is refused.

    ``distances``: the rows are distances in metres (else travel times in seconds).
    """
    out = []
    for i, row in enumerate(rows):
        clean = []
        for j, x in enumerate(row):
            try:
                v = float(x)
            except (TypeError, ValueError) as err:
                if distances:
                    msg = N_("Matrix distance [{i}][{j}] = {x!r} is not a number.")
                else:
                    msg = N_("Matrix travel time [{i}][{j}] = {x!r} is not a number.")
                raise InfeasibleProblem(msg, i=i, j=j, x=x) from err
            if math.isnan(v) or v < 0 or (math.isfinite(v) and v > limit):
                if distances:
                    msg = N_(
                        "Matrix distance [{i}][{j}] = {x!r} m is invalid: give a value >= 0 and "
                        "<= {limit} m, or inf for an unreachable pair."
                    )
                else:
                    msg = N_(
                        "Matrix travel time [{i}][{j}] = {x!r} s is invalid: give a value >= 0 and "
                        "<= {limit} s, or inf for an unreachable pair."
                    )
                raise InfeasibleProblem(msg, i=i, j=j, x=x, limit=f"{limit:g}")
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
        self._region: Region | None = None
        self._traffic = 1.0
        self._cache: _Matrix | None = None

    # -- times
    def at(self, value: TimeLike) -> datetime:
        """A timezone-aware datetime on this day from ``"HH:MM"``, ``time``, seconds or datetime.

        The result must lie between the day's midnight and 48 h later (a shift may end after
        midnight); anything else is refused with :class:`InfeasibleProblem`.
        """
        moment = self._at(value)
        if not (self.day_start <= moment <= self.day_start + timedelta(hours=48)):
            msg = N_(
                "Time {value!r} is outside the day of {day} (from midnight to 48 h "
                "later); give HH:MM, or seconds since midnight >= 0."
            )
            raise InfeasibleProblem(msg, value=value, day=f"{self.day:%Y-%m-%d}")
        return moment

    def _at(self, value: TimeLike) -> datetime:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                msg = N_("Datetime {value} has no time zone; give an aware datetime (America/Montreal).")
                raise InfeasibleProblem(msg, value=str(value))
            return value.astimezone(self.tz)
        if isinstance(value, time):
            return datetime.combine(self.day, value, tzinfo=self.tz)
        if isinstance(value, str):
            try:
                hh, mm = value.strip().split(":")[:2]
                return datetime.combine(self.day, time(int(hh), int(mm)), tzinfo=self.tz)
            except ValueError as err:
                msg = N_("Time {value!r} is not HH:MM (for example 08:30).")
                raise InfeasibleProblem(msg, value=value) from err
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not (math.isfinite(value) and -1e7 < value < 1e7):
                msg = N_("Time {value!r} is not a usable number of seconds since midnight.")
                raise InfeasibleProblem(msg, value=value)
            return self.day_start + timedelta(seconds=float(value))
        msg = N_("Cannot read a time from {value!r}; give HH:MM, a time, seconds or an aware datetime.")
        raise InfeasibleProblem(msg, value=value)

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
            msg = N_("Technician {id!r} is already in the problem; give each technician a unique id.")
            raise InfeasibleProblem(msg, id=id)
        s0, s1 = self.at(shift[0]), self.at(shift[1])
        if s1 <= s0:
            msg = N_("Technician {id!r}: shift ends ({end}) before it starts ({start}); swap the times.")
            raise InfeasibleProblem(msg, id=id, end=f"{s1:%H:%M}", start=f"{s0:%H:%M}")
        lun = None
        if lunch is not None:
            minutes, early, late = lunch
            if minutes < 0:
                msg = N_("Technician {id!r}: lunch of {minutes} min is negative.")
                raise InfeasibleProblem(msg, id=id, minutes=minutes)
            le, ll = self.at(early), self.at(late)
            if ll < le:
                msg = N_("Technician {id!r}: lunch window ends ({end}) before it starts ({start}).")
                raise InfeasibleProblem(msg, id=id, end=f"{ll:%H:%M}", start=f"{le:%H:%M}")
            if le < s0 or ll + timedelta(minutes=minutes) > s1:
                msg = N_(
                    "Technician {id!r}: lunch window {lunch_start}-{lunch_end} does not fit in the "
                    "shift {shift_start}-{shift_end}."
                )
                raise InfeasibleProblem(
                    msg,
                    id=id,
                    lunch_start=f"{le:%H:%M}",
                    lunch_end=f"{ll:%H:%M}",
                    shift_start=f"{s0:%H:%M}",
                    shift_end=f"{s1:%H:%M}",
                )
            lun = Lunch(duration_s=round(minutes * 60), earliest=le, latest=ll)
        if max_work_min is not None and max_work_min <= 0:
            msg = N_("Technician {id!r}: maximum working time must be positive, got {minutes} min.")
            raise InfeasibleProblem(msg, id=id, minutes=max_work_min)
        if fixed_cost < 0:
            msg = N_("Technician {id!r}: fixed cost must not be negative.")
            raise InfeasibleProblem(msg, id=id)
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
            msg = N_("Visit {id!r} is already in the problem; give each visit a unique id.")
            raise InfeasibleProblem(msg, id=id)
        if (
            not isinstance(service_min, (int, float))
            or isinstance(service_min, bool)
            or not math.isfinite(service_min)
        ):
            msg = N_("Visit {id!r}: service duration {service_min!r} is not a number of minutes.")
            raise InfeasibleProblem(msg, id=id, service_min=service_min)
        if service_min < 0:
            msg = N_("Visit {id!r}: service duration {service_min} min is negative; give minutes >= 0.")
            raise InfeasibleProblem(msg, id=id, service_min=service_min)
        if service_min > MAX_SERVICE_MIN:
            msg = N_(
                "Visit {id!r}: service duration {service_min} min is longer than a day "
                "({max_min} min); check the units (minutes)."
            )
            raise InfeasibleProblem(msg, id=id, service_min=f"{service_min:g}", max_min=MAX_SERVICE_MIN)
        if windows is None or len(windows) == 0:
            windows = [(0, 24 * 3600 - 1)]
        wins = []
        for a, b in windows:
            wa, wb = self.at(a), self.at(b)
            if wb < wa:
                msg = N_("Visit {id!r}: window ends ({end}) before it starts ({start}); fix the window.")
                raise InfeasibleProblem(msg, id=id, end=f"{wb:%H:%M}", start=f"{wa:%H:%M}")
            wins.append((wa, wb))
        wins.sort()
        if pinned_position is not None and (pinned_technician is None or pinned_position < 0):
            msg = N_("Visit {id!r}: a pinned position needs a pinned technician and a rank >= 0.")
            raise InfeasibleProblem(msg, id=id)
        if drop_penalty is not None and drop_penalty < 0:
            msg = N_("Visit {id!r}: drop penalty must not be negative.")
            raise InfeasibleProblem(msg, id=id)
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
            msg = N_("The duration matrix must be square.")
            raise InfeasibleProblem(msg)
        if distances_m is None:
            distances_m = [[0.0] * n for _ in range(n)]
        if len(distances_m) != n or any(len(row) != n for row in distances_m):
            msg = N_("The distance matrix must be square and of the same size as the durations.")
            raise InfeasibleProblem(msg)
        self._durations = _checked_matrix(durations_s, False, MAX_TRAVEL_S)
        self._distances = _checked_matrix(distances_m, True, MAX_DISTANCE_M)
        self._region = None
        self._set_traffic(traffic_factor)
        return self

    def use_region(self, region: Region, *, traffic_factor: float = 1.0) -> DispatchProblem:
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
            msg = N_("Traffic factor must be >= 1.0 (1.1 = 10 % slack), got {factor}.")
            raise InfeasibleProblem(msg, factor=factor)
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
                msg = N_("No shop location: give DispatchProblem(shop=...) or use_region(region).")
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

    def _matrix(self) -> _Matrix:
        """(key -> index, integer seconds after traffic, metres) for the current places."""
        if self._cache is not None:
            return self._cache
        keys = self._keys()
        if self._region is None and self._durations is None:
            msg = N_("No travel times: call use_region(region) or set_matrix(...) before solving.")
            raise InfeasibleProblem(msg)
        index: dict[tuple[str, str], int] = {}
        if self._durations is not None:
            n = len(self._durations)
            for key, place in keys:
                if isinstance(place, GeoPoint) or not (0 <= int(place) < n):
                    msg = N_("{kind} {id!r}: location {place!r} is not an index of the given {n}x{n} matrix.")
                    raise InfeasibleProblem(msg, kind=key[0], id=key[1], place=place, n=n)
                index[key] = int(place)
            dur_src, dist_src = self._durations, self._distances
            assert dist_src is not None  # set_matrix sets both matrices
        else:
            points: list[GeoPoint] = []
            pos: dict[GeoPoint, int] = {}
            for key, place in keys:
                if not isinstance(place, GeoPoint):
                    msg = N_("{kind} {id!r}: give a GeoPoint location with region matrices, got {place!r}.")
                    raise InfeasibleProblem(msg, kind=key[0], id=key[1], place=place)
                if place not in pos:
                    pos[place] = len(points)
                    points.append(place)
                index[key] = pos[place]
            assert self._region is not None  # no matrix and no region was refused above
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
            known = ", ".join(sorted(catalogue))
            for t in self.technicians:
                unknown = sorted(t.skills - catalogue)
                if unknown:
                    msg = N_("Unknown skill {skills} for technician {id!r}; known skills: {known}.")
                    raise InfeasibleProblem(msg, skills=", ".join(unknown), id=t.id, known=known)
            for v in self.visits:
                unknown = sorted(v.skills - catalogue)
                if unknown:
                    msg = N_("Unknown skill {skills} for visit {id!r}; known skills: {known}.")
                    raise InfeasibleProblem(msg, skills=", ".join(unknown), id=v.id, known=known)
        tech_ids = {t.id for t in self.technicians}
        for v in self.visits:
            if v.pinned_technician is not None and v.pinned_technician not in tech_ids:
                msg = N_("Visit {id!r} is pinned to unknown technician {technician!r}.")
                raise InfeasibleProblem(msg, id=v.id, technician=v.pinned_technician)
        self._matrix()


__all__ = [
    "MAX_DISTANCE_M",
    "MAX_SERVICE_MIN",
    "MAX_TRAVEL_S",
    "OPTIONAL_PENALTY",
    "REQUIRED_PENALTY",
    "TZ",
    "DispatchProblem",
    "Lunch",
    "Technician",
    "TimeLike",
    "Visit",
]
