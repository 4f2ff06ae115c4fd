"""Quality per budget with a fleet cap: the product against PyVRP and VROOM at equal budget.

The days are the second generator's (:mod:`gen_shapes`: clusters, rural fringe, many short
visits, many long ones, tight and loose fleets), solved through the command line's
contract, ``opms-dispatch vrptw FILE --time-limit S --fleet K`` (the function it calls,
:func:`dispatch.routing.vrptw.solve_vrptw`, exact Euclidean convention). The peers get
the same integer matrix and the same budget: PyVRP (Model API, defaults, every customer
optional with a prize above any route's length) and VROOM (K vehicles, exploration 5, two
threads). Every answer is verified by the product's checker; an infeasible answer counts
as serving nobody.

Targets (issue 19, item 2): at each budget the product serves at least as many visits as
the better peer on every day (one day-run in 32 may be one visit short) and drives no more
in total over the days where the service is equal; the product's 10 s answer is never
worse than its 1 s answer with the same seed.

Usage::

    .venv/bin/python benchmarks/bench_fleet.py                    # 16 days x 1, 5, 10 s (~14 min)
    .venv/bin/python benchmarks/bench_fleet.py --budgets 1 --days 4 --seeds 1 2
    .venv/bin/python benchmarks/bench_fleet.py --budgets 1 --peer-factor 10 --out /tmp/fleet_10x.json

Results: a table on stdout and ``benchmarks/results/fleet.json`` (every route kept).
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
import gen_shapes  # noqa: E402

from dispatch.routing.feasibility import check_vrptw  # noqa: E402
from dispatch.routing.vrptw import solve_vrptw  # noqa: E402
from dispatch.routing.vrptw_instance import read_vrptw, route_cost  # noqa: E402

SOLVERS = ("ours", "pyvrp", "vroom")


def run_one(path: Path, fleet: int, budget: float, solver: str, seed: int) -> dict:
    inst = read_vrptw(path)
    t0 = time.perf_counter()
    if solver == "ours":
        routes = solve_vrptw(inst, time_limit=budget, seed=seed, fleet=fleet).routes
    elif solver == "pyvrp":
        routes = _peers.pyvrp_vrptw(inst, fleet=fleet, budget=budget, seed=seed, convention="exact")
    elif solver == "vroom":
        routes = _peers.vroom_vrptw(inst, fleet=fleet, budget=budget, convention="exact")
    else:
        raise ValueError(solver)
    seconds = time.perf_counter() - t0
    routes = [r for r in routes if r]
    report = check_vrptw(inst, routes, convention="exact", fleet=fleet)
    served = sum(len(r) for r in routes) if report.ok else 0
    return {
        "day": inst.name, "fleet": fleet, "budget": budget, "solver": solver, "seed": seed,
        "served": served, "customers": inst.n_customers,
        "distance": round(route_cost(inst, routes, "exact"), 3) if report.ok else None,
        "feasible": report.ok, "seconds": round(seconds, 3), "routes": routes,
    }


def compare(rows: list[dict]) -> list[dict]:
    """Per (day, budget, seed): the product against the better peer."""
    out = []
    keys = sorted({(r["day"], r["budget"], r["seed"]) for r in rows if r["solver"] == "ours"})
    for day, budget, seed in keys:
        mine = next(r for r in rows if (r["day"], r["budget"], r["seed"], r["solver"]) == (day, budget, seed, "ours"))
        peers = [r for r in rows if r["day"] == day and r["budget"] == budget and r["solver"] != "ours"
                 and (r["solver"] == "vroom" or r["seed"] == seed)]
        if not peers:
            continue
        best = max(peers, key=lambda r: (r["served"], -(r["distance"] or 0.0)))
        out.append({
            "day": day, "budget": budget, "seed": seed, "ours_served": mine["served"],
            "ours_distance": mine["distance"], "best_peer": best["solver"], "peer_served": best["served"],
            "peer_distance": best["distance"], "short": best["served"] - mine["served"],
        })
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budgets", type=float, nargs="+", default=[1.0, 5.0, 10.0])
    ap.add_argument("--days", type=int, default=len(gen_shapes.DAYS), help="first N generated days")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--solvers", default=",".join(SOLVERS))
    ap.add_argument("--peer-factor", type=float, default=1.0,
                    help="give the peers this many times the product's budget (e.g. 10)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "fleet.json")
    args = ap.parse_args()
    solvers = args.solvers.split(",")
    rows: list[dict] = []
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        days = gen_shapes.write_days(Path(tmp), gen_shapes.DAYS[: args.days])
        for path, fleet in days:
            for budget in args.budgets:
                for seed in args.seeds:
                    for solver in solvers:
                        if solver == "vroom" and seed != args.seeds[0]:
                            continue  # deterministic
                        given = budget if solver == "ours" else budget * args.peer_factor
                        r = run_one(path, fleet, given, solver, seed)
                        r["budget"] = budget  # the row's budget is the product's; "given" is the solver's
                        r["given"] = given
                        rows.append(r)
                        print(f"{r['day']:<22} K={fleet:<3} {given:>4g}s s{seed} {solver:<6} "
                              f"{r['served']:>4}/{r['customers']:<4} {r['distance']!s:>10} "
                              f"{r['seconds']:6.2f}s {'ok' if r['feasible'] else 'INFEASIBLE'}", flush=True)
    load1 = os.getloadavg()
    cmp_rows = compare(rows)
    print("\nproduct against the better peer (served, then distance where equal):")
    for budget in args.budgets:
        mine = [c for c in cmp_rows if c["budget"] == budget]
        short = [c for c in mine if c["short"] > 0]
        equal = [c for c in mine if c["short"] == 0]
        more = sum(1 for c in mine if c["short"] < 0)
        d_ours = sum(c["ours_distance"] or 0 for c in equal)
        d_peer = sum(c["peer_distance"] or 0 for c in equal)
        print(f"  {budget:>4g} s: {len(mine)} day-runs, short on {len(short)} "
              f"(by {sorted(c['short'] for c in short)}), more on {more}, equal on {len(equal)}: "
              f"distance {d_ours:,.1f} vs {d_peer:,.1f} ({100 * (d_ours / d_peer - 1) if d_peer else 0:+.2f} %)")
    if len(args.budgets) > 1:
        lo, hi = min(args.budgets), max(args.budgets)
        worse = []
        for r in rows:
            if r["solver"] != "ours" or r["budget"] != hi:
                continue
            base = next(x for x in rows if x["solver"] == "ours" and x["budget"] == lo
                        and x["day"] == r["day"] and x["seed"] == r["seed"])
            if (r["served"], -(r["distance"] or 0)) < (base["served"], -(base["distance"] or 0)):
                worse.append(r["day"])
        print(f"  product {hi:g} s worse than {lo:g} s (same seed) on: {worse or 'no day'}")
    ratios = [r["seconds"] / r["budget"] for r in rows if r["solver"] == "ours"]
    if ratios:
        print(f"  product wall-clock / limit: {min(ratios):.2f}-{max(ratios):.2f} over {len(ratios)} calls")
    if args.peer_factor != 1:
        print(f"  (peers given {args.peer_factor:g} x the product's budget)")
    print(f"load average before {load0[0]:.1f}, after {load1[0]:.1f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"load": [load0, load1], "rows": rows, "compare": cmp_rows}, indent=1))


if __name__ == "__main__":
    main()
