"""``opms-dispatch request add``: a request taken by the office (phone call, walk-in).

    opms-dispatch request add --name "Alice Tremblay" --phone "450 555-0199" \\
        --address "1015 Avenue Saint-Denis, Mascouche" --problem "Ordinateur lent" [--remote] --json

The request goes through the same use case as the public form and the e-mail intake
(:func:`dispatch.office.intake.submit`): its address is placed in the region and its
coverage and travel fee stored. Without ``--consent`` (the customer agreed to the privacy
policy on the phone) it is flagged « consentement à confirmer ».
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.cli.commands._db import actor, database
from dispatch.cli.commands._visit_help import answer
from dispatch.cli.streams import stderr

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("request", parents=[common], help="requests taken by the office")
    sub = p.add_subparsers(dest="request_command", metavar="ACTION")

    a = sub.add_parser("add", parents=[common], help="store a request (coverage computed)")
    a.add_argument("--name", required=True, help="the customer's name")
    a.add_argument("--phone", required=True)
    a.add_argument("--email", default="")
    a.add_argument("--address", required=True, help="civic address of the visit")
    a.add_argument("--problem", required=True, help="what the customer describes")
    a.add_argument("--remote", action="store_true", help="the customer accepts remote support")
    a.add_argument("--consent", action="store_true", help="the customer agreed to the privacy policy")
    a.add_argument("--region", metavar="NAME", help="region for coverage (default: settings, or the only one)")
    a.add_argument("--actor", help="who takes the request (audit log)")
    a.set_defaults(func=_add)

    def _help(args: Namespace, settings: Settings) -> int:
        p.print_help(stderr())
        return 2

    p.set_defaults(func=_help)


def _add(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.intake imports in 0.26 s)
    from dispatch.geo.region import list_regions
    from dispatch.i18n import _
    from dispatch.office.intake import RequestForm, submit

    region = args.region or settings.general.default_region or None
    if region is None:
        names = [r["name"] for r in list_regions(settings=settings)]
        region = names[0] if len(names) == 1 else None
    form = RequestForm(
        name=args.name, address=args.address, phone=args.phone, email=args.email,
        problem=args.problem, remote_ok=args.remote, consent=args.consent,
    )  # fmt: skip
    with database(settings) as db:
        req = submit(db, form, settings=settings, region=region, source="office", actor=actor(args))
    fee = req.address.travel_fee
    result = {
        "id": req.id, "state": req.state, "customer": req.customer.name, "address": req.address.text,
        "zone": req.address.zone, "travel_fee": None if fee is None else str(fee), "flags": list(req.flags),
        "remote": req.remote_ok,
    }  # fmt: skip
    lines = [_("Request {id} stored: {name}, {address}.").format(id=req.id, name=req.customer.name, address=req.address.text)]
    if req.flags:
        lines.append(_("To check: {flags}.").format(flags=", ".join(req.flags)))
    return answer(args, result, lines)
