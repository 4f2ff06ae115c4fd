"""A relay for days with a fleet cap: VROOM serves as many visits as it can, PyVRP goes on.

With fewer vehicles than the visits need, the first question is how many visits can be
served, the second how little to drive. The two engines are good at different halves:

* VROOM's construction and local search (``exploration`` 0-5) fill routes well: on the
  generated days of ``benchmarks/gen_shapes.py`` with a loose fleet it served every visit
  where PyVRP's iterated local search, alone for the same second, left 1-4 out
  (``benchmarks/bench_fleet.py``, BENCHMARKS.md *Fleet cap*);
* PyVRP's search drives less for the same visits, and it keeps the best answer it has
  seen, so started from VROOM's answer it never serves fewer visits than VROOM did.

:func:`solve_relay` gives VROOM up to :data:`VROOM_SHARE` of the budget, climbing its
exploration levels while the next level is predicted to fit, and PyVRP the rest, started
from the best VROOM answer (most visits, then least cost). The time limit holds for the
whole: VROOM runs under a timeout, PyVRP on the clock.
"""

from __future__ import annotations

import logging
import time

from dispatch.routing import _pyvrp, _vroom
from dispatch.routing._engine import EngineInput, EngineResult

log = logging.getLogger(__name__)

#: Share of the budget VROOM may use before PyVRP takes over.
VROOM_SHARE = 0.35
#: Share of the budget for PyVRP from its own start (compared with VROOM's best).
OWN_SHARE = 0.3
#: VROOM's exploration levels climbed in order (4 adds little over 3 for its time).
LEVELS = (0, 1, 2, 3, 5)
#: Measured growth of VROOM's time from one level of :data:`LEVELS` to the next (2-3x).
LEVEL_GROWTH = 2.5
#: What PyVRP is given at least, even when VROOM used its whole share (seconds).
MIN_SEARCH_S = 0.05


def _better(a: EngineResult, b: EngineResult | None, inst: EngineInput) -> bool:
    """Whether ``a`` beats ``b``: more visits served, then a lower cost."""
    if b is None:
        return True
    return (len(a.dropped), a.cost(inst)) < (len(b.dropped), b.cost(inst))


def solve_relay(
    inst: EngineInput,
    *,
    time_limit: float,
    seed: int = 1,
    coords: list[tuple[float, float]] | None = None,
    vroom_share: float = VROOM_SHARE,
    own_share: float = OWN_SHARE,
) -> EngineResult:
    """Solve a capped-fleet instance with VROOM first, then PyVRP from VROOM's best answer.

    Parameters
    ----------
    inst
        The integer model; jobs are optional with their penalty (served first).
    time_limit
        Wall-clock seconds for the whole relay.
    seed
        Seed of PyVRP's search (VROOM is deterministic).
    coords
        Planar coordinates of the locations, passed to PyVRP.
    vroom_share
        Share of ``time_limit`` VROOM may use.

    Returns
    -------
    EngineResult
        PyVRP's answer (``engine="vroom+pyvrp"``), never worse than VROOM's best.
    """
    t0 = time.perf_counter()
    share_end = t0 + vroom_share * time_limit
    best: EngineResult | None = None
    last = 0.0
    for level in LEVELS:
        left = share_end - time.perf_counter()
        if left <= 0 or (best is not None and last * LEVEL_GROWTH > left):
            break
        started = time.perf_counter()
        res = _vroom.solve(inst, exploration=level, threads=2, time_limit=left)
        last = time.perf_counter() - started
        if _better(res, best, inst):
            best = res
    own: EngineResult | None = None
    if own_share > 0:
        own_s = max(MIN_SEARCH_S, min(own_share * time_limit, t0 + time_limit - time.perf_counter()))
        own = _pyvrp.solve(inst, time_limit=own_s, seed=seed, all_required=False, coords=coords)
        if _better(own, best, inst):
            best = own
    rest = max(MIN_SEARCH_S, t0 + time_limit - time.perf_counter())
    start = best.routes if best is not None else None
    res = _pyvrp.solve(
        inst, time_limit=rest, seed=seed + 1, all_required=False, coords=coords, initial_routes=start
    )
    if best is not None and _better(best, res, inst):
        log.warning("PyVRP ended worse than its VROOM start; keeping VROOM's answer")
        res = best
    return EngineResult(
        routes=res.routes,
        dropped=res.dropped,
        engine="vroom+pyvrp",
        seconds=time.perf_counter() - t0,
        stats={**res.stats, "vroom_served": None if best is None else len(inst.jobs) - len(best.dropped)},
    )


__all__ = ["LEVELS", "VROOM_SHARE", "solve_relay"]
