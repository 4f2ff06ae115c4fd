"""Solving Solomon / Gehring-Homberger VRPTW instances with the product's engines.

:func:`to_engine` translates a :class:`~dispatch.routing.vrptw_instance.VrptwInstance` to
the engines' integer model under a cost convention; :func:`solve_vrptw` solves it and has
the answer verified by :func:`dispatch.routing.feasibility.check_vrptw`;
:func:`summarise` tabulates benchmark runs. Reading the files and the cost conventions are
in :mod:`dispatch.routing.vrptw_instance`.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

from dispatch.errors import InvalidInput
from dispatch.i18n import N_
from dispatch.routing import _ortools, _pyvrp, _vroom
from dispatch.routing._engine import EngineInput, EngineJob, EngineVehicle
from dispatch.routing.feasibility import check_vrptw
from dispatch.routing.relay import solve_relay
from dispatch.routing.vrptw_instance import CONVENTIONS, VrptwInstance, route_cost


def summarise(runs: list[dict[str, Any]], *, common: bool = True) -> list[dict[str, Any]]:
    """Mean and max gap per (budget, solver) of benchmark runs (``bench_vrptw.py`` rows).

    Parameters
    ----------
    runs
        Rows with ``instance``, ``budget``, ``solver``, ``gap_pct``, ``feasible``, ``seconds``.
    common
        Keep, per budget, only the instances every solver of that budget has finished (fair
        comparison when a run was interrupted).

    Returns
    -------
    list[dict]
        ``budget``, ``solver``, ``instances``, ``feasible``, ``mean_gap_pct``,
        ``max_gap_pct``, ``mean_seconds``, sorted by budget then mean gap.
    """
    out = []
    for budget in sorted({r["budget"] for r in runs}):
        rows = [r for r in runs if r["budget"] == budget]
        solvers = sorted({r["solver"] for r in rows})
        keep = None
        if common:
            sets = [{r["instance"] for r in rows if r["solver"] == s} for s in solvers]
            keep = set.intersection(*sets) if sets else set()
        for s in solvers:
            mine = [r for r in rows if r["solver"] == s and (keep is None or r["instance"] in keep)]
            if not mine:
                continue
            gaps = [r["gap_pct"] for r in mine if r["feasible"]]
            out.append(
                {
                    "budget": budget,
                    "solver": s,
                    "instances": len(mine),
                    "feasible": sum(bool(r["feasible"]) for r in mine),
                    "mean_gap_pct": round(statistics.fmean(gaps), 3) if gaps else None,
                    "max_gap_pct": round(max(gaps), 3) if gaps else None,
                    "mean_seconds": round(statistics.fmean(r["seconds"] for r in mine), 2),
                }
            )
    out.sort(key=lambda r: (r["budget"], r["mean_gap_pct"] if r["mean_gap_pct"] is not None else 1e9))
    return out


# --------------------------------------------------------------------------- solving

#: Integer scale of each convention: DIMACS arcs are whole tenths; exact arcs are kept to
#: 1/1000 with travel times rounded up, which measured feasible in exact arithmetic.
SCALE = {"dimacs": 10, "exact": 1000}


@dataclass(frozen=True)
class VrptwSolution:
    """Routes (customer ids, depot omitted) found for an instance."""

    instance: str
    routes: list[list[int]]
    unassigned: list[int]
    distance: float
    dimacs_distance: float
    feasible: bool
    violations: list[str]
    seconds: float
    engine: str

    @property
    def vehicles(self) -> int:
        return sum(1 for r in self.routes if r)

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON fields (plus ``dimacs_distance`` and ``engine``)."""
        return {
            "instance": self.instance,
            "distance": round(self.distance, 4),
            "dimacs_distance": self.dimacs_distance,
            "vehicles": self.vehicles,
            "routes": [r for r in self.routes if r],
            "unassigned": self.unassigned,
            "feasible": self.feasible,
            "seconds": round(self.seconds, 3),
            "engine": self.engine,
        }


def to_engine(inst: VrptwInstance, *, convention: str = "exact", fleet: int | None = None) -> EngineInput:
    """Translate an instance to the engines' integer model.

    Returns the :class:`~dispatch.routing._engine.EngineInput` (job ``k`` is customer ``k + 1``;
    location 0 the depot).
    """
    if convention not in SCALE:
        msg = N_("Unknown cost convention {convention!r}; use one of {expected}.")
        raise InvalidInput(msg, convention=convention, expected=", ".join(CONVENTIONS))
    s = SCALE[convention]
    n = len(inst.x)
    cost = [[0] * n for _ in range(n)]
    dur = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            d = inst.euclid(i, j)
            if convention == "dimacs":
                c = math.floor(10 * d + 1e-9)
                cost[i][j] = dur[i][j] = c
            else:
                cost[i][j] = round(d * s)
                dur[i][j] = math.ceil(d * s)
    n_veh = fleet if fleet is not None else inst.n_customers
    if n_veh < 1:
        msg = N_("--fleet must be at least 1, got {fleet}.")
        raise InvalidInput(msg, fleet=fleet)
    penalty = 2 * (max(max(r) for r in cost) + 1) * (n + 1)
    vehicles = [
        EngineVehicle(
            start=0,
            end=0,
            tw_early=round(inst.ready[0] * s),
            tw_late=round(inst.due[0] * s),
            capacity=inst.capacity,
        )
        for _ in range(n_veh)
    ]
    jobs = [
        EngineJob(
            loc=k,
            windows=((round(inst.ready[k] * s), round(inst.due[k] * s)),),
            service=round(inst.service[k] * s),
            penalty=penalty,
            demand=inst.demand[k],
        )
        for k in range(1, n)
    ]
    return EngineInput(durations=dur, distances=cost, vehicles=vehicles, jobs=jobs, objective="distance")


def load_engines() -> None:
    """Load the optional engines' libraries now (VROOM's: 0.2 s, once per process).

    Importing :mod:`dispatch.routing` loads PyVRP and OR-Tools; VROOM loads on its first use.
    A caller that reports the time of a solve (the ``vrptw`` command's ``seconds``) loads it
    first, so that the figure is the solve's, as for the other engines.
    """
    _vroom.available()


def solve_vrptw(
    inst: VrptwInstance,
    *,
    time_limit: float,
    seed: int = 1,
    fleet: int | None = None,
    convention: str = "exact",
    engine: str = "auto",
) -> VrptwSolution:
    """Solve an instance with the product's routing engine; the checker verifies the answer.

    Parameters
    ----------
    inst
        The instance.
    time_limit
        Seconds of search.
    seed
        Random seed.
    fleet
        Cap on the number of vehicles (``None`` = unlimited). With a cap, as many customers
        as possible are served first, then distance is minimised.
    convention
        ``exact`` (the contract) or ``dimacs`` (to compare with ``bks_dimacs.csv``).
    engine
        ``auto`` (PyVRP for plain VRPTW; with a fleet cap VROOM then PyVRP from VROOM's
        answer, :mod:`dispatch.routing.relay`; see docs/routing.md), ``pyvrp`` or ``ortools``.

    Returns
    -------
    VrptwSolution
    """
    if time_limit <= 0:
        msg = N_("--time-limit must be positive, got {time_limit}.")
        raise InvalidInput(msg, time_limit=time_limit)
    model = to_engine(inst, convention=convention, fleet=fleet)
    if engine == "auto" and fleet is not None:
        res = solve_relay(model, time_limit=time_limit, seed=seed, coords=list(zip(inst.x, inst.y, strict=True)))
    elif engine in ("auto", "pyvrp"):
        res = _pyvrp.solve(
            model,
            time_limit=time_limit,
            seed=seed,
            all_required=fleet is None,
            coords=list(zip(inst.x, inst.y, strict=True)),
        )
    elif engine == "ortools":
        res = _ortools.solve(model, time_limit=time_limit)
    else:
        msg = N_("Unknown engine {engine!r}; use auto, pyvrp or ortools.")
        raise InvalidInput(msg, engine=engine)
    routes = [[j + 1 for j in r] for r in res.routes if r]
    unassigned = sorted(j + 1 for j in res.dropped)
    report = check_vrptw(inst, routes, convention=convention, fleet=fleet)
    return VrptwSolution(
        instance=inst.name,
        routes=routes,
        unassigned=unassigned,
        distance=route_cost(inst, routes, "exact"),
        dimacs_distance=route_cost(inst, routes, "dimacs"),
        feasible=report.ok,
        violations=list(report.violations),
        seconds=res.seconds,
        engine=res.engine,
    )


__all__ = ["SCALE", "VrptwSolution", "load_engines", "solve_vrptw", "summarise", "to_engine"]
