"""``opms-dispatch vrptw``: solve a Solomon-format VRPTW instance with the product's engine.

    opms-dispatch vrptw ../shared/data/solomon/C101.txt --time-limit 1 --json

Euclidean distances, travel time = distance, minimise total distance, fleet unlimited
unless ``--fleet`` caps it (then as many customers as possible are served first, and the
others are listed in ``unassigned``). JSON: ``distance`` (exact Euclidean), ``vehicles``,
``routes`` (customer ids, depot omitted), ``unassigned``, ``feasible`` (from the
independent checker), ``seconds``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser(
        "vrptw", parents=[common], help="solve a Solomon/Homberger VRPTW instance (benchmark)"
    )
    p.add_argument("file", metavar="FILE", help="instance in Solomon text format")
    p.add_argument("--time-limit", type=float, required=True, metavar="SECONDS", help="search budget")
    p.add_argument("--fleet", type=int, metavar="N", help="at most N vehicles (default unlimited)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    p.set_defaults(func=run)


def run(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.routing imports in 0.5 s)
    from dispatch.routing import read_vrptw, solve_vrptw
    from dispatch.routing.vrptw import load_engines

    if not args.time_limit > 0:
        msg = N_("--time-limit must be a positive number of seconds, got {time_limit}.")
        raise InvalidInput(msg, time_limit=args.time_limit)
    if args.fleet is not None and args.fleet < 1:
        msg = N_("--fleet must be at least 1, got {fleet}.")
        raise InvalidInput(msg, fleet=args.fleet)
    load_engines()  # a library load, like the import above: not part of the solve's time
    t0 = time.perf_counter()
    inst = read_vrptw(args.file)
    sol = solve_vrptw(inst, time_limit=args.time_limit, seed=args.seed, fleet=args.fleet)
    return {
        "distance": round(sol.distance, 4),
        "vehicles": sol.vehicles,
        "routes": [r for r in sol.routes if r],
        "unassigned": sol.unassigned,
        "feasible": sol.feasible,
        "seconds": round(time.perf_counter() - t0, 3),
    }
