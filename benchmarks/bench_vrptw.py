"""VRPTW quality benchmark: the product's engine against PyVRP and VROOM, side by side.

Solomon (56 instances, 100 customers) and Gehring-Homberger 200 (30 instances) from
``../shared/data``, scored under the DIMACS convention (arcs truncated to one decimal, the
convention of ``bks_dimacs.csv``), every solution verified by the product's independent
checker. Resumable: each (instance, budget, solver) result is appended to the JSON file as
soon as it is known and skipped on the next run unless ``--fresh``.

Usage::

    .venv/bin/python benchmarks/bench_vrptw.py --set solomon --budgets 1,10
    .venv/bin/python benchmarks/bench_vrptw.py --set homberger --budgets 30
    .venv/bin/python benchmarks/bench_vrptw.py --set solomon --instances C101,R101 --budgets 1 \
        --solvers ours,pyvrp,vroom,ortools

Solvers: ``ours`` (the product: ``dispatch.routing.vrptw.solve_vrptw``, engine auto), ``ortools``
(the product's OR-Tools model, to compare engines), ``pyvrp`` (PyVRP Model API, defaults),
``vroom`` (pyvroom, exploration 5, nb_threads=2, timeout = budget; it usually stops earlier).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dispatch.routing.feasibility import check_vrptw  # noqa: E402
from dispatch.routing.vrptw import solve_vrptw  # noqa: E402
from dispatch.routing.vrptw_instance import gap_pct, read_bks, read_vrptw, route_cost  # noqa: E402

SHARED = Path(os.environ.get("OPMS_SHARED_DIR", ROOT.parent / "shared")) / "data"
SETS = {
    "solomon": (SHARED / "solomon", [1.0, 10.0]),
    "homberger": (SHARED / "homberger_200", [30.0]),
}
SOLVERS = ("ours", "pyvrp", "vroom", "ortools")


def _versions() -> dict:
    from importlib.metadata import version

    out = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}
    for pkg in ("ortools", "pyvrp", "pyvroom"):
        try:
            out[pkg] = version(pkg)
        except Exception:
            out[pkg] = None
    return out


def run_one(path: Path, budget: float, solver: str, seed: int) -> dict:
    import _peers

    inst = read_vrptw(path)
    t0 = time.perf_counter()
    if solver == "ours":
        sol = solve_vrptw(inst, time_limit=budget, seed=seed, convention="dimacs", engine="auto")
        routes = sol.routes
    elif solver == "ortools":
        sol = solve_vrptw(inst, time_limit=budget, seed=seed, convention="dimacs", engine="ortools")
        routes = sol.routes
    elif solver == "pyvrp":
        routes = _peers.pyvrp_vrptw(inst, budget=budget, seed=seed)
    elif solver == "vroom":
        routes = _peers.vroom_vrptw(inst, budget=budget)
    else:
        raise ValueError(solver)
    seconds = time.perf_counter() - t0
    routes = [r for r in routes if r]
    report = check_vrptw(inst, routes, convention="dimacs")
    return {
        "instance": path.stem,
        "budget": budget,
        "solver": solver,
        "cost": route_cost(inst, routes, "dimacs"),
        "exact_distance": round(route_cost(inst, routes, "exact"), 4),
        "vehicles": len(routes),
        "feasible": report.ok,
        "violations": list(report.violations[:5]),
        "seconds": round(seconds, 3),
        "routes": routes,
    }


def load(out: Path) -> dict:
    if out.is_file():
        return json.loads(out.read_text())
    return {"meta": {}, "runs": []}


def save(out: Path, data: dict) -> None:
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(out)


def summary(data: dict, bks: dict) -> list[dict]:
    rows = []
    keys = sorted({(r["budget"], r["solver"]) for r in data["runs"]}, key=lambda k: (k[0], SOLVERS.index(k[1])))
    for budget, solver in keys:
        runs = [r for r in data["runs"] if r["budget"] == budget and r["solver"] == solver]
        gaps = [gap_pct(r["cost"], bks[r["instance"]][1]) for r in runs if r["feasible"]]
        rows.append(
            {
                "budget": budget,
                "solver": solver,
                "instances": len(runs),
                "feasible": sum(r["feasible"] for r in runs),
                "mean_gap_pct": round(statistics.fmean(gaps), 3) if gaps else None,
                "max_gap_pct": round(max(gaps), 3) if gaps else None,
                "mean_seconds": round(statistics.fmean(r["seconds"] for r in runs), 2),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=sorted(SETS), default="solomon")
    ap.add_argument("--budgets", help="comma-separated seconds (default: 1,10 Solomon; 30 Homberger)")
    ap.add_argument("--instances", help="comma-separated names (default: all of the set)")
    ap.add_argument("--solvers", default="ours,pyvrp,vroom", help=f"comma-separated of {','.join(SOLVERS)}")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="JSON file (default benchmarks/results/vrptw_<set>.json)")
    ap.add_argument("--fresh", action="store_true", help="start over instead of resuming")
    args = ap.parse_args(argv)

    folder, default_budgets = SETS[args.set]
    budgets = [float(b) for b in args.budgets.split(",")] if args.budgets else default_budgets
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    for s in solvers:
        if s not in SOLVERS:
            ap.error(f"unknown solver {s}")
    bks = read_bks(folder / "bks_dimacs.csv")
    names = args.instances.split(",") if args.instances else sorted(bks)
    out = Path(args.out) if args.out else ROOT / "benchmarks" / "results" / f"vrptw_{args.set}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    data = {"meta": {}, "runs": []} if args.fresh else load(out)
    command = "python benchmarks/bench_vrptw.py " + " ".join(argv if argv is not None else sys.argv[1:])
    commands = list(data.get("meta", {}).get("commands", []))
    if command not in commands:
        commands.append(command)
    data["meta"] = {
        "set": args.set,
        "convention": "dimacs (arcs truncated to 1 decimal), gap vs bks_dimacs.csv",
        "commands": commands,
        "versions": _versions(),
    }
    done = {(r["instance"], r["budget"], r["solver"]) for r in data["runs"]}
    # budget-major order: the short budget completes for every instance first
    for budget in budgets:
        for name in names:
            for solver in solvers:
                if (name, budget, solver) in done:
                    continue
                row = run_one(folder / f"{name}.txt", budget, solver, args.seed)
                row["bks"] = bks[name][1]
                row["gap_pct"] = round(gap_pct(row["cost"], bks[name][1]), 3)
                data["runs"].append(row)
                save(out, data)
                print(
                    f"{name:8s} {budget:5.0f}s {solver:7s} cost {row['cost']:9.1f} "
                    f"gap {row['gap_pct']:6.2f}% veh {row['vehicles']:3d} "
                    f"{'ok' if row['feasible'] else 'INFEASIBLE'} {row['seconds']:.1f}s",
                    flush=True,
                )
    data["summary"] = summary(data, bks)
    save(out, data)
    print(f"\n{args.set}: mean gap to bks_dimacs.csv (feasible solutions), {out}")
    print(f"{'budget':>7} {'solver':8} {'n':>3} {'feas':>4} {'mean gap %':>10} {'max gap %':>9} {'mean s':>7}")
    for r in data["summary"]:
        print(
            f"{r['budget']:7.0f} {r['solver']:8} {r['instances']:3d} {r['feasible']:4d} "
            f"{r['mean_gap_pct'] if r['mean_gap_pct'] is not None else '-':>10} "
            f"{r['max_gap_pct'] if r['max_gap_pct'] is not None else '-':>9} {r['mean_seconds']:7.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
