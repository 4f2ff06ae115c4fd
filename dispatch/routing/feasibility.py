"""Independent feasibility checker, in plain Python (no solver imported).

Every plan the product returns is verified here from first principles: the checker reads
the problem's own data (windows, shifts, breaks, skills, matrix) and recomputes what it
needs; it never trusts a number computed by an engine. Tests use it on every solve.

* :func:`check_plan` verifies a :class:`dispatch.routing.plan.Plan` against its
  :class:`dispatch.routing.problem.DispatchProblem`.
* :func:`check_vrptw` verifies VRPTW routes against a Solomon instance under a cost
  convention (``exact`` or ``dimacs``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from dispatch.routing.plan import Plan
from dispatch.routing.problem import DispatchProblem
from dispatch.routing.vrptw_instance import VrptwInstance

#: Slack (seconds) allowed between a plan's reported times and the recomputed ones.
TOLERANCE_S = 1.0


@dataclass(frozen=True)
class CheckReport:
    """Outcome of a check: ``ok`` and the list of violations (empty when ok)."""

    ok: bool
    violations: tuple[str, ...]

    def __bool__(self) -> bool:
        return self.ok


def _report(violations: list[str]) -> CheckReport:
    return CheckReport(ok=not violations, violations=tuple(violations))


def check_vrptw(
    inst: VrptwInstance,
    routes: list[list[int]],
    *,
    convention: str = "exact",
    fleet: int | None = None,
) -> CheckReport:
    """Check VRPTW routes (customer ids, depot omitted).

    Verifies: each customer at most once (exactly once when the fleet is unlimited), known
    ids, capacity, service start no later than the due date (waiting allowed), return to the
    depot by its due date, and the fleet cap. Times follow the convention: ``dimacs`` uses
    arcs truncated to one decimal in exact integer tenths; ``exact`` uses double precision
    with a 1e-6 tolerance.
    """
    v: list[str] = []
    n = len(inst.x)
    seen: dict[int, int] = {}
    if fleet is not None and sum(1 for r in routes if r) > fleet:
        v.append(f"{sum(1 for r in routes if r)} routes used, fleet is {fleet}")
    if convention == "dimacs":
        scale = 10

        def arc(a: int, b: int) -> float:
            return math.floor(10 * inst.euclid(a, b) + 1e-9)

        eps = 0.0
    else:
        scale = 1

        def arc(a: int, b: int) -> float:
            return inst.euclid(a, b)

        eps = 1e-6
    for k, route in enumerate(routes):
        load = 0
        t = inst.ready[0] * scale
        prev = 0
        for c in route:
            if not (1 <= c < n):
                v.append(f"route {k}: unknown customer {c}")
                continue
            seen[c] = seen.get(c, 0) + 1
            load += inst.demand[c]
            t = max(t + arc(prev, c), inst.ready[c] * scale)
            if t > inst.due[c] * scale + eps:
                v.append(f"route {k}: customer {c} starts at {t / scale:.3f} after due {inst.due[c]}")
            t += inst.service[c] * scale
            prev = c
        if route:
            t += arc(prev, 0)
            if t > inst.due[0] * scale + eps:
                v.append(f"route {k}: back at depot at {t / scale:.3f} after {inst.due[0]}")
        if load > inst.capacity:
            v.append(f"route {k}: load {load} exceeds capacity {inst.capacity}")
    for c, count in seen.items():
        if count > 1:
            v.append(f"customer {c} visited {count} times")
    if fleet is None:
        missing = [c for c in range(1, n) if c not in seen]
        if missing:
            v.append(f"{len(missing)} customers not served with an unlimited fleet: {missing[:10]}")
    return _report(v)


def _secs(plan: Plan, value: datetime) -> float:
    """Seconds since the plan's day start of a datetime."""
    return (value - plan.day_start).total_seconds()


def check_plan(problem: DispatchProblem, plan: Plan) -> CheckReport:
    """Check a day's plan against its problem, from the problem's own data.

    Verifies: every visit exactly once (served or unassigned, never both), each served visit
    by a technician that has its skills and is its pinned technician, at its pinned
    position, its service start inside one of its windows, arrivals consistent with the
    travel-time matrix and the previous end (waiting allowed, never teleporting), services
    of the announced duration, the lunch break of the announced duration inside its window
    and overlapping no service, departure and return inside the shift, working time under
    the maximum, and the plan's reported travel totals equal to the matrix's.
    """
    v: list[str] = []
    tol = TOLERANCE_S
    visits = {vis.id: vis for vis in problem.visits}
    techs = {t.id: t for t in problem.technicians}
    count: dict[str, int] = {}
    for route in plan.routes:
        tech = techs.get(route.technician)
        if tech is None:
            v.append(f"route of unknown technician {route.technician!r}")
            continue
        if not route.stops:
            continue
        shift_a = problem.seconds(tech.shift_start)
        shift_b = problem.seconds(tech.shift_end)
        depart = _secs(plan, route.departure)
        back = _secs(plan, route.return_time)
        if depart < shift_a - tol:
            v.append(f"{tech.id}: leaves at {depart:.0f}s before shift start {shift_a}s")
        if back > shift_b + tol:
            v.append(f"{tech.id}: returns at {back:.0f}s after shift end {shift_b}s")
        prev_loc = problem.location_index(("tech_start", tech.id))
        t = depart
        travel_s = 0.0
        travel_m = 0.0
        busy: list[tuple[float, float]] = []
        gaps: list[tuple[float, float, float]] = []  # (from, to, travel inside)
        for pos, stop in enumerate(route.stops):
            vis = visits.get(stop.visit)
            if vis is None:
                v.append(f"{tech.id}: unknown visit {stop.visit!r}")
                continue
            count[vis.id] = count.get(vis.id, 0) + 1
            if not vis.skills <= tech.skills:
                v.append(f"{vis.id}: needs {sorted(vis.skills - tech.skills)} that {tech.id} lacks")
            if vis.pinned_technician is not None and vis.pinned_technician != tech.id:
                v.append(f"{vis.id}: pinned to {vis.pinned_technician}, served by {tech.id}")
            if vis.pinned_position is not None and vis.pinned_position != pos:
                v.append(f"{vis.id}: pinned at position {vis.pinned_position}, served at {pos}")
            loc = problem.location_index(("visit", vis.id))
            leg = problem.travel_s(prev_loc, loc)
            travel_s += leg
            travel_m += problem.travel_m(prev_loc, loc)
            arrival = _secs(plan, stop.arrival)
            start = _secs(plan, stop.start)
            end = _secs(plan, stop.end)
            if not math.isfinite(leg):
                v.append(f"{vis.id}: unreachable from the previous stop of {tech.id}")
            if arrival < t + leg - tol:
                v.append(f"{vis.id}: arrives at {arrival:.0f}s, earliest possible {t + leg:.0f}s")
            if start < arrival - tol:
                v.append(f"{vis.id}: starts before arriving")
            if abs((end - start) - vis.service_s) > tol:
                v.append(f"{vis.id}: service of {end - start:.0f}s, expected {vis.service_s}s")
            wins = [(problem.seconds(a), problem.seconds(b)) for a, b in vis.windows]
            if not any(a - tol <= start <= b + tol for a, b in wins):
                v.append(f"{vis.id}: starts at {start:.0f}s outside its windows {wins}")
            busy.append((start, end))
            gaps.append((t, start, leg))
            t = end
            prev_loc = loc
        end_loc = problem.location_index(("tech_end", tech.id))
        leg = problem.travel_s(prev_loc, end_loc)
        travel_s += leg
        travel_m += problem.travel_m(prev_loc, end_loc)
        gaps.append((t, back, leg))
        if back < t + leg - tol:
            v.append(f"{tech.id}: back at {back:.0f}s, earliest possible {t + leg:.0f}s")
        if tech.lunch is not None:
            if route.break_start is None:
                if back > problem.seconds(tech.lunch.earliest) + tol:
                    v.append(f"{tech.id}: no lunch break although back after its window opens")
            else:
                bs = _secs(plan, route.break_start)
                assert route.break_end is not None  # a plan's lunch has a start and an end
                be = _secs(plan, route.break_end)
                lo = problem.seconds(tech.lunch.earliest)
                hi = problem.seconds(tech.lunch.latest)
                if not (lo - tol <= bs <= hi + tol):
                    v.append(f"{tech.id}: lunch starts at {bs:.0f}s outside [{lo}, {hi}]")
                if abs((be - bs) - tech.lunch.duration_s) > tol:
                    v.append(f"{tech.id}: lunch of {be - bs:.0f}s, expected {tech.lunch.duration_s}s")
                if bs < depart - tol or be > back + tol:
                    v.append(f"{tech.id}: lunch outside the working day")
                # the lunch lies in one gap between services, which must hold the leg's
                # travel and the lunch (it may be taken on the way, or while waiting)
                host = [g for g in gaps if g[0] - tol <= bs and be <= g[1] + tol]
                if not host:
                    v.append(f"{tech.id}: lunch overlaps a service")
                elif host[0][1] - host[0][0] < host[0][2] + tech.lunch.duration_s - tol:
                    v.append(f"{tech.id}: no room for the lunch break and the travel of its leg")
        if tech.max_work_s is not None:
            work = back - depart - (tech.lunch.duration_s if tech.lunch else 0)
            if work > tech.max_work_s + tol:
                v.append(f"{tech.id}: works {work:.0f}s, maximum {tech.max_work_s}s")
        if abs(travel_s - route.travel_s) > tol * (len(route.stops) + 1):
            v.append(f"{tech.id}: reports {route.travel_s}s of travel, matrix gives {travel_s:.0f}s")
        if abs(travel_m - route.distance_m) > 1.0 * (len(route.stops) + 1):
            v.append(f"{tech.id}: reports {route.distance_m} m, matrix gives {travel_m:.0f} m")
    for u in plan.unassigned:
        if u.visit not in visits:
            v.append(f"unassigned unknown visit {u.visit!r}")
        count[u.visit] = count.get(u.visit, 0) + 1
    for vid in visits:
        c = count.get(vid, 0)
        if c != 1:
            v.append(f"{vid}: appears {c} times in the plan (served + unassigned)")
    return _report(v)


__all__ = ["TOLERANCE_S", "CheckReport", "check_plan", "check_vrptw"]
