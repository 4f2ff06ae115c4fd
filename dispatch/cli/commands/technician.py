"""``opms-dispatch technician``: the technicians the planner routes.

    opms-dispatch technician add "Théo Technicien" --skills pc,reseau --start 08:00 --end 17:00
    opms-dispatch technician list --json

A new technician has a lunch break at noon (30 min) and starts from the shop.
"""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING

from dispatch.cli.commands._db import actor, database
from dispatch.cli.commands._visit_help import answer, parse_clock
from dispatch.cli.streams import stderr

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("technician", parents=[common], help="technicians (shift, skills)")
    sub = p.add_subparsers(dest="technician_command", metavar="ACTION")

    a = sub.add_parser("add", parents=[common], help="add a technician")
    a.add_argument("name")
    a.add_argument("--skills", default="", help="comma-separated skills (pc,reseau)")
    a.add_argument("--start", default="08:00", metavar="HH:MM", help="shift start (default 08:00)")
    a.add_argument("--end", default="17:00", metavar="HH:MM", help="shift end (default 17:00)")
    a.add_argument("--actor", help="who adds them (audit log)")
    a.set_defaults(func=_add)

    ls = sub.add_parser("list", parents=[common], help="every technician, active or not")
    ls.set_defaults(func=_list)

    def _help(args: Namespace, settings: Settings) -> int:
        p.print_help(stderr())
        return 2

    p.set_defaults(func=_help)


def _shift(t: time) -> str:
    return t.strftime("%H:%M")


def _add(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.office.administration import add_technician

    start, end = parse_clock(args.start, "--start"), parse_clock(args.end, "--end")
    skills = [s.strip() for s in args.skills.split(",") if s.strip()]
    with database(settings) as db:
        tech = add_technician(db, name=args.name, shift_start=start, shift_end=end, skills=skills, actor=actor(args))
    line = _("Technician {id} added: {name}, {start}-{end}.").format(
        id=tech.id, name=tech.name, start=_shift(tech.shift_start), end=_shift(tech.shift_end)
    )
    return answer(args, tech.to_dict(), [line])


def _list(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.office.administration import roster

    with database(settings) as db:
        techs = roster(db)
    lines = [
        f"{t.id}  {t.name}  {_shift(t.shift_start)}-{_shift(t.shift_end)}  {', '.join(t.skills) or '—'}"
        + ("" if t.active else "  " + _("(inactive)"))
        for t in techs
    ] or [_("No technician yet: add one with 'opms-dispatch technician add NAME'.")]
    return answer(args, {"count": len(techs), "technicians": [t.to_dict() for t in techs]}, lines)
