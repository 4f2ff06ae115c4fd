"""VROOM glue (pyvroom): a fast, structurally different first answer for a dispatch day.

VROOM has native lunch breaks, skills and windows and answers a day in 0.02-0.4 s, but no
limit on working time (only on driving), so its routes are re-scheduled and repaired by the
product's scheduler before use. Measured on the benchmark days, its answers are rarely the
best, yet on some days (4 technicians / 20 visits) it serves a visit that the PyVRP
searches never do: it seeds the route pool (:mod:`dispatch.routing._recombine`).

VROOM is deterministic for a given input (same answer with 1 or 2 threads, measured).
"""

from __future__ import annotations

import time
from datetime import timedelta

from dispatch.routing._engine import EngineInput, EngineResult


def available() -> bool:
    """Whether pyvroom is installed."""
    try:  # the probe of an optional dependency
        import vroom  # noqa: F401
    except ImportError:
        return False
    return True


def solve(inst: EngineInput, *, exploration: int = 3, threads: int = 1, time_limit: float | None = None) -> EngineResult:
    """Solve a day with VROOM; penalties become priorities (served first, then cost).

    Parameters
    ----------
    inst
        The integer model (seconds). Pinned positions are ignored (VROOM has none).
    exploration
        VROOM's exploration level (0-5): 3 measured as good as 5 on the benchmark days in a
        third of the time.
    threads
        VROOM threads.
    time_limit
        Optional wall-clock limit in seconds.
    """
    # imported here: an optional dependency, and 0.6 s to import (pandas)
    import vroom

    t0 = time.perf_counter()
    top = max((job.penalty for job in inst.jobs), default=1)
    problem = vroom.Input()
    problem.set_durations_matrix("car", [[min(int(x), 2**31 - 1) for x in row] for row in inst.durations])
    # VROOM skills are "all of": each allowed group of technicians becomes one skill
    groups: dict[frozenset[int], int] = {}
    vehicle_skills: list[set[int]] = [set() for _ in inst.vehicles]
    job_skills: list[set[int]] = []
    for job in inst.jobs:
        if job.allowed is None:
            job_skills.append(set())
            continue
        key = frozenset(job.allowed)
        if key not in groups:
            groups[key] = len(groups) + 1
            for v in key:
                vehicle_skills[v].add(groups[key])
        job_skills.append({groups[key]})
    has_cap = any(v.capacity is not None for v in inst.vehicles)
    for v, veh in enumerate(inst.vehicles):
        breaks = []
        if veh.brk is not None:
            breaks = [
                vroom.Break(1, time_windows=[vroom.TimeWindow(veh.brk.early, veh.brk.late)], service=veh.brk.duration)
            ]
        span = veh.max_span + (veh.brk.duration if veh.brk else 0) if veh.max_span else None
        problem.add_vehicle(
            vroom.Vehicle(
                v + 1,
                start=veh.start,
                end=veh.end,
                skills=vehicle_skills[v],
                time_window=vroom.TimeWindow(veh.tw_early, veh.tw_late),
                breaks=breaks,
                max_travel_time=span,
                costs=vroom.VehicleCosts(fixed=veh.fixed_cost),
                capacity=[int(veh.capacity) if veh.capacity is not None else 10**9] if has_cap else [],
            )
        )
    for j, job in enumerate(inst.jobs):
        problem.add_job(
            vroom.Job(
                j + 1,
                location=job.loc,
                default_service=job.service,
                skills=job_skills[j],
                priority=max(0, min(100, round(100 * job.penalty / top))),
                time_windows=[vroom.TimeWindow(a, b) for a, b in job.windows],
                delivery=[int(job.demand)] if has_cap else [],
            )
        )
    kwargs: dict[str, int | timedelta] = {"exploration_level": exploration, "nb_threads": threads}
    if time_limit is not None:
        kwargs["timeout"] = timedelta(seconds=time_limit)
    sol = problem.solve(**kwargs)
    routes: list[list[int]] = [[] for _ in inst.vehicles]
    for row in sol.routes.itertuples():
        if row.type == "job":
            routes[int(row.vehicle_id) - 1].append(int(row.id) - 1)
    return EngineResult.from_routes(routes, len(inst.jobs), engine="vroom", seconds=time.perf_counter() - t0)


__all__ = ["available", "solve"]
