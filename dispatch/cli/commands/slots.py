"""``opms-dispatch slots REQUEST``: the windows offered to a customer, and picking one.

    opms-dispatch slots 12 --json            # the 3-5 best windows, least added driving first
    opms-dispatch slots 12 --pick 2 --json   # book window 2 as tentative (top of the call list)

The windows are those of the public page "creneau" (:mod:`dispatch.office.slots`): the next
working days from tomorrow, ranked by the road time the visit adds to the stored days. A pick
holds the window as **tentative** (the request stays to contact: the office's call makes it
final) and prints the customer's link (confirm, cancel, ask to move). JSON: ``request_id``,
``slots`` (number, day, window_start, window_end, label, technician, added_travel_min); with
``--pick``: ``picked``, ``appointment_id``, ``status`` and ``link``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.cli.commands._db import actor, database

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser(
        "slots", parents=[common], help="windows to offer a request; --pick N books one as tentative"
    )
    p.add_argument("request_id", type=int, metavar="REQUEST")
    p.add_argument("--pick", type=int, metavar="N", help="book window N (1 = the best) as tentative")
    p.add_argument("--days", type=int, default=5, metavar="N", help="working days looked at (default 5)")
    p.add_argument("--region", default=None, help="region name (default: the only/default one)")
    p.add_argument("--base-url", default=None, help="address of the dashboard in the customer's link")
    p.add_argument("--actor", help="who picks (audit log; default: the login name)")
    p.set_defaults(func=run)


def run(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (the planner and the engines take about a second)
    from dispatch.errors import InvalidInput
    from dispatch.geo.region import load_region
    from dispatch.i18n import N_
    from dispatch.office import customer_link
    from dispatch.office.planning import default_region_name
    from dispatch.office.slots import pick_slot, slots_for_request

    if not 1 <= args.days <= 20:
        msg = N_("--days must be between 1 and 20, got {days}.")
        raise InvalidInput(msg, days=args.days)
    region = load_region(default_region_name(settings, args.region), settings=settings)
    with database(settings) as db:
        found = slots_for_request(db, region, settings, args.request_id, days=args.days)
        out: dict[str, object] = {"request_id": args.request_id, "slots": [s.to_dict() for s in found]}
        if args.pick is not None:
            appt = pick_slot(db, region, settings, args.request_id, args.pick, actor=actor(args), slots=found)
            out.update(
                picked=found[args.pick - 1].to_dict(), appointment_id=appt.id, status=appt.status,
                link=customer_link.customer_url(settings, args.request_id, base_url=args.base_url),
            )  # fmt: skip
    return out
