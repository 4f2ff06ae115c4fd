"""Solving a day: :func:`solve`, :func:`reoptimize` during the day, :func:`plan_from_routes`.

The shape follows PyVRP's ``Model``: build the problem in domain words
(:class:`~dispatch.routing.problem.DispatchProblem`), then call :func:`solve`, which returns
a frozen :class:`~dispatch.routing.plan.Plan`; :func:`dispatch.routing.feasibility.check_plan`
verifies it independently of any solver (every plan :func:`solve` returns has been checked).

Engines (see ``docs/routing.md`` for the measurements behind the choice): problems PyVRP can
express exactly (no lunch breaks, skills or pins) go to PyVRP, the rest to OR-Tools, both
behind the same integer model (:mod:`dispatch.routing._engine`; the search portfolio is
:mod:`dispatch.routing.portfolio`). A plan is never empty when a feasible one exists: every
visit is optional in the engines with a large penalty, and each visit left out gets a
reason found by a diagnosis step (:data:`dispatch.routing.plan.REASONS`).
"""

from __future__ import annotations

import time as _time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from dispatch.errors import InfeasibleProblem
from dispatch.geo.point import GeoPoint
from dispatch.i18n import N_
from dispatch.routing._engine import EngineVehicle
from dispatch.routing.feasibility import check_plan
from dispatch.routing.plan import Plan, Route, Stop, unassigned_visit
from dispatch.routing.portfolio import PLAN_S_PER_JOB, engine_solve
from dispatch.routing.problem import DispatchProblem
from dispatch.routing.repair import diagnose, repair_routes
from dispatch.routing.schedule import route_feasible, schedule_route
from dispatch.routing.translate import EngineModel, to_engine


def solve(
    problem: DispatchProblem,
    *,
    time_limit: float = 1.0,
    seed: int = 1,
    engine: str = "auto",
    deterministic: bool = True,
) -> Plan:
    """Optimise the day: routes with times, lunch placement, totals and unassigned visits.

    Parameters
    ----------
    problem
        The day's problem (validated first).
    time_limit
        Search budget in seconds. With ``deterministic=True`` (default) the search stops on
        a work count scaled from this budget, so the same input and seed give the same
        plan; the wall clock then only guards (three times the budget).
    seed
        Random seed.
    engine
        ``auto`` (PyVRP when it can express the problem, else OR-Tools), ``ortools`` or
        ``pyvrp``.
    deterministic
        See ``time_limit``; ``False`` searches for exactly ``time_limit`` seconds.

    Returns
    -------
    Plan
        Checked by :func:`dispatch.routing.feasibility.check_plan` (``plan.feasible``).

    Raises
    ------
    InfeasibleProblem
        Malformed input (window ending before it starts, negative duration, unknown skill,
        pinned to an unknown technician, no travel times).
    """
    t0 = _time.perf_counter()
    if time_limit <= 0:
        msg = N_("time_limit must be positive, got {time_limit}.")
        raise InfeasibleProblem(msg, time_limit=time_limit)
    problem.validate()
    model = to_engine(problem)
    inst = model.inst
    res = engine_solve(
        inst, time_limit=time_limit, seed=seed, engine=engine, deterministic=deterministic, started=t0
    )
    # the engines' answers are feasible for our scheduler already (the portfolio repairs
    # them); insertions here stop with the budget, what is left out stays diagnosed
    # a budget too small for any plan (1 ms) is stretched to what a greedy day needs
    n = len(inst.jobs)
    deadline = t0 + max(0.5 * time_limit, 0.95 * time_limit - PLAN_S_PER_JOB * n, 2 * PLAN_S_PER_JOB * n)
    routes, dropped, not_worth = repair_routes(inst, res.routes, res.dropped, deadline=deadline)
    return _build_plan(problem, model, routes, dropped, engine=res.engine, t0=t0, not_worth=not_worth)


def _break_s(veh: EngineVehicle) -> int:
    """Lunch duration of a technician whose schedule places a lunch (so who has one)."""
    assert veh.brk is not None
    return veh.brk.duration


def _build_plan(
    problem: DispatchProblem,
    model: EngineModel,
    routes: list[list[int]],
    dropped: list[int],
    *,
    engine: str,
    t0: float,
    fixed: Mapping[str, tuple[Stop, ...]] | None = None,
    not_worth: set[int] | None = None,
) -> Plan:
    """The :class:`Plan` of engine routes: each route timed by our scheduler, each visit
    left out diagnosed, totals and objective, then checked by :func:`check_plan`."""
    inst = model.inst
    ds = problem.day_start
    out_routes = []
    objective: float = 0
    for v, route in enumerate(routes):
        tid = model.tech_ids[v]
        sch = schedule_route(inst, v, route)
        assert sch is not None  # the routes given were repaired: every one is feasible
        veh = inst.vehicles[v]
        stops = []
        prev = veh.start
        t = sch.departure
        travel: float = 0
        meters = 0.0
        for k, j in enumerate(route):
            loc = inst.jobs[j].loc
            leg = problem.travel_s(prev, loc)
            travel += leg
            meters += problem.travel_m(prev, loc)
            arr = sch.arrivals[k]
            st = sch.starts[k]
            no_break = 0 if sch.break_leg != k else _break_s(veh)
            stops.append(
                Stop(
                    visit=model.visit_ids[j],
                    arrival=ds + timedelta(seconds=arr),
                    start=ds + timedelta(seconds=st),
                    end=ds + timedelta(seconds=st + inst.jobs[j].service),
                    wait_s=int(max(0, st - t - leg - no_break)),
                    travel_s=int(leg),
                    distance_m=problem.travel_m(prev, loc),
                )
            )
            t = st + inst.jobs[j].service
            prev = loc
        if route:
            travel += problem.travel_s(prev, veh.end)
            meters += problem.travel_m(prev, veh.end)
            objective += travel + veh.fixed_cost
        bs = sch.break_start if route else None
        out_routes.append(
            Route(
                technician=tid,
                departure=ds + timedelta(seconds=sch.departure),
                return_time=ds + timedelta(seconds=sch.back),
                stops=tuple(stops),
                travel_s=int(travel),
                distance_m=meters,
                break_start=None if bs is None else ds + timedelta(seconds=bs),
                break_end=None if bs is None else ds + timedelta(seconds=bs + _break_s(veh)),
                break_after=None
                if bs is None or not sch.break_leg
                else model.visit_ids[route[sch.break_leg - 1]],
                fixed=(fixed or {}).get(tid, ()),
            )
        )
    unassigned = list(model.pre_unassigned)
    for j in dropped:
        reason = diagnose(inst, routes, j, not_worth or set())
        vis = next(v for v in problem.visits if v.id == model.visit_ids[j])
        unassigned.append(unassigned_visit(vis, reason))
    by_id = {v.id: v for v in problem.visits}
    objective += sum(by_id[u.visit].penalty for u in unassigned)
    draft = Plan(
        day=problem.day,
        day_start=ds,
        routes=tuple(out_routes),
        unassigned=tuple(unassigned),
        objective=int(objective),
        engine=engine,
        seconds=0.0,
        feasible=True,
    )
    report = check_plan(problem, draft)
    return replace(
        draft,
        feasible=report.ok,
        violations=report.violations,
        seconds=_time.perf_counter() - t0,
    )


def plan_from_routes(problem: DispatchProblem, routes: Mapping[str, Sequence[str]], *, engine: str = "given") -> Plan:
    """Schedule and check given routes (technician -> visit ids in order), e.g. a peer's answer.

    Routes that cannot be scheduled keep the visits that fit; the others are unassigned
    with their diagnosis.
    """
    t0 = _time.perf_counter()
    problem.validate()
    model = to_engine(problem)
    pos = {vid: j for j, vid in enumerate(model.visit_ids)}
    raw = [[pos[x] for x in routes.get(tid, ()) if x in pos] for tid in model.tech_ids]
    served = {j for r in raw for j in r}
    dropped = [j for j in range(len(model.visit_ids)) if j not in served]
    fixed_routes = [list(r) for r in raw]
    out = []
    for v, r in enumerate(fixed_routes):
        while r and not route_feasible(model.inst, v, r):
            dropped.append(r.pop())
        out.append(r)
    return _build_plan(problem, model, out, sorted(dropped), engine=engine, t0=t0)


# --------------------------------------------------------------------------- during the day


def reoptimize(
    problem: DispatchProblem,
    plan: Plan,
    *,
    now: datetime,
    positions: Mapping[str, GeoPoint | int] | None = None,
    done: Iterable[str] = (),
    in_progress: Mapping[str, str] | None = None,
    new_visits: Sequence[Mapping[str, Any]] = (),
    time_limit: float = 1.0,
    seed: int = 1,
) -> tuple[Plan, DispatchProblem]:
    """Re-plan the rest of the day from where the technicians are now.

    Parameters
    ----------
    problem, plan
        The morning's problem and plan.
    now
        The current time (aware).
    positions
        Technician id -> current position (GeoPoint, or matrix index). A technician with no
        position given starts from the place of their last finished visit (or their start).
    done
        Ids of visits already finished (removed from the problem).
    in_progress
        Technician id -> visit id being served now: fixed, the technician is free at its
        planned end (or now, if later) at that place.
    new_visits
        Keyword arguments of :meth:`DispatchProblem.add_visit` for new (urgent) visits.
    time_limit, seed
        As for :func:`solve`.

    Returns
    -------
    (Plan, DispatchProblem)
        The plan of the remaining visits (each route's ``fixed`` lists the visits done or in
        progress, in order) and the re-built problem it solves (technicians starting where
        and when they become free), against which it was checked.
    """
    now = problem.at(now)
    done = set(done)
    in_progress = dict(in_progress or {})
    positions = dict(positions or {})
    busy = set(in_progress.values())
    new = problem.copy()
    new.visits = [v for v in problem.visits if v.id not in done and v.id not in busy]
    by_visit = {v.id: v for v in problem.visits}
    fixed: dict[str, tuple[Stop, ...]] = {}
    techs = []
    for t in problem.technicians:
        route = plan.route_of(t.id)
        stops = route.stops if route else ()
        fixed_stops = tuple(s for s in stops if s.visit in done or in_progress.get(t.id) == s.visit)
        fixed[t.id] = fixed_stops
        free_at = now
        place = positions.get(t.id)
        if t.id in in_progress:
            vid = in_progress[t.id]
            st = next((s for s in stops if s.visit == vid), None)
            end = st.end if st is not None else now + timedelta(seconds=by_visit[vid].service_s)
            free_at = max(now, end)
            place = by_visit[vid].location
        elif place is None:
            last_done = [s for s in stops if s.visit in done]
            place = by_visit[last_done[-1].visit].location if last_done else t.start
        lunch = t.lunch
        if lunch is not None and route is not None and route.break_end is not None and route.break_end <= now:
            lunch = None  # already taken
        elif lunch is not None:
            early = max(lunch.earliest, free_at)
            lunch = None if early > lunch.latest else replace(lunch, earliest=early)
        shift_start = max(t.shift_start, free_at)
        if shift_start >= t.shift_end:
            shift_start = t.shift_end - timedelta(seconds=1)
        max_work = t.max_work_s
        if max_work is not None and route is not None and route.stops:
            spent = max(0.0, (shift_start - route.departure).total_seconds())
            max_work = max(1, int(max_work - spent))
        techs.append(
            replace(t, shift_start=shift_start, start=place, lunch=lunch, max_work_s=max_work)
        )
    new.technicians = techs
    new._cache = None
    for kw in new_visits:
        new.add_visit(**kw)
    # visits whose windows are already over cannot be served; still planned -> diagnosed
    t0 = _time.perf_counter()
    new.validate()
    model = to_engine(new)
    res = engine_solve(model.inst, time_limit=time_limit, seed=seed, engine="auto", deterministic=True)
    routes, dropped, not_worth = repair_routes(model.inst, res.routes, res.dropped)
    plan = _build_plan(
        new, model, routes, dropped, engine=res.engine, t0=t0, fixed=fixed, not_worth=not_worth
    )
    return plan, new


__all__ = ["plan_from_routes", "reoptimize", "solve"]
