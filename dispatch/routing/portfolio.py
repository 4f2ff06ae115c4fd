"""The search portfolio: engines, route pool and recombination within one time budget.

:func:`engine_solve` runs the engines on the integer model: when PyVRP can express the day,
two PyVRP searches (:mod:`dispatch.routing._pyvrp_day`) and VROOM in a shared thread pool,
their candidate routes pooled and recombined (:func:`recombine_routes`), two continuations,
then repair and one-ejection insertions (:mod:`dispatch.routing.repair`); otherwise
OR-Tools. The module constants are the portfolio's tuning, each with its measurement
(see ``docs/routing.md``).
"""

from __future__ import annotations

import time as _time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import pyvrp

from dispatch.errors import InfeasibleProblem
from dispatch.i18n import N_
from dispatch.routing import _ortools, _pyvrp, _pyvrp_day, _recombine, _vroom
from dispatch.routing._engine import EngineInput, EngineResult
from dispatch.routing.repair import eject_insert, greedy_routes, repair_routes
from dispatch.routing.schedule import route_feasible, schedule_route

#: PyVRP iterations x clients per second of one search (one thread) on a 30-visit day, as
#: the deterministic stop assumes; an iteration costs more on days with more visits, as
#: (visits / 30) ** 0.76 (fitted on 16 generated days, single searches: iterations per
#: second = e^14.5 x visits^-0.76 x clients^-0.99, within +-25 %). Calibrated so that a 1 s
#: call takes about 0.7 s on this idle machine (two searches in parallel threads), and a
#: busy machine still finishes the count before the clock's guard. 50,000 instead of 70,000
#: since the searches cross late days (:data:`dispatch.routing._pyvrp_day.TIME_WARP_PENALTY`), where an
#: iteration costs more: 60,000 served the same visits over 16 days x 6 seeds (22 s less
#: driving per day) but some 1 s calls took 1.05-1.14 s.
PYVRP_RATE = 50_000
#: PyVRP iterations per second of one of two parallel searches on days beyond 60 visits, as
#: ``LARGE_DAY_RATE x (30 / visits) ** 1.08`` (measured single searches, this machine: 199/s
#: at 100 visits, 141 at 150, 74 at 200 with lunch spots, 55 at 300 in the relaxation, where
#: the fit of :data:`PYVRP_RATE` gave 73, 26, 9 and 29: the repeatable mode stopped after a
#: quarter to a half of its budget and 5 or 10 s served no more than 1 s). Days up to 60
#: visits keep the fit they were tuned with; beyond 300 the random start's descent (1 s and
#: more) is not counted by either fit, and more iterations left no time for the final
#: insertions (at 5 s: 178 visits served instead of 223 at 400, 242 instead of 310 at 500).
LARGE_DAY_RATE = 424
#: Most PyVRP iterations per second of budget of one search, whatever the size: a day of a
#: few visits converges in a few hundred, and its iterations cost less than the rate above
#: assumes (session 3: a 1-visit day took 2.7-3.2 s for a 1 s budget, the clock guard
#: stopping a count of 140,000). No benchmark day comes near the cap (at most 640).
MAX_ITERATIONS = 3000
#: Shares of the budget: the two first searches (in parallel), then the two continuations
#: from the recombined best (in parallel); the rest goes to recombination and repair (and,
#: in the wall-clock mode, to the OR-Tools polish).
FIRST_SHARE = 0.45
CONTINUE_SHARE = 0.25
#: CP-SAT deterministic time of one set-packing solve, per second of budget. 0.02 instead
#: of 0.05 (session 3): the same plans on 16 days x 3 seeds, about 0.03 s less per call.
PACKING_SHARE = 0.02
#: Work bound of the one-ejection insertions (route evaluations per second of budget, up
#: to 60 visits; repeatable).
EJECT_CHECKS = 40_000
#: VROOM's exploration level for the extra first answer (``None`` = no VROOM), and the
#: largest day it runs on: pyvroom holds the GIL while it solves (measured: a Python thread
#: ran 2 % of its speed beside it), so its time is taken from the PyVRP threads: 0.03-0.4 s
#: up to 60 visits, 1.0 s on 150.
VROOM_EXPLORATION: int | None = 3
VROOM_MAX_JOBS = 80
#: Largest exact day model (matrix entries, :func:`dispatch.routing._pyvrp_day.model_entries`)
#: per second of budget; a larger day searches the lunch relaxation (no lunch spots, the
#: lunch's time kept free, placed by the product's scheduler). Building costs 14-31 ms per
#: million entries here, so 5 million per second keeps the build near a tenth of the budget:
#: 12 technicians / 150 visits (4.3 M) stay exact at 1 s, 20 / 300 (23 M) from 5 s.
MODEL_ENTRIES_PER_S = 5_000_000
#: Largest day searched with the exact lunch model whatever the budget: beyond it, the
#: relaxation served more at every budget measured (20 technicians / 300 visits: 136 at
#: 1 s relaxed, 117 at 5 s exact, the exact model's iterations being 3-4 times dearer).
EXACT_MAX_JOBS = 200
#: Work of the route exchange per second of budget (pairs of routes examined, plus
#: :data:`GROUP_WORK` per group of technicians re-chosen: the numpy calls of a group cost
#: about what 5,000 pairs do). 30 million as the fixed bound it replaces: the same plans up
#: to 60 visits, and a 50-technician day no longer spends seconds on its 19,600 triples.
EXCHANGE_WORK = 30_000_000
#: Above this many visits x sqrt(budget in s), the searches start from the cheapest-insertion
#: day (:func:`dispatch.routing.repair.repair_routes` from empty routes) instead of PyVRP's
#: random start and its exhaustive descent, which alone took 0.6-1.0 s on 400 visits and
#: 1.0-1.3 s on 500 (a 300-visit day keeps the random start at 1 s: 136 served against 112).
GREEDY_START_JOBS = 300
#: Largest day the wall-clock mode polishes with OR-Tools: building its routing model
#: takes longer than the polish finds on larger days (0.3-0.5 s past the budget at 500).
POLISH_MAX_JOBS = 150
#: Share of the budget the search may use in all, whatever its work counts say: the rest
#: is for timing and checking the plan. In the repeatable mode this clock only cuts what
#: the work counts would overrun (a large day on a busy machine); otherwise it is the plan.
HARD_SHARE = 0.9
#: Time to time, diagnose and check a plan after the search, per visit of the day (measured
#: 0.35 s for 500 visits on a busy machine), kept out of the search's share.
PLAN_S_PER_JOB = 0.0006

_THREADS: ThreadPoolExecutor | None = None


def _threads() -> ThreadPoolExecutor:
    """Threads for two PyVRP searches at once (its C++ search releases the GIL: measured
    1,883 iterations in 1.1 s for two threads against 842 in 1 s for one) and VROOM (which
    does not release it)."""
    global _THREADS
    if _THREADS is None:
        _THREADS = ThreadPoolExecutor(max_workers=3, thread_name_prefix="opms-search")
    return _THREADS


def cost_of(inst: EngineInput, routes: Sequence[Sequence[int]]) -> int:
    """Objective value of these routes (see :meth:`EngineResult.cost`)."""
    return EngineResult.from_routes([list(r) for r in routes], len(inst.jobs), engine="", seconds=0.0).cost(inst)


def recombine_routes(
    inst: EngineInput,
    routes: list[list[int]],
    pool: _pyvrp_day.RoutePool,
    *,
    packing_time: float,
    max_work: int = EXCHANGE_WORK,
    deadline: float | None = None,
) -> list[list[int]]:
    """The best day made of pooled routes (see :mod:`dispatch.routing._recombine`), never worse than
    ``routes``; every route chosen is checked by the product's scheduler."""
    keys = list(pool)
    keys += [(v, tuple(r)) for v, r in enumerate(routes) if r]
    cols = _recombine.columns(keys, inst.route_cost)
    index = {c: k for k, c in enumerate(cols)}
    value = [sum(inst.jobs[j].penalty for j in r) - inst.route_cost(v, r) for v, r in cols]
    start: list[int] = []
    for v, r in enumerate(routes):
        k = index.get((v, tuple(r)), -1) if r else -1
        if r and k < 0:  # an order that lost to a cheaper one of the same visits
            k = next(i for i, (w, rr) in enumerate(cols) if w == v and set(rr) == set(r))
        start.append(k)
    for _ in range(3):
        picked = _recombine.exchange(
            len(inst.vehicles), len(inst.jobs), cols, value, start, max_work=max_work, deadline=deadline
        )
        if packing_time > 0 and (deadline is None or _time.perf_counter() < deadline):
            picked = _recombine.set_packing(len(inst.vehicles), cols, value, picked, deterministic_time=packing_time)
        bad = [c for c in picked if c >= 0 and not route_feasible(inst, cols[c][0], list(cols[c][1]))]
        if not bad:
            out = [list(cols[c][1]) if c >= 0 else [] for c in picked]
            return out if cost_of(inst, out) < cost_of(inst, routes) else routes
        for c in bad:  # a pooled route our scheduler refuses: never choose it again
            value[c] = -(10**15)
    return routes


def _search_day(
    inst: EngineInput, *, time_limit: float, seed: int, deterministic: bool, t0: float, deadline: float
) -> EngineResult:
    """PyVRP searches + VROOM + route recombination (see docs/routing.md).

    1. two PyVRP searches on the exact day model (:class:`dispatch.routing._pyvrp_day.DayModel`,
       lunch spots), in parallel threads, every candidate route pooled; VROOM in a third
       thread (its repaired routes pooled too);
    2. the best day made of pooled routes (:func:`recombine_routes`: exchange + CP-SAT);
    3. two more searches continuing from it (other seeds), pooled, recombined again;
    4. repair by the product's scheduler, one-ejection insertions; in the wall-clock mode
       the time left goes to an OR-Tools polish.

    Repeatable mode: every search stops on an iteration count, CP-SAT on deterministic
    time, the ejections on a work count; the clock only guards.
    """
    # what is left after the search times and checks the plan: about 0.6 ms per visit
    # (never less than the time a greedy day takes: a tiny budget still gets a plan, never empty)
    hard = t0 + max(0.5 * time_limit, HARD_SHARE * time_limit - PLAN_S_PER_JOB * len(inst.jobs),
                    PLAN_S_PER_JOB * len(inst.jobs))
    exact = len(inst.jobs) <= EXACT_MAX_JOBS and _pyvrp_day.model_entries(inst) <= MODEL_ENTRIES_PER_S * time_limit
    model = _pyvrp_day.DayModel(inst, exact_lunch=exact)
    n_clients = max(1, model.size)
    n_jobs = max(1, len(inst.jobs))
    iterations_done: list[int] = []

    def budget(share: float, clients_rate: float) -> tuple[int | None, float]:
        if deterministic:  # the clock guards: a work count that would overrun is cut
            guard = min(4 * share * time_limit, max(0.02 * time_limit, hard - _time.perf_counter()))
            return max(10, int(clients_rate * share * time_limit)), guard
        room = deadline - _time.perf_counter() - 0.2 * time_limit
        return None, max(0.02 * time_limit, min(share * time_limit, room))

    def run(
        share: float, tasks: list[tuple[int, pyvrp.Solution | None]]
    ) -> tuple[list[pyvrp.Solution], _pyvrp_day.RoutePool]:
        """PyVRP searches in parallel threads, ``tasks`` = (seed, initial) each; returns
        their best solutions and the pool of their candidate routes."""
        # beyond 300 clients an iteration costs more per client (longer routes, more
        # neighbours): measured about 80 iterations/s at 918 clients, not 140
        rate = PYVRP_RATE / n_clients * (30 / n_jobs) ** 0.76 * min(1.0, 300 / n_clients)
        if 60 < n_jobs <= 300:  # measured there: the fit above under-counts 2-8 times
            rate = max(rate, LARGE_DAY_RATE * (30 / n_jobs) ** 1.08)
        iterations, limit = budget(share, min(rate, MAX_ITERATIONS))
        if all(init is not None for _, init in tasks) and limit * rate < 6:
            # not six iterations fit in what is left (a search also costs its set-up, and
            # a 500-visit day's iteration 0.15-0.3 s): the starts stand, nothing overruns
            starts = [init for _, init in tasks if init is not None]
            return starts, {key: None for key in model.pool_routes(starts[0])}
        pools: list[_pyvrp_day.RoutePool] = [{} for _ in tasks]
        futures = [
            _threads().submit(
                model.search, time_limit=limit, seed=s, iterations=iterations, initial=init, pool=p,
                time_warp_penalty=_pyvrp_day.TIME_WARP_PENALTY,
            )
            for (s, init), p in zip(tasks, pools, strict=True)
        ]
        done = [f.result() for f in futures]
        sols = [sol for sol, _ in done]
        iterations_done.extend(n for _, n in done)
        pool: _pyvrp_day.RoutePool = {}
        for p in pools:
            pool.update(p)
        return sols, pool

    def start_of(routes: list[list[int]]) -> pyvrp.Solution:
        legs: list[int | None] = []
        starts: list[Sequence[int]] = []
        for v, r in enumerate(routes):
            sched = schedule_route(inst, v, r) if r else None
            legs.append(sched.break_leg if sched is not None else None)
            starts.append(sched.starts if sched is not None else [0] * len(r))
        return model.solution(routes, legs, starts)

    packing = PACKING_SHARE * time_limit
    vroom: Future[EngineResult] | None = None
    if VROOM_EXPLORATION is not None and len(inst.jobs) <= VROOM_MAX_JOBS and _vroom.available():
        vroom = _threads().submit(_vroom.solve, inst, exploration=VROOM_EXPLORATION)
    greedy: list[list[int]] | None = None
    first: pyvrp.Solution | None = None
    if len(inst.jobs) > GREEDY_START_JOBS * time_limit**0.5:  # large day: start from cheapest insertions
        # never cut by the clock: it is the floor of the answer (on a busy machine the model
        # may have taken the whole budget; cut, it served 2 visits of 500)
        greedy = greedy_routes(inst)
        first = start_of(greedy)
    sols, pool = run(FIRST_SHARE, [(seed, first), (seed + 1000, first)])
    cands = [model.routes_of(sol) for sol in sols]
    if greedy is not None:
        cands.append(greedy)
    if vroom is not None:
        try:
            cands.append(vroom.result().routes)
        except Exception:  # an optional start: the PyVRP answers stand alone
            vroom = None
    cands = [repair_routes(inst, r, [], deadline=hard)[0] for r in cands]
    if vroom is not None:
        for v, r in enumerate(cands[-1]):
            if r:
                pool[(v, tuple(r))] = None
    best = min(cands, key=lambda r: cost_of(inst, r))
    work = int(EXCHANGE_WORK * time_limit)
    best = recombine_routes(inst, best, pool, packing_time=packing, max_work=work, deadline=hard)
    if CONTINUE_SHARE > 0 and (
        deadline - _time.perf_counter() > 0.3 * time_limit
        if not deterministic
        else hard - _time.perf_counter() > 0.1 * time_limit
    ):
        start = start_of(best)
        more, pool2 = run(CONTINUE_SHARE, [(seed + 2000, start), (seed + 3000, start)])
        pool.update(pool2)
        for sol in more:
            repaired = repair_routes(inst, model.routes_of(sol), [], deadline=hard)[0]
            if cost_of(inst, repaired) < cost_of(inst, best):
                best = repaired
        best = recombine_routes(inst, best, pool, packing_time=packing, max_work=work, deadline=hard)
    served = {j for r in best for j in r}
    routes, dropped, _ = repair_routes(
        inst, best, [j for j in range(len(inst.jobs)) if j not in served], deadline=hard
    )
    # a work count scaled with the budget, smaller on large days (each check is longer)
    checks = int(EJECT_CHECKS * time_limit * min(1.0, 60 / max(1, len(inst.jobs))))
    routes, dropped = eject_insert(inst, routes, dropped, max_checks=max(1000, checks), deadline=hard)
    stats: dict[str, object] = {
        "pool": len(pool), "iterations": sum(iterations_done), "lunch_model": "exact" if exact else "relaxed",
    }
    result = EngineResult(routes=routes, dropped=dropped, engine="pyvrp", seconds=0.0, stats=stats)
    left = hard - _time.perf_counter()
    if not deterministic and left > 0.1 * time_limit and len(inst.jobs) <= POLISH_MAX_JOBS:
        # wall-clock mode: the time left goes to OR-Tools' own moves (guided local search
        # from these routes). Not in the repeatable mode: measured on the bench days, the
        # 0.3 s OR-Tools needs on 60 visits served fewer visits than as PyVRP iterations
        polished = _ortools.solve(
            inst, time_limit=left, initial_routes=routes, metaheuristic="guided_local_search", warm_only=True
        )
        if polished.stats.get("warm_start") and polished.cost(inst) < result.cost(inst):
            result = replace(polished, engine="pyvrp+ortools", stats=result.stats)
    return replace(result, seconds=_time.perf_counter() - t0)


def engine_solve(
    inst: EngineInput,
    *,
    time_limit: float,
    seed: int,
    engine: str,
    deterministic: bool,
    started: float | None = None,
) -> EngineResult:
    """Run the engines on the integer model (see docs/routing.md for the measurements).

    ``auto``: when PyVRP can express the problem (everything but pinned positions), PyVRP
    searches about 75 % of the budget (lunch spots, skill profiles; two seeds, half each,
    the better kept and, in the repeatable mode, continued from its best solution for a
    quarter of the budget; each answer repaired, then :func:`eject_insert`), then
    OR-Tools starts from its routes and polishes them with its own moves (it often inserts
    one more visit); otherwise OR-Tools alone (guided local search).
    ``started`` is when the caller's clock started (matrix time counts in the budget).
    """
    if not inst.jobs:
        return EngineResult(routes=[[] for _ in inst.vehicles], dropped=[], engine="none", seconds=0.0)
    t0 = _time.perf_counter() if started is None else started
    deadline = t0 + 0.95 * time_limit
    use = engine
    if engine == "auto":
        use = "pyvrp" if _pyvrp.can_express(inst) else "ortools"
    if use == "pyvrp":
        return _search_day(inst, time_limit=time_limit, seed=seed, deterministic=deterministic, t0=t0, deadline=deadline)
    if use == "ortools":
        return _ortools.solve(
            inst,
            time_limit=time_limit * (2 if deterministic else 1),
            solution_limit=max(50, int(100 * time_limit)) if deterministic else None,
        )
    msg = N_("Unknown engine {engine!r}; use auto, ortools or pyvrp.")
    raise InfeasibleProblem(msg, engine=engine)


__all__ = [
    "CONTINUE_SHARE",
    "EJECT_CHECKS",
    "EXACT_MAX_JOBS",
    "EXCHANGE_WORK",
    "FIRST_SHARE",
    "GREEDY_START_JOBS",
    "HARD_SHARE",
    "LARGE_DAY_RATE",
    "MAX_ITERATIONS",
    "MODEL_ENTRIES_PER_S",
    "PACKING_SHARE",
    "PLAN_S_PER_JOB",
    "POLISH_MAX_JOBS",
    "PYVRP_RATE",
    "VROOM_EXPLORATION",
    "VROOM_MAX_JOBS",
    "cost_of",
    "engine_solve",
    "recombine_routes",
]
