"""``opms-dispatch calls``: call lists and call outcomes.

    opms-dispatch calls contact --json                  # new requests to phone, oldest first
    opms-dispatch calls confirm [--date YYYY-MM-DD]     # day-before calls (default: tomorrow)
    opms-dispatch calls record REQUEST_ID --kind contact --outcome reached \\
        --start 2026-12-03T09:00 --end 2026-12-03T11:00 [--technician ID] [--note TEXT]

A window already over is refused (exit 2); ``--force`` books it anyway, to record a visit
made earlier: the command line is the administrator's tool (whoever runs it owns the data
folder), so the flag is the explicit administrator's decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.cli.commands._db import actor, database, parse_day, parse_instant
from dispatch.cli.streams import stderr
from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("calls", parents=[common], help="call lists and call outcomes")
    sub = p.add_subparsers(dest="calls_command", metavar="ACTION")

    c = sub.add_parser("contact", parents=[common], help="requests to contact, oldest first")
    c.set_defaults(func=_contact)

    f = sub.add_parser("confirm", parents=[common], help="day-before confirmation calls")
    f.add_argument("--date", default="tomorrow", help="day of the appointments (default tomorrow)")
    f.set_defaults(func=_confirm)

    r = sub.add_parser("record", parents=[common], help="log a call's outcome and apply it")
    r.add_argument("request_id", type=int)
    r.add_argument("--kind", required=True, choices=["contact", "confirmation"])
    r.add_argument(
        "--outcome", required=True, choices=["reached", "message_left", "rescheduled", "cancelled"]
    )
    r.add_argument("--start", help="agreed window start, YYYY-MM-DDTHH:MM (Montréal time)")
    r.add_argument("--end", help="agreed window end")
    r.add_argument("--technician", type=int, help="technician id for a booked visit")
    r.add_argument("--duration-min", type=int, default=60, help="expected visit length")
    r.add_argument("--appointment", type=int, help="appointment id (confirmation calls)")
    r.add_argument("--note", default="")
    r.add_argument("--actor", help="who made the call (audit log)")
    r.add_argument(
        "--force", action="store_true",
        help="book or move into a window already over (administrator: a visit made earlier)",
    )
    r.set_defaults(func=_record)

    def _help(args: Namespace, settings: Settings) -> int:
        p.print_help(stderr())
        return 2

    p.set_defaults(func=_help)


def _contact(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.calls imports in 0.24 s)
    from dispatch.office.calls import requests_to_contact

    with database(settings) as db:
        items = requests_to_contact(db)
    return {"kind": "contact", "count": len(items), "calls": [i.to_dict() for i in items]}


def _confirm(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.calls imports in 0.24 s)
    from dispatch.office.calls import confirmation_calls

    day = parse_day(args.date)
    with database(settings) as db:
        items = confirmation_calls(db, day)
    return {
        "kind": "confirmation", "date": day.isoformat(), "count": len(items),
        "calls": [i.to_dict() for i in items],
    }  # fmt: skip


def _record(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.calls imports in 0.24 s)
    from dispatch.office.calls import record_call
    from dispatch.records import get_request

    window = None
    if args.start or args.end:
        if not (args.start and args.end):
            msg = N_("Give both --start and --end of the agreed window.")
            raise InvalidInput(msg)
        window = (parse_instant(args.start), parse_instant(args.end))
    with database(settings) as db:
        call = record_call(
            db, args.request_id, args.outcome, kind=args.kind, actor=actor(args),
            settings=settings, appointment_id=args.appointment, window=window,
            technician_id=args.technician, duration_min=args.duration_min, note=args.note,
            force=args.force,
        )  # fmt: skip
        req = get_request(db, args.request_id)
    out = call.to_dict()
    out["request_state"] = req.state
    if req.cancellation:
        out["cancellation"] = req.cancellation
        out["cancellation_fee"] = None if req.cancellation_fee is None else str(req.cancellation_fee)
    return out
