"""Realistic dispatch days on Mascouche: the product at 1 s against OR-Tools, PyVRP and VROOM at 30 s.

Days come from :func:`dispatch.routing.demo.generate_day` (3-6 technicians, 20-60 visits at real
address points, 2-4 h windows, 45-120 min services, lunch breaks, skills, home starts).
Every answer, the peers' included, is scheduled and verified by the product's own
scheduler and independent checker (:func:`dispatch.routing.plan_from_routes`), and scored
with the same objective: travel seconds + penalties of visits left out (100,000 per
visit and priority level + 1, so serving one more visit always comes first).

* ``product_1s``: ``dispatch.routing.solve(problem, time_limit=1)`` (the default call:
  repeatable, stops on work counts calibrated on an idle machine, so slower when busy);
* ``product_1s_wall``: the same with ``deterministic=False``: strictly 1 s of wall clock;
* ``product_30s``: the same call with 30 s and ``deterministic=False`` (the engine's ceiling);
* ``ortools_30s``: the product's OR-Tools model alone, guided local search for 30 s;
* ``pyvrp_30s``: PyVRP 30 s on the product's PyVRP model (lunch as a required group of
  "lunch spots", skills as per-technician profiles; ``dispatch.routing._pyvrp_day.solve_day``);
* ``vroom``: VROOM with native breaks/skills/windows, exploration 5, nb_threads=2,
  timeout 30 s (it stops by itself much earlier).

Usage::

    .venv/bin/python benchmarks/bench_days.py            # 8 days, about 14 minutes
    .venv/bin/python benchmarks/bench_days.py --days 2 --budget 5   # quick look
    .venv/bin/python benchmarks/bench_days.py --product-only        # about 1 minute

``--product-only`` re-runs only ``product_1s`` and ``product_1s_wall`` and compares them with
the peers' (and ``product_30s``) results saved by the last full run in the output file
(``peers_from`` in the JSON says so): the peers are not re-run, so the comparison is with
their 30 s answers from that earlier run, on the same generated days.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _peers  # noqa: E402

from dispatch.geo.point import GeoPoint  # noqa: E402
from dispatch.geo.region import build_region  # noqa: E402
from dispatch.routing import _ortools, _pyvrp_day, plan_from_routes, solve  # noqa: E402
from dispatch.routing.demo import generate_day  # noqa: E402
from dispatch.routing.translate import to_engine  # noqa: E402
from dispatch.settings import load_settings  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
DAYS = [(3, 20, 1), (4, 20, 2), (4, 25, 3), (5, 25, 4), (5, 30, 5), (6, 30, 6), (6, 45, 7), (6, 60, 8)]


def mascouche_region(prefix: str):
    """The Mascouche region of the benchmarks (shop at 45.7460, -73.6010), built in a
    fresh temporary data directory named ``prefix...``."""
    settings = load_settings(data_dir=tempfile.mkdtemp(prefix=prefix), env={})
    return build_region(
        SHARED / "osm" / "mascouche_qc.osm", name="mascouche", shop=GeoPoint(45.7460, -73.6010), settings=settings
    )


def _routes(model, res) -> dict[str, list[str]]:
    return {model.tech_ids[v]: [model.visit_ids[j] for j in r] for v, r in enumerate(res.routes)}


def _row(plan, seconds: float) -> dict:
    return {
        "objective": plan.objective,
        "served": len(plan.served),
        "unassigned": len(plan.unassigned),
        "travel_min": round(plan.total_travel_min, 1),
        "km": round(plan.total_km, 2),
        "feasible": plan.feasible,
        "seconds": round(seconds, 2),
    }


def _score(row: dict) -> None:
    peers = [row[k]["objective"] for k in ("ortools_30s", "pyvrp_30s", "vroom") if row[k]["feasible"]]
    best = min(peers) if peers else None
    row["best_peer_objective"] = best
    row["product_reaches_best"] = best is not None and row["product_1s"]["objective"] <= best
    row["product_wall_reaches_best"] = best is not None and row["product_1s_wall"]["objective"] <= best
    row["product_gap_travel_pct"] = (
        None
        if best is None or row["product_1s"]["unassigned"] != min(row[k]["unassigned"] for k in ("ortools_30s", "pyvrp_30s", "vroom"))
        else round(100 * (row["product_1s"]["objective"] - best) / max(1, best % 100_000), 2)
    )


def _print(row: dict, n_tech: int, n_vis: int) -> None:
    print(
        f"{n_tech} tech {n_vis:2d} visits: "
        + "  ".join(
            f"{k} {row[k]['objective']} ({row[k]['unassigned']} out, {row[k]['seconds']}s, {'ok' if row[k]['feasible'] else 'INFEASIBLE'})"
            for k in ("product_1s", "product_1s_wall", "product_30s", "ortools_30s", "pyvrp_30s", "vroom")
        )
        + f"  reaches best: {row['product_reaches_best']}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=len(DAYS), help="how many of the 8 days")
    ap.add_argument("--budget", type=float, default=30.0, help="peers' budget (s)")
    ap.add_argument("--product-budget", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1, help="the product's seed (peers use seed 1)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "days.json"))
    ap.add_argument(
        "--product-only",
        action="store_true",
        help="re-run only the product at the product budget; peers' results reused from --out",
    )
    args = ap.parse_args(argv)
    saved: dict[tuple[int, int, int], dict] = {}
    saved_doc: dict = {}
    if args.product_only:
        saved_doc = json.loads(Path(args.out).read_text())
        saved = {(r["technicians"], r["visits"], r["seed"]): r for r in saved_doc["days"]}

    load = [round(x, 2) for x in os.getloadavg()]
    region = mascouche_region("bench-days-")
    results = []
    for n_tech, n_vis, seed in DAYS[: args.days]:
        problem = generate_day(region, n_technicians=n_tech, n_visits=n_vis, seed=seed)
        problem.validate()
        model = to_engine(problem)
        row = {"technicians": n_tech, "visits": n_vis, "seed": seed, "day": problem.day.isoformat()}
        t0 = time.perf_counter()
        plan = solve(problem, time_limit=args.product_budget, seed=args.seed)
        row["product_1s"] = _row(plan, time.perf_counter() - t0)
        row["product_1s"]["engine"] = plan.engine
        t0 = time.perf_counter()
        plan = solve(problem, time_limit=args.product_budget, seed=args.seed, deterministic=False)
        row["product_1s_wall"] = _row(plan, time.perf_counter() - t0)
        row["product_1s_wall"]["engine"] = plan.engine
        if args.product_only:
            old = saved[(n_tech, n_vis, seed)]
            for k in ("product_30s", "ortools_30s", "pyvrp_30s", "vroom"):
                row[k] = old[k]
            _score(row)
            results.append(row)
            _print(row, n_tech, n_vis)
            continue
        t0 = time.perf_counter()
        plan = solve(problem, time_limit=args.budget, seed=1, deterministic=False)
        row["product_30s"] = _row(plan, time.perf_counter() - t0)
        row["product_30s"]["engine"] = plan.engine
        t0 = time.perf_counter()
        res = _ortools.solve(model.inst, time_limit=args.budget)
        row["ortools_30s"] = _row(plan_from_routes(problem, _routes(model, res), engine="ortools"), time.perf_counter() - t0)
        t0 = time.perf_counter()
        res = _pyvrp_day.solve_day(model.inst, time_limit=args.budget, seed=1)
        row["pyvrp_30s"] = _row(plan_from_routes(problem, _routes(model, res), engine="pyvrp"), time.perf_counter() - t0)
        t0 = time.perf_counter()
        res = _peers.vroom_engine(model.inst, budget=args.budget)
        row["vroom"] = _row(plan_from_routes(problem, _routes(model, res), engine="vroom"), time.perf_counter() - t0)
        _score(row)
        results.append(row)
        _print(row, n_tech, n_vis)
    out = {
        "command": "python benchmarks/bench_days.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "objective": "travel seconds + 100,000 x (priority + 1) per visit left out",
        "days": results,
        "reached_best": sum(r["product_reaches_best"] for r in results),
        "wall_reached_best": sum(r["product_wall_reaches_best"] for r in results),
        "n_days": len(results),
    }
    if args.product_only:
        out["peers_from"] = (
            "product_30s, ortools_30s, pyvrp_30s and vroom copied from the earlier full run "
            f"({saved_doc.get('peers_from', saved_doc['command'])}); only product_1s and "
            "product_1s_wall were re-run"
        )
        out["full_run_reached_best"] = saved_doc.get("full_run_reached_best", saved_doc["reached_best"])
        out["peers_machine_load"] = saved_doc.get("peers_machine_load", saved_doc.get("machine_load"))
        out["load_average_at_start"] = load
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(f"\nproduct at {args.product_budget:g} s reached the best peer objective on {out['reached_best']}/{len(results)} days -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
