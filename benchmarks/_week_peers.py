"""The week as one PyVRP model: the multi-day peer of ``benchmarks/bench_week.py`` (benchmark-only code).

One :class:`pyvrp.ProblemData` for the whole week, built from the same integer day models
the product solves (:func:`dispatch.routing.translate.to_engine` of each day with every
request it allows: the same road matrices, services, windows and skills):

* one time axis: day ``k`` of the horizon is offset by ``k x`` :data:`DAY_OFFSET_S` (two
  days, since a shift may end after midnight); each day's places are their own locations,
  travel between two days' places costs :data:`CROSS_DAY` (never used: the windows forbid it);
* each technician-day is a vehicle type (one vehicle) with its shift window on that axis,
  its start and end depots, its ``max_work`` as PyVRP's shift duration;
* a request is a client group (optional, mutually exclusive) of one client per allowed day
  and window, each with the request's penalty as prize; a booked visit is a required client
  (a required group when it has several windows) whose windows lie on its own day only;
* skills as PyVRP profiles: for each technician, arriving at a client it may not serve
  costs :data:`FORBIDDEN` (as the product's own PyVRP day model does);
* the lunch: PyVRP has no break, so each technician-day gets a required group of "lunch
  spots" (clients of the lunch's duration and window, its own only): its start and end and
  the places of the :data:`LUNCH_SPOTS` visits whose windows lie nearest the lunch window
  (the product's day model does the same with up to 20). An approximation: a lunch taken
  elsewhere than at a spot costs PyVRP a detour the product's schedule does not make;
* objective: drive seconds (PyVRP's "distance" matrix carries the drive seconds), prizes
  of requests left out, PyVRP's defaults otherwise (``pyvrp.solve``, MaxRuntime).

Every answer is re-scheduled day by day by the product (:func:`dispatch.routing.plan_from_routes`,
lunch placed by the product's scheduler, then :func:`~dispatch.routing.check_plan`), as
``bench_days.py`` does for its peers: a route that cannot be scheduled drops its last
visits there, so a peer answer infeasible for the product's rules is counted as such
(fewer requests placed, or a booked visit lost). Measured on two bench weeks at 1 s a day:
with no lunch client (the shift shortened by the lunch instead) PyVRP's answers lost 9 and
11 visits in that check (booked ones among them); with 4, 8 or 20 spots none; 8 kept
(20: fewer requests placed at 1x, 4: more driving at 10x).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

from dispatch.routing import plan_from_routes
from dispatch.routing._pyvrp_day import lunch_places
from dispatch.routing.plan import Plan
from dispatch.routing.problem import DispatchProblem
from dispatch.routing.translate import EngineModel, to_engine
from dispatch.routing.week import (
    WeekRequest,
    _allowed,
    _can_serve,
    _full_day,
    _protect_booked,
)

#: Offset of day ``k`` of the horizon on the week's time axis (seconds).
DAY_OFFSET_S = 2 * 86_400
#: Travel cost and duration between two days' places (never travelled: windows forbid it).
CROSS_DAY = 10_000_000
#: Extra cost of arriving at a client the technician may not serve (skills).
FORBIDDEN = 10**9
#: Lunch spots per technician-day besides its start and end
#: (see :func:`dispatch.routing._pyvrp_day.lunch_places`).
LUNCH_SPOTS = 8



@dataclass(frozen=True)
class PeerWeek:
    """A peer's week, checked by the product.

    ``days``: each day's plan from :func:`plan_from_routes` (the product's schedule and
    checker); ``raw_placed``: requests the peer served before the check; ``seconds``: the
    peer's wall clock (building its model included, checking excluded).
    """

    days: Mapping[date, Plan]
    placed: Mapping[str, tuple[date, str]]
    raw_placed: int
    booked_lost: int
    seconds: float
    feasible_raw: bool

    @property
    def total_travel_min(self) -> float:
        return sum(p.total_travel_min for p in self.days.values())


def _day_models(
    days: Mapping[date, DispatchProblem], requests: Sequence[WeekRequest]
) -> tuple[list[date], dict[date, DispatchProblem], dict[date, EngineModel]]:
    horizon = sorted(days)
    full: dict[date, DispatchProblem] = {}
    models: dict[date, EngineModel] = {}
    for d in horizon:
        cands = [r for r in requests if d in _allowed(r, horizon) and _can_serve(days[d], r)]
        full[d] = _full_day(days[d], cands)
        models[d] = to_engine(full[d])
    return horizon, full, models


def pyvrp_week(
    days: Mapping[date, DispatchProblem],
    requests: Sequence[WeekRequest],
    *,
    budget: float,
    seed: int = 1,
    lunch_spots: int = LUNCH_SPOTS,
) -> PeerWeek:
    """The week as one PyVRP model, solved for ``budget`` seconds in all (model building
    included: PyVRP gets what is left), then checked day by day by the product.

    ``lunch_spots``: places offered for each technician-day's lunch besides its start and
    end (0: no lunch client, the shift shortened by the lunch instead)."""
    t0 = time.perf_counter()
    horizon, full, models = _day_models(days, requests)
    request_ids = {r.id for r in requests}
    # locations: every day's depots first (PyVRP wants depots first), then every day's jobs
    depot_loc: list[tuple[int, int]] = []  # (day k, base index)
    depot_of: dict[tuple[int, int], int] = {}
    for k, d in enumerate(horizon):
        for veh in models[d].inst.vehicles:
            for b in (veh.start, veh.end):
                if (k, b) not in depot_of:
                    depot_of[k, b] = len(depot_loc)
                    depot_loc.append((k, b))
    loc_base: list[tuple[int, int]] = list(depot_loc)
    clients: list[pyvrp.Client] = []
    client_job: list[tuple[int, int]] = []  # (day k, job j)
    client_tech_ok: list[frozenset[str] | None] = []
    groups: list[pyvrp.ClientGroup] = []
    group_members: dict[str, list[int]] = {}
    booked_multi: dict[str, list[int]] = {}
    for k, d in enumerate(horizon):
        inst, model = models[d].inst, models[d]
        off = k * DAY_OFFSET_S
        for j, job in enumerate(inst.jobs):
            vid = model.visit_ids[j]
            loc = len(loc_base)
            loc_base.append((k, job.loc))
            ok = None if job.allowed is None else frozenset(model.tech_ids[v] for v in job.allowed)
            is_request = vid in request_ids
            for a, b in job.windows:
                cid = len(clients)
                clients.append(
                    pyvrp.Client(
                        loc, service_duration=int(job.service), tw_early=off + int(a), tw_late=off + int(b),
                        prize=int(job.penalty) if is_request else 0, required=False,
                    )
                )
                client_job.append((k, j))
                client_tech_ok.append(ok)
                (group_members if is_request else booked_multi).setdefault(vid, []).append(cid)
    # groups: every request's clients (optional, one at most); booked visits required
    group_of: dict[int, int] = {}
    for members in group_members.values():
        for c in members:
            group_of[c] = len(groups)
        groups.append(pyvrp.ClientGroup(members, required=False))
    for members in booked_multi.values():
        if len(members) > 1:
            for c in members:
                group_of[c] = len(groups)
            groups.append(pyvrp.ClientGroup(members, required=True))
    single_booked = {ms[0] for ms in booked_multi.values() if len(ms) == 1}
    clients = [
        pyvrp.Client(
            c.location, service_duration=c.service_duration, tw_early=c.tw_early, tw_late=c.tw_late,
            prize=c.prize, required=i in single_booked, group=group_of.get(i),
        )
        for i, c in enumerate(clients)
    ]
    # lunch: a required group per technician-day of "lunch spots" (its start and end, and
    # the places of the visits whose windows are nearest the lunch window), its own only
    for k, d in enumerate(horizon):
        m = models[d]
        off = k * DAY_OFFSET_S
        for v, veh in enumerate(m.inst.vehicles):
            if veh.brk is None or not lunch_spots:
                continue
            members = []
            for b in lunch_places(m.inst, v, cap=lunch_spots):
                members.append(len(clients))
                clients.append(
                    pyvrp.Client(
                        len(loc_base), service_duration=veh.brk.duration, tw_early=off + veh.brk.early,
                        tw_late=off + veh.brk.late, required=False, group=len(groups),
                    )
                )
                loc_base.append((k, b))
                client_job.append((k, -1))
                client_tech_ok.append(frozenset({m.tech_ids[v]}))
            groups.append(pyvrp.ClientGroup(members, required=True))
    # one matrix: each day's block from its own integer matrix, CROSS_DAY between days
    n = len(loc_base)
    day_of = np.asarray([k for k, _ in loc_base])
    base = np.asarray([b for _, b in loc_base])
    dur = np.full((n, n), CROSS_DAY, dtype=np.int64)
    for k, d in enumerate(horizon):
        idx = np.flatnonzero(day_of == k)
        mat = np.asarray(models[d].inst.durations, dtype=np.int64)
        dur[np.ix_(idx, idx)] = mat[np.ix_(base[idx], base[idx])]
    np.fill_diagonal(dur, 0)
    # profiles: one per technician id (skills); vehicle types: one per technician-day
    n_dep = len(depot_loc)
    tech_ids = sorted({t for m in models.values() for t in m.tech_ids})
    profile: dict[str, int] = {}
    dist_mats: list[Any] = []
    dur_mats: list[Any] = []
    for t in tech_ids:
        forbid = np.zeros(n, dtype=bool)
        for c, ok in enumerate(client_tech_ok):
            if ok is not None and t not in ok:
                forbid[clients[c].location] = True
        cost = dur
        if forbid.any():
            cost = dur.copy()
            cost[:, forbid] += FORBIDDEN
            np.fill_diagonal(cost, 0)
        profile[t] = len(dist_mats)
        dist_mats.append(cost)
        dur_mats.append(dur)
    vtypes: list[pyvrp.VehicleType] = []
    vehicle_of: list[tuple[date, str]] = []
    for k, d in enumerate(horizon):
        m = models[d]
        off = k * DAY_OFFSET_S
        for v, veh in enumerate(m.inst.vehicles):
            span = veh.tw_late - veh.tw_early
            lunch = veh.brk.duration if veh.brk is not None else 0
            if veh.max_span is not None:
                span = min(span, veh.max_span + (lunch if lunch_spots else 0))
            if not lunch_spots:
                span -= lunch  # no spots: the lunch's time kept free (approximation)
            vtypes.append(
                pyvrp.VehicleType(
                    1, start_depot=depot_of[k, veh.start], end_depot=depot_of[k, veh.end],
                    tw_early=off + veh.tw_early, tw_late=off + veh.tw_late, shift_duration=max(0, span),
                    profile=profile[m.tech_ids[v]], name=f"{d}:{m.tech_ids[v]}",
                )
            )
            vehicle_of.append((d, m.tech_ids[v]))
    locations = [pyvrp.Location(0, 0) for _ in range(n)]
    depots = [pyvrp.Depot(i) for i in range(n_dep)]
    data = pyvrp.ProblemData(locations, clients, depots, vtypes, dist_mats, dur_mats, groups)
    left = max(0.05, budget - (time.perf_counter() - t0))
    res = pyvrp.solve(data, stop=MaxRuntime(left), seed=seed, collect_stats=False, display=False)
    sol = res.best
    routes: dict[date, dict[str, list[str]]] = {d: {} for d in horizon}
    raw = 0
    for route in sol.routes():
        d, tech = vehicle_of[route.vehicle_type()]
        ids = []
        for act in route:
            if not act.is_client():
                continue
            k, j = client_job[act.idx]
            if j < 0:
                continue  # a lunch spot
            vid = models[horizon[k]].visit_ids[j]
            ids.append(vid)
            raw += vid in request_ids
        routes[d][tech] = ids
    seconds = time.perf_counter() - t0
    # the product's check, day by day: booked visits and the requests the peer put there
    plans: dict[date, Plan] = {}
    placed: dict[str, tuple[date, str]] = {}
    lost = 0
    for d in horizon:
        chosen = {v for r in routes[d].values() for v in r if v in request_ids}
        booked = {v.id for v in days[d].visits}
        problem = full[d].copy()
        problem.visits = [v for v in full[d].visits if v.id in booked or v.id in chosen]
        _protect_booked(problem, chosen)
        plan = plan_from_routes(problem, routes[d], engine="pyvrp-week")
        plans[d] = plan
        lost += sum(1 for u in plan.unassigned if u.visit in booked)
        for r in plan.routes:
            for s in r.stops:
                if s.visit in request_ids:
                    placed[s.visit] = (d, r.technician)
    return PeerWeek(
        days=plans, placed=placed, raw_placed=raw, booked_lost=lost, seconds=seconds,
        feasible_raw=bool(sol.is_feasible()),
    )


__all__ = ["CROSS_DAY", "DAY_OFFSET_S", "FORBIDDEN", "PeerWeek", "pyvrp_week"]
