"""OR-Tools glue: the engine that expresses every constraint of a dispatch day.

Translates an :class:`~dispatch.routing._engine.EngineInput` into a ``RoutingModel``:

* one node per job and one per distinct depot location; transits registered as matrices
  (``RegisterTransitMatrix`` measured faster and better than Python callbacks);
* a time dimension (travel + service of the origin) with windows (several windows =
  the hull with the gaps removed), shifts, span limits and lunch breaks
  (``SetBreakIntervalsOfVehicle``);
* a capacity dimension when any vehicle has a capacity;
* ``AddDisjunction`` per job with its penalty, so a first solution always exists
  (measured: this fixed every case where plain OR-Tools found no solution);
* skills and pinned technicians as allowed ``VehicleVar`` values, pinned positions through a
  counting dimension.

Determinism: OR-Tools is single-threaded and deterministic for a given stopping rule, but a
wall-clock limit is not a stopping rule that repeats. ``solution_limit`` gives repeatable runs;
the time limit then only guards against slow machines.
"""

from __future__ import annotations

import time

from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from dispatch.routing._engine import EngineInput, EngineResult

FIRST_SOLUTION = {
    "path_cheapest_arc": routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC,
    "parallel_cheapest_insertion": routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION,
    "local_cheapest_insertion": routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION,
    "savings": routing_enums_pb2.FirstSolutionStrategy.SAVINGS,
    "automatic": routing_enums_pb2.FirstSolutionStrategy.AUTOMATIC,
}
METAHEURISTIC = {
    "guided_local_search": routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH,
    "simulated_annealing": routing_enums_pb2.LocalSearchMetaheuristic.SIMULATED_ANNEALING,
    "tabu_search": routing_enums_pb2.LocalSearchMetaheuristic.TABU_SEARCH,
    "greedy_descent": routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT,
}


def solve(
    inst: EngineInput,
    *,
    time_limit: float,
    solution_limit: int | None = None,
    first_solution: str = "local_cheapest_insertion",
    metaheuristic: str = "guided_local_search",
    initial_routes: list[list[int]] | None = None,
    extra_operators: tuple[str, ...] = (),
    gls_lambda: float | None = None,
    warm_only: bool = False,
) -> EngineResult:
    """Solve with OR-Tools' routing library.

    Parameters
    ----------
    inst
        The integer model.
    time_limit
        Wall-clock limit in seconds (a guard when ``solution_limit`` is given).
    solution_limit
        Stop after this many solutions (repeatable runs); ``None`` = time only.
    first_solution, metaheuristic
        Keys of :data:`FIRST_SOLUTION` and :data:`METAHEURISTIC`.
    initial_routes
        Optional warm start (job indices per vehicle); ignored when OR-Tools rejects it.
    warm_only
        With ``initial_routes``: return them unchanged instead of searching from scratch when
        OR-Tools rejects them (``stats["warm_start"]`` tells).

    Returns
    -------
    EngineResult
    """
    t0 = time.perf_counter()
    n_jobs = len(inst.jobs)
    depot_locs = sorted({v.start for v in inst.vehicles} | {v.end for v in inst.vehicles})
    depot_node = {loc: n_jobs + k for k, loc in enumerate(depot_locs)}
    node_loc = [j.loc for j in inst.jobs] + depot_locs
    n_nodes = len(node_loc)
    starts = [depot_node[v.start] for v in inst.vehicles]
    ends = [depot_node[v.end] for v in inst.vehicles]
    manager = pywrapcp.RoutingIndexManager(n_nodes, len(inst.vehicles), starts, ends)
    routing = pywrapcp.RoutingModel(manager)

    service = [j.service for j in inst.jobs] + [0] * len(depot_locs)
    dur = inst.durations
    time_matrix = [
        [(dur[node_loc[a]][node_loc[b]] + service[a]) if a != b else 0 for b in range(n_nodes)]
        for a in range(n_nodes)
    ]
    cost_src = inst.durations if inst.objective == "duration" else inst.distances
    cost_matrix = [[cost_src[node_loc[a]][node_loc[b]] for b in range(n_nodes)] for a in range(n_nodes)]
    cost_cb = routing.RegisterTransitMatrix(cost_matrix)
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    time_cb = routing.RegisterTransitMatrix(time_matrix)

    horizon = max(
        [v.tw_late for v in inst.vehicles]
        + [w[1] for j in inst.jobs for w in j.windows]
    ) + max(service, default=0) + 1
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    tdim = routing.GetDimensionOrDie("time")

    for j, job in enumerate(inst.jobs):
        idx = manager.NodeToIndex(j)
        wins = sorted(job.windows)
        var = tdim.CumulVar(idx)
        var.SetRange(wins[0][0], wins[-1][1])
        for (_, b), (a2, _) in zip(wins, wins[1:], strict=False):
            if a2 - 1 >= b + 1:
                var.RemoveInterval(b + 1, a2 - 1)
        routing.AddDisjunction([idx], int(job.penalty))
        if job.allowed is not None:
            routing.VehicleVar(idx).SetValues([-1, *sorted(job.allowed)])

    for v, veh in enumerate(inst.vehicles):
        tdim.CumulVar(routing.Start(v)).SetRange(veh.tw_early, veh.tw_late)
        tdim.CumulVar(routing.End(v)).SetRange(veh.tw_early, veh.tw_late)
        routing.AddVariableMinimizedByFinalizer(tdim.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(tdim.CumulVar(routing.End(v)))
        if veh.fixed_cost:
            routing.SetFixedCostOfVehicle(int(veh.fixed_cost), v)
        span = veh.max_span
        if span is not None:
            if veh.brk is not None:
                span += veh.brk.duration
            tdim.SetSpanUpperBoundForVehicle(int(span), v)

    if inst.has_breaks:
        solver = routing.solver()
        visit_transits = [0] * routing.Size()
        for index in range(routing.Size()):
            node = manager.IndexToNode(index)
            visit_transits[index] = service[node]
        for v, veh in enumerate(inst.vehicles):
            if veh.brk is None:
                continue
            brk = veh.brk
            interval = solver.FixedDurationIntervalVar(brk.early, brk.late, brk.duration, False, f"break{v}")
            tdim.SetBreakIntervalsOfVehicle([interval], v, visit_transits)

    if any(v.capacity is not None for v in inst.vehicles):
        demands = [j.demand for j in inst.jobs] + [0] * len(depot_locs)
        dem_cb = routing.RegisterUnaryTransitVector(demands)
        caps = [int(v.capacity) if v.capacity is not None else sum(demands) for v in inst.vehicles]
        routing.AddDimensionWithVehicleCapacity(dem_cb, 0, caps, True, "load")

    if any(j.position is not None for j in inst.jobs):
        ones = [1] * n_jobs + [0] * len(depot_locs)
        one_cb = routing.RegisterUnaryTransitVector(ones)
        routing.AddDimension(one_cb, 0, n_jobs + 1, True, "position")
        pdim = routing.GetDimensionOrDie("position")
        for j, job in enumerate(inst.jobs):
            if job.position is not None:
                pdim.CumulVar(manager.NodeToIndex(j)).SetRange(job.position, job.position)

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = FIRST_SOLUTION[first_solution]
    params.local_search_metaheuristic = METAHEURISTIC[metaheuristic]
    params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    if solution_limit is not None:
        params.solution_limit = int(solution_limit)
    params.log_search = False
    if gls_lambda is not None:
        params.guided_local_search_lambda_coefficient = gls_lambda
    for name in extra_operators:
        setattr(params.local_search_operators, name, optional_boolean_pb2.BOOL_TRUE)

    solution = None
    warm = False
    if initial_routes is not None:
        routing.CloseModelWithParameters(params)
        assignment = routing.ReadAssignmentFromRoutes(
            [list(r) for r in initial_routes], True
        )
        if assignment is not None:
            solution = routing.SolveFromAssignmentWithParameters(assignment, params)
            warm = solution is not None
    if solution is None and warm_only:
        if initial_routes is None:  # what iterating None below raised
            raise TypeError("warm_only needs initial_routes")
        return EngineResult.from_routes(
            [list(r) for r in initial_routes], n_jobs, engine="ortools", seconds=time.perf_counter() - t0,
            stats={"warm_start": False},
        )
    if solution is None:
        solution = routing.SolveWithParameters(params)
    seconds = time.perf_counter() - t0
    if solution is None:
        # Cannot happen with disjunctions unless a pinned job is impossible; report all dropped.
        return EngineResult(
            routes=[[] for _ in inst.vehicles],
            dropped=list(range(n_jobs)),
            engine="ortools",
            seconds=seconds,
            stats={"status": int(routing.status())},
        )
    routes: list[list[int]] = []
    for v in range(len(inst.vehicles)):
        idx = routing.Start(v)
        route = []
        idx = solution.Value(routing.NextVar(idx))
        while not routing.IsEnd(idx):
            node = manager.IndexToNode(idx)
            route.append(node)
            idx = solution.Value(routing.NextVar(idx))
        routes.append(route)
    return EngineResult.from_routes(
        routes, n_jobs, engine="ortools", seconds=seconds,
        stats={"objective": solution.ObjectiveValue(), "warm_start": warm},
    )


__all__ = ["FIRST_SOLUTION", "METAHEURISTIC", "solve"]
