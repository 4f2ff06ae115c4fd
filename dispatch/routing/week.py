"""The week at once: which day and which technician for the requests still to book.

:func:`plan_week` places unscheduled requests (:class:`WeekRequest`: the days and the window
the customer is available, priority, skills) on the next working days, each day's problem
already holding its technicians and its booked visits, which stay on their day and are
never dropped in favour of a new request:

1. every request allowed on a day (a day of its own list, a technician with its skills) is
   added to a copy of the day's problem, whose road matrix is computed once for all of
   them, and its *detour* estimated: its cheapest insertion between two anchors (the
   technicians' starts and ends, the booked visits, the other candidates);
2. an assignment model with OR-Tools CP-SAT (one worker, deterministic time, started from
   the greedy cheapest-detour assignment; :mod:`dispatch.routing.week_assign`) puts each
   request on at most one day, within the day's capacity (the technicians' shift time minus
   the booked services and an estimate of their travel), maximising the priority-weighted
   requests placed, then minimising the detours;
3. each day is solved (:func:`~dispatch.routing.solving.solve`) with its booked visits and
   the requests given to it (booked visits weigh more than all of them together);
4. second chances: a set of requests a day's solve could not serve together is never
   proposed again, and CP-SAT proposes again (the requests left out go to their other
   allowed days); a day that served all it was given gets a larger capacity estimate
   (:data:`CAPACITY_STEP`); when a proposal is served in full, the next one must place as
   much (more, or as much with less driving); at most :data:`SECOND_CHANCES` more solves
   per day, the best week seen (priority-weighted requests placed, then drive minutes) kept;
5. fill: each day of that week is solved once more with the requests still left out that
   it allows added as optional, and kept when it serves more (or as many with less driving);
6. each request still left out is explained (:data:`WEEK_REASONS`).

The budget holds everything (matrices, assignments, solves). The work is planned from it
(:data:`FIRST_PASS_SHARE`, :data:`LATER_SHARE`, :data:`ASSIGN_SHARE`: repeatable), the clock
only guards: a first-pass day gets less than planned when what is left would not hold the
days still to solve, CP-SAT stops at :data:`ASSIGN_WALL_SHARE`, and a round of second
chances or a fill solve that would not fit (each solve counted at :data:`SOLVE_OVERRUN` x
its limit plus the most a solve of the call overran) is skipped. Measured
(``benchmarks/bench_week.py``, weeks at 3 and 5 s, load 4-7): the worst week of a run took
0.94-0.98 x its budget over four runs, where it was up to 1.34 x; a deterministic CP-SAT second took 2-6 s of wall clock and the second chances' 0.1-0.15 s
solves 0.2-0.35 s each, which the old fixed shares did not see.

:func:`plan_days_greedy` is the day-by-day baseline (``benchmarks/bench_week.py``).
"""

from __future__ import annotations

import math
import time as _time
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
from dispatch.routing.week_assign import assign_days, day_estimates, greedy_assignment

#: Objective cost (seconds of travel) of leaving out a request, per priority level + 1:
#: four hours, more than any detour of a day, well below a booked visit's.
REQUEST_PENALTY = 4 * 3600

#: Reasons a request is not placed: :data:`dispatch.routing.plan.REASONS` and ``no_day``.
WEEK_REASONS: dict[str, str] = {
    **REASONS,
    "no_day": N_("The customer is available on no working day of the planned period."),
}

#: Share of the budget planned for the first solve of the days (all of them together).
FIRST_PASS_SHARE = 0.5
#: Share of the budget planned for the second chances (all of them together).
LATER_SHARE = 0.2
#: Share of the budget planned for the fill (each day once, all together).
FILL_SHARE = 0.15
#: A day that served all the requests it was given gets this much more capacity in the
#: next proposal (the estimate is cautious), up to :data:`CAPACITY_MAX` times its own.
CAPACITY_STEP = 1.1
CAPACITY_MAX = 1.4
#: Day solves after the first pass, per day of the horizon (second chances).
SECOND_CHANCES = 2
#: CP-SAT's deterministic time of each assignment, per second of budget (at least
#: :data:`ASSIGN_MIN`); with its hint (:mod:`dispatch.routing.week_assign`) 0.02 deterministic
#: seconds proposed as many requests as 0.1 without one, in 0.07-0.12 s of wall clock.
ASSIGN_SHARE = 0.004
ASSIGN_MIN = 0.01
#: Wall-clock guard of each assignment, as a share of the budget (a deterministic second
#: took 2 to 6 wall-clock seconds here, more on a busy machine).
ASSIGN_WALL_SHARE = 0.06
#: What a day's solve may take, as a multiple of its limit (:func:`~dispatch.routing.solving.solve`
#: keeps 1.2 on an idle machine): the guards plan with it plus the most seconds a solve of
#: the call took beyond it (on a busy machine, load 4.5, a 0.125 s solve took up to 0.35 s
#: and a 0.55 s one 0.74 s: fixed costs that do not shrink with the budget).
SOLVE_OVERRUN = 1.2
#: The greedy baseline's planned share of the budget (its days' solves together).
GREEDY_SHARE = 0.8


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


def _score(plan: Plan, by_id: Mapping[str, WeekRequest]) -> tuple[int, float]:
    """(priority-weighted requests served, minus drive minutes) of a day's plan."""
    served = _served(plan, set(by_id))
    return sum(1 + max(0, by_id[rid].priority) for rid in served), -plan.total_travel_min


def _allowed(request: WeekRequest, horizon: Sequence[date]) -> list[date]:
    return [d for d in horizon if not request.days or d in request.days]


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
        Total budget in seconds, everything included (matrices, assignments, the days'
        solves). The work is planned from it (same input and seed, same answer); the
        clock only guards: a day's solve gets less than planned when what is left would
        not hold it, and a second chance that does not fit is skipped.
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
    deadline = _time.perf_counter() + time_limit
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
        capacity[d], per = day_estimates(days[d], full[d], cands)
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
    later = time_limit * LATER_SHARE / spare
    best: tuple[tuple[int, float], dict[date, Plan]] | None = None
    seen: list[dict[str, date]] = []
    min_value = 0
    extra = 0.0  # the most a day's solve took beyond SOLVE_OVERRUN x its limit (seconds)
    hint = greedy_assignment(horizon, todo, capacity, cost)
    scale = dict.fromkeys(horizon, 1.0)  # each day's capacity estimate, scaled up when it held

    def left() -> float:
        return deadline - _time.perf_counter()

    while True:
        if best is not None and left() < SOLVE_OVERRUN * later + extra:
            break  # no second chance fits in what is left
        given = assign_days(
            horizon, todo, {d: capacity[d] * scale[d] for d in horizon}, cost, nogoods=nogoods, seen=seen, min_value=min_value, seed=seed,
            deterministic_time=max(ASSIGN_MIN, ASSIGN_SHARE * time_limit),
            max_seconds=min(ASSIGN_WALL_SHARE * time_limit, 0.25 * max(0.0, left())), hint=hint,
        )
        if best is None and not given:
            given = hint  # CP-SAT found nothing in its time: the greedy proposal
        elif not given:
            break  # nothing left to propose
        hint = given
        mine = {d: frozenset(rid for rid, gd in given.items() if gd == d) for d in horizon}
        new = [d for d in horizon if (d, mine[d]) not in solved]
        if best is not None and (len(new) > spare or len(new) * (SOLVE_OVERRUN * later + extra) > left()):
            break  # these solves do not fit in what is left: skipped
        if best is not None:
            spare -= len(new)
        for k, d in enumerate(new):
            budget = later
            if best is None:  # the first pass: every day, within what is left
                budget = max(0.01, min(first, (left() / (len(new) - k) - extra) / SOLVE_OVERRUN))
            started = _time.perf_counter()
            plan = _solve_day(full[d], booked[d], set(mine[d]), time_limit=budget, seed=seed)
            extra = max(extra, _time.perf_counter() - started - SOLVE_OVERRUN * budget)
            solved[d, mine[d]] = plan
            served = set(_served(plan, ids))
            for u in plan.unassigned:
                if u.visit in ids:
                    day_reason[u.visit] = u.reason
            if mine[d] - served:
                nogoods.append((d, mine[d]))
        week = {d: solved[d, mine[d]] for d in horizon}
        value = sum(1 + max(0, by_id[rid].priority) for p in week.values() for rid in _served(p, ids))
        key = (value, -sum(p.total_travel_min for p in week.values()))
        if best is None or key > best[0]:
            best = (key, week)
        if spare <= 0 or not given:
            break
        for d in new:  # a day that served all it was given may be given more
            if set(_served(week[d], ids)) == mine[d]:
                scale[d] = min(CAPACITY_MAX, scale[d] * CAPACITY_STEP)
        if all(set(_served(week[d], ids)) == mine[d] for d in horizon):
            # served in full: look for a week placing more, or as much with less driving
            seen.append(given)
            min_value = max(min_value, value)
        elif not new:
            break
    assert best is not None
    plans = dict(best[1])
    # (d') fill: each day re-solved with the requests still left out that it allows added
    # as optional, kept when it serves more (or as many with less driving)
    fill = time_limit * FILL_SHARE / max(1, len(horizon))
    done = {rid for p in plans.values() for rid in _served(p, ids)}
    waiting = {
        d: [r.id for r in todo if r.id not in done and d in allowed[r.id] and math.isfinite(cost[r.id, d])]
        for d in horizon
    }
    for d in sorted(horizon, key=lambda d: -len(waiting[d])):
        more = {rid for rid in waiting[d] if rid not in done}
        if not more or fill <= 0:
            continue
        if left() < SOLVE_OVERRUN * fill + extra:
            break  # no fill fits in what is left
        now = set(_served(plans[d], ids))
        started = _time.perf_counter()
        plan = _solve_day(full[d], booked[d], now | more, time_limit=fill, seed=seed)
        extra = max(extra, _time.perf_counter() - started - SOLVE_OVERRUN * fill)
        for u in plan.unassigned:
            if u.visit in more:
                day_reason[u.visit] = u.reason
        if plan.feasible and booked[d] <= set(plan.served) and _score(plan, by_id) > _score(plans[d], by_id):
            plans[d] = plan
            done = (done - now) | set(_served(plan, ids))
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

    Same parameters and answer as :func:`plan_week`; the same budget rule (each day
    planned :data:`GREEDY_SHARE` of its share, less when what is left would not hold it).
    """
    deadline = _time.perf_counter() + time_limit
    horizon, by_id = _check(days, requests, time_limit)
    ids = set(by_id)
    plans: dict[date, Plan] = {}
    placed: dict[str, tuple[date, str]] = {}
    reason: dict[str, str] = {}
    per_day = GREEDY_SHARE * time_limit / max(1, len(horizon))
    for k, d in enumerate(horizon):
        rs = [r for r in requests if r.id not in placed and d in _allowed(r, horizon)]
        ok = [r for r in rs if _can_serve(days[d], r)]
        for r in rs:
            if r not in ok:
                reason.setdefault(r.id, "no_skill")
        full = _full_day(days[d], ok)
        room = (deadline - _time.perf_counter()) / (len(horizon) - k) / SOLVE_OVERRUN
        budget = max(0.01, min(per_day, room))
        plans[d] = _solve_day(full, {v.id for v in days[d].visits}, {r.id for r in ok}, time_limit=budget, seed=seed)
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
