"""Peer solvers run side by side with the product in the benchmarks (benchmark-only code).

PyVRP is used as its users would (its own VRPLIB/Solomon reader, defaults); VROOM through
pyvroom with ``nb_threads=2`` (its default of 4 over-subscribes this 2-core machine) and
exploration level 5, given the same integer matrices as the product.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta

import pyvrp
import vroom
from pyvrp.stop import MaxRuntime

from dispatch._engine import EngineInput, EngineResult
from dispatch.vrptw import VrptwInstance


def _int_matrix(inst: VrptwInstance, convention: str) -> tuple[list[list[int]], int]:
    n = len(inst.x)
    scale = 10 if convention == "dimacs" else 1000
    m = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if i != j:
                d = inst.euclid(i, j)
                m[i][j] = math.floor(10 * d + 1e-9) if convention == "dimacs" else math.ceil(d * scale)
    return m, scale


def pyvrp_vrptw(inst: VrptwInstance, *, budget: float, seed: int = 1, convention: str = "dimacs") -> list[list[int]]:
    """PyVRP with its Model API and defaults (as its VRPTW example), unlimited fleet."""
    m_int, scale = _int_matrix(inst, convention)
    m = pyvrp.Model()
    m.add_vehicle_type(
        num_available=inst.n_customers, capacity=[inst.capacity],
        tw_early=int(inst.ready[0] * scale), tw_late=int(inst.due[0] * scale),
    )
    depot = m.add_depot(m.add_location(inst.x[0], inst.y[0]))
    locs = [depot]
    for c in range(1, len(inst.x)):
        locs.append(
            m.add_client(
                m.add_location(inst.x[c], inst.y[c]), delivery=[inst.demand[c]],
                service_duration=int(inst.service[c] * scale),
                tw_early=int(inst.ready[c] * scale), tw_late=int(inst.due[c] * scale),
            )
        )
    for i, a in enumerate(m.locations):
        for j, b in enumerate(m.locations):
            if i != j:
                m.add_edge(a, b, distance=m_int[i][j], duration=m_int[i][j])
    res = m.solve(stop=MaxRuntime(budget), seed=seed, display=False, collect_stats=False)
    return [[a.idx + 1 for a in r if a.is_client()] for r in res.best.routes()]


def vroom_vrptw(inst: VrptwInstance, *, budget: float, convention: str = "dimacs") -> list[list[int]]:
    """VROOM on a Solomon instance, one vehicle per customer (fleet unlimited)."""
    n = len(inst.x)
    m, scale = _int_matrix(inst, convention)
    problem = vroom.Input()
    problem.set_durations_matrix("car", m)
    for k in range(inst.n_customers):
        problem.add_vehicle(
            vroom.Vehicle(
                k + 1, start=0, end=0, capacity=[inst.capacity],
                time_window=vroom.TimeWindow(int(inst.ready[0] * scale), int(inst.due[0] * scale)),
            )
        )
    for c in range(1, n):
        problem.add_job(
            vroom.Job(
                c, location=c, default_service=int(inst.service[c] * scale), delivery=[inst.demand[c]],
                time_windows=[vroom.TimeWindow(int(inst.ready[c] * scale), int(inst.due[c] * scale))],
            )
        )
    sol = problem.solve(exploration_level=5, nb_threads=2, timeout=timedelta(seconds=budget))
    routes: dict[int, list[int]] = {}
    for row in sol.routes.itertuples():
        if row.type == "job":
            routes.setdefault(row.vehicle_id, []).append(int(row.id))
    return list(routes.values())


def vroom_engine(inst: EngineInput, *, budget: float) -> EngineResult:
    """VROOM on a dispatch day: breaks, skills, windows and span limits are native; penalties
    become priorities (VROOM serves the highest priority total first, then minimises cost)."""
    t0 = time.perf_counter()
    top = max((job.penalty for job in inst.jobs), default=1)
    # VROOM skills are "all of": give each job the skill set of its allowed group
    groups: dict[frozenset, int] = {}
    problem2 = vroom.Input()
    problem2.set_durations_matrix("car", [[min(int(x), 2**31) for x in row] for row in inst.durations])
    veh_skills: list[set[int]] = [set() for _ in inst.vehicles]
    job_skill: list[set[int]] = []
    for job in inst.jobs:
        if job.allowed is None:
            job_skill.append(set())
            continue
        key = frozenset(job.allowed)
        if key not in groups:
            groups[key] = len(groups) + 1
            for v in key:
                veh_skills[v].add(groups[key])
        job_skill.append({groups[key]})
    for v, veh in enumerate(inst.vehicles):
        breaks = []
        if veh.brk is not None:
            breaks = [vroom.Break(1, time_windows=[vroom.TimeWindow(veh.brk.early, veh.brk.late)], service=veh.brk.duration)]
        span = veh.max_span + (veh.brk.duration if veh.brk else 0) if veh.max_span else None
        problem2.add_vehicle(
            vroom.Vehicle(
                v + 1, start=veh.start, end=veh.end, skills=veh_skills[v],
                time_window=vroom.TimeWindow(veh.tw_early, veh.tw_late), breaks=breaks,
                max_travel_time=span,
                costs=vroom.VehicleCosts(fixed=veh.fixed_cost),
            )
        )
    for j, job in enumerate(inst.jobs):
        problem2.add_job(
            vroom.Job(
                j + 1, location=job.loc, default_service=job.service, skills=job_skill[j],
                priority=max(0, min(100, round(100 * job.penalty / top))),
                time_windows=[vroom.TimeWindow(a, b) for a, b in job.windows],
            )
        )
    sol = problem2.solve(exploration_level=5, nb_threads=2, timeout=timedelta(seconds=budget))
    routes: list[list[int]] = [[] for _ in inst.vehicles]
    for row in sol.routes.itertuples():
        if row.type == "job":
            routes[int(row.vehicle_id) - 1].append(int(row.id) - 1)
    served = {j for r in routes for j in r}
    return EngineResult(routes, [j for j in range(len(inst.jobs)) if j not in served], "vroom", time.perf_counter() - t0)
