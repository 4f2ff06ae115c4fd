"""Route recombination: the best day made of routes seen during the search.

Every candidate solution of a PyVRP search passes through many good routes that its final
answer does not keep. Collected in a pool (one column per technician and visit set, the
cheapest order kept), they are recombined by a set-packing model: pick at most one route
per technician, each visit at most once, maximising the penalties of the visits served
minus the travel. Measured on the benchmark days (``benchmarks/bench_days.py``), this
serves one or two more visits than the best single answer on half of the overbooked days.

Two solvers, both repeatable:

* :func:`exchange`: a fast local search over the pool (numpy): for every pair, then every
  triple of technicians, the best disjoint combination of their routes given the others;
* :func:`set_packing`: the exact set-packing model with OR-Tools CP-SAT (one worker,
  bounded by deterministic time, hinted with the current answer).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np

#: Work counted for each group of technicians re-chosen by :func:`exchange`, on top of the
#: pairs of routes it examines: its numpy calls cost about what 5,000 pairs do.
GROUP_WORK = 5000

#: A column: (vehicle, visit indices in order).
Column = tuple[int, tuple[int, ...]]


def columns(pool: Iterable[Column], route_cost: Callable[[int, Sequence[int]], int]) -> list[Column]:
    """Distinct columns of a pool: per (vehicle, visit set), the cheapest order."""
    best: dict[tuple[int, frozenset[int]], tuple[int, Column]] = {}
    for v, jobs in pool:
        key = (v, frozenset(jobs))
        c = route_cost(v, jobs)
        if key not in best or c < best[key][0]:
            best[key] = (c, (v, tuple(jobs)))
    return [col for _, col in sorted(best.values(), key=lambda x: (x[1][0], x[1][1]))]


class _Table:
    """Columns grouped per vehicle, as bit masks (row 0 of each vehicle = no route)."""

    def __init__(self, n_vehicles: int, n_jobs: int, cols: Sequence[Column], value: Sequence[int]) -> None:
        words = max(1, (n_jobs + 63) // 64)
        per: list[list[int]] = [[] for _ in range(n_vehicles)]
        for c, (v, _) in enumerate(cols):
            per[v].append(c)
        self.masks, self.values, self.index = [], [], []
        for v in range(n_vehicles):
            m = np.zeros((len(per[v]) + 1, words), dtype=np.uint64)
            val = np.zeros(len(per[v]) + 1, dtype=np.int64)
            for r, c in enumerate(per[v], start=1):
                for j in cols[c][1]:
                    m[r, j // 64] |= np.uint64(1) << np.uint64(j % 64)
                val[r] = value[c]
            self.masks.append(m)
            self.values.append(val)
            self.index.append([-1, *per[v]])


def exchange(
    n_vehicles: int,
    n_jobs: int,
    cols: Sequence[Column],
    value: Sequence[int],
    start: Sequence[int],
    *,
    max_group: int = 3,
    beam: int = 3000,
    max_work: int = 30_000_000,
    deadline: float | None = None,
) -> list[int]:
    """Improve a selection by re-choosing the routes of 2, then 3 technicians at a time.

    Parameters
    ----------
    n_vehicles, n_jobs
        Sizes of the day.
    cols, value
        The columns and the value of each (penalties served minus travel; higher is better).
    start
        The column chosen for each vehicle (``-1`` = no route); must be disjoint.
    max_group
        Largest number of technicians re-chosen together.
    beam
        Partial combinations kept per step (best values first).
    max_work
        Bound on the pairs examined, plus :data:`GROUP_WORK` per group (a work count, so
        the result is repeatable).
    deadline
        ``time.perf_counter()`` value after which the search stops whatever its count
        (a guard for large days on a busy machine).

    Returns
    -------
    list[int]
        The column of each vehicle (``-1`` = none), never worse than ``start``.
    """
    tab = _Table(n_vehicles, n_jobs, cols, value)
    pos = [tab.index[v].index(c) if c >= 0 else 0 for v, c in enumerate(start)]
    work = 0
    improved = True
    vehicles = [v for v in range(n_vehicles) if len(tab.index[v]) > 1]
    floor = np.iinfo(np.int64).min // 4
    while improved and work < max_work:
        improved = False
        for size in range(2, max_group + 1):
            for group in itertools.combinations(vehicles, size):
                if work >= max_work or (deadline is not None and time.perf_counter() > deadline):
                    work = max_work
                    break
                work += GROUP_WORK
                fixed = np.zeros(tab.masks[0].shape[1], dtype=np.uint64)
                for v in vehicles:
                    if v not in group:
                        fixed |= tab.masks[v][pos[v]]
                current = sum(int(tab.values[v][pos[v]]) for v in group)
                first = group[0]
                ok = np.flatnonzero(~(tab.masks[first] & fixed).any(1))
                pm, pv = tab.masks[first][ok], tab.values[first][ok]
                choice = ok[:, None]
                for v in group[1:]:
                    rows = np.flatnonzero(~(tab.masks[v] & fixed).any(1))
                    m1, v1 = tab.masks[v][rows], tab.values[v][rows]
                    if len(pv) > beam:
                        keep = np.argsort(-pv, kind="stable")[:beam]
                        pm, pv, choice = pm[keep], pv[keep], choice[keep]
                    work += len(pv) * len(v1)
                    clash = (pm[:, None, :] & m1[None, :, :]).any(2)
                    total = pv[:, None] + v1[None, :]
                    total[clash] = floor
                    a, b = np.nonzero(total > floor)
                    pm = pm[a] | m1[b]
                    pv = total[a, b]
                    choice = np.concatenate([choice[a], rows[b][:, None]], axis=1)
                k = int(np.argmax(pv))
                if pv[k] > current:
                    for v, r in zip(group, choice[k], strict=True):
                        pos[v] = int(r)
                    improved = True
    return [tab.index[v][pos[v]] for v in range(n_vehicles)]


def set_packing(
    n_vehicles: int,
    cols: Sequence[Column],
    value: Sequence[int],
    start: Sequence[int],
    *,
    deterministic_time: float = 0.05,
) -> list[int]:
    """The best disjoint choice of columns (at most one per vehicle), by CP-SAT.

    Hinted with ``start``; one worker and a deterministic time limit, so the same input
    gives the same answer. Returns ``start`` when CP-SAT finds nothing better.
    """
    # imported here: CP-SAT takes 0.6-0.9 s to import, too much for `import dispatch.routing`
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    z = [m.new_bool_var(f"z{c}") for c in range(len(cols))]
    per_vehicle: dict[int, list[cp_model.IntVar]] = {}
    per_job: dict[int, list[cp_model.IntVar]] = {}
    for c, (v, jobs) in enumerate(cols):
        per_vehicle.setdefault(v, []).append(z[c])
        for j in jobs:
            per_job.setdefault(j, []).append(z[c])
    for group in (*per_vehicle.values(), *per_job.values()):
        if len(group) > 1:
            m.add_at_most_one(group)
    m.maximize(sum(int(value[c]) * z[c] for c in range(len(cols))))
    chosen = set(start)
    for c in range(len(cols)):
        m.add_hint(z[c], c in chosen)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = deterministic_time
    solver.parameters.cp_model_presolve = False
    solver.parameters.random_seed = 1
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return list(start)
    picked = [-1] * n_vehicles
    for c in range(len(cols)):
        if solver.value(z[c]):
            picked[cols[c][0]] = c
    total = sum(int(value[c]) for c in picked if c >= 0)
    if total <= sum(int(value[c]) for c in start if c >= 0):
        return list(start)
    return picked


__all__ = ["GROUP_WORK", "Column", "columns", "exchange", "set_packing"]
