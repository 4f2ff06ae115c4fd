"""Strict money: an amount has at most two decimals; rates have their own reader.

``5.001`` and ``12,345`` were read and silently rounded to 5.00 and 12.35 (the second was
probably twelve thousand three hundred forty-five): both are refused now, with a message
saying how to write cents and thousands.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from dispatch.billing import rules as bl
from dispatch.errors import InvalidInput
from dispatch.money import money, parse_amount, parse_rate


@pytest.mark.parametrize("typed", ["5.001", "12,345", "0.005", "1 234,567 $", "1e-3", "125,500"])
def test_an_amount_with_more_than_two_decimals_is_refused_not_rounded(typed):
    for read in (parse_amount, money):
        with pytest.raises(InvalidInput) as info:
            read(typed)
        french = info.value.localized("fr_CA")
        assert "deux décimales" in french and "12 345" in french


def test_a_decimal_with_a_fraction_of_a_cent_is_refused_but_trailing_zeros_are_not():
    """A Decimal given by a program: refused for its value (5.001), not for how it was built (5.000)."""
    with pytest.raises(InvalidInput):
        money(Decimal("5.001"))
    assert money(Decimal("5.000")) == Decimal("5.00")


@pytest.mark.parametrize(("typed", "amount"), [("12,34", "12.34"), ("12 345", "12345"), ("5", "5.00"), ("0,5", "0.50")])
def test_amounts_to_the_cent_are_still_read(typed, amount):
    assert money(typed) == Decimal(amount)


def test_a_payment_of_a_tenth_of_a_cent_is_refused():
    """check_payment (the billing desk, `invoice pay`): 10.005 is refused, not taken as 10.01."""
    with pytest.raises(InvalidInput, match="two decimals"):
        bl.check_payment("cash", "10.005", "")


@pytest.mark.parametrize(("typed", "rate"), [("0.575", "0.575"), ("1,5", "1.5"), ("0.4825", "0.4825"), ("85", "85")])
def test_a_rate_per_km_or_per_hour_may_have_up_to_four_decimals(typed, rate):
    """A per-km rate such as 0.575 $/km is a rate, not an amount: parse_rate keeps its decimals."""
    assert parse_rate(typed) == Decimal(rate)


@pytest.mark.parametrize("typed", ["0.12345", "-1", "abc", "", "1e30"])
def test_a_rate_with_five_decimals_negative_or_absurd_is_refused(typed):
    with pytest.raises(InvalidInput):
        parse_rate(typed)


def test_the_tariff_page_reads_the_per_km_rate_as_a_rate(settings):
    """Paramètres > Tarifs: 0.575 $/km is kept exactly; a flat fee of 35.005 is refused."""
    from dispatch.office.administration import tariff_settings

    typed = {"core_flat": "35", "extended_flat": "60", "hourly_rate": "90", "increment_min": 15}
    new = tariff_settings(settings, extended_per_km="0,575", **typed)
    assert new.tariff.extended_per_km == Decimal("0.575")
    with pytest.raises(InvalidInput):
        tariff_settings(settings, extended_per_km="1", **{**typed, "core_flat": "35.005"})


def test_an_amount_just_under_the_bound_with_a_third_decimal_is_refused_for_its_decimals():
    """9 999 999,995 used to round up to the bound; it is refused before any rounding now."""
    with pytest.raises(InvalidInput, match="two decimals"):
        money("9999999.995")
    assert money("9999999.99") == Decimal("9999999.99")
