"""The independent checker: accepts real plans, catches every kind of tampering."""

from __future__ import annotations

import ast
import inspect
from dataclasses import replace
from datetime import timedelta

import pytest

import dispatch.routing.feasibility as feasibility
from dispatch.routing import Unassigned, solve
from dispatch.routing.feasibility import check_plan, check_vrptw
from dispatch.routing.vrptw_instance import read_bks, read_sol, read_vrptw, route_cost
from tests.routing.test_routing import problem


@pytest.fixture(scope="module")
def day():
    """A two-technician day with lunch and skills, solved once."""
    p = problem()
    p.add_technician("a", shift=("08:00", "17:00"), lunch=(30, "11:30", "13:00"), skills={"pc", "mac"})
    p.add_technician("b", shift=("08:00", "17:00"), lunch=(30, "11:30", "13:00"), skills={"pc"})
    p.add_visit("v1", location=1, windows=[("08:00", "10:00")], service_min=60)
    p.add_visit("v2", location=2, windows=[("10:00", "12:00")], service_min=60, skills={"mac"})
    p.add_visit("v3", location=3, windows=[("13:00", "15:00")], service_min=60)
    p.add_visit("v4", location=1, windows=[("14:00", "16:00")], service_min=45)
    plan = solve(p, time_limit=0.3)
    assert not plan.unassigned
    return p, plan


def _edit_stop(plan, tech, k, **changes):
    routes = []
    for r in plan.routes:
        if r.technician == tech:
            stops = list(r.stops)
            stops[k] = replace(stops[k], **changes)
            r = replace(r, stops=tuple(stops))
        routes.append(r)
    return replace(plan, routes=tuple(routes))


def _busy_route(plan):
    return max(plan.routes, key=lambda r: len(r.stops))


def test_checker_imports_no_solver():
    """feasibility.py imports neither OR-Tools nor PyVRP (it must stay independent)."""
    tree = ast.parse(inspect.getsource(feasibility))
    names = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any("ortools" in str(x) or "pyvrp" in str(x) for x in names | modules)


def test_solver_plan_passes(day):
    """The plan returned by solve passes the check."""
    p, plan = day
    assert check_plan(p, plan).ok


def test_start_outside_window_is_caught(day):
    """Moving a service start two hours later breaks its window."""
    p, plan = day
    r = _busy_route(plan)
    s = r.stops[0]
    bad = _edit_stop(plan, r.technician, 0, start=s.start + timedelta(hours=5), end=s.end + timedelta(hours=5))
    assert any("outside its windows" in v for v in check_plan(p, bad).violations)


def test_teleporting_is_caught(day):
    """An arrival earlier than the drive from the previous stop allows is caught."""
    p, plan = day
    r = _busy_route(plan)
    k = len(r.stops) - 1
    early = r.stops[k - 1].end if k else r.departure
    bad = _edit_stop(plan, r.technician, k, arrival=early)
    assert any("earliest possible" in v for v in check_plan(p, bad).violations)


def test_visit_twice_or_missing_is_caught(day):
    """A visit both served and unassigned, or neither, is caught."""
    p, plan = day
    served = plan.served[0]
    twice = replace(plan, unassigned=(Unassigned(served, "not_worth", "x"),))
    assert any("appears 2 times" in v for v in check_plan(p, twice).violations)
    routes = tuple(replace(r, stops=tuple(s for s in r.stops if s.visit != served)) for r in plan.routes)
    assert any("appears 0 times" in v for v in check_plan(p, replace(plan, routes=routes)).violations)


def test_skill_violation_is_caught(day):
    """The mac visit moved onto the technician without mac is caught."""
    p, plan = day
    a, b = plan.route_of("a"), plan.route_of("b")
    holder, other = (a, b) if "v2" in [s.visit for s in a.stops] else (b, a)
    moved = replace(plan, routes=(replace(holder, technician=other.technician), replace(other, technician=holder.technician)))
    assert any("lacks" in v for v in check_plan(p, moved).violations)


def test_lunch_overlapping_a_service_is_caught(day):
    """A lunch moved onto a service is caught."""
    p, plan = day
    r = _busy_route(plan)
    s = r.stops[0]
    routes = tuple(
        replace(x, break_start=s.start, break_end=s.start + timedelta(minutes=30)) if x is r else x
        for x in plan.routes
    )
    report = check_plan(p, replace(plan, routes=routes))
    assert not report.ok
    assert any("lunch" in v for v in report.violations)


def test_wrong_travel_total_is_caught(day):
    """A route reporting less driving than the matrix gives is caught."""
    p, plan = day
    r = _busy_route(plan)
    routes = tuple(replace(x, travel_s=x.travel_s - 600) if x is r else x for x in plan.routes)
    assert any("reports" in v for v in check_plan(p, replace(plan, routes=routes)).violations)


def test_dimacs_best_known_routes_pass_and_cost_as_published(shared_data):
    """The published DIMACS routes of C101 and RC105 are feasible and cost their bks value."""
    bks = read_bks(shared_data / "solomon" / "bks_dimacs.csv")
    for name in ("C101", "RC105"):
        inst = read_vrptw(shared_data / "solomon" / f"{name}.txt")
        routes = read_sol(shared_data / "solomon" / "dimacs_bks_routes" / f"{name}.sol")
        assert check_vrptw(inst, routes, convention="dimacs").ok
        assert route_cost(inst, routes, "dimacs") == pytest.approx(bks[name][1], abs=0.05)


def test_vrptw_violations_are_caught(shared_data):
    """Reversing a route breaks windows; merging routes breaks capacity; dropping breaks coverage."""
    inst = read_vrptw(shared_data / "solomon" / "C101.txt")
    routes = read_sol(shared_data / "solomon" / "dimacs_bks_routes" / "C101.sol")
    rev = [list(reversed(routes[0])), *routes[1:]]
    assert any("after due" in v for v in check_vrptw(inst, rev, convention="dimacs").violations)
    merged = [routes[0] + routes[1], *routes[2:]]
    assert any("capacity" in v for v in check_vrptw(inst, merged, convention="dimacs").violations)
    assert any("not served" in v for v in check_vrptw(inst, routes[1:], convention="dimacs").violations)
    assert check_vrptw(inst, routes[1:], convention="dimacs", fleet=9).ok
