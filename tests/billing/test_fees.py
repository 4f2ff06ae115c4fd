"""Travel fee tariff (dispatch.billing.fees): pure rule, exact Decimal arithmetic, French explanation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dispatch.billing.fees import TravelFee, format_km, travel_fee
from dispatch.errors import InvalidInput
from dispatch.money import format_money
from dispatch.settings import TariffSettings

TARIFF = TariffSettings()


def test_core_zone_pays_the_flat_fee_whatever_the_distance():
    """Inside the core zone the fee is core_flat, at 1 km as at 9.9 km."""
    for km in (0.0, 1.0, 9.9):
        fee = travel_fee("core", km, tariff=TARIFF, core_km=10)
        assert fee.amount == Decimal("35.00")
        assert not fee.on_quote
        assert "zone principale : forfait 35,00 $" in fee.explanation


def test_extended_zone_adds_per_km_beyond_core_with_the_invoice_wording():
    """12.4 road km in the extended zone: 35,00 $ + 2,4 km × 1,50 $ = 38,60 $."""
    fee = travel_fee("extended", 12.4, tariff=TARIFF, core_km=10, origin="l'atelier (Mascouche)")
    assert fee.amount == Decimal("38.60")
    assert fee.explanation == (
        "Déplacement depuis l'atelier (Mascouche) : 12,4 km par la route, "
        "zone étendue : 35,00 $ + 2,4 km × 1,50 $ = 38,60 $"
    )


def test_extended_km_are_rounded_to_a_tenth_before_pricing_so_the_text_adds_up():
    """12.449 km rounds to 2.4 km beyond core; 12.45 km rounds half-up to 2.5 km."""
    assert travel_fee("extended", 12.449, tariff=TARIFF, core_km=10).amount == Decimal("38.60")
    fee = travel_fee("extended", 12.45, tariff=TARIFF, core_km=10)
    assert fee.amount == Decimal("38.75")
    assert "2,5 km × 1,50 $ = 38,75 $" in fee.explanation


def test_extended_zone_with_road_shorter_than_core_pays_only_the_flat():
    """A custom polygon can put a point in 'extended' at 8 road km: no negative km are billed."""
    fee = travel_fee("extended", 8.0, tariff=TARIFF, core_km=10)
    assert fee.amount == Decimal("35.00")
    assert "0,0 km × 1,50 $" in fee.explanation


def test_outside_zone_is_on_quote_with_no_amount():
    """Outside the service area the fee is on quote (amount None)."""
    fee = travel_fee("outside", 22.0, tariff=TARIFF, core_km=10)
    assert fee.amount is None and fee.on_quote
    assert fee.explanation.endswith("hors zone : sur devis")
    assert fee.to_dict()["amount"] is None


def test_outside_zone_priced_like_extended_when_not_on_quote():
    """With outside_on_quote = false, outside trips are flat + per km beyond the core."""
    tariff = TariffSettings(outside_on_quote=False)
    fee = travel_fee("outside", 20.0, tariff=tariff, core_km=10)
    assert fee.amount == Decimal("50.00")


def test_extended_without_a_road_path_is_on_quote_not_guessed():
    """An unreachable point (road_km None or inf) gets no invented amount."""
    for km in (None, float("inf")):
        fee = travel_fee("extended", km, tariff=TARIFF, core_km=10)
        assert fee.amount is None and fee.on_quote and fee.road_km is None


def test_remote_support_costs_no_travel():
    """Remote support: amount 0 and 'Soutien à distance : aucun déplacement'."""
    fee = travel_fee("extended", 14.0, tariff=TARIFF, core_km=10, remote=True)
    assert fee.amount == Decimal("0.00")
    assert fee.explanation == "Soutien à distance : aucun déplacement"


def test_tariff_amounts_come_from_settings():
    """Changing the settings changes the fee; nothing is hard-coded."""
    tariff = TariffSettings(core_flat=Decimal("40"), extended_flat=Decimal("45.5"), extended_per_km=Decimal("2"))
    assert travel_fee("core", 3, tariff=tariff, core_km=10).amount == Decimal("40.00")
    assert travel_fee("extended", 13, tariff=tariff, core_km=10).amount == Decimal("51.50")


@pytest.mark.parametrize(
    ("zone", "km"), [("nowhere", 3.0), ("core", -1.0), ("core", float("nan")), ("core", "12")]
)
def test_bad_zone_or_distance_is_invalid_input(zone, km):
    """Unknown zones and negative, NaN or non-numeric distances raise InvalidInput (exit 2)."""
    with pytest.raises(InvalidInput):
        travel_fee(zone, km, tariff=TARIFF, core_km=10)


def test_fee_is_frozen_and_serialises_amount_as_string():
    """TravelFee is immutable; to_dict gives the amount as a string."""
    fee = travel_fee("core", 3, tariff=TARIFF, core_km=10)
    assert isinstance(fee, TravelFee)
    with pytest.raises(AttributeError):
        fee.amount = Decimal(0)  # type: ignore[misc]
    assert fee.to_dict() == {
        "amount": "35.00",
        "zone": "core",
        "road_km": 3.0,
        "origin": "l'atelier",
        "explanation": fee.explanation,
        "on_quote": False,
    }


def test_french_number_formats():
    """Money uses a decimal comma and a narrow no-break space; km one decimal."""
    assert format_money(Decimal("1234.5")) == "1\u202f234,50 $"
    assert format_money(Decimal("0.005")) == "0,01 $"
    assert format_km(12.44) == "12,4 km"
