"""``opms-dispatch quote``: the price of a visit under the tariff in settings (nothing stored).

    opms-dispatch quote --outcome workshop_refused --diagnostic-min 45 --road-km 4.2 --json
    opms-dispatch quote --outcome refused --diagnostic-min 30 --address "..." --region mascouche
    opms-dispatch quote --outcome remote_interrupted --diagnostic-min 10 --remote

JSON: ``lines`` ([{label, amount}]), ``subtotal``, ``gst``, ``qst``, ``total`` (strings, CAD),
plus ``details`` (each line's kind and explanation) and ``travel`` (zone, road km, explanation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.errors import AddressNotFound, InvalidInput
from dispatch.i18n import N_, _

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser(
        "quote", parents=[common], help="price of a visit (travel, diagnostic, outcome, taxes)"
    )
    p.add_argument(
        "--outcome", required=True,
        choices=["accepted", "workshop_refused", "refused", "remote_interrupted"],
    )  # fmt: skip
    p.add_argument("--diagnostic-min", type=int, required=True, metavar="M", help="diagnostic minutes")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--road-km", type=float, metavar="K", help="road distance from the shop (km)")
    where.add_argument("--address", metavar="A", help="address of the visit (needs --region)")
    p.add_argument("--region", metavar="NAME", help="region of --address (default: settings)")
    p.add_argument("--remote", action="store_true", help="remote support: no travel")
    p.add_argument("--travel-amount", metavar="AMOUNT", help="agreed travel fee when on quote")
    p.add_argument(
        "--repair", action="append", default=[], metavar="LABEL=AMOUNT",
        help="repair line of an accepted estimate (repeatable)",
    )  # fmt: skip
    p.set_defaults(func=run)


def parse_repair(text: str) -> tuple[str, str]:
    """``"Remplacement SSD=149.99"`` -> (label, amount)."""
    label, sep, amount = text.rpartition("=")
    if not sep or not label.strip():
        msg = N_("--repair expects LABEL=AMOUNT (for example 'Remplacement SSD=149.99'), got {text!r}.")
        raise InvalidInput(msg, text=text)
    return label.strip(), amount.strip()


def zone_by_road_km(road_km: float, settings: Settings) -> str:
    """Zone from a road distance alone (core / extended radius of the settings)."""
    if road_km <= settings.service_area.core_km:
        return "core"
    if road_km <= settings.service_area.extended_km:
        return "extended"
    return "outside"


def run(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.billing.rules and .fees import in 0.02 s)
    from dispatch.billing import rules as bl
    from dispatch.billing.fees import TravelFee, travel_fee
    from dispatch.money import format_money

    if args.diagnostic_min < 0:
        msg = N_("--diagnostic-min must be >= 0.")
        raise InvalidInput(msg)
    remote = args.remote or args.outcome == "remote_interrupted"
    fee: TravelFee | None = None
    if remote:
        fee = travel_fee("core", None, tariff=settings.tariff, core_km=settings.service_area.core_km, remote=True)
    elif args.road_km is not None:
        if args.road_km < 0:
            msg = N_("--road-km must be >= 0.")
            raise InvalidInput(msg)
        fee = travel_fee(
            zone_by_road_km(args.road_km, settings), args.road_km,
            tariff=settings.tariff, core_km=settings.service_area.core_km,
        )  # fmt: skip
    elif args.address:
        from dispatch.office.intake import locate

        region_name = args.region or settings.general.default_region
        if not region_name:
            msg = N_("--address needs --region NAME (or settings general.default_region).")
            raise InvalidInput(msg)
        coverage, flags = locate(args.address, region=region_name, settings=settings)
        if coverage is None:
            msg = N_("Address {address!r} could not be placed in region {region} ({flags}).")
            raise AddressNotFound(msg, address=args.address, region=region_name, flags="; ".join(flags))
        fee = coverage.travel_fee
    else:
        msg = N_("Give --road-km K, or --address A --region NAME, or --remote.")
        raise InvalidInput(msg)
    if args.travel_amount is not None and fee is not None and not remote:
        amount = bl.money(args.travel_amount)
        fee = TravelFee(
            amount, fee.zone, fee.road_km, fee.origin,
            _("{explanation}; agreed amount {amount}").format(explanation=fee.explanation, amount=format_money(amount)),
            False,
        )  # fmt: skip
    repairs = [parse_repair(r) for r in args.repair]
    bill = bl.price(
        args.outcome, diagnostic_min=args.diagnostic_min, billing=settings.billing,
        travel=fee, remote=remote, repairs=repairs,
    )  # fmt: skip
    out = bill.to_dict()
    out["travel"] = None if remote or fee is None else fee.to_dict()
    out["currency"] = "CAD"
    return out
