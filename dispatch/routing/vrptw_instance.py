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
from dispatch.i18n import N_

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
        msg = N_("VRPTW file {path} does not exist; give the path to a Solomon-format .txt file.")
        raise NotFound(msg, path=str(p))
    try:
        lines = p.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as err:
        msg = N_("Cannot read VRPTW file {path}: {reason}")
        raise InvalidInput(msg, path=str(p), reason=str(err)) from err
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
        msg = N_(
            "{path} is not a Solomon-format VRPTW file (expected a VEHICLE block with NUMBER and "
            "CAPACITY and a CUSTOMER block of 7 numeric columns)."
        )
        raise InvalidInput(msg, path=str(p))
    rows.sort(key=lambda r: r[0])
    ids = [int(r[0]) for r in rows]
    if ids != list(range(len(rows))):
        msg = N_("{path}: customer numbers must run 0..{last} with 0 the depot.")
        raise InvalidInput(msg, path=str(p), last=len(rows) - 1)
    for r in rows:
        if r[4] > r[5]:
            msg = N_("{path}: customer {customer} has ready time {ready} after its due date {due}.")
            raise InvalidInput(msg, path=str(p), customer=int(r[0]), ready=r[4], due=r[5])
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
]
