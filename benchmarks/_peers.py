"""Peer solvers run side by side with the product in the benchmarks (benchmark-only code).

PyVRP is used as its users would (its own VRPLIB/Solomon reader, defaults); VROOM through
pyvroom with ``nb_threads=2`` (its default of 4 over-subscribes this 2-core machine) and
exploration level 5, given the same integer matrices as the product.
"""

from __future__ import annotations

import math
from datetime import timedelta

import pyvrp
import vroom
from pyvrp.stop import MaxRuntime

from dispatch.routing import _vroom
from dispatch.routing._engine import EngineInput, EngineResult
from dispatch.routing.vrptw_instance import VrptwInstance


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


def pyvrp_vrptw(
    inst: VrptwInstance,
    *,
    budget: float,
    seed: int = 1,
    convention: str = "dimacs",
    fleet: int | None = None,
    prize: int | None = None,
) -> list[list[int]]:
    """PyVRP with its Model API and defaults (as its VRPTW example).

    Unlimited fleet by default (every customer required); with ``fleet``, at most that many
    vehicles and every customer optional with a prize (default: more than any route's length,
    so serving one more comes first).
    """
    m_int, scale = _int_matrix(inst, convention)
    if fleet is not None and prize is None:
        prize = 2 * (max(max(r) for r in m_int) + 1) * len(m_int)
    optional = {} if fleet is None else {"required": False, "prize": prize}
    m = pyvrp.Model()
    m.add_vehicle_type(
        num_available=inst.n_customers if fleet is None else fleet, capacity=[inst.capacity],
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
                **optional,
            )
        )
    for i, a in enumerate(m.locations):
        for j, b in enumerate(m.locations):
            if i != j:
                m.add_edge(a, b, distance=m_int[i][j], duration=m_int[i][j])
    res = m.solve(stop=MaxRuntime(budget), seed=seed, display=False, collect_stats=False)
    return [[a.idx + 1 for a in r if a.is_client()] for r in res.best.routes()]


def vroom_vrptw(
    inst: VrptwInstance, *, budget: float, convention: str = "dimacs", fleet: int | None = None
) -> list[list[int]]:
    """VROOM on a Solomon instance: one vehicle per customer (fleet unlimited), or ``fleet``
    vehicles (it serves as many jobs as it can, then minimises cost); exploration 5, two
    threads, timeout = the budget."""
    n = len(inst.x)
    m, scale = _int_matrix(inst, convention)
    problem = vroom.Input()
    problem.set_durations_matrix("car", m)
    for k in range(inst.n_customers if fleet is None else fleet):
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
    """VROOM on a dispatch day (the product's glue, :mod:`dispatch.routing._vroom`), as a peer:
    exploration 5, two threads, timeout = the budget."""
    return _vroom.solve(inst, exploration=5, threads=2, time_limit=budget)

