"""How many feasible routes a technician has on the benchmark days (the size of an exact
column generation's pricing problem).

For every technician of the eight days of ``bench_days.py``, a labelling pass enumerates
every elementary route that respects the windows, the shift end and the lunch (the same
rules as :func:`dispatch.routing.schedule._simulate`), keeping per (visits, last visit, lunch taken)
only the labels not dominated in time and travel. It prints the number of distinct visit
sets (columns a set-partitioning model would need), the labels created and the seconds.
A technician whose labels pass ``--cap`` is reported as ``>cap``.

Usage::

    .venv/bin/python benchmarks/enumerate_routes.py            # about 7 minutes
    .venv/bin/python benchmarks/enumerate_routes.py --days 3   # the three smallest days
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_days import DAYS, mascouche_region  # noqa: E402

from dispatch.routing._engine import EngineInput  # noqa: E402
from dispatch.routing.demo import generate_day  # noqa: E402
from dispatch.routing.translate import to_engine  # noqa: E402


def enumerate_routes(inst: EngineInput, v: int, *, cap: int) -> tuple[int | None, int]:
    """(distinct feasible visit sets or ``None`` past ``cap``, labels created) of vehicle ``v``."""
    veh, dur, jobs, brk = inst.vehicles[v], inst.durations, inst.jobs, inst.vehicles[v].brk
    allowed = [j for j in range(len(jobs)) if jobs[j].allowed is None or v in jobs[j].allowed]
    lunch_states = (False, True) if brk is not None else (False,)

    def ready_at(t: int, leg: int, lunch_now: bool) -> int | None:
        if not lunch_now:
            return t + leg
        if max(t, brk.early) > brk.late:
            return None
        return max(t + leg, brk.early) + brk.duration

    def done_at(t: int, prev: int, j: int, lunch_now: bool) -> int | None:
        ready = ready_at(t, dur[prev][jobs[j].loc], lunch_now)
        if ready is None:
            return None
        for a, b in jobs[j].windows:
            if ready <= b:
                return max(ready, a) + jobs[j].service
        return None

    def can_close(t: int, prev: int, lunch: bool) -> bool:
        leg = dur[prev][veh.end]
        if brk is None or lunch or t + leg <= brk.early:
            return t + leg <= veh.tw_late
        back = ready_at(t, leg, True)
        return back is not None and back <= veh.tw_late

    level: dict[tuple[int, int, bool], list[tuple[int, int]]] = {}
    for j in allowed:
        for lunch in lunch_states:
            t = done_at(veh.tw_early, veh.start, j, lunch)
            if t is not None:
                level.setdefault((1 << j, j, lunch), []).append((t, dur[veh.start][jobs[j].loc]))
    sets: set[int] = set()
    labels = len(level)
    while level:
        nxt: dict[tuple[int, int, bool], list[tuple[int, int]]] = {}
        for (mask, last, lunch), front in level.items():
            here = jobs[last].loc
            for t, cost in front:
                if can_close(t, here, lunch):
                    sets.add(mask)
                for j in allowed:
                    if mask >> j & 1:
                        continue
                    for lunch2 in (True,) if lunch else lunch_states:
                        t2 = done_at(t, here, j, lunch2 and not lunch)
                        if t2 is None:
                            continue
                        c2 = cost + dur[here][jobs[j].loc]
                        key = (mask | 1 << j, j, lunch2)
                        old = nxt.get(key)
                        if old is None:
                            nxt[key] = [(t2, c2)]
                        elif not any(a <= t2 and b <= c2 for a, b in old):
                            nxt[key] = [(a, b) for a, b in old if not (t2 <= a and c2 <= b)] + [(t2, c2)]
                        labels += 1
            if labels > cap:
                return None, labels
        level = nxt
    return len(sets), labels


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=len(DAYS), help="how many of the 8 days")
    ap.add_argument("--cap", type=int, default=2_000_000, help="labels per technician before giving up")
    args = ap.parse_args(argv)
    region = mascouche_region("enum-routes-")
    for n_tech, n_vis, seed in DAYS[: args.days]:
        inst = to_engine(generate_day(region, n_technicians=n_tech, n_visits=n_vis, seed=seed)).inst
        t0 = time.perf_counter()
        cells = []
        for v in range(len(inst.vehicles)):
            n_sets, labels = enumerate_routes(inst, v, cap=args.cap)
            cells.append(f"{'>cap' if n_sets is None else n_sets} sets/{labels} labels")
        print(f"{n_tech} tech {n_vis:2d} visits ({time.perf_counter() - t0:.1f} s): " + ", ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
