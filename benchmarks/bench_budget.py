"""Does ``solve`` keep its time budget at every size? Wall-clock time / limit per day size.

Generated days on the Mascouche region (:func:`dispatch.routing.demo.generate_day`, seed
5), from 1 technician / 10 visits to 50 technicians / 500 visits, each solved with the
road matrix already computed (the matrix is not the solver's time), at 1 s and 5 s, in
the repeatable mode (``deterministic=True``, the default) and the wall-clock mode. The
target (issue 19): every call returns within 1.2 x its limit.

Also printed: visits served and whether the independent checker accepted the plan. Days
whose exact model is too large for the budget are searched in the lunch relaxation (see
``dispatch.routing.portfolio.MODEL_ENTRIES_PER_S``).

Usage::

    .venv/bin/python benchmarks/bench_budget.py [--budgets 1 5] [--runs 2]

Results in ``benchmarks/results/budget.json``; the table in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
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

SIZES = [(1, 10), (4, 30), (8, 100), (12, 150), (20, 300), (35, 400), (50, 500)]
TARGET = 1.2


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budgets", type=float, nargs="+", default=[1.0, 5.0])
    ap.add_argument("--runs", type=int, default=2, help="calls per size, budget and mode (the worst is kept)")
    args = ap.parse_args()
    load_start = [round(x, 2) for x in os.getloadavg()]
    region = mascouche_region("bench-budget-")
    rows = []
    print(f"{'day':>8} {'budget':>6} {'mode':>10} {'worst s':>8} {'ratio':>6} {'served':>7} ok")
    for n_tech, n_vis in SIZES:
        problem = generate_day(region, n_technicians=n_tech, n_visits=n_vis, seed=5)
        problem.validate()
        problem._matrix()  # the road matrix is not the solver's time
        for budget in args.budgets:
            for deterministic in (True, False):
                times, plan = [], None
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    plan = solve(problem, time_limit=budget, seed=1, deterministic=deterministic)
                    times.append(time.perf_counter() - t0)
                assert plan is not None
                worst = max(times)
                row = {
                    "technicians": n_tech, "visits": n_vis, "budget": budget,
                    "mode": "repeatable" if deterministic else "wall-clock",
                    "seconds": [round(t, 3) for t in times], "ratio": round(worst / budget, 3),
                    "served": len(plan.served), "feasible": plan.feasible,
                }
                rows.append(row)
                print(f"{n_tech:>3}/{n_vis:<4} {budget:>6.1f} {row['mode']:>10} {worst:>8.2f} {row['ratio']:>6.2f}"
                      f" {row['served']:>7} {'yes' if plan.feasible else 'NO'}", flush=True)
    kept = sum(r["ratio"] <= TARGET for r in rows)
    summary = {
        "command": "python benchmarks/bench_budget.py " + " ".join(sys.argv[1:]),
        "load_average_at_start": load_start, "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(), "target_ratio": TARGET, "within_target": f"{kept}/{len(rows)}",
        "worst_ratio": max(r["ratio"] for r in rows), "rows": rows,
    }
    out = ROOT / "benchmarks" / "results" / "budget.json"
    out.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"within {TARGET} x the limit: {kept}/{len(rows)}; worst ratio {summary['worst_ratio']}; "
          f"load {load_start} -> {summary['load_average_at_end']}")
    return 0 if all(r["feasible"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
