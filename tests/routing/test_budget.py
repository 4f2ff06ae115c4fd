"""The solver keeps its time budget on large days (issue 19: 1.2 x the limit, measured by
``benchmarks/bench_budget.py``); here a generous bound, so that a regression shows without
a timed unit test failing on a busy machine."""

from __future__ import annotations

import time

import pytest

from dispatch.routing import _pyvrp_day, portfolio, solve
from dispatch.routing.demo import generate_day
from dispatch.routing.repair import greedy_routes
from dispatch.routing.translate import to_engine

#: Generous: the benchmark's target is 1.2; before the budget work a 1 s call took 10-25 s.
BOUND = 3.0


@pytest.fixture(scope="module")
def day_50_500(mascouche):
    problem = generate_day(mascouche, n_technicians=50, n_visits=500, seed=5)
    problem.validate()
    problem._matrix()  # the road matrix is not the solver's time
    return problem


@pytest.mark.parametrize("deterministic", [True, False], ids=["repeatable", "wall-clock"])
def test_a_50_technician_500_visit_day_returns_within_three_times_its_budget(day_50_500, deterministic):
    t0 = time.perf_counter()
    plan = solve(day_50_500, time_limit=1.0, seed=1, deterministic=deterministic)
    seconds = time.perf_counter() - t0
    assert seconds < BOUND * 1.0, seconds
    assert plan.feasible, plan.violations
    assert len(plan.served) >= 200  # a day, not an empty answer: 269 served here at 1 s


def test_a_large_day_is_searched_in_the_lunch_relaxation_and_a_small_one_exactly(day_50_500, mascouche):
    large = to_engine(day_50_500).inst
    small = to_engine(generate_day(mascouche, n_technicians=4, n_visits=30, seed=1)).inst
    limit = portfolio.MODEL_ENTRIES_PER_S * 1.0
    assert _pyvrp_day.model_entries(large) > limit >= _pyvrp_day.model_entries(small)
    relaxed = _pyvrp_day.DayModel(large, exact_lunch=False)
    assert relaxed.size == len(large.jobs)  # no lunch spots: one client per visit window
    assert not relaxed.lunch_client


def test_technicians_alike_share_one_matrix_profile(mascouche):
    inst = to_engine(generate_day(mascouche, n_technicians=6, n_visits=40, seed=3)).inst
    relaxed = _pyvrp_day.DayModel(inst, exact_lunch=False)
    # a technician's profile is the visits it may serve: alike technicians, one matrix
    patterns = {tuple(j.allowed is None or v in j.allowed for j in inst.jobs) for v in range(len(inst.vehicles))}
    assert relaxed.data.num_profiles == len(patterns) < len(inst.vehicles)
    exact = _pyvrp_day.DayModel(inst)
    assert exact.data.num_profiles == len(inst.vehicles)  # each has its own lunch spots


@pytest.mark.parametrize("deterministic", [True, False], ids=["repeatable", "wall-clock"])
def test_a_large_day_whose_budget_is_spent_before_the_search_still_gets_the_greedy_day(day_50_500, deterministic):
    # a busy machine: translating and building the model took the whole second (CI served
    # 2 visits of 500 this way, the greedy start cut by the clock after two insertions)
    inst = to_engine(day_50_500).inst
    spent = time.perf_counter() - 1.0
    result = portfolio.engine_solve(
        inst, time_limit=1.0, seed=1, engine="auto", deterministic=deterministic, started=spent
    )
    greedy = greedy_routes(inst)
    assert sum(map(len, result.routes)) >= sum(map(len, greedy)) > 200
