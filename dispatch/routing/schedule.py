"""The product's own scheduler: times of a route, lunch placement, late departure.

Every route an engine proposes is re-timed here (:func:`schedule_route`) and accepted only
when it fits (:func:`route_feasible`): windows (waiting allowed), the shift, the lunch
break (taken on the way or while waiting) and the working-time limit. Plans are built from
these schedules, never from an engine's own times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dispatch.routing._engine import EngineInput


@dataclass(frozen=True)
class Schedule:
    """Times of a route in seconds since midnight: departure, return, arrival and service
    start of each stop, and where the lunch goes."""

    departure: int
    back: int
    arrivals: tuple[int, ...]
    starts: tuple[int, ...]
    break_start: int | None
    break_leg: int | None  # lunch on the leg arriving at stop k (len(route) = way back)


def _simulate(inst: EngineInput, v: int, route: Sequence[int], depart: int, leg_of_break: int | None) -> Schedule | None:
    """Forward pass leaving at ``depart`` with the lunch on leg ``leg_of_break`` (windows and
    shift end checked, not the span); ``None`` if infeasible."""
    veh = inst.vehicles[v]
    dur = inst.durations
    jobs = inst.jobs
    t = depart
    prev = veh.start
    arrivals: list[int] = []
    starts: list[int] = []
    bstart = None
    n = len(route)
    for k in range(n + 1):
        loc = jobs[route[k]].loc if k < n else veh.end
        leg = dur[prev][loc]
        if leg_of_break == k:
            b = veh.brk
            assert b is not None  # a lunch leg is only tried for a vehicle with a break
            s = t if t > b.early else b.early
            if s > b.late:
                return None
            bstart = s
            ready = (t + leg if t + leg > b.early else b.early) + b.duration
        else:
            ready = t + leg
        if k == n:
            if ready > veh.tw_late:
                return None
            return Schedule(depart, ready, tuple(arrivals), tuple(starts), bstart, leg_of_break)
        start = None
        for a, bb in jobs[route[k]].windows:
            if ready <= bb:
                start = ready if ready > a else a
                break
        if start is None:
            return None
        arrivals.append(ready)
        starts.append(start)
        t = start + jobs[route[k]].service
        prev = loc
    return None  # pragma: no cover


def _best_at(inst: EngineInput, v: int, route: Sequence[int], depart: int) -> Schedule | None:
    """Earliest-return schedule leaving at ``depart`` over every lunch position."""
    veh = inst.vehicles[v]
    if veh.brk is None or not route:
        return _simulate(inst, v, route, depart, None)
    # no lunch needed when the technician is back before the lunch window opens
    best = _simulate(inst, v, route, depart, None)
    if best is not None and best.back > veh.brk.early:
        best = None
    for leg in range(len(route) + 1):
        s = _simulate(inst, v, route, depart, leg)
        if s is not None and (best is None or s.back < best.back):
            best = s
    return best


def _span(inst: EngineInput, v: int, s: Schedule) -> int:
    veh = inst.vehicles[v]
    return s.back - s.departure - (veh.brk.duration if veh.brk is not None else 0)


def _latest(inst: EngineInput, v: int, route: Sequence[int], lo: Schedule, ok: Callable[[Schedule], bool]) -> Schedule:
    """Latest departure whose schedule satisfies ``ok`` (binary search; ``lo`` satisfies it)."""
    a, b = lo.departure, inst.vehicles[v].tw_late
    best = lo
    while b - a > 1:
        mid = (a + b) // 2
        s = _best_at(inst, v, route, mid)
        if s is not None and ok(s):
            a, best = mid, s
        else:
            b = mid
    return best


def schedule_route(inst: EngineInput, v: int, route: Sequence[int]) -> Schedule | None:
    """Earliest-return schedule of a route, leaving as late as that allows; ``None`` if infeasible.

    The lunch goes on the leg that gives the earliest return; the departure is then pushed
    as late as possible without delaying the return (less waiting at the first visit). With
    a working-time limit, if that schedule is too long the departure is pushed to the latest
    feasible one (the shortest span).
    """
    veh = inst.vehicles[v]
    if not route:
        return Schedule(veh.tw_early, veh.tw_early, (), (), None, None)
    first = _best_at(inst, v, route, veh.tw_early)
    if first is None:
        return None
    best = _latest(inst, v, route, first, lambda s: s.back <= first.back)
    if veh.max_span is None or _span(inst, v, best) <= veh.max_span:
        return best
    last = _latest(inst, v, route, best, lambda s: True)
    return last if _span(inst, v, last) <= veh.max_span else None


def route_feasible(inst: EngineInput, v: int, route: Sequence[int]) -> bool:
    """Whether vehicle ``v`` may serve ``route`` (allowed vehicles, pinned positions) and our
    scheduler can time it."""
    veh = inst.vehicles[v]
    if not route:
        return True
    for pos, j in enumerate(route):
        job = inst.jobs[j]
        if job.allowed is not None and v not in job.allowed:
            return False
        if job.position is not None and job.position != pos:
            return False
    first = _best_at(inst, v, route, veh.tw_early)
    if first is None:
        return False
    if veh.max_span is None or _span(inst, v, first) <= veh.max_span:
        return True
    return schedule_route(inst, v, route) is not None


def windows_ok(inst: EngineInput, v: int, route: Sequence[int]) -> bool:
    """Cheap necessary condition: windows and shift end without lunch nor span."""
    return _simulate(inst, v, route, inst.vehicles[v].tw_early, None) is not None


def route_travel(inst: EngineInput, v: int, route: Sequence[int]) -> int:
    """Travel time of vehicle ``v`` from its start through ``route`` to its end."""
    veh = inst.vehicles[v]
    locs = [veh.start, *(inst.jobs[j].loc for j in route), veh.end]
    return sum(inst.durations[a][b] for a, b in zip(locs, locs[1:], strict=False))


__all__ = ["Schedule", "route_feasible", "route_travel", "schedule_route", "windows_ok"]
