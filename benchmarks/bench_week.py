"""The week at once (``plan_week``) against the day-by-day greedy (``plan_days_greedy``).

Generated Mascouche weeks (:func:`dispatch.routing.demo.generate_requests`): 3 and 5
working days, 4-6 technicians (the same every day), two booked visits per technician and
day (their 2-4 h windows), and 3.5 requests per technician and day to place: half
available any day, half on one or two given days; half with a 4 h window. Both planners get
the same total budget (1 s per day by default) and the same road matrices; each answer is
checked (every day's plan by :func:`dispatch.routing.feasibility.check_plan`).

Usage::

    .venv/bin/python benchmarks/bench_week.py                 # 6 weeks, about 2 minutes
    .venv/bin/python benchmarks/bench_week.py --budget 2      # 2 s per day

Results: a table on stdout and ``benchmarks/results/week.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import date
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispatch.geo.point import GeoPoint  # noqa: E402
from dispatch.geo.region import build_region  # noqa: E402
from dispatch.routing import DispatchProblem, WeekRequest, next_working_days, plan_week  # noqa: E402
from dispatch.routing.demo import SKILLS, generate_requests  # noqa: E402
from dispatch.routing.week import plan_days_greedy  # noqa: E402
from dispatch.settings import load_settings  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
#: (working days, technicians, seed)
WEEKS = [(3, 4, 1), (3, 5, 2), (3, 6, 3), (5, 4, 4), (5, 5, 5), (5, 6, 6)]
MONDAY = date(2026, 12, 7)


def mascouche_region(prefix: str):
    """The Mascouche region of the benchmarks, built in a fresh temporary data directory."""
    settings = load_settings(data_dir=tempfile.mkdtemp(prefix=prefix), env={})
    return build_region(
        SHARED / "osm" / "mascouche_qc.osm", name="mascouche", shop=GeoPoint(45.7460, -73.6010), settings=settings
    )


def generated_week(region, n_days: int, n_techs: int, seed: int):
    """(day -> problem with the booked visits, the requests to place)."""
    days = next_working_days(MONDAY, n_days)
    n_booked = 2 * n_techs
    n_requests = round(3.5 * n_techs * n_days)
    techs, visits = generate_requests(
        region, n_technicians=n_techs, n_visits=n_booked * n_days + n_requests, seed=seed
    )
    problems = {}
    for k, d in enumerate(days):
        p = DispatchProblem(d, shop=region.shop, skills=SKILLS)
        for t in techs:
            p.add_technician(**t)
        for v in visits[k * n_booked:(k + 1) * n_booked]:
            p.add_visit(**v)
        p.use_region(region)
        problems[d] = p
    rng = random.Random(seed)
    requests = []
    for v in visits[n_booked * n_days:]:
        allowed: tuple[date, ...] = ()
        if rng.random() < 0.5:
            allowed = tuple(sorted(rng.sample(days, k=rng.choice((1, 2)))))
        window = None
        if rng.random() < 0.5:
            start = rng.choice((8, 9, 10, 11, 12, 13))
            window = (dtime(start), dtime(start + 4))
        requests.append(
            WeekRequest(
                id=v["id"], location=v["location"], service_min=v["service_min"], days=allowed,
                window=window, priority=v["priority"], skills=frozenset(v["skills"]), label=v["label"],
            )
        )
    return problems, requests


def _row(week, problems, seconds: float) -> dict:
    booked = {v.id for p in problems.values() for v in p.visits}
    served_booked = sum(1 for p in week.days.values() for v in p.served if v in booked)
    reasons: dict[str, int] = {}
    for code in week.unplaced.values():
        reasons[code] = reasons.get(code, 0) + 1
    return {
        "placed": len(week.placed),
        "placed_weighted": 0,
        "unplaced": len(week.unplaced),
        "reasons": reasons,
        "booked_served": served_booked,
        "drive_min": round(week.total_travel_min, 1),
        "feasible": all(p.feasible for p in week.days.values()),
        "seconds": round(seconds, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=1.0, help="seconds per day for both planners")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "week.json"))
    args = ap.parse_args()
    region = mascouche_region("bench-week-")
    rows = []
    print(f"{'week':>10} {'booked':>6} {'req':>4} | {'placed week/greedy':>18} | "
          f"{'drive min week/greedy':>22} | {'s week/greedy':>13}")
    for n_days, n_techs, seed in WEEKS:
        problems, requests = generated_week(region, n_days, n_techs, seed)
        for p in problems.values():
            p.validate()  # road matrices computed before the clocks start (both planners share them)
        budget = args.budget * n_days
        weights = {r.id: 1 + r.priority for r in requests}
        t0 = time.perf_counter()
        week = plan_week(problems, requests, time_limit=budget, seed=1)
        t1 = time.perf_counter()
        greedy = plan_days_greedy(problems, requests, time_limit=budget, seed=1)
        t2 = time.perf_counter()
        row = {
            "days": n_days, "technicians": n_techs, "seed": seed,
            "booked": sum(len(p.visits) for p in problems.values()), "requests": len(requests),
            "budget_s": budget,
            "plan_week": _row(week, problems, t1 - t0),
            "greedy": _row(greedy, problems, t2 - t1),
        }
        row["plan_week"]["placed_weighted"] = sum(weights[r] for r in week.placed)
        row["greedy"]["placed_weighted"] = sum(weights[r] for r in greedy.placed)
        rows.append(row)
        w, g = row["plan_week"], row["greedy"]
        print(f"{n_days}d x {n_techs}t s{seed:<2} {row['booked']:>6} {len(requests):>4} | "
              f"{w['placed']:>8} / {g['placed']:<8} | {w['drive_min']:>10} / {g['drive_min']:<10} | "
              f"{w['seconds']:>5} / {g['seconds']:<5}")
    total = {k: sum(r[k]["placed"] for r in rows) for k in ("plan_week", "greedy")}
    drive = {k: round(sum(r[k]["drive_min"] for r in rows), 1) for k in ("plan_week", "greedy")}
    print(f"total placed: plan_week {total['plan_week']}, greedy {total['greedy']}; "
          f"drive min: {drive['plan_week']} / {drive['greedy']}")
    out = {
        "budget_per_day_s": args.budget,
        "load": list(os.getloadavg()),
        "weeks": rows,
        "total_placed": total,
        "total_drive_min": drive,
    }
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
