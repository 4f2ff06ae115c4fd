"""Solomon / Gehring-Homberger VRPTW instances: reading, cost conventions, scoring.

The files are the classic Solomon text format (``VEHICLE`` block with NUMBER and CAPACITY,
then one line per customer: id, x, y, demand, ready time, due date, service time; customer
0 is the depot). Two cost conventions exist and must not be mixed
(see ``../shared/data/README.md``):

``exact``
    Euclidean distances in double precision; travel time = distance. This is what the
    ``opms-dispatch vrptw`` command reports.
``dimacs``
    The CVRPLIB / DIMACS-2021 convention of ``bks_dimacs.csv``: each arc is truncated to one
    decimal (``floor(10 d) / 10``) and travel time equals that truncated distance. Scores
    against ``bks_dimacs.csv`` are computed under this convention.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from dispatch.errors import InvalidInput, NotFound

CONVENTIONS = ("exact", "dimacs")


@dataclass(frozen=True)
class VrptwInstance:
    """One VRPTW instance (customer 0 is the depot)."""

    name: str
    vehicles: int
    capacity: int
    x: tuple[float, ...]
    y: tuple[float, ...]
    demand: tuple[int, ...]
    ready: tuple[float, ...]
    due: tuple[float, ...]
    service: tuple[float, ...]

    @property
    def n_customers(self) -> int:
        """Number of customers (the depot excluded)."""
        return len(self.x) - 1

    def euclid(self, i: int, j: int) -> float:
        """Exact Euclidean distance between nodes ``i`` and ``j``."""
        return math.hypot(self.x[i] - self.x[j], self.y[i] - self.y[j])

    def arc(self, i: int, j: int, convention: str = "exact") -> float:
        """Cost (= travel time) of arc ``i -> j`` under a convention."""
        d = self.euclid(i, j)
        if convention == "dimacs":
            return math.floor(10 * d + 1e-9) / 10
        return d


def read_vrptw(path: str | Path) -> VrptwInstance:
    """Read a Solomon-format file.

    Parameters
    ----------
    path
        A ``.txt`` file in Solomon format (Solomon 100 or Gehring-Homberger).

    Returns
    -------
    VrptwInstance

    Raises
    ------
    NotFound
        The file does not exist.
    InvalidInput
        The file is not in Solomon format.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"VRPTW file {p} does not exist; give the path to a Solomon-format .txt file."
        raise NotFound(msg)
    try:
        lines = p.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as err:
        msg = f"Cannot read VRPTW file {p}: {err}"
        raise InvalidInput(msg) from err
    name = next((ln.strip() for ln in lines if ln.strip()), p.stem)
    vehicles = capacity = None
    rows: list[list[float]] = []
    mode = ""
    for ln in lines:
        up = ln.strip().upper()
        if up.startswith("VEHICLE"):
            mode = "vehicle"
            continue
        if up.startswith("CUSTOMER"):
            mode = "customer"
            continue
        parts = ln.split()
        if not parts:
            continue
        try:
            nums = [float(t) for t in parts]
        except ValueError:
            continue
        if mode == "vehicle" and vehicles is None and len(nums) >= 2:
            vehicles, capacity = int(nums[0]), int(nums[1])
        elif mode == "customer" and len(nums) >= 7:
            rows.append(nums[:7])
    if vehicles is None or len(rows) < 2:
        msg = (
            f"{p} is not a Solomon-format VRPTW file (expected a VEHICLE block with NUMBER and "
            "CAPACITY and a CUSTOMER block of 7 numeric columns)."
        )
        raise InvalidInput(msg)
    rows.sort(key=lambda r: r[0])
    ids = [int(r[0]) for r in rows]
    if ids != list(range(len(rows))):
        msg = f"{p}: customer numbers must run 0..{len(rows) - 1} with 0 the depot."
        raise InvalidInput(msg)
    for r in rows:
        if r[4] > r[5]:
            msg = f"{p}: customer {int(r[0])} has ready time {r[4]} after its due date {r[5]}."
            raise InvalidInput(msg)
    return VrptwInstance(
        name=name,
        vehicles=vehicles,
        capacity=int(capacity or 0),
        x=tuple(r[1] for r in rows),
        y=tuple(r[2] for r in rows),
        demand=tuple(int(r[3]) for r in rows),
        ready=tuple(r[4] for r in rows),
        due=tuple(r[5] for r in rows),
        service=tuple(r[6] for r in rows),
    )


def route_cost(inst: VrptwInstance, routes: list[list[int]], convention: str = "exact") -> float:
    """Total distance of routes (customer ids, depot omitted) under a convention."""
    total = 0.0
    for r in routes:
        if not r:
            continue
        path = [0, *r, 0]
        total += sum(inst.arc(a, b, convention) for a, b in zip(path, path[1:], strict=False))
    return round(total, 1) if convention == "dimacs" else total


def read_bks(path: str | Path) -> dict[str, tuple[int, float]]:
    """Read a ``bks*.csv`` table: instance -> (vehicles, distance)."""
    out: dict[str, tuple[int, float]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[row["instance"]] = (int(row["vehicles"]), float(row["distance"]))
    return out


def read_sol(path: str | Path) -> list[list[int]]:
    """Read a VRPLIB ``.sol`` route file (``Route #k: c1 c2 ...``)."""
    routes = []
    for ln in Path(path).read_text(encoding="utf-8").splitlines():
        if ln.lower().startswith("route"):
            routes.append([int(t) for t in ln.split(":", 1)[1].split()])
    return routes


def gap_pct(cost: float, best: float) -> float:
    """Relative gap in percent of ``cost`` over ``best``."""
    return 100.0 * (cost - best) / best


__all__ = [
    "CONVENTIONS",
    "VrptwInstance",
    "gap_pct",
    "read_bks",
    "read_sol",
    "read_vrptw",
    "route_cost",
    "solve_vrptw",
    "summarise",
    "to_engine",
]


def summarise(runs: list[dict], *, common: bool = True) -> list[dict]:
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
    import statistics

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

    def to_dict(self) -> dict:
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


def to_engine(inst: VrptwInstance, *, convention: str = "exact", fleet: int | None = None):
    """Translate an instance to the engines' integer model.

    Returns the :class:`~dispatch.routing._engine.EngineInput` (job ``k`` is customer ``k + 1``;
    location 0 the depot).
    """
    from dispatch.routing._engine import EngineInput, EngineJob, EngineVehicle

    if convention not in SCALE:
        msg = f"Unknown cost convention {convention!r}; use one of {', '.join(CONVENTIONS)}."
        raise InvalidInput(msg)
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
        msg = f"--fleet must be at least 1, got {fleet}."
        raise InvalidInput(msg)
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
        ``auto`` (PyVRP for plain VRPTW, see docs/routing.md), ``pyvrp`` or ``ortools``.

    Returns
    -------
    VrptwSolution
    """
    from dispatch.routing import _ortools, _pyvrp
    from dispatch.routing.feasibility import check_vrptw

    if time_limit <= 0:
        msg = f"--time-limit must be positive, got {time_limit}."
        raise InvalidInput(msg)
    model = to_engine(inst, convention=convention, fleet=fleet)
    if engine in ("auto", "pyvrp"):
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
        msg = f"Unknown engine {engine!r}; use auto, pyvrp or ortools."
        raise InvalidInput(msg)
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
