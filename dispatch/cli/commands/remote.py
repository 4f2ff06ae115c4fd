"""``opms-dispatch remote``: remote support sessions ("À distance").

    opms-dispatch remote start 12 --consent [--at 2026-12-03T10:00] --json   # prints the session id
    opms-dispatch remote stop 7 [--interrupted] [--at 2026-12-03T10:25]

A session starts only with the customer's consent (``--consent``: the wording of
:data:`dispatch.office.remote_support.CONSENT_TEXT` was read to them); its clock runs on the
server. ``--interrupted``: the customer ended it; the time done is billed with no travel, no
minimum and no compensation. The one-time password of the remote-control tool is never asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.cli.commands._db import actor, database, parse_instant
from dispatch.cli.commands._visit_help import answer
from dispatch.cli.streams import stderr

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("remote", parents=[common], help="remote support sessions")
    sub = p.add_subparsers(dest="remote_command", metavar="ACTION")

    s = sub.add_parser("start", parents=[common], help="start a session (the customer's consent first)")
    s.add_argument("request_id", type=int)
    s.add_argument("--consent", action="store_true", help="the customer agrees to the session")
    s.add_argument("--at", metavar="YYYY-MM-DDTHH:MM", help="when it started (default now)")
    s.add_argument("--actor")
    s.set_defaults(func=_start)

    e = sub.add_parser("stop", parents=[common], help="end a session")
    e.add_argument("session_id", type=int, help="the id 'remote start' printed")
    e.add_argument("--interrupted", action="store_true", help="the customer ended the session")
    e.add_argument("--at", metavar="YYYY-MM-DDTHH:MM", help="when it ended (default now)")
    e.add_argument("--actor")
    e.set_defaults(func=_stop)

    def _help(args: Namespace, settings: Settings) -> int:
        p.print_help(stderr())
        return 2

    p.set_defaults(func=_help)


def _start(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.office.remote_support import start_session

    at = parse_instant(args.at) if args.at else None
    with database(settings) as db:
        visit = start_session(db, args.request_id, consent=bool(args.consent), actor=actor(args), at=at)
    result = {"session": visit.id, "request": visit.request_id, "started_at": visit.arrived_at}
    line = _("Remote session {session} started for request {request}.").format(session=visit.id, request=visit.request_id)
    return answer(args, result, [line])


def _stop(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.money import format_money
    from dispatch.office.remote_support import stop_session
    from dispatch.office.visits import diagnostic_charge
    from dispatch.records.lifecycle import state_label

    at = parse_instant(args.at) if args.at else None
    with database(settings) as db:
        visit = stop_session(db, args.session_id, interrupted=bool(args.interrupted), actor=actor(args), at=at)
    minutes = visit.diagnostic_min or 0
    charge = diagnostic_charge(minutes, settings, remote_interrupted=bool(args.interrupted))
    result = {
        "session": visit.id, "request": visit.request_id, "outcome": visit.outcome,
        "minutes": minutes, "billed_min": charge.billed_min, "price": charge.price,
    }  # fmt: skip
    lines = [
        _("Remote session {session} ended: {outcome}.").format(session=visit.id, outcome=state_label(str(visit.outcome))),
        _("{minutes} min, {billed} min billed = {price}").format(
            minutes=minutes, billed=charge.billed_min, price=format_money(charge.price)
        ),
    ]
    return answer(args, result, lines)
