"""``opms-dispatch plan --date YYYY-MM-DD [--time-limit S] [--publish]``: plan a stored day.

Loads the day's appointments and the active technicians from the database, solves on the
region's road matrices and prints the routes with ETAs, km, minutes and the unassigned
visits with their reasons. The plan is not saved unless ``--publish`` (the office's
"Publier"): each planned visit is then assigned to its technician (JSON ``published``: how
many assignments changed).

``opms-dispatch plan --week YYYY-MM-DD [--days N]``: the week at once. The requests still
to book (state ``requested``, no appointment, not remote-only) are placed on the next ``N``
working days (Monday-Friday, from the date) and technicians by
:func:`dispatch.routing.plan_week`, each day's booked appointments kept; JSON ``days``
(each day's plan), ``placed`` (request -> day, technician) and ``unplaced`` (request ->
reason). Nothing is written: it is a proposal.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("plan", parents=[common], help="plan a stored day (routes, ETAs)")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--date", metavar="YYYY-MM-DD", help="the day to plan")
    when.add_argument("--week", metavar="YYYY-MM-DD",
                      help="place the requests still to book on the working days from this date")
    p.add_argument("--days", type=int, default=5, metavar="N",
                   help="with --week: how many working days (default 5)")
    p.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help="solver budget in seconds (default: settings routing.time_limit_s)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: settings)")
    p.add_argument("--region", default=None, help="region name (default: the only/default one)")
    p.add_argument("--publish", action="store_true", help="assign the planned visits to their technicians")
    p.add_argument("--actor", help="who publishes (audit log)")
    p.set_defaults(func=run)


def run(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.planning imports in 0.14 s, dispatch.records 0.26 s)
    from dispatch.cli.commands._db import actor
    from dispatch.geo.region import load_region
    from dispatch.office.planning import default_region_name, plan_day, publish
    from dispatch.records import open_database

    if args.time_limit is not None and args.time_limit <= 0:
        msg = N_("--time-limit must be positive, got {time_limit}.")
        raise InvalidInput(msg, time_limit=args.time_limit)
    if args.week is not None:
        return _run_week(args, settings)
    try:
        day = date.fromisoformat(args.date)
    except ValueError as err:
        msg = N_("--date must be YYYY-MM-DD (for example 2026-06-02), got {date!r}.")
        raise InvalidInput(msg, date=args.date) from err
    region = load_region(default_region_name(settings, args.region), settings=settings)
    db = open_database(settings=settings)
    try:
        day_plan = plan_day(
            region, db, day, settings=settings, time_limit=args.time_limit, seed=args.seed,
            paths=False,
        )
        published = publish(db, day_plan, actor=actor(args)) if args.publish else None
    finally:
        db.close()
    out = day_plan.to_dict()
    if published is not None:
        out["published"] = published
    return out


def _run_week(args: Namespace, settings: Settings) -> dict[str, object]:
    """``plan --week``: :func:`dispatch.office.week_planning.propose_week` (nothing written)."""
    from dispatch import records
    from dispatch.geo.region import load_region
    from dispatch.office.planning import default_region_name
    from dispatch.office.week_planning import propose_week

    try:
        first = date.fromisoformat(args.week)
    except ValueError as err:
        msg = N_("--week must be YYYY-MM-DD (for example 2026-12-07), got {date!r}.")
        raise InvalidInput(msg, date=args.week) from err
    region = load_region(default_region_name(settings, args.region), settings=settings)
    db = records.open_database(settings=settings)
    try:
        proposal = propose_week(region, db, first, days=args.days, settings=settings,
                                time_limit=args.time_limit, seed=args.seed)
    finally:
        db.close()
    return proposal.to_dict()
