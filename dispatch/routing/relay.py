"""A relay for days with a fleet cap: VROOM and PyVRP, each where it is better.

With fewer vehicles than the visits need, the first question is how many visits can be
served, the second how little to drive. Measured on the second generator's days
(``benchmarks/gen_shapes.py``, ``benchmarks/bench_fleet.py``; BENCHMARKS.md *Fleet cap*),
the two engines win different days:

* VROOM's construction and local search fill routes well: on loose fleets it served every
  visit where PyVRP's iterated local search, alone for the same second, left 1-4 out;
* PyVRP's search serves one or two more on some tight fleets, and drives less for the same
  visits; it keeps the best answer it has seen, so started from another engine's answer it
  never ends with fewer visits.

:func:`solve_relay` runs a first stage of :data:`FIRST_STAGE_S` (or the whole budget if
shorter): VROOM climbs its exploration levels while the next is predicted to end within
:data:`VROOM_SHARE` of the stage, PyVRP searches alone for :data:`OWN_SHARE`, and PyVRP
continues from the better of the two (most visits, then least cost) for the rest.

When VROOM's answer leaves out at most :data:`NEARLY_ALL_SHARE` of the visits, PyVRP's
search of the stage requires every visit instead (plain VRPTW under the fleet cap). Its
penalties on lateness lead it to a feasible answer serving everything where the searches with
prizes stop one or two short: on the second generator's seven loose days it served every
visit within 0.3 s, including a day where PyVRP and VROOM given 10 s each served 59 of 60
(R101 with its best-known 19 vehicles: every visit at 1 s, one short before). If it finds
none, VROOM's answer stands (and a longer budget's own search tries again, with the time a
slow machine's first stage lacked). Once every visit is served, the later searches keep every
visit required and only shorten the routes.

A longer budget starts with that same stage, so it continues from what the 1 s answer ends
with. The time after it goes first to VROOM's higher levels (:data:`LATER_VROOM_SHARE`: half
of it when VROOM led the first stage), then to two PyVRP searches side by side on the two
cores: PyVRP's own search continued (same seed) and PyVRP from the best answer so far (side
by side rather than one after the other: short of the better peer on 2 of 32 day-runs at 5 s
and 2 of 32 at 10 s, against 6 and 4; BENCHMARKS.md). Every call keeps to the deadline:
VROOM runs under a timeout, PyVRP on the clock less its model-building time.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from dispatch.routing import _pyvrp, _vroom
from dispatch.routing._engine import EngineInput, EngineResult

#: Share of a stage VROOM may use before PyVRP takes over.
VROOM_SHARE = 0.35
#: Share of a stage for PyVRP from its own start (compared with VROOM's best).
OWN_SHARE = 0.3
#: VROOM's exploration levels climbed in order (4 adds little over 3 for its time).
LEVELS = (0, 1, 2, 3, 5)
#: Measured growth of VROOM's time from one level of :data:`LEVELS` to the next (2-3x).
LEVEL_GROWTH = 2.5
#: The relay every budget starts with (seconds); longer budgets continue from its answer.
FIRST_STAGE_S = 1.0
#: Share of the time after the first stage for VROOM's higher levels, keyed by whether VROOM
#: served more than PyVRP alone in the first stage; the rest goes to PyVRP's two searches.
LATER_VROOM_SHARE = {True: 0.5, False: 0.1}
#: Try to serve every visit (PyVRP's plain VRPTW under the fleet cap) when VROOM's first
#: answer leaves out at most this share of the visits.
NEARLY_ALL_SHARE = 0.03
#: What PyVRP is given at least, even when VROOM used its whole share (seconds), and at
#: most this share of a budget below half a second (a 0.1 s call keeps its limit).
MIN_SEARCH_S = 0.05
MIN_SEARCH_SHARE = 0.1


def _feasible(res: EngineResult) -> bool:
    """Whether an engine did not report its answer infeasible (PyVRP's best answer when it
    found no feasible one, as when every visit is required and they do not all fit)."""
    return res.stats.get("feasible", True) is not False


def _nearly_all(res: EngineResult, inst: EngineInput) -> bool:
    """Whether ``res`` leaves out at most :data:`NEARLY_ALL_SHARE` of the visits (the fleet
    probably serves them all: the search requiring every visit is worth trying)."""
    return len(res.dropped) <= NEARLY_ALL_SHARE * len(inst.jobs)


def _better(a: EngineResult, b: EngineResult | None, inst: EngineInput) -> bool:
    """Whether ``a`` beats ``b``: a feasible answer beats an infeasible one, then more visits
    served, then a lower cost."""
    if not _feasible(a):
        return False
    if b is None or not _feasible(b):
        return True
    return (len(a.dropped), a.cost(inst)) < (len(b.dropped), b.cost(inst))


def _ladder(
    inst: EngineInput, levels: tuple[int, ...], until: float, best: EngineResult | None
) -> tuple[EngineResult | None, int]:
    """VROOM at each level in turn while the next is predicted to end before ``until``.

    Returns the best answer (``best`` included) and how many levels ran.
    """
    ran, last = 0, 0.0
    for level in levels:
        left = until - time.perf_counter()
        if left <= 0 or (ran and last * LEVEL_GROWTH > left):
            break
        started = time.perf_counter()
        res = _vroom.solve(inst, exploration=level, threads=2, time_limit=left)
        last = time.perf_counter() - started
        ran += 1
        if _better(res, best, inst):
            best = res
    return best, ran


class _Clock:
    """The relay's deadline, and what a PyVRP call costs beyond its search (model building).

    PyVRP's clock starts after its model is built (about 0.07 s at 200 customers), and a
    relay calls it two to four times: each search is given the time left minus the largest
    overhead seen, so the whole stays within the limit.
    """

    def __init__(self, deadline: float, *, floor: float = MIN_SEARCH_S) -> None:
        self.deadline = deadline
        self.floor = floor
        self.overhead = 0.0

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def pyvrp(self, inst: EngineInput, want_s: float, *, last: bool = False, **kwargs: Any) -> EngineResult:
        """PyVRP for ``want_s`` seconds (all that is left if ``last``), within the deadline."""
        left = self.left() - self.overhead
        limit = max(self.floor, left if last else min(want_s, left))
        started = time.perf_counter()
        res = _pyvrp.solve(inst, time_limit=limit, **kwargs)
        self.overhead = max(self.overhead, time.perf_counter() - started - limit)
        return res


def _stage(
    inst: EngineInput, clock: _Clock, *, time_limit: float, seed: int, coords: list[tuple[float, float]] | None
) -> tuple[EngineResult, int, bool, bool]:
    """The relay within ``time_limit``: VROOM's ladder, PyVRP alone, PyVRP from the better.

    Returns the best answer, how many VROOM levels ran, whether VROOM served more than
    PyVRP alone (which engine the rest of a longer budget should favour), and whether the
    answer serves every visit as PyVRP's plain VRPTW (every visit required) found it.
    """
    t0 = time.perf_counter()
    stage = _Clock(min(clock.deadline, t0 + time_limit), floor=min(MIN_SEARCH_S, MIN_SEARCH_SHARE * time_limit))
    vroom_best, ran = _ladder(inst, LEVELS, t0 + VROOM_SHARE * time_limit, None)
    every = vroom_best is not None and _nearly_all(vroom_best, inst)
    if every:
        # the fleet nearly serves everything: PyVRP searches for an answer serving every
        # visit (its time-warp penalties reach feasibility where prizes stop one short)
        assert vroom_best is not None
        start = None if vroom_best.dropped else vroom_best.routes
        found = stage.pyvrp(inst, OWN_SHARE * time_limit, seed=seed, coords=coords, all_required=True,
                            initial_routes=start)
        every = _feasible(found)
        own = found if every else vroom_best
        vroom_led = not every  # not every visit: VROOM's answer stands, its higher levels next
    else:
        own = stage.pyvrp(inst, OWN_SHARE * time_limit, seed=seed, coords=coords)
        vroom_led = vroom_best is not None and len(vroom_best.dropped) < len(own.dropped)
    best = vroom_best if vroom_best is not None and _better(vroom_best, own, inst) else own
    clock.overhead = max(clock.overhead, stage.overhead)
    if stage.left() - stage.overhead < stage.floor:
        return best, ran, vroom_led, every  # a tiny budget: no time left to continue from the better
    res = stage.pyvrp(inst, 0.0, last=True, seed=seed + 1, coords=coords, initial_routes=best.routes,
                      all_required=every)
    clock.overhead = max(clock.overhead, stage.overhead)
    return (best if _better(best, res, inst) else res), ran, vroom_led, every


def solve_relay(
    inst: EngineInput,
    *,
    time_limit: float,
    seed: int = 1,
    coords: list[tuple[float, float]] | None = None,
) -> EngineResult:
    """Solve a capped-fleet instance: VROOM and PyVRP in relay, longer budgets continuing.

    The first :data:`FIRST_STAGE_S` seconds are the same relay whatever the budget, so a
    longer budget starts from what the shorter one ends with (same seed); the time left then
    favours the engine that led in that stage (see the module's docstring).

    Parameters
    ----------
    inst
        The integer model; jobs are optional with their penalty (served first).
    time_limit
        Wall-clock seconds for the whole relay.
    seed
        Seed of PyVRP's searches (VROOM is deterministic).
    coords
        Planar coordinates of the locations, passed to PyVRP.

    Returns
    -------
    EngineResult
        ``engine="vroom+pyvrp"``; never worse than any answer it started from.
    """
    _vroom.available()  # loads VROOM's library (0.2 s, once per process) before the clock
    t0 = time.perf_counter()
    clock = _Clock(t0 + time_limit)
    best, ran, vroom_led, every = _stage(
        inst, clock, time_limit=min(time_limit, FIRST_STAGE_S), seed=seed, coords=coords
    )
    first_served = len(inst.jobs) - len(best.dropped)
    rest = clock.left()
    if rest > MIN_SEARCH_S * 4:
        climbed, _ = _ladder(inst, LEVELS[ran:], time.perf_counter() + LATER_VROOM_SHARE[vroom_led] * rest, best)
        best = climbed or best
        # both cores: PyVRP's own search (same seed: the first stage's, continued) and PyVRP
        # from the best answer, side by side until the deadline (the C++ search releases
        # the GIL); measured against one after the other, see the module's docstring. Still
        # a few visits short of every one: the own search requires every visit again, with
        # the time the first stage did not have (a slow machine)
        own_every = every or (len(best.dropped) > 0 and _nearly_all(best, inst))
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [
                pool.submit(clock.pyvrp, inst, 0.0, last=True, seed=seed, coords=coords, all_required=own_every),
                pool.submit(
                    clock.pyvrp, inst, 0.0, last=True, seed=seed + 2, coords=coords, initial_routes=best.routes,
                    all_required=every,
                ),
            ]
            for f in futures:
                res = f.result()
                if _better(res, best, inst):
                    best = res
    return EngineResult(
        routes=best.routes,
        dropped=best.dropped,
        engine="vroom+pyvrp",
        seconds=time.perf_counter() - t0,
        stats={**best.stats, "first_stage_served": first_served},
    )


__all__ = ["FIRST_STAGE_S", "LEVELS", "solve_relay"]
