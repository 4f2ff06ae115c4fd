"""``opms-dispatch visit``: the visit at the customer's, step by step (the technician's phone).

    opms-dispatch visit list --date 2026-12-03 --json
    opms-dispatch visit show 12 --json              # state, policy, diagnostic, estimate, outcome...
    opms-dispatch visit arrive 12 [--at 09:10]
    opms-dispatch visit sign 12 --name "Alice Tremblay" --signature signature.png [--at 09:12]
    opms-dispatch visit diagnostic 12 start|pause|resume|stop [--at 09:45]
    opms-dispatch visit estimate 12 --line "Installation=45,50" --part "Écran=180,00"
    opms-dispatch visit outcome 12 accepted_on_site|accepted_workshop|workshop_refused|refused
    opms-dispatch visit test 12 --passed|--failed --attended-by "Alice Tremblay"

The order is the company's process (README, *The visit, step by step*): the policy is signed
before the diagnostic starts (exit 2 otherwise), the estimate is stored before the customer
answers. ``--at`` records a step after the fact: ``HH:MM`` on the appointment's day, or a
full ``YYYY-MM-DDTHH:MM`` (which must fall on that day). Amounts are typed ``125,50`` or
``125.50``. A device taken to the workshop (``accepted_workshop``) takes ``--device``,
``--serial``, ``--accessories`` and the customer's signature on the receipt
(``--signature FILE.png --name NAME``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dispatch.cli.commands._db import actor, database, parse_day
from dispatch.cli.commands._visit_help import add_at, answer, read_file, visit_time
from dispatch.cli.streams import say, stderr
from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings

OUTCOMES = ("accepted_on_site", "accepted_workshop", "workshop_refused", "refused")
#: The diagnostic clock's states, as the summary names them (English msgids).
CLOCK_LABELS = {"idle": N_("not started"), "running": N_("running"), "paused": N_("paused"), "stopped": N_("stopped")}


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("visit", parents=[common], help="the visit on site, step by step")
    sub = p.add_subparsers(dest="visit_command", metavar="ACTION")

    ls = sub.add_parser("list", parents=[common], help="the visits of a day")
    ls.add_argument("--date", default="today", help="YYYY-MM-DD, today or tomorrow (default today)")
    ls.set_defaults(func=_list)

    s = sub.add_parser("show", parents=[common], help="everything recorded about a visit")
    s.add_argument("request_id", type=int)
    s.set_defaults(func=_show)

    a = sub.add_parser("arrive", parents=[common], help="the technician is at the door")
    a.add_argument("request_id", type=int)
    add_at(a)
    a.add_argument("--actor")
    a.set_defaults(func=_arrive)

    g = sub.add_parser("sign", parents=[common], help="the customer signed the policy in force")
    g.add_argument("request_id", type=int)
    g.add_argument("--name", required=True, help="the name of the person who signs")
    g.add_argument("--signature", required=True, metavar="FILE.png", help="the drawn signature (PNG)")
    add_at(g)
    g.add_argument("--actor")
    g.set_defaults(func=_sign)

    d = sub.add_parser("diagnostic", parents=[common], help="the diagnostic clock (kept on the server)")
    d.add_argument("request_id", type=int)
    d.add_argument("action", choices=["start", "pause", "resume", "stop"])
    add_at(d)
    d.add_argument("--actor")
    d.set_defaults(func=_diagnostic)

    e = sub.add_parser("estimate", parents=[common], help="store the estimate before the answer")
    e.add_argument("request_id", type=int)
    e.add_argument(
        "--line", dest="lines", action="append", type=lambda t: ("labour", t), default=[],
        metavar="TEXT=AMOUNT", help="a labour line (repeat for more)",
    )  # fmt: skip
    e.add_argument(
        "--part", dest="lines", action="append", type=lambda t: ("parts", t),
        metavar="TEXT=AMOUNT", help="a parts line (repeat for more)",
    )  # fmt: skip
    add_at(e)
    e.add_argument("--actor")
    e.set_defaults(func=_estimate)

    o = sub.add_parser("outcome", parents=[common], help="the customer's answer to the estimate")
    o.add_argument("request_id", type=int)
    o.add_argument("outcome", choices=OUTCOMES)
    o.add_argument("--device", default="", help="accepted_workshop: the device taken")
    o.add_argument("--serial", default="", help="accepted_workshop: its serial number")
    o.add_argument("--accessories", default="", help="accepted_workshop: accessories taken")
    o.add_argument("--signature", metavar="FILE.png", help="accepted_workshop: signature on the receipt")
    o.add_argument("--name", default="", help="accepted_workshop: the name of the person who signs")
    add_at(o)
    o.add_argument("--actor")
    o.set_defaults(func=_outcome)

    t = sub.add_parser("test", parents=[common], help="the test at home of a device back from the workshop")
    t.add_argument("request_id", type=int)
    result = t.add_mutually_exclusive_group(required=True)
    result.add_argument("--passed", action="store_true", help="the device works: returned")
    result.add_argument("--failed", action="store_true", help="back to the workshop")
    t.add_argument("--attended-by", required=True, metavar="NAME", help="the customer or their delegate")
    add_at(t)
    t.add_argument("--actor")
    t.set_defaults(func=_test)

    def _help(args: Namespace, settings: Settings) -> int:
        p.print_help(stderr())
        return 2

    p.set_defaults(func=_help)


def _sheet_lines(data: dict[str, Any]) -> list[str]:
    """The French summary of a visit sheet."""
    from dispatch.i18n import _
    from dispatch.money import format_money

    lines = [
        _("Request {id} — {customer}, {address}").format(
            id=data["id"], customer=data["customer"], address=data["address"]
        ),
        _("State: {state}").format(state=data["state_label"]),
    ]
    appt = data["appointment"]
    if appt is not None:
        lines.append(_("Appointment: {start} to {end}{confirmed}").format(
            start=appt["window_start"][:16].replace("T", " "), end=appt["window_end"][11:16],
            confirmed="" if data["confirmed"] else " " + _("(not confirmed)"),
        ))  # fmt: skip
    pol = data["policy"]
    if pol is not None:
        lines.append(_("Policy version {version} signed by {signer} at {at}").format(
            version=pol["version"], signer=pol["signer"], at=pol["signed_at"][:16].replace("T", " "),
        ))  # fmt: skip
    diag = data["diagnostic"]
    if diag["state"] != "idle":
        lines.append(_("Diagnostic: {minutes} min ({state}), {billed} min billed = {price}").format(
            minutes=diag["minutes"], state=_(CLOCK_LABELS[diag["state"]]), billed=diag["billed_min"],
            price=format_money(_decimal(diag["price"])),
        ))  # fmt: skip
    est = data["estimate"]
    if est is not None:
        for line in est["lines"]:
            lines.append(f"  {line['label']} : {format_money(_decimal(line['amount']))}")
        lines.append(_("Estimate: {total} with taxes").format(total=format_money(_decimal(est["total"]))))
    if data["outcome"] is not None:
        lines.append(_("Answer: {label}").format(label=data["outcome"]["label"]))
    if data["workshop"] is not None:
        lines.append(_("Workshop: {state}").format(state=data["workshop"]["state_label"]))
    for inv in data["invoices"]:
        lines.append(_("Invoice {number}: {total}, balance {balance}").format(
            number=inv["number"], total=format_money(_decimal(inv["total"])),
            balance=format_money(_decimal(inv["balance"])),
        ))  # fmt: skip
    return lines


def _decimal(text: str) -> Decimal:
    return Decimal(text)


def _sheet(args: Namespace, settings: Settings, request_id: int, lines: list[str]) -> object:
    """Answer with the visit's sheet after a step (``lines`` first in the summary)."""
    from dispatch.office.visit_sheet import visit_sheet

    with database(settings) as db:
        data = visit_sheet(db, request_id, settings=settings).to_dict()
    return answer(args, data, [*lines, *_sheet_lines(data)])


def _list(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.office.visit_sheet import day_sheets

    day = parse_day(args.date)
    with database(settings) as db:
        sheets = [s.to_dict() for s in day_sheets(db, day, settings=settings)]
    lines = [
        f"{s['id']}  {s['appointment']['window_start'][11:16] if s['appointment'] else '—'}  "
        f"{s['customer']}  {s['address']}  ({s['state_label']})"
        for s in sheets
    ] or [_("No visit on {day}.").format(day=day.isoformat())]
    return answer(args, {"date": day.isoformat(), "count": len(sheets), "visits": sheets}, lines)


def _show(args: Namespace, settings: Settings) -> object:
    return _sheet(args, settings, args.request_id, [])


def _arrive(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.office.visits import arrive

    with database(settings) as db:
        arrival = arrive(db, args.request_id, actor=actor(args), at=visit_time(db, args.request_id, args.at))
    if arrival.warning and not args.quiet:
        say(f"opms-dispatch: {arrival.warning}")
    return _sheet(args, settings, args.request_id, [_("Arrival recorded.")])


def _sign(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.office.policy import sign_policy

    png = read_file(args.signature)
    with database(settings) as db:
        sign_policy(
            db, args.request_id, signer_name=args.name, signature_png=png, settings=settings,
            actor=actor(args), at=visit_time(db, args.request_id, args.at),
        )  # fmt: skip
    return _sheet(args, settings, args.request_id, [_("Policy signed.")])


def _diagnostic(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.office.visits import clock

    with database(settings) as db:
        clock(db, args.request_id, args.action, actor=actor(args), at=visit_time(db, args.request_id, args.at))
    done = {
        "start": _("Diagnostic started."), "pause": _("Diagnostic paused."),
        "resume": _("Diagnostic resumed."), "stop": _("Diagnostic stopped."),
    }  # fmt: skip
    return _sheet(args, settings, args.request_id, [done[args.action]])


def _estimate(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.office.visits import parse_line, present_estimate

    if not args.lines:
        msg = N_("Give the estimate's lines: --line \"DESCRIPTION=AMOUNT\" (labour) or --part (parts).")
        raise InvalidInput(msg)
    typed = [(kind, *parse_line(text)) for kind, text in args.lines]
    with database(settings) as db:
        present_estimate(
            db, args.request_id, typed, actor=actor(args), settings=settings,
            at=visit_time(db, args.request_id, args.at),
        )  # fmt: skip
    return _sheet(args, settings, args.request_id, [_("Estimate stored.")])


def _outcome(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.office.visits import answer_estimate

    png = read_file(args.signature) if args.signature else None
    if png is None and (args.name or "").strip() and args.outcome == "accepted_workshop":
        msg = N_("--name goes with --signature FILE.png (the customer's signature on the receipt).")
        raise InvalidInput(msg)
    with database(settings) as db:
        answer_estimate(
            db, args.request_id, args.outcome, actor=actor(args),
            at=visit_time(db, args.request_id, args.at), device=args.device, serial=args.serial,
            accessories=args.accessories, signer_name=args.name, signature_png=png,
        )  # fmt: skip
    return _sheet(args, settings, args.request_id, [_("Answer recorded.")])


def _test(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.office.workshop_desk import home_test

    with database(settings) as db:
        home_test(
            db, args.request_id, passed=bool(args.passed), attended_by=args.attended_by,
            actor=actor(args), at=visit_time(db, args.request_id, args.at),
        )  # fmt: skip
    line = _("Test passed: the device is returned.") if args.passed else _("Test failed: the device goes back to the workshop.")
    return _sheet(args, settings, args.request_id, [line])
