"""Repair and diagnosis of an engine's answer under the product's scheduler.

:func:`repair_routes` drops what our scheduler cannot time and inserts whatever fits and
pays (cheapest first, :func:`best_insertion`); :func:`eject_insert` serves more visits by
one ejection; :func:`diagnose` gives the reason code of each visit still left out
(:data:`dispatch.routing.plan.REASONS`).
"""

from __future__ import annotations

import time as _time
from dataclasses import replace

from dispatch.routing._engine import EngineInput
from dispatch.routing.schedule import route_feasible, route_travel, windows_ok
from dispatch.routing.translate import UNREACHABLE_S


def best_insertion(inst: EngineInput, routes: list[list[int]], j: int) -> tuple[int, int, int] | None:
    """Cheapest feasible (extra cost, vehicle, position) to insert job ``j``; ``None`` if none."""
    job = inst.jobs[j]
    d = inst.durations
    here = job.loc
    cands: list[tuple[int, int, int]] = []
    for v, route in enumerate(routes):
        if job.allowed is not None and v not in job.allowed:
            continue
        veh = inst.vehicles[v]
        locs = [veh.start, *(inst.jobs[k].loc for k in route), veh.end]
        extra_fixed = veh.fixed_cost if not route else 0
        positions = [job.position] if job.position is not None else range(len(route) + 1)
        for p in positions:
            if p > len(route):
                continue
            a, b = locs[p], locs[p + 1]  # the detour through the job, between a and b
            cands.append((int(d[a][here] + d[here][b] - d[a][b]) + extra_fixed, v, p))
    cands.sort()
    for delta, v, p in cands:
        route = routes[v]
        cand = [*route[:p], j, *route[p:]]
        if windows_ok(inst, v, cand) and route_feasible(inst, v, cand):
            return (delta, v, p)
    return None


def repair_routes(
    inst: EngineInput, routes: list[list[int]], dropped: list[int], *, deadline: float | None = None
) -> tuple[list[list[int]], list[int], set[int]]:
    """Make every route feasible under our own scheduler, then insert what fits and pays.

    Returns the routes, the jobs still left out, and those of them that could have been
    inserted but cost more than their penalty. After ``deadline`` (``time.perf_counter``)
    no more insertions are tried: the routes are feasible, the rest stays left out.
    """
    routes = [list(r) for r in routes]
    removed = list(dropped)
    for v, route in enumerate(routes):
        while route and not route_feasible(inst, v, route):
            # drop the visit whose removal helps most (cheapest penalty first)
            k = min(range(len(route)), key=lambda i: inst.jobs[route[i]].penalty)
            removed.append(route.pop(k))
    still, not_worth = [], set()
    for j in sorted(removed, key=lambda j: -inst.jobs[j].penalty):
        if deadline is not None and _time.perf_counter() > deadline:
            still.append(j)
            continue
        ins = best_insertion(inst, routes, j)
        if ins is not None and ins[0] < inst.jobs[j].penalty:
            routes[ins[1]].insert(ins[2], j)
        else:
            still.append(j)
            if ins is not None:
                not_worth.add(j)
    return routes, sorted(still), not_worth


def greedy_routes(inst: EngineInput) -> list[list[int]]:
    """A day built by cheapest insertions from empty routes, every visit tried (no clock: the
    floor a search starts from, :func:`repair_routes` without a deadline)."""
    return repair_routes(inst, [[] for _ in inst.vehicles], list(range(len(inst.jobs))))[0]


def routes_cost(inst: EngineInput, routes: list[list[int]]) -> int:
    """Travel plus fixed costs of the technicians used (:meth:`EngineInput.route_cost`)."""
    return sum(inst.route_cost(v, r) for v, r in enumerate(routes))


def eject_insert(
    inst: EngineInput,
    routes: list[list[int]],
    dropped: list[int],
    *,
    max_checks: int = 40_000,
    deadline: float | None = None,
) -> tuple[list[list[int]], list[int]]:
    """Serve more visits by one ejection: a left-out visit takes the place of a served one,
    which moves to another route (or the same one elsewhere).

    For each left-out job (highest penalty first), each technician allowed to serve it and
    each visit of that technician's route: remove the visit, insert the job at its cheapest
    feasible place in that route, then re-insert the removed visit at its cheapest feasible
    place anywhere. The first success is applied, when the extra travel (and fixed cost)
    is below the job's penalty. The search stops after ``max_checks``
    route evaluations (a work count, so the result is repeatable), or at ``deadline``
    (``time.perf_counter``) if that comes first.
    """
    routes = [list(r) for r in routes]
    still = list(dropped)
    checks = 0
    progress = True
    while progress and still and checks < max_checks:
        progress = False
        for j in sorted(still, key=lambda j: (-inst.jobs[j].penalty, j)):
            job = inst.jobs[j]
            if job.position is not None:
                continue
            done = False
            for v, route in enumerate(routes):
                if done or checks >= max_checks:
                    break
                if job.allowed is not None and v not in job.allowed:
                    continue
                for i, k in enumerate(route):
                    if inst.jobs[k].position is not None or inst.jobs[k].penalty > job.penalty:
                        continue
                    rest = [*route[:i], *route[i + 1 :]]
                    trial = [*routes[:v], rest, *routes[v + 1 :]]
                    checks += len(rest) + 1
                    ins = None
                    for p in range(len(rest) + 1):
                        cand = [*rest[:p], j, *rest[p:]]
                        if windows_ok(inst, v, cand) and route_feasible(inst, v, cand):
                            ins = cand
                            break
                    if ins is None:
                        continue
                    trial[v] = ins
                    checks += sum(len(r) + 1 for r in trial)
                    back = best_insertion(inst, trial, k)
                    if back is None:
                        continue
                    trial[back[1]].insert(back[2], k)
                    if routes_cost(inst, trial) - routes_cost(inst, routes) >= job.penalty:
                        continue  # an optional visit not worth its detour
                    routes = trial
                    still.remove(j)
                    done = progress = True
                    break
            if checks >= max_checks or (deadline is not None and _time.perf_counter() > deadline):
                checks = max_checks
                break
    return routes, sorted(still)


# --------------------------------------------------------------------------- diagnosis


def diagnose(inst: EngineInput, routes: list[list[int]], j: int, not_worth: set[int]) -> str:
    """The reason code (:data:`dispatch.routing.plan.REASONS`) of job ``j`` left out of
    ``routes``; ``not_worth``: the jobs that fit but cost more than their penalty."""
    job = inst.jobs[j]
    able = [v for v in range(len(inst.vehicles)) if job.allowed is None or v in job.allowed]
    if all(
        inst.durations[inst.vehicles[v].start][job.loc] >= UNREACHABLE_S
        or inst.durations[job.loc][inst.vehicles[v].end] >= UNREACHABLE_S
        for v in able
    ):
        return "unreachable"
    probe = inst if job.position is None else replace(
        inst, jobs=[*inst.jobs[:j], replace(job, position=None), *inst.jobs[j + 1 :]]
    )
    alone_ok = [v for v in able if route_feasible(probe, v, [j])]
    if not alone_ok:
        return "window_unreachable"
    if job.position is not None:
        return "pinned_conflict"
    if j in not_worth:
        return "not_worth"
    # workload: services + shortest access vs shift time left
    demand = sum(inst.jobs[k].service for r in routes for k in r) + job.service
    capacity = 0
    for v, veh in enumerate(inst.vehicles):
        cap = veh.tw_late - veh.tw_early - (veh.brk.duration if veh.brk else 0)
        if veh.max_span is not None:
            cap = min(cap, veh.max_span)
        capacity += cap - route_travel(inst, v, routes[v])
    if demand > 0.85 * capacity:
        return "over_capacity"
    pinned_here = any(inst.jobs[k].position is not None for v in alone_ok for k in routes[v])
    if pinned_here and len(alone_ok) == 1:
        return "pinned_conflict"
    return "window_conflict"


__all__ = ["best_insertion", "diagnose", "eject_insert", "greedy_routes", "repair_routes", "routes_cost"]
