"""The week at once (``plan_week``) against the day-by-day greedy and the week as one PyVRP model.

Generated Mascouche weeks (:func:`dispatch.routing.demo.generate_requests`): 3 and 5
working days, 4-6 technicians (the same every day), two booked visits per technician and
day (their 2-4 h windows), and 3.5 requests per technician and day to place: half
available any day, half on one or two given days; half with a 4 h window. Both planners get
the same total budget (1 s per day by default) and the same road matrices; each answer is
checked (every day's plan by :func:`dispatch.routing.feasibility.check_plan`).

The multi-day peer (``benchmarks/_week_peers.py``): the whole week as ONE PyVRP model
(technician-days as vehicle types on one time axis, each request a group of one client per
allowed day, booked visits required on their day; lunch approximated), at the same budget
and at ``--peer-factor`` (10) times it. Its answers are re-scheduled and checked day by day
by the product (:func:`dispatch.routing.plan_from_routes`): visits the product's rules
cannot keep are dropped there and not counted (``raw_placed`` is what PyVRP served before).
``w/l`` is each planner's wall clock over its budget (the product must stay within 1.2);
``!`` marks a week with a day failing the check or a booked visit not served.

Usage::

    .venv/bin/python benchmarks/bench_week.py                 # 6 weeks, about 7 minutes
    .venv/bin/python benchmarks/bench_week.py --budget 2      # 2 s per day
    .venv/bin/python benchmarks/bench_week.py --no-peers      # plan_week and greedy only

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
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _week_peers  # noqa: E402

from dispatch.geo.point import GeoPoint  # noqa: E402
from dispatch.geo.region import build_region  # noqa: E402
from dispatch.routing import WeekRequest, next_working_days, plan_week  # noqa: E402
from dispatch.routing.demo import SKILLS, generate_requests, week_problems  # noqa: E402
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
    problems = week_problems(region, days, techs, visits, per_day=n_booked, skills=SKILLS)
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


def _row(week, problems, seconds: float, budget: float, weights: dict[str, int]) -> dict:
    booked = {v.id for p in problems.values() for v in p.visits}
    served_booked = sum(1 for p in week.days.values() for v in p.served if v in booked)
    reasons: dict[str, int] = {}
    for code in getattr(week, "unplaced", {}).values():
        reasons[code] = reasons.get(code, 0) + 1
    return {
        "placed": len(week.placed),
        "placed_weighted": sum(weights[r] for r in week.placed),
        "unplaced": len(weights) - len(week.placed),
        "reasons": reasons,
        "booked_served": served_booked,
        "booked_total": len(booked),
        "drive_min": round(week.total_travel_min, 1),
        "feasible": all(p.feasible for p in week.days.values()) and served_booked == len(booked),
        "seconds": round(seconds, 2),
        "wall_over_limit": round(seconds / budget, 2),
    }


def _peer_row(peer, problems, budget: float, weights: dict[str, int]) -> dict:
    row = _row(peer, problems, peer.seconds, budget, weights)
    row["raw_placed"] = peer.raw_placed
    row["booked_lost_in_check"] = peer.booked_lost
    row["pyvrp_feasible"] = peer.feasible_raw
    return row


def _cell(r: dict) -> str:
    flag = "" if r["feasible"] else "!"
    return f"{r['placed']:>3}{flag:1} {r['drive_min']:>6.0f} {r['seconds']:>5.1f} {r['wall_over_limit']:>4.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=1.0, help="seconds per day for every planner")
    ap.add_argument("--peer-factor", type=float, default=10.0, help="the PyVRP peer's second run: this x the budget")
    ap.add_argument("--no-peers", action="store_true", help="plan_week and the greedy only")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "week.json"))
    args = ap.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    region = mascouche_region("bench-week-")
    planners = ["plan_week", "greedy"] if args.no_peers else ["plan_week", "greedy", "pyvrp_1x", "pyvrp_10x"]
    rows = []
    head = "placed drive    s   w/l"
    print(f"{'week':>11} {'bkd':>3} {'req':>3} | " + " | ".join(f"{k:^23}" for k in planners))
    print(f"{'':>19} | " + " | ".join(head for _ in planners))
    for n_days, n_techs, seed in WEEKS:
        problems, requests = generated_week(region, n_days, n_techs, seed)
        for p in problems.values():
            p.validate()  # road matrices of the booked visits computed before the clocks start
        budget = args.budget * n_days
        weights = {r.id: 1 + r.priority for r in requests}
        row: dict = {
            "days": n_days, "technicians": n_techs, "seed": seed,
            "booked": sum(len(p.visits) for p in problems.values()), "requests": len(requests),
            "budget_s": budget,
        }
        t0 = time.perf_counter()
        week = plan_week(problems, requests, time_limit=budget, seed=1)
        row["plan_week"] = _row(week, problems, time.perf_counter() - t0, budget, weights)
        t0 = time.perf_counter()
        greedy = plan_days_greedy(problems, requests, time_limit=budget, seed=1)
        row["greedy"] = _row(greedy, problems, time.perf_counter() - t0, budget, weights)
        if not args.no_peers:
            peer = _week_peers.pyvrp_week(problems, requests, budget=budget, seed=1)
            row["pyvrp_1x"] = _peer_row(peer, problems, budget, weights)
            peer = _week_peers.pyvrp_week(problems, requests, budget=args.peer_factor * budget, seed=1)
            row["pyvrp_10x"] = _peer_row(peer, problems, budget, weights)
        rows.append(row)
        print(f"{n_days}d x {n_techs}t s{seed:<2} {row['booked']:>3} {len(requests):>3} | "
              + " | ".join(_cell(row[k]) for k in planners), flush=True)
    total = {k: sum(r[k]["placed"] for r in rows) for k in planners}
    weighted = {k: sum(r[k]["placed_weighted"] for r in rows) for k in planners}
    drive = {k: round(sum(r[k]["drive_min"] for r in rows), 1) for k in planners}
    seconds = {k: round(sum(r[k]["seconds"] for r in rows), 1) for k in planners}
    worst = {k: max(r[k]["wall_over_limit"] for r in rows) for k in planners}
    infeasible = {k: sum(not r[k]["feasible"] for r in rows) for k in planners}
    print(f"{'total':>19} | " + " | ".join(
        f"{total[k]:>3}  {drive[k]:>6.0f} {seconds[k]:>5.1f} {worst[k]:>4.2f}" for k in planners
    ) + "   (w/l: worst week)")
    gap = {
        k: {
            "placed": total["plan_week"] - total[k],
            "drive_min": round(drive["plan_week"] - drive[k], 1),
            "drive_pct": round(100 * (drive["plan_week"] - drive[k]) / drive[k], 1) if drive[k] else None,
        }
        for k in planners if k != "plan_week"
    }
    for k, g in gap.items():
        print(f"plan_week - {k}: {g['placed']:+d} requests placed, {g['drive_min']:+.1f} drive min ({g['drive_pct']:+.1f} %)")
    load_after = [round(x, 2) for x in os.getloadavg()]
    print(f"load average before {load_before}, after {load_after}")
    out = {
        "command": "python benchmarks/bench_week.py " + " ".join(sys.argv[1:]),
        "budget_per_day_s": args.budget,
        "peer_factor": None if args.no_peers else args.peer_factor,
        "load_before": load_before,
        "load_after": load_after,
        "weeks": rows,
        "total_placed": total,
        "total_placed_weighted": weighted,
        "total_drive_min": drive,
        "total_seconds": seconds,
        "worst_wall_over_limit": worst,
        "weeks_infeasible": infeasible,
        "gap_plan_week_minus": gap,
        "note": "a week is infeasible when a day's plan fails check_plan or a booked visit is not served; "
        "the PyVRP peer's answers are re-scheduled by plan_from_routes (lunch placed), which drops what "
        "cannot be kept (raw_placed: requests PyVRP served before that check)",
    }
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
