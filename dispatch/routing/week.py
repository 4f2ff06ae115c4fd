"""The week at once: which day and which technician for the requests still to book.

:func:`plan_week` places unscheduled requests (:class:`WeekRequest`: the days and the window
the customer is available, priority, skills) on the next working days, each day's problem
already holding its technicians and its booked visits, which stay on their day and are
never dropped in favour of a new request:

1. every request allowed on a day (a day of its own list, a technician with its skills) is
   added to a copy of the day's problem, whose road matrix is computed once for all of
   them, and its *detour* estimated: its cheapest insertion between two anchors (the
   technicians' starts and ends, the booked visits, the other candidates);
2. an assignment model with OR-Tools CP-SAT (one worker, deterministic time) puts each
   request on at most one day, within the day's capacity (the technicians' shift time minus
   the booked services and an estimate of their travel), maximising the priority-weighted
   requests placed, then minimising the detours;
3. each day is solved (:func:`~dispatch.routing.solving.solve`) with its booked visits and
   the requests given to it (booked visits weigh more than all of them together);
4. second chances: a set of requests a day's solve could not serve together is never
   proposed again, and CP-SAT proposes again (the requests left out go to their other
   allowed days); when a proposal is served in full, the next one must place as much, to
   look for less driving; at most :data:`SECOND_CHANCES` more solves per day, the best
   week seen (priority-weighted requests placed, then drive minutes) kept;
5. each request still left out is explained (:data:`WEEK_REASONS`).

:func:`plan_days_greedy` is the day-by-day baseline (``benchmarks/bench_week.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import Any

from dispatch.errors import InfeasibleProblem
from dispatch.geo.point import GeoPoint
from dispatch.i18n import N_, _
from dispatch.routing.plan import REASONS, Plan
from dispatch.routing.problem import DispatchProblem
from dispatch.routing.solving import solve

#: Objective cost (seconds of travel) of leaving out a request, per priority level + 1:
#: four hours, more than any detour of a day, well below a booked visit's.
REQUEST_PENALTY = 4 * 3600

#: Reasons a request is not placed: :data:`dispatch.routing.plan.REASONS` and ``no_day``.
WEEK_REASONS: dict[str, str] = {
    **REASONS,
    "no_day": N_("The customer is available on no working day of the planned period."),
}

#: Share of the budget given to the first solve of the days (the rest: second chances).
FIRST_PASS_SHARE = 0.6
#: Day solves after the first pass, per day of the horizon (second chances).
SECOND_CHANCES = 2
#: CP-SAT's deterministic time of each assignment, as a share of the budget (one
#: deterministic second is about one to three wall-clock seconds on the 2-core machine).
ASSIGN_SHARE = 0.02


@dataclass(frozen=True)
class WeekRequest:
    """A request to place in the week.

    Attributes
    ----------
    id
        Unique identifier (distinct from the booked visits' ids).
    location
        Where (a :class:`GeoPoint`, or an index into the days' given matrices).
    service_min
        Service duration in minutes.
    days
        The days the customer is available; empty: any day of the horizon.
    window
        The window of the start of service on those days (``None``: the whole day).
    priority
        0 normal; higher is placed first when not everything fits.
    skills
        Skills required.
    label
        Free text (customer, address).
    """

    id: str
    location: GeoPoint | int
    service_min: float = 60
    days: tuple[date, ...] = ()
    window: tuple[time, time] | None = None
    priority: int = 0
    skills: frozenset[str] = frozenset()
    label: str = ""


@dataclass(frozen=True)
class WeekPlan:
    """The answer of :func:`plan_week`.

    Attributes
    ----------
    days
        Day -> its :class:`~dispatch.routing.plan.Plan` (booked visits and placed requests).
    placed
        Request id -> (day, technician id).
    unplaced
        Request id -> reason code of :data:`WEEK_REASONS`.
    messages
        Request id -> the reason's message in the active language.
    """

    days: Mapping[date, Plan]
    placed: Mapping[str, tuple[date, str]]
    unplaced: Mapping[str, str]
    messages: Mapping[str, str] = field(default_factory=dict)

    @property
    def total_travel_min(self) -> float:
        """Drive minutes of every day."""
        return sum(p.total_travel_min for p in self.days.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``days`` (each a plan), ``placed``, ``unplaced`` with messages."""
        return {
            "days": {d.isoformat(): p.to_dict() for d, p in sorted(self.days.items())},
            "placed": {
                r: {"day": d.isoformat(), "technician": t} for r, (d, t) in sorted(self.placed.items())
            },
            "unplaced": {
                r: {"reason": code, "message": self.messages.get(r, _(WEEK_REASONS[code]))}
                for r, code in sorted(self.unplaced.items())
            },
            "total_travel_min": round(self.total_travel_min, 1),
        }


# --------------------------------------------------------------------------- helpers


def _message(code: str, request: WeekRequest) -> str:
    return _(WEEK_REASONS[code]).format(skills=", ".join(sorted(request.skills)) or "-")


def _check(
    days: Mapping[date, DispatchProblem], requests: Sequence[WeekRequest], time_limit: float
) -> tuple[list[date], dict[str, WeekRequest]]:
    """Refuse a budget that is not positive and duplicate ids; the days in order and the
    requests by id."""
    if time_limit <= 0:
        msg = N_("time_limit must be positive, got {time_limit}.")
        raise InfeasibleProblem(msg, time_limit=time_limit)
    seen: set[str] = set()
    booked = {v.id for p in days.values() for v in p.visits}
    for r in requests:
        if r.id in seen or r.id in booked:
            msg = N_("Request {id!r} appears twice (or is a booked visit's id); give each a unique id.")
            raise InfeasibleProblem(msg, id=r.id)
        seen.add(r.id)
    return sorted(days), {r.id: r for r in requests}


def _can_serve(problem: DispatchProblem, request: WeekRequest) -> bool:
    return any(request.skills <= t.skills for t in problem.technicians)


def _add(problem: DispatchProblem, request: WeekRequest) -> None:
    windows = None if request.window is None else [request.window]
    problem.add_visit(
        request.id,
        location=request.location,
        windows=windows,
        service_min=request.service_min,
        skills=request.skills,
        priority=request.priority,
        optional=True,
        drop_penalty=REQUEST_PENALTY * (1 + max(0, request.priority)),
        label=request.label,
    )


def _protect_booked(problem: DispatchProblem, request_ids: set[str]) -> None:
    """Raise the booked visits' penalties above all the requests' together: the day solver
    never drops a booked visit to serve new requests."""
    total = sum(v.penalty for v in problem.visits if v.id in request_ids)
    problem.visits = [
        v if v.id in request_ids else replace(v, drop_penalty=max(v.penalty, total + 1))
        for v in problem.visits
    ]


def _full_day(problem: DispatchProblem, candidates: Sequence[WeekRequest]) -> DispatchProblem:
    """The day with every candidate added (optional), on its own matrix computed once.

    Places become indices into that matrix, so the day's solves (any subset of the
    candidates) share it instead of computing road matrices again.
    """
    full = problem.copy()
    for r in candidates:
        _add(full, r)
    if not full.technicians and not full.visits:
        return full
    index, durations, distances = full._matrix()
    full.technicians = [
        replace(t, start=index["tech_start", t.id], end=index["tech_end", t.id]) for t in full.technicians
    ]
    full.visits = [replace(v, location=index["visit", v.id]) for v in full.visits]
    full.shop = None
    return full.set_matrix(durations, distances)


def _solve_day(
    full: DispatchProblem, booked: set[str], chosen: set[str], *, time_limit: float, seed: int
) -> Plan:
    """Solve the day with its booked visits and the ``chosen`` candidates of ``full``."""
    problem = full.copy()
    problem.visits = [v for v in full.visits if v.id in booked or v.id in chosen]
    _protect_booked(problem, chosen)
    return solve(problem, time_limit=time_limit, seed=seed)


def _served(plan: Plan, ids: set[str]) -> dict[str, str]:
    """Request id -> technician, for the requests served in ``plan``."""
    return {s.visit: r.technician for r in plan.routes for s in r.stops if s.visit in ids}


def _allowed(request: WeekRequest, horizon: Sequence[date]) -> list[date]:
    return [d for d in horizon if not request.days or d in request.days]


def _day_estimates(
    problem: DispatchProblem, full: DispatchProblem, candidates: Sequence[WeekRequest]
) -> tuple[int, dict[str, float]]:
    """(capacity in seconds, request id -> service + detour in seconds) of one day.

    ``full`` is the day with the candidates added (:func:`_full_day`). The capacity is the
    technicians' working time minus the booked services and, for each booked visit, the
    drive from its nearest technician start or booked visit. A request's detour is its
    cheapest insertion between two places among the technicians' starts and ends, the
    booked visits and the other candidates.
    """
    import numpy as np

    cand = full
    starts = [("tech_start", t.id) for t in problem.technicians]
    ends = [("tech_end", t.id) for t in problem.technicians]
    booked = [("visit", v.id) for v in problem.visits]
    mine = [("visit", r.id) for r in candidates]
    pool = starts + ends + booked + mine
    if not pool:
        return 0, {}
    idx = [cand.location_index(k) for k in pool]
    inf = 1e12
    dur = np.array([[min(inf, cand.travel_s(a, b)) for b in idx] for a in idx], dtype=float)
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


def _assign(
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
) -> dict[str, date]:
    """The CP-SAT assignment of requests to days (request id -> day).

    ``nogoods``: (day, requests) sets a day's solve could not serve together, never
    proposed again (nor any set holding one); ``seen``: assignments not to propose again,
    ``min_value``: the least priority-weighted count to place.
    """
    # imported here: CP-SAT takes 0.6-0.9 s to import, too much for `import dispatch.routing`
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    x: dict[tuple[str, date], Any] = {}
    for r in requests:
        for d in horizon:
            c = cost.get((r.id, d))
            if c is not None and math.isfinite(c) and c <= capacity[d]:
                x[r.id, d] = m.new_bool_var(f"x_{r.id}_{d}")
    if not x:
        return {}
    detour = {k: round(cost[k]) if math.isfinite(cost[k]) else 0 for k in x}
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
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = deterministic_time
    solver.parameters.random_seed = seed
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {}
    return {k[0]: k[1] for k, v in x.items() if solver.value(v)}


# --------------------------------------------------------------------------- planners


def plan_week(
    days: Mapping[date, DispatchProblem],
    requests: Sequence[WeekRequest],
    *,
    time_limit: float = 2.0,
    seed: int = 1,
) -> WeekPlan:
    """Place the requests on the days and technicians, booked visits kept on their day.

    Parameters
    ----------
    days
        Day -> its problem (technicians and booked visits; the requests' locations must be
        usable in it: a :class:`GeoPoint` with region matrices, an index with a given one).
    requests
        The requests to place.
    time_limit
        Total search budget in seconds, shared between the days.
    seed
        Random seed (same input and seed, same answer).

    Returns
    -------
    WeekPlan

    Raises
    ------
    InfeasibleProblem
        Two requests with the same id (or a booked visit's), or malformed input.
    """
    horizon, by_id = _check(days, requests, time_limit)
    ids = set(by_id)
    unplaced: dict[str, str] = {}
    # (a) the candidates of every day, their detours and the day's capacity
    allowed: dict[str, list[date]] = {}
    for r in requests:
        dd = _allowed(r, horizon)
        if not dd:
            unplaced[r.id] = "no_day"
            continue
        ok = [d for d in dd if _can_serve(days[d], r)]
        if not ok:
            unplaced[r.id] = "no_skill"
            continue
        allowed[r.id] = ok
    capacity: dict[date, int] = {}
    cost: dict[tuple[str, date], float] = {}
    full: dict[date, DispatchProblem] = {}
    booked = {d: {v.id for v in days[d].visits} for d in horizon}
    for d in horizon:
        cands = [by_id[rid] for rid in allowed if d in allowed[rid]]
        full[d] = _full_day(days[d], cands)
        capacity[d], per = _day_estimates(days[d], full[d], cands)
        cost.update({(rid, d): c for rid, c in per.items()})
    for rid in allowed:
        if all(not math.isfinite(cost[rid, d]) for d in allowed[rid]):
            unplaced[rid] = "unreachable"
    todo = [by_id[rid] for rid in allowed if rid not in unplaced]
    # (b)-(d) CP-SAT proposes an assignment to days; the days whose requests changed are
    # solved; a set of requests a day could not serve together is never proposed again
    # (their second chance elsewhere); the best week seen is kept
    solved: dict[tuple[date, frozenset[str]], Plan] = {}
    nogoods: list[tuple[date, frozenset[str]]] = []
    day_reason: dict[str, str] = {}
    first = time_limit * FIRST_PASS_SHARE / max(1, len(horizon))
    spare = SECOND_CHANCES * max(1, len(horizon))
    later = time_limit * (0.9 - FIRST_PASS_SHARE) / spare
    best: tuple[tuple[int, float], dict[date, Plan]] | None = None
    seen: list[dict[str, date]] = []
    min_value = 0
    while True:
        given = _assign(
            horizon, todo, capacity, cost, nogoods=nogoods, seen=seen, min_value=min_value, seed=seed,
            deterministic_time=max(0.02, ASSIGN_SHARE * time_limit),
        )
        if best is not None and not given:
            break  # nothing left to propose
        week: dict[date, Plan] = {}
        new = 0
        for d in horizon:
            mine = frozenset(rid for rid, gd in given.items() if gd == d)
            if (d, mine) not in solved:
                if best is not None and spare <= 0:
                    break
                budget = first if best is None else later
                spare -= 0 if best is None else 1
                new += 1
                plan = _solve_day(full[d], booked[d], set(mine), time_limit=budget, seed=seed)
                solved[d, mine] = plan
                served = set(_served(plan, ids))
                for u in plan.unassigned:
                    if u.visit in ids:
                        day_reason[u.visit] = u.reason
                if mine - served:
                    nogoods.append((d, mine))
            week[d] = solved[d, mine]
        if len(week) < len(horizon):
            break
        value = sum(1 + max(0, by_id[rid].priority) for p in week.values() for rid in _served(p, ids))
        key = (value, -sum(p.total_travel_min for p in week.values()))
        if best is None or key > best[0]:
            best = (key, week)
        if spare <= 0 or (new == 0 and not given):
            break
        if all(set(_served(week[d], ids)) == {r for r, gd in given.items() if gd == d} for d in horizon):
            # served in full: look for a shorter week placing as much
            seen.append(given)
            min_value = max(min_value, value)
        elif new == 0:
            break
    assert best is not None
    plans = best[1]
    placed = {rid: (d, t) for d, p in plans.items() for rid, t in _served(p, ids).items()}
    # (e) reasons
    for r in todo:
        if r.id not in placed:
            unplaced[r.id] = day_reason.get(r.id, "over_capacity")
    return WeekPlan(
        days=plans,
        placed=placed,
        unplaced=unplaced,
        messages={rid: _message(code, by_id[rid]) for rid, code in unplaced.items()},
    )


def plan_days_greedy(
    days: Mapping[date, DispatchProblem],
    requests: Sequence[WeekRequest],
    *,
    time_limit: float = 2.0,
    seed: int = 1,
) -> WeekPlan:
    """The day-by-day baseline: day after day, every request still to place that the day
    allows is added as optional, the day solved, what it serves kept.

    Same parameters and answer as :func:`plan_week`.
    """
    horizon, by_id = _check(days, requests, time_limit)
    ids = set(by_id)
    plans: dict[date, Plan] = {}
    placed: dict[str, tuple[date, str]] = {}
    reason: dict[str, str] = {}
    per_day = time_limit / max(1, len(horizon))
    for d in horizon:
        rs = [r for r in requests if r.id not in placed and d in _allowed(r, horizon)]
        ok = [r for r in rs if _can_serve(days[d], r)]
        for r in rs:
            if r not in ok:
                reason.setdefault(r.id, "no_skill")
        full = _full_day(days[d], ok)
        plans[d] = _solve_day(full, {v.id for v in days[d].visits}, {r.id for r in ok}, time_limit=per_day, seed=seed)
        placed.update({rid: (d, t) for rid, t in _served(plans[d], ids).items()})
        for u in plans[d].unassigned:
            if u.visit in ids:
                reason[u.visit] = u.reason
    unplaced = {
        r.id: reason.get(r.id, "no_day") for r in requests if r.id not in placed
    }
    return WeekPlan(
        days=plans,
        placed=placed,
        unplaced=unplaced,
        messages={rid: _message(code, by_id[rid]) for rid, code in unplaced.items()},
    )


__all__ = ["REQUEST_PENALTY", "WEEK_REASONS", "WeekPlan", "WeekRequest", "plan_days_greedy", "plan_week"]
