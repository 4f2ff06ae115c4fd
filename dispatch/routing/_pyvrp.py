"""PyVRP glue: the second engine, for the problems it can express.

PyVRP (iterated local search with SWAP* and a penalty manager) is far ahead of OR-Tools on
plain VRPTW: on 8 Solomon instances it ends on average 0.8 % above the best known solution
after 1 s, the OR-Tools model 6.6 % (``benchmarks/bench_vrptw.py``; BENCHMARKS.md, *Engine
choice*). It expresses shifts, several depots (home starts), span limits, fixed costs,
capacities, optional jobs with prizes and several windows (a required client group of one
client per window). It has no lunch breaks, skills or pinned positions here, so
:func:`can_express` says when it may be used; :mod:`dispatch.routing.portfolio` sends the
rest to OR-Tools. This module is the plain PyVRP ``Model`` (:func:`solve`, VRPTW); a
dispatch day with lunch spots and skill profiles is :mod:`dispatch.routing._pyvrp_day`.

Determinism: with ``iterations`` the search stops after a fixed number of iterations and is
repeatable for a seed; the time limit only guards.
"""

from __future__ import annotations

import time
import warnings
from typing import TypedDict

import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

from dispatch.routing._engine import EngineInput, EngineResult

# A search that requires every visit of a fleet too small for them ends without a feasible
# answer by design (the relay tries it when a fleet nearly serves everything, and keeps the
# other answer; ``EngineResult.stats["feasible"]`` says so). PyVRP then warns that its
# penalties hit their bound: expected here, and not for a person reading the command's output.
warnings.filterwarnings("ignore", category=PenaltyBoundWarning)


class _VehicleTypeArgs(TypedDict, total=False):
    """The arguments of ``pyvrp.Model.add_vehicle_type`` this module gives."""

    num_available: int
    start_depot: pyvrp.Depot
    end_depot: pyvrp.Depot
    fixed_cost: int
    tw_early: int
    tw_late: int
    shift_duration: int
    capacity: list[int]
    unit_distance_cost: int
    unit_duration_cost: int


def can_express(inst: EngineInput) -> bool:
    """Whether PyVRP can solve this instance exactly as modelled.

    Lunch breaks, skills and pinned technicians are expressed by
    :func:`dispatch.routing._pyvrp_day.solve_day`; only
    pinned positions (re-optimisation with fixed order) need OR-Tools.
    """
    return not any(j.position is not None for j in inst.jobs)


def solve(
    inst: EngineInput,
    *,
    time_limit: float,
    seed: int = 1,
    iterations: int | None = None,
    all_required: bool = False,
    coords: list[tuple[float, float]] | None = None,
    initial_routes: list[list[int]] | None = None,
) -> EngineResult:
    """Solve with PyVRP.

    Parameters
    ----------
    inst
        The integer model (must satisfy :func:`can_express`).
    time_limit
        Wall-clock limit in seconds.
    seed
        Random seed of the search.
    iterations
        Stop after this many iterations (repeatable); the time limit still guards.
    all_required
        Every job must be served (plain VRPTW with an unlimited fleet); otherwise jobs are
        optional with their penalty as prize.
    coords
        Optional planar coordinates of the locations (used only for display).
    initial_routes
        A feasible answer to start the search from (job indices per vehicle, as
        ``EngineResult.routes``), e.g. VROOM's (:mod:`dispatch.routing.relay`). The search
        keeps the best answer it has seen, so the result is never worse than this start.
        Ignored when a job has several windows.

    Returns
    -------
    EngineResult
    """
    if not can_express(inst):
        msg = "PyVRP cannot express breaks, skills or pinned visits; use the OR-Tools engine."
        raise ValueError(msg)
    t0 = time.perf_counter()
    m = pyvrp.Model()
    n_loc = len(inst.durations)
    locs = [
        m.add_location(*(coords[i] if coords else (0, 0)), name=str(i)) for i in range(n_loc)
    ]
    has_cap = any(v.capacity is not None for v in inst.vehicles)
    depot_of: dict[tuple[int, int, int], pyvrp.Depot] = {}
    groups: dict[tuple[int, int, int, int, int | None, int, int | None], list[int]] = {}
    for v, veh in enumerate(inst.vehicles):
        key = (veh.start, veh.end, veh.tw_early, veh.tw_late, veh.max_span, veh.fixed_cost, veh.capacity)
        groups.setdefault(key, []).append(v)
    for key in groups:
        for loc in (key[0], key[1]):
            dk = (loc, 0, 0)
            if dk not in depot_of:
                depot_of[dk] = m.add_depot(locs[loc], name=f"d{loc}")
    type_vehicles: list[list[int]] = []
    for key, members in groups.items():
        start, end, early, late, span, fixed, cap = key
        kwargs: _VehicleTypeArgs = {
            "num_available": len(members),
            "start_depot": depot_of[(start, 0, 0)],
            "end_depot": depot_of[(end, 0, 0)],
            "fixed_cost": int(fixed),
            "tw_early": int(early),
            "tw_late": int(late),
        }
        if span is not None:
            kwargs["shift_duration"] = int(span)
        if has_cap:
            kwargs["capacity"] = [int(cap) if cap is not None else 10**9]
        if inst.objective == "duration":
            kwargs["unit_distance_cost"] = 0
            kwargs["unit_duration_cost"] = 1
        m.add_vehicle_type(**kwargs)
        type_vehicles.append(members)

    client_job: list[int] = []
    for j, job in enumerate(inst.jobs):
        demand = [int(job.demand)] if has_cap else []
        if len(job.windows) == 1:
            a, b = job.windows[0]
            m.add_client(
                locs[job.loc],
                delivery=demand,
                service_duration=int(job.service),
                tw_early=int(a),
                tw_late=int(b),
                prize=0 if all_required else int(job.penalty),
                required=all_required,
                name=str(j),
            )
            client_job.append(j)
        else:
            group = m.add_client_group(required=all_required, name=f"g{j}")
            for a, b in job.windows:
                m.add_client(
                    locs[job.loc],
                    delivery=demand,
                    service_duration=int(job.service),
                    tw_early=int(a),
                    tw_late=int(b),
                    prize=0 if all_required else int(job.penalty),
                    required=False,
                    group=group,
                    name=str(j),
                )
                client_job.append(j)
    for a in range(n_loc):
        da, ta = inst.distances[a], inst.durations[a]
        for b in range(n_loc):
            if a == b:
                continue
            m.add_edge(locs[a], locs[b], distance=int(da[b]), duration=int(ta[b]))

    stop: StoppingCriterion = MaxRuntime(time_limit)
    if iterations is not None:
        stop = MultipleCriteria([MaxIterations(int(iterations)), MaxRuntime(time_limit)])
    warm = _warm_start(m, inst, initial_routes, type_vehicles) if initial_routes else None
    res = m.solve(stop, seed=int(seed), display=False, collect_stats=False, initial_solution=warm)
    sol = res.best
    routes: list[list[int]] = [[] for _ in inst.vehicles]
    used_in_type = [0] * len(type_vehicles)
    for r in sol.routes():
        t = r.vehicle_type()
        v = type_vehicles[t][used_in_type[t]]
        used_in_type[t] += 1
        route = [client_job[a.idx] for a in r if a.is_client()]
        routes[v] = route
    return EngineResult.from_routes(
        routes,
        len(inst.jobs),
        engine="pyvrp",
        seconds=time.perf_counter() - t0,
        stats={
            "feasible": bool(sol.is_feasible()),
            "iterations": int(res.num_iterations),
            "cost": float(res.cost()) if sol.is_feasible() else None,
        },
    )


def _warm_start(
    m: pyvrp.Model, inst: EngineInput, routes: list[list[int]], type_vehicles: list[list[int]]
) -> pyvrp.Solution | None:
    """PyVRP's solution for ``routes`` (job indices per vehicle), or ``None`` if it cannot say it."""
    if any(len(job.windows) != 1 for job in inst.jobs):
        return None  # a job of several windows is a group of clients: which one is ambiguous
    data = m.data()
    type_of = {v: t for t, members in enumerate(type_vehicles) for v in members}
    pyvrp_routes = [pyvrp.Route(data, list(route), type_of[v]) for v, route in enumerate(routes) if route]
    start = pyvrp.Solution(data, pyvrp_routes)
    return start if start.is_feasible() else None


__all__ = ["can_express", "solve"]
