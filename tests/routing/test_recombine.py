"""Route recombination, the PyVRP day model and the VROOM start, on small known days.

The engine model is built by hand: integer seconds, a line of places one minute apart, so
that which routes fit together can be worked out on paper.
"""

from __future__ import annotations

from dispatch.routing import _pyvrp_day, _recombine, _vroom, portfolio
from dispatch.routing._engine import EngineBreak, EngineInput, EngineJob, EngineVehicle
from dispatch.routing.portfolio import cost_of, engine_solve, recombine_routes
from dispatch.routing.schedule import route_feasible, schedule_route

HOUR = 3600


def line_day(n_jobs: int, *, n_vehicles: int = 2, lunch: bool = True, service: int = HOUR) -> EngineInput:
    """Depot at 0, job j at place j + 1, one minute between neighbouring places."""
    n = n_jobs + 1
    dur = [[60 * abs(a - b) for b in range(n)] for a in range(n)]
    brk = EngineBreak(duration=HOUR // 2, early=11 * HOUR + 1800, late=13 * HOUR) if lunch else None
    vehicles = [EngineVehicle(start=0, end=0, tw_early=8 * HOUR, tw_late=17 * HOUR, max_span=8 * HOUR, brk=brk)] * n_vehicles
    jobs = [EngineJob(loc=j + 1, windows=((8 * HOUR, 16 * HOUR),), service=service, penalty=100_000) for j in range(n_jobs)]
    return EngineInput(durations=dur, distances=dur, vehicles=vehicles, jobs=jobs)


def value_of(inst: EngineInput, cols):
    return [sum(inst.jobs[j].penalty for j in r) - inst.route_cost(v, r) for v, r in cols]


def test_columns_keep_the_cheapest_order_of_each_visit_set():
    inst = line_day(3, lunch=False)
    cost = lambda v, r: sum(abs(a - b) for a, b in zip([0, *r, 0], [*r, 0, 0], strict=False))  # noqa: E731
    cols = _recombine.columns([(0, (2, 0, 1)), (0, (0, 1, 2)), (1, (0, 1, 2))], cost)
    assert (0, (0, 1, 2)) in cols and (0, (2, 0, 1)) not in cols
    assert (1, (0, 1, 2)) in cols
    assert len(cols) == 2
    assert inst.jobs  # the day itself is only a size here


def test_exchange_swaps_two_routes_to_serve_one_more_visit():
    """Vehicle 0 holds {0, 1} and vehicle 1 holds {2}; the pool also has {0} for vehicle 0
    and {1, 2} ... {1, 2, 3} for vehicle 1: re-choosing both serves visit 3 too."""
    inst = line_day(4, lunch=False)
    cols = [(0, (0, 1)), (1, (2,)), (0, (0,)), (1, (1, 2, 3))]
    value = value_of(inst, cols)
    picked = _recombine.exchange(2, 4, cols, value, [0, 1])
    assert sorted(picked) == [2, 3]
    served = sorted(j for c in picked for j in cols[c][1])
    assert served == [0, 1, 2, 3]


def test_exchange_never_returns_a_worse_or_overlapping_choice():
    inst = line_day(5, n_vehicles=3, lunch=False)
    cols = [(0, (0, 1)), (1, (2, 3)), (2, (4,)), (0, (1, 2)), (1, (3, 4)), (2, (0,)), (2, (0, 4))]
    value = value_of(inst, cols)
    start = [0, 1, 2]
    picked = _recombine.exchange(3, 5, cols, value, start)
    jobs = [j for c in picked if c >= 0 for j in cols[c][1]]
    assert len(jobs) == len(set(jobs))
    assert sum(value[c] for c in picked if c >= 0) >= sum(value[c] for c in start)


def test_set_packing_finds_the_best_disjoint_choice():
    """Two disjoint triples of routes serve all six visits; the start serves four."""
    inst = line_day(6, n_vehicles=3, lunch=False)
    cols = [(0, (0, 1)), (1, (2, 3)), (2, (4, 5)), (0, (1, 2)), (1, (3, 4)), (2, (5, 0))]
    start = [3, 4, -1]
    value = value_of(inst, cols)
    pairwise = _recombine.exchange(3, 6, cols, value, start, max_group=2)
    best = _recombine.set_packing(3, cols, value, start, deterministic_time=1.0)
    served = sorted(j for c in best if c >= 0 for j in cols[c][1])
    assert served == [0, 1, 2, 3, 4, 5]
    assert sum(value[c] for c in best if c >= 0) >= sum(value[c] for c in pairwise if c >= 0)


def test_recombined_day_is_feasible_and_never_worse():
    """Routes pooled from a real PyVRP search recombine into a day our scheduler accepts."""
    inst = line_day(12, n_vehicles=2)
    model = _pyvrp_day.DayModel(inst)
    pool: dict = {}
    sol, _ = model.search(time_limit=5, seed=3, iterations=200, pool=pool)
    start = model.routes_of(sol)
    assert pool, "the search pooled no route"
    assert all(route_feasible(inst, v, list(r)) for v, r in pool)
    out = recombine_routes(inst, start, pool, packing_time=0.1)
    assert cost_of(inst, out) <= cost_of(inst, start)
    assert all(route_feasible(inst, v, r) for v, r in enumerate(out) if r)


def test_day_model_solution_places_the_lunch_on_the_given_leg():
    inst = line_day(4, n_vehicles=1)
    model = _pyvrp_day.DayModel(inst)
    routes = [[0, 1, 2, 3]]
    legs = [schedule_route(inst, 0, routes[0]).break_leg]
    sol = model.solution(routes, legs)
    assert model.routes_of(sol) == routes
    assert model.lunch_legs(sol) == legs
    assert sol.is_feasible()


def test_vroom_start_respects_skills_and_is_repairable():
    inst = line_day(6, n_vehicles=2)
    jobs = list(inst.jobs)
    jobs[0] = EngineJob(loc=1, windows=((8 * HOUR, 16 * HOUR),), service=HOUR, penalty=100_000, allowed=frozenset({1}))
    inst = EngineInput(durations=inst.durations, distances=inst.distances, vehicles=inst.vehicles, jobs=jobs)
    res = _vroom.solve(inst)
    served = [j for r in res.routes for j in r]
    assert 0 in res.routes[1]
    assert sorted(served + res.dropped) == list(range(6))


def test_engine_serves_everything_that_fits_and_repeats_itself():
    """Two technicians, 12 one-hour visits on a line, lunch: 12 fit (6 each in 8 h)."""
    inst = line_day(12, n_vehicles=2)
    a = engine_solve(inst, time_limit=0.5, seed=2, engine="auto", deterministic=True)
    b = engine_solve(inst, time_limit=0.5, seed=2, engine="auto", deterministic=True)
    assert a.routes == b.routes
    assert not a.dropped
    assert all(route_feasible(inst, v, r) for v, r in enumerate(a.routes) if r)


def test_large_day_keeps_the_lunch_spots_closest_to_the_lunch_window():
    """A 20-technician 300-visit day would make 6,000 lunch spots; each technician keeps the
    visits whose windows are closest to its lunch window, within the day's cap."""
    n = 300
    dur = [[60 * abs(a - b) for b in range(n + 1)] for a in range(n + 1)]
    brk = EngineBreak(duration=HOUR // 2, early=11 * HOUR + 1800, late=13 * HOUR)
    vehicles = [EngineVehicle(start=0, end=0, tw_early=8 * HOUR, tw_late=17 * HOUR, max_span=8 * HOUR, brk=brk)] * 20
    # windows from 8:00-10:00 (visit 0) to 15:00-17:00, round-robin
    starts = [8, 9, 10, 11, 12, 13, 14, 15]
    jobs = [
        EngineJob(loc=j + 1, windows=((starts[j % 8] * HOUR, (starts[j % 8] + 2) * HOUR),), service=HOUR, penalty=100_000)
        for j in range(n)
    ]
    inst = EngineInput(durations=dur, distances=dur, vehicles=vehicles, jobs=jobs)
    per_vehicle = [_pyvrp_day.lunch_spots(inst, v) for v in range(20)]
    assert all(len(s) <= _pyvrp_day.SPOTS_PER_TECH + 2 for s in per_vehicle)
    assert sum(len(s) for s in per_vehicle) <= _pyvrp_day.MAX_SPOTS + 2 * 20
    kept = per_vehicle[0] - {0}
    # every kept visit's window meets the lunch window (11:30-13:00 start): 10:00-12:00 to 13:00-15:00
    assert all(jobs[loc - 1].windows[0][0] in (10 * HOUR, 11 * HOUR, 12 * HOUR, 13 * HOUR) for loc in kept)


def test_lunch_day_neighbourhood_pairs_only_clients_that_may_share_a_route():
    """Visit 0 only for technician 1: its neighbours are other visits and technician 1's
    lunch spots (its own place's first), never technician 0's; a lunch spot's neighbours
    are visits its technician may serve."""
    base = line_day(12, n_vehicles=2)
    jobs = list(base.jobs)
    jobs[0] = EngineJob(loc=1, windows=jobs[0].windows, service=HOUR, penalty=100_000, allowed=frozenset({1}))
    inst = EngineInput(durations=base.durations, distances=base.distances, vehicles=base.vehicles, jobs=jobs)
    model = _pyvrp_day.DayModel(inst)

    def kind(act):
        return model.kinds[act.idx]

    for act, near in model.neighbours.items():
        kinds = [kind(b) for b in near]
        assert act not in near
        if kind(act)[0] == "job":
            job = kind(act)[1]
            assert ("job", job) not in kinds
            spots = {v for k, v in kinds if k == "lunch"}
            assert spots == ({1} if job == 0 else {0, 1})
            for v in spots:
                own = model.lunch_client[(v, inst.jobs[job].loc)]
                assert own in [b.idx for b in near]
        else:
            v = kind(act)[1]
            assert kinds and all(k == "job" for k, _ in kinds)
            assert v == 1 or ("job", 0) not in kinds


def test_a_one_visit_day_searches_a_bounded_number_of_iterations():
    """The iteration count grows as the day shrinks, but never beyond the cap: a 1-visit
    day once counted 140,000 iterations per search and ran until the clock's guard."""
    res = engine_solve(line_day(1, n_vehicles=1), time_limit=1, seed=1, engine="auto", deterministic=True)
    assert res.routes == [[0]]
    shares = 2 * portfolio.FIRST_SHARE + 2 * portfolio.CONTINUE_SHARE
    assert 0 < res.stats["iterations"] <= portfolio.MAX_ITERATIONS * shares


def test_small_day_keeps_every_lunch_spot_near_the_lunch_window():
    inst = line_day(12, n_vehicles=3)
    assert _pyvrp_day.lunch_spots(inst, 0) == set(range(13))


def test_day_model_solution_uses_the_window_the_schedule_chose():
    """A visit with a morning and an afternoon window, served after a late-morning visit:
    the start solution must use its afternoon client, or PyVRP starts from a time warp."""
    inst = line_day(2, n_vehicles=1)
    jobs = [
        EngineJob(loc=1, windows=((8 * HOUR, 8 * HOUR + 900), (13 * HOUR, 15 * HOUR)), service=HOUR, penalty=100_000),
        EngineJob(loc=2, windows=((9 * HOUR, 10 * HOUR),), service=2 * HOUR, penalty=100_000),
    ]
    inst = EngineInput(durations=inst.durations, distances=inst.distances, vehicles=inst.vehicles, jobs=jobs)
    model = _pyvrp_day.DayModel(inst)
    route = [1, 0]
    sched = schedule_route(inst, 0, route)
    assert sched is not None and sched.starts[1] >= 13 * HOUR
    good = model.solution([route], [sched.break_leg], [sched.starts])
    assert good.is_feasible()
    assert not model.solution([route], [sched.break_leg]).is_feasible()
