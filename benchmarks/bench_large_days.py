"""Large generated days (beyond the realistic 3-6 technicians / 20-60 visits): does a 1 s
solve stay near 1 s, and is every plan feasible?

Usage::

    .venv/bin/python benchmarks/bench_large_days.py          # about 20 s

Prints one line per day and budget: visits served / left out, checker verdict, wall time.
Results in ``benchmarks/results/large_days.json``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_days import mascouche_region  # noqa: E402

from dispatch.routing import solve  # noqa: E402
from dispatch.routing.demo import generate_day  # noqa: E402

DAYS = [(8, 100, 5), (12, 150, 5), (20, 300, 5)]


def main() -> int:
    load = [round(x, 2) for x in os.getloadavg()]
    region = mascouche_region("bench-large-")
    rows = []
    for n_tech, n_vis, seed in DAYS:
        problem = generate_day(region, n_technicians=n_tech, n_visits=n_vis, seed=seed)
        problem.validate()
        problem._matrix()  # the road matrix is not the solver's time
        for budget in (1.0, 5.0):
            t0 = time.perf_counter()
            plan = solve(problem, time_limit=budget, seed=1)
            seconds = time.perf_counter() - t0
            row = {
                "technicians": n_tech, "visits": n_vis, "seed": seed, "budget": budget,
                "served": len(plan.served), "unassigned": len(plan.unassigned),
                "feasible": plan.feasible, "seconds": round(seconds, 2), "engine": plan.engine,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    out = ROOT / "benchmarks" / "results" / "large_days.json"
    out.write_text(json.dumps({"command": "python benchmarks/bench_large_days.py", "load_average_at_start": load, "days": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
