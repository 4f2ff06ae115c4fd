"""Seeded generator of realistic dispatch days on a region (demo data and benchmarks).

A day has 3-6 technicians (shop or home starts, lunch breaks, skills) and 20-60 visits at
real address points of ``region.addresses`` with 2-4 h agreed windows and 45-120 min
services. Same region, arguments and seed give the same day.

>>> problem = generate_day(region, n_technicians=4, n_visits=30, seed=7)   # doctest: +SKIP
>>> plan = solve(problem, time_limit=1)
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, TypedDict

from dispatch.geo.point import GeoPoint
from dispatch.routing.problem import DispatchProblem

if TYPE_CHECKING:  # numpy, shapely, pandas: loaded with the region itself
    from collections.abc import Iterable

    from dispatch.geo.built_region import Region

FIRST_NAMES = ("Alexandre", "Béatrice", "Charles", "Diane", "Étienne", "Frédérique")
SKILLS = ("pc", "mac", "reseau")
SHIFTS = (("08:00", "17:00"), ("07:30", "16:30"), ("09:00", "18:00"))


class TechnicianRequest(TypedDict):
    """Keyword arguments of :meth:`DispatchProblem.add_technician` for a demo technician."""

    id: str
    name: str
    shift: tuple[str, str]
    start: GeoPoint | None
    end: GeoPoint | None
    lunch: tuple[int, str, str]
    max_work_min: int
    skills: list[str]


class VisitRequest(TypedDict):
    """Keyword arguments of :meth:`DispatchProblem.add_visit` for a demo visit."""

    id: str
    location: GeoPoint
    windows: list[tuple[str, str]]
    service_min: int
    skills: list[str]
    priority: int
    label: str


def default_day(seed: int = 0) -> date:
    """A fixed weekday (Tuesday 2026-06-02) shifted by ``seed`` working days."""
    d = date(2026, 6, 2)
    step = 0
    while step < seed % 20:
        d += timedelta(days=1)
        if d.weekday() < 5:
            step += 1
    return d


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def generate_requests(
    region: Region,
    *,
    n_technicians: int = 4,
    n_visits: int = 30,
    seed: int = 1,
) -> tuple[list[TechnicianRequest], list[VisitRequest]]:
    """The raw technicians and visits of a day, as keyword arguments of the builder.

    Returns
    -------
    (technicians, visits)
        Lists of dicts for :meth:`DispatchProblem.add_technician` and
        :meth:`DispatchProblem.add_visit` (locations are :class:`GeoPoint` of real address
        points; each visit's ``label`` is its address).
    """
    if not 1 <= n_technicians <= 50 or not 0 <= n_visits <= 500:
        msg = "n_technicians must be in 1..50 and n_visits in 0..500."
        raise ValueError(msg)
    rng = random.Random(seed)
    addr = region.addresses
    rows = rng.sample(range(len(addr)), k=min(len(addr), n_visits + n_technicians))
    techs: list[TechnicianRequest] = []
    for k in range(n_technicians):
        shift = SHIFTS[k % len(SHIFTS)] if k else SHIFTS[0]
        skills = {"pc"}
        if rng.random() < 0.5:
            skills.add("mac")
        if rng.random() < 0.4:
            skills.add("reseau")
        if k == 0:
            skills = set(SKILLS)  # the senior technician can do everything
        home = None
        if rng.random() < 0.5:
            r = addr.iloc[rows[n_visits + k]]
            home = GeoPoint(float(r.lat), float(r.lon))
        techs.append(
            {
                "id": f"tech{k + 1}",
                "name": FIRST_NAMES[k % len(FIRST_NAMES)],
                "shift": shift,
                "start": home,
                "end": home,
                "lunch": (rng.choice((30, 45, 60)), "11:30", "13:00"),
                "max_work_min": 8 * 60,
                "skills": sorted(skills),
            }
        )
    visits: list[VisitRequest] = []
    for i in range(n_visits):
        r = addr.iloc[rows[i]]
        length = rng.choice((120, 180, 240))
        start = rng.randrange(8 * 60, 17 * 60 - length + 1, 30)
        u = rng.random()
        visit_skills = ["mac"] if u < 0.15 else (["reseau"] if u < 0.3 else [])
        visits.append(
            {
                "id": f"v{i + 1:02d}",
                "location": GeoPoint(float(r.lat), float(r.lon)),
                "windows": [(_hhmm(start), _hhmm(start + length))],
                "service_min": rng.choice((45, 60, 75, 90, 105, 120)),
                "skills": visit_skills,
                "priority": 1 if rng.random() < 0.1 else 0,
                "label": f"{r.housenumber} {r.street}, {r.city}".strip(", "),
            }
        )
    return techs, visits


def generate_day(
    region: Region,
    *,
    n_technicians: int = 4,
    n_visits: int = 30,
    seed: int = 1,
    day: date | None = None,
    traffic_factor: float = 1.0,
) -> DispatchProblem:
    """A realistic day on ``region`` as a ready-to-solve :class:`DispatchProblem`.

    Parameters
    ----------
    region
        A loaded region (its address points, shop and road network are used).
    n_technicians, n_visits
        Size of the day (realistic: 3-6 technicians, 20-60 visits; large days do not all
        fit, which exercises the unassigned reasons).
    seed
        Random seed (same seed, same day).
    day
        The date (default :func:`default_day` of the seed).
    traffic_factor
        Multiplier of drive times (see :meth:`DispatchProblem.use_region`).
    """
    techs, visits = generate_requests(region, n_technicians=n_technicians, n_visits=n_visits, seed=seed)
    problem = DispatchProblem(day or default_day(seed), shop=region.shop, skills=SKILLS)
    for t in techs:
        problem.add_technician(**t)
    for v in visits:
        problem.add_visit(**v)
    problem.use_region(region, traffic_factor=traffic_factor)
    return problem


def week_problems(
    region: Region,
    days: list[date],
    techs: list[TechnicianRequest],
    booked: list[VisitRequest],
    *,
    per_day: int,
    skills: Iterable[str] | None = None,
) -> dict[date, DispatchProblem]:
    """One problem per day of ``days`` on ``region``: the same technicians every day, and
    ``per_day`` of the ``booked`` visits, in order (the first ``per_day`` on the first day...).

    The week planner's generated weeks (``benchmarks/bench_week.py``, its tests) start here;
    ``skills`` as in :class:`DispatchProblem`.
    """
    problems = {}
    for k, d in enumerate(days):
        p = DispatchProblem(d, shop=region.shop, skills=skills)
        for t in techs:
            p.add_technician(**t)
        for v in booked[k * per_day:(k + 1) * per_day]:
            p.add_visit(**v)
        p.use_region(region)
        problems[d] = p
    return problems


__all__ = [
    "SKILLS", "TechnicianRequest", "VisitRequest", "default_day", "generate_day", "generate_requests", "week_problems",
]
