"""The capped-fleet relay: VROOM first, PyVRP from VROOM's best answer."""

from __future__ import annotations

import time

import pytest

from dispatch.routing import _pyvrp, _vroom
from dispatch.routing.feasibility import check_vrptw
from dispatch.routing.relay import solve_relay
from dispatch.routing.vrptw import solve_vrptw, to_engine
from dispatch.routing.vrptw_instance import read_vrptw


@pytest.fixture(scope="module")
def r101(shared_data):
    return read_vrptw(shared_data / "solomon" / "R101.txt")


@pytest.fixture(scope="module")
def c101(shared_data):
    return read_vrptw(shared_data / "solomon" / "C101.txt")


def _small_capacity_day(tmp_path):
    """One vehicle of capacity 2, six customers of demand 1 next to the depot, all day open."""
    rows = ["  0  50  50  0  0  1000  0"] + [f"  {i}  {50 + i}  50  1  0  900  5" for i in range(1, 7)]
    text = "cap2\n\nVEHICLE\nNUMBER CAPACITY\n  1  2\n\nCUSTOMER\nCUST NO. X Y DEMAND READY DUE SERVICE\n\n"
    path = tmp_path / "cap2.txt"
    path.write_text(text + "\n".join(rows) + "\n", encoding="utf-8")
    return read_vrptw(path)


def test_vroom_respects_the_vehicles_capacity(tmp_path):
    """VROOM was given no capacity and loaded the one vehicle with all six customers."""
    inst = _small_capacity_day(tmp_path)
    res = _vroom.solve(to_engine(inst, fleet=1), exploration=0, threads=1)
    routes = [[j + 1 for j in r] for r in res.routes if r]
    assert sum(len(r) for r in routes) == 2
    assert check_vrptw(inst, routes, fleet=1).ok


def test_capped_fleet_answer_respects_the_capacity(tmp_path):
    inst = _small_capacity_day(tmp_path)
    sol = solve_vrptw(inst, time_limit=0.3, fleet=1)
    assert sol.feasible and len(sol.unassigned) == 4


def test_pyvrp_started_from_an_answer_never_ends_worse_than_it(r101):
    """A warm start is kept as the best answer until the search beats it."""
    model = to_engine(r101, fleet=10)
    start = _vroom.solve(model, exploration=1, threads=1)
    res = _pyvrp.solve(model, time_limit=0.2, seed=3, initial_routes=start.routes)
    assert len(res.dropped) <= len(start.dropped)
    assert (len(res.dropped), res.cost(model)) <= (len(start.dropped), start.cost(model))


def test_relay_serves_at_least_what_vroom_serves_and_is_feasible(r101):
    model = to_engine(r101, fleet=10)
    vroom_alone = _vroom.solve(model, exploration=0, threads=2)
    res = solve_relay(model, time_limit=1.0, seed=1)
    routes = [[j + 1 for j in r] for r in res.routes if r]
    assert check_vrptw(r101, routes, fleet=10).ok
    assert len(res.dropped) <= len(vroom_alone.dropped)
    assert res.engine == "vroom+pyvrp"


def test_relay_keeps_its_time_budget(shared_data):
    """Homberger 200 customers with a cap of 12 vehicles: 1 s asked, well under 3 s taken
    (the benchmark measures the 1.2x target; this bound only catches a regression)."""
    inst = read_vrptw(shared_data / "homberger_200" / "r1_2_1.txt")
    t0 = time.perf_counter()
    sol = solve_vrptw(inst, time_limit=1.0, fleet=12)
    assert time.perf_counter() - t0 < 3.0
    assert sol.feasible and sol.vehicles <= 12 and sol.unassigned


def test_fleet_cap_uses_the_relay_and_unlimited_fleet_plain_pyvrp(c101):
    assert solve_vrptw(c101, time_limit=0.3, fleet=8).engine == "vroom+pyvrp"
    assert solve_vrptw(c101, time_limit=0.3).engine == "pyvrp"


def test_longer_budget_ends_at_least_where_its_first_stage_ended(r101):
    """A 2 s relay runs the 1 s stage first and only keeps what beats it."""
    model = to_engine(r101, fleet=9)
    res = solve_relay(model, time_limit=2.0, seed=2)
    first = res.stats["first_stage_served"]
    assert isinstance(first, int)
    assert len(model.jobs) - len(res.dropped) >= first
    assert 1.5 < res.seconds < 4.0  # used the time after the first stage; 4 s: a regression bound


def test_a_fleet_that_can_serve_every_visit_serves_every_visit(r101):
    """R101 with 19 vehicles (its best-known solution uses 19): every visit fits, but the
    prize searches stopped one short at 1 s; the search that requires every visit finds it
    (0.15 s of search on a quiet machine; 2 s so that a busy one has the second to retry)."""
    sol = solve_vrptw(r101, time_limit=2.0, fleet=19)
    assert sol.feasible and sol.vehicles <= 19
    assert sol.unassigned == []


def test_a_fleet_too_small_for_every_visit_still_gets_the_prize_answer(r101):
    """Ten vehicles cannot serve R101's 100 visits: the answer serves what fits, feasibly."""
    sol = solve_vrptw(r101, time_limit=0.5, fleet=10)
    assert sol.feasible and sol.vehicles <= 10
    assert 50 < 100 - len(sol.unassigned) < 100
