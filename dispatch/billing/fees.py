"""Travel fee ("frais de déplacement") tariff: a pure rule from zone and road distance to money.

The rule, with the amounts of :class:`dispatch.settings.TariffSettings`:

* ``core`` zone: the flat fee ``core_flat``;
* ``extended`` zone: ``extended_flat`` plus ``extended_per_km`` for every road kilometre
  beyond the core radius (``core_km``);
* ``outside``: on quote (no automatic amount) when ``outside_on_quote`` is true, otherwise
  priced as the extended zone;
* remote support: no travel, amount 0.

The kilometres beyond the core are rounded half-up to 0.1 km *before* they are multiplied,
and the amount is rounded half-up to the cent, so the explanation printed on the invoice
("… 35,00 $ + 2,4 km × 1,50 $ = 38,60 $") is arithmetically exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from dispatch.errors import InvalidInput
from dispatch.i18n import N_, _
from dispatch.money import CENT, format_money

if TYPE_CHECKING:
    from dispatch.settings import TariffSettings

#: Zone names and their French labels (as printed on quotes and invoices).
ZONE_LABELS: dict[str, str] = {
    "core": N_("core zone"),
    "extended": N_("extended zone"),
    "outside": N_("outside the zone"),
}

_TENTH = Decimal("0.1")


def format_km(km: float | Decimal) -> str:
    """Format a distance in km with one decimal and a French decimal comma: ``12,4 km``."""
    d = Decimal(str(km)).quantize(_TENTH, rounding=ROUND_HALF_UP)
    return f"{d:.1f}".replace(".", ",") + " km"


@dataclass(frozen=True)
class TravelFee:
    """The travel fee of one visit, with the computation explained in French.

    Attributes
    ----------
    amount
        Fee in CAD, rounded to the cent; ``None`` when the trip is on quote.
    zone
        ``core``, ``extended`` or ``outside``.
    road_km
        Road distance from the origin used for the fee (``None`` if unknown).
    origin
        Where the trip starts, as printed (``"l'atelier"``, ``"l'atelier (Mascouche)"``).
    explanation
        The computation as printed on quotes and invoices.
    on_quote
        True when no automatic amount applies (outside the service area).
    """

    amount: Decimal | None
    zone: str
    road_km: float | None
    origin: str
    explanation: str
    on_quote: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (amount as a string, ``None`` when on quote)."""
        return {
            "amount": None if self.amount is None else str(self.amount),
            "zone": self.zone,
            "road_km": self.road_km,
            "origin": self.origin,
            "explanation": self.explanation,
            "on_quote": self.on_quote,
        }

    def __str__(self) -> str:
        return self.explanation


def travel_fee(
    zone: str,
    road_km: float | None,
    *,
    tariff: TariffSettings,
    core_km: float,
    origin: str | None = None,
    remote: bool = False,
) -> TravelFee:
    """Compute the travel fee of a visit.

    Parameters
    ----------
    zone
        ``core``, ``extended`` or ``outside`` (from :mod:`dispatch.geo.service_area`).
    road_km
        Road distance (km) from the origin; ``None`` when no road path is known.
    tariff
        The tariff section of the settings.
    core_km
        Radius (km) of the core zone: the per-km part counts road km beyond it.
    origin
        Where the trip starts, as printed in the explanation (default: the workshop, in the
        active language).
    remote
        Remote support: no trip, amount 0.

    Returns
    -------
    TravelFee
        The amount (or on quote) with its French explanation.
    """
    if zone not in ZONE_LABELS:
        msg = N_("Unknown zone {zone!r}; expected one of {expected}.")
        raise InvalidInput(msg, zone=zone, expected=", ".join(ZONE_LABELS))
    if road_km is not None:
        if isinstance(road_km, bool) or not isinstance(road_km, (int, float, Decimal)):
            msg = N_("road_km must be a number of kilometres or None, got {road_km!r}.")
            raise InvalidInput(msg, road_km=road_km)
        road_km = float(road_km)
        if math.isnan(road_km) or road_km < 0:
            msg = N_("road_km must be a non-negative number of kilometres, got {road_km!r}.")
            raise InvalidInput(msg, road_km=road_km)
        if math.isinf(road_km):
            road_km = None  # unreachable by road: treated as unknown
    if not (isinstance(core_km, (int, float)) and math.isfinite(core_km) and core_km >= 0):
        msg = N_("core_km must be a non-negative number of kilometres, got {core_km!r}.")
        raise InvalidInput(msg, core_km=core_km)

    if origin is None:
        origin = _("the workshop")
    if remote:
        return TravelFee(
            amount=Decimal("0.00"),
            zone=zone,
            road_km=road_km,
            origin=origin,
            explanation=_("Remote support: no travel"),
            on_quote=False,
        )

    label = _(ZONE_LABELS[zone])
    if road_km is not None:
        dist = _("Travel from {origin}: {km} by road").format(origin=origin, km=format_km(road_km))
    else:
        dist = _("Travel from {origin}: road distance unknown").format(origin=origin)

    if zone == "outside" and tariff.outside_on_quote:
        text = _("{travel}, {zone}: on quote").format(travel=dist, zone=label)
        return TravelFee(None, zone, road_km, origin, text, True)

    if zone == "core":
        amount = Decimal(tariff.core_flat).quantize(CENT, rounding=ROUND_HALF_UP)
        text = _("{travel}, {zone}: flat fee {amount}").format(
            travel=dist, zone=label, amount=format_money(amount)
        )
        return TravelFee(amount, zone, road_km, origin, text, False)

    # extended (or outside priced like extended)
    if road_km is None:
        text = _("{travel}, {zone}: on quote (no known road path)").format(travel=dist, zone=label)
        return TravelFee(None, zone, road_km, origin, text, True)
    flat = Decimal(tariff.extended_flat).quantize(CENT, rounding=ROUND_HALF_UP)
    rate = Decimal(tariff.extended_per_km)
    beyond = max(Decimal(0), Decimal(str(road_km)) - Decimal(str(core_km)))
    beyond = beyond.quantize(_TENTH, rounding=ROUND_HALF_UP)
    amount = (flat + beyond * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    text = _("{travel}, {zone}: {flat} + {km} × {rate} = {amount}").format(
        travel=dist, zone=label, flat=format_money(flat), km=format_km(beyond), rate=format_money(rate),
        amount=format_money(amount),
    )
    return TravelFee(amount, zone, road_km, origin, text, False)


__all__ = ["ZONE_LABELS", "TravelFee", "format_km", "travel_fee"]
