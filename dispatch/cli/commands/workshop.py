"""``opms-dispatch workshop``: the devices taken to the workshop ("Atelier").

    opms-dispatch workshop list [--state ready] --json
    opms-dispatch workshop advance 12 repairing|ready [--note TEXT]

A device is ``received`` (taken with a signed receipt, ``visit outcome ... accepted_workshop``),
``repairing``, ``ready`` and ``returned`` once tested at home (``visit test``). When it is
ready, its return visit is in the office's call list (``calls contact``) and is booked with
``calls record`` like any visit, then planned (``plan``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.cli.commands._db import actor, database
from dispatch.cli.commands._visit_help import answer
from dispatch.cli.streams import stderr

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.records import WorkshopItem
    from dispatch.settings import Settings

STATES = ("received", "repairing", "ready", "returned")


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("workshop", parents=[common], help="devices in the workshop")
    sub = p.add_subparsers(dest="workshop_command", metavar="ACTION")

    ls = sub.add_parser("list", parents=[common], help="the workshop's devices, latest change first")
    ls.add_argument("--state", action="append", choices=STATES, default=[], help="only these states (repeat)")
    ls.set_defaults(func=_list)

    a = sub.add_parser("advance", parents=[common], help="move a device to repairing or ready")
    a.add_argument("request_id", type=int)
    a.add_argument("state", choices=["repairing", "ready"])
    a.add_argument("--note", default="")
    a.add_argument("--actor")
    a.set_defaults(func=_advance)

    def _help(args: Namespace, settings: Settings) -> int:
        p.print_help(stderr())
        return 2

    p.set_defaults(func=_help)


def _line(item: WorkshopItem) -> str:
    from dispatch.office.workshop_desk import state_label

    device = " ".join(x for x in (item.device, item.serial) if x) or "—"
    return f"{item.request_id}  {item.customer_name}  {device}  ({state_label(item.state)})"


def _list(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.office.workshop_desk import workshop_board

    with database(settings) as db:
        items = workshop_board(db, states=args.state)
    lines = [_line(i) for i in items] or [_("No device in the workshop.")]
    return answer(args, {"count": len(items), "items": [i.to_dict() for i in items]}, lines)


def _advance(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.office.workshop_desk import advance

    with database(settings) as db:
        item = advance(db, args.request_id, args.state, actor=actor(args), note=args.note)
    lines = [_line(item)]
    if item.state == "ready":
        lines.append(_("The return visit is now in the call list: book it with 'opms-dispatch calls record'."))
    return answer(args, item.to_dict(), lines)
