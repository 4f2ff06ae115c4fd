"""The week's assignment of requests to days: detour estimates and the CP-SAT model.

:func:`plan_week <dispatch.routing.week.plan_week>` estimates each day's capacity and each
request's detour on it (:func:`day_estimates`), then asks :func:`assign_days` which day
each request goes to. CP-SAT stops on deterministic time (repeatable) with a wall-clock
guard (the week's budget); it starts from a hint: the cheapest-detour greedy assignment
(:func:`greedy_assignment`) in the first round, the previous proposal in the next ones.
Measured on the 5-day bench weeks: with the hint, 0.02 deterministic seconds (0.07-0.12 s
of wall clock here) proposed 103 requests where 0.1 without it (0.3-0.75 s) proposed 99,
and the later rounds (no-goods, "not the same again") found a proposal at 0.01 where,
without a hint, 0.02 often found none.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from dispatch.routing.problem import DispatchProblem

if TYPE_CHECKING:
    from dispatch.routing.week import WeekRequest


def day_estimates(
    problem: DispatchProblem, full: DispatchProblem, candidates: Sequence[WeekRequest]
) -> tuple[int, dict[str, float]]:
    """(capacity in seconds, request id -> service + detour in seconds) of one day.

    ``full`` is the day with the candidates added (on its own matrix). The capacity is the
    technicians' working time minus the booked services and, for each booked visit, the
    drive from its nearest technician start or booked visit. A request's detour is its
    cheapest insertion between two places among the technicians' starts and ends, the
    booked visits and the other candidates.
    """
    import numpy as np

    starts = [("tech_start", t.id) for t in problem.technicians]
    ends = [("tech_end", t.id) for t in problem.technicians]
    booked = [("visit", v.id) for v in problem.visits]
    mine = [("visit", r.id) for r in candidates]
    pool = starts + ends + booked + mine
    if not pool:
        return 0, {}
    idx = [full.location_index(k) for k in pool]
    inf = 1e12
    dur = np.array([[min(inf, full.travel_s(a, b)) for b in idx] for a in idx], dtype=float)
    capacity = 0.0
    for t in problem.technicians:
        span = (t.shift_end - t.shift_start).total_seconds()
        if t.max_work_s is not None:
            span = min(span, t.max_work_s)
        if t.lunch is not None:
            span -= t.lunch.duration_s
        capacity += max(0.0, span)
    n_s, n_b = len(starts), len(booked)
    first_b = 2 * n_s
    for k in range(first_b, first_b + n_b):
        legs = [dur[j, k] for j in [*range(n_s), *range(first_b, first_b + n_b)] if j != k]
        leg = min(legs, default=0.0)
        capacity -= problem.visits[k - first_b].service_s + (leg if leg < inf else 0.0)
    cost: dict[str, float] = {}
    for pos, r in enumerate(candidates):
        k = first_b + n_b + pos
        ins = dur[:, k][:, None] + dur[k, :][None, :] - dur
        ins[k, :] = inf
        ins[:, k] = inf
        best = float(ins.min()) if len(pool) > 1 else inf
        cost[r.id] = r.service_min * 60 + best if best < inf / 2 else math.inf
    return max(0, int(capacity)), cost


def _fits(c: float | None, room: float) -> bool:
    return c is not None and math.isfinite(c) and c <= room


def greedy_assignment(
    horizon: Sequence[date],
    requests: Sequence[WeekRequest],
    capacity: Mapping[date, float],
    cost: Mapping[tuple[str, date], float],
) -> dict[str, date]:
    """Request id -> day: by priority (highest first), then fewest days allowed, then
    cheapest detour, each request on its cheapest day with capacity left (CP-SAT's hint)."""

    def cheapest(r: WeekRequest) -> float:
        return min((cost[r.id, d] for d in horizon if _fits(cost.get((r.id, d)), math.inf)), default=math.inf)

    left = dict(capacity)
    out: dict[str, date] = {}
    n_days = {r.id: sum(1 for d in horizon if (r.id, d) in cost) for r in requests}
    for r in sorted(requests, key=lambda r: (-r.priority, n_days[r.id], cheapest(r), r.id)):
        opts = [(cost[r.id, d], d) for d in horizon if _fits(cost.get((r.id, d)), left[d])]
        if opts:
            c, d = min(opts)
            out[r.id] = d
            left[d] -= c
    return out


def assign_days(
    horizon: Sequence[date],
    requests: Sequence[WeekRequest],
    capacity: Mapping[date, float],
    cost: Mapping[tuple[str, date], float],
    *,
    nogoods: Sequence[tuple[date, frozenset[str]]],
    seen: Sequence[Mapping[str, date]] = (),
    min_value: int = 0,
    seed: int,
    deterministic_time: float,
    max_seconds: float | None = None,
    hint: Mapping[str, date] | None = None,
) -> dict[str, date]:
    """The CP-SAT assignment of requests to days (request id -> day).

    Each request on at most one day, each day's detours within its capacity, maximising
    the priority-weighted requests placed, then minimising the detours. ``nogoods``:
    (day, requests) sets a day's solve could not serve together, never proposed again (nor
    any set holding one); ``seen``: assignments not to propose again; ``min_value``: the
    least priority-weighted count to place; ``hint``: a starting assignment (need not be
    feasible); ``max_seconds``: the wall-clock guard.
    """
    # imported here: CP-SAT takes 0.6-0.9 s to import, too much for `import dispatch.routing`
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    x: dict[tuple[str, date], Any] = {}
    for r in requests:
        for d in horizon:
            if _fits(cost.get((r.id, d)), capacity[d]):
                x[r.id, d] = m.new_bool_var(f"x_{r.id}_{d}")
    if not x:
        return {}
    detour = {k: round(cost[k]) for k in x}
    big = sum(detour.values()) + 1
    weight = {r.id: 1 + max(0, r.priority) for r in requests}
    for r in requests:
        mine = [x[r.id, d] for d in horizon if (r.id, d) in x]
        if len(mine) > 1:
            m.add_at_most_one(mine)
    for d in horizon:
        mine_d = [(k, v) for k, v in x.items() if k[1] == d]
        if mine_d:
            m.add(sum(detour[k] * v for k, v in mine_d) <= int(capacity[d]))
    for d, group in nogoods:
        if all((rid, d) in x for rid in group):
            m.add(sum(x[rid, d] for rid in group) <= len(group) - 1)
    for old in seen:
        same = [x[k] for k in x if old.get(k[0]) == k[1]]
        other = [x[k] for k in x if old.get(k[0]) != k[1]]
        m.add(sum(same) - sum(other) <= len(old) - 1)
    if min_value:
        m.add(sum(weight[k[0]] * v for k, v in x.items()) >= min_value)
    m.maximize(sum((big * weight[k[0]] - detour[k]) * v for k, v in x.items()))
    if hint is not None:
        for k, v in x.items():
            m.add_hint(v, hint.get(k[0]) == k[1])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = deterministic_time
    if max_seconds is not None:
        solver.parameters.max_time_in_seconds = max(0.005, max_seconds)
    solver.parameters.random_seed = seed
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {}
    return {k[0]: k[1] for k, v in x.items() if solver.value(v)}


__all__ = ["assign_days", "day_estimates", "greedy_assignment"]
