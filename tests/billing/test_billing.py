"""Billing rules: exact amounts written out by hand, and properties (hypothesis)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as hs

from dispatch.billing import rules as bl
from dispatch.billing.fees import travel_fee
from dispatch.errors import InvalidInput
from dispatch.settings import BillingSettings, TariffSettings

B = BillingSettings()
T = TariffSettings()
CORE = travel_fee("core", 4.2, tariff=T, core_km=10.0)  # 35.00
EXTENDED = travel_fee("extended", 12.4, tariff=T, core_km=10.0)  # 35.00 + 2.4 km x 1.50 = 38.60
D = Decimal


def amounts(bill):
    """(lines, subtotal, gst, qst, total) as plain strings, for exact comparisons."""
    return [str(ln.amount) for ln in bill.lines], str(bill.subtotal), str(bill.gst), str(bill.qst), str(bill.total)


def test_refused_workshop_adds_20_percent_of_diagnostic():
    """45 min, core zone: 35.00 + 63.75 + 12.75 = 111.50; GST 5.58; QST 11.12; total 128.20."""
    bill = bl.price("workshop_refused", diagnostic_min=45, billing=B, travel=CORE)
    assert amounts(bill) == (["35.00", "63.75", "12.75"], "111.50", "5.58", "11.12", "128.20")
    assert [ln.kind for ln in bill.lines] == ["travel", "diagnostic", "compensation"]
    assert "20 %" in bill.lines[2].label


def test_refused_estimate_bills_travel_and_diagnostic_only():
    """45 min, core: 35.00 + 63.75 = 98.75; GST 4.94 (4.9375); QST 9.85 (9.8503); total 113.54."""
    bill = bl.price("refused", diagnostic_min=45, billing=B, travel=CORE)
    assert amounts(bill) == (["35.00", "63.75"], "98.75", "4.94", "9.85", "113.54")


def test_remote_interrupted_bills_time_done_without_travel_or_minimum():
    """10 min remote, interrupted: 15 min billed = 21.25; GST 1.06; QST 2.12; total 24.43; no travel."""
    bill = bl.price("remote_interrupted", diagnostic_min=10, billing=B, travel=CORE)
    assert amounts(bill) == (["21.25"], "21.25", "1.06", "2.12", "24.43")
    assert all(ln.kind != "travel" for ln in bill.lines)


def test_remote_interrupted_minimum_is_a_setting():
    """With interrupted_minimum on, 10 min remote bill the 30 min minimum: 42.50."""
    b = BillingSettings(interrupted_minimum=True)
    bill = bl.price("remote_interrupted", diagnostic_min=10, billing=b)
    assert amounts(bill)[0] == ["42.50"]


def test_accepted_bills_travel_minimum_diagnostic_and_repairs_as_entered():
    """20 min -> 30 min minimum 42.50, + 35.00 + SSD 149.99 = 227.49; GST 11.37; QST 22.69; 261.55."""
    bill = bl.price(
        "accepted", diagnostic_min=20, billing=B, travel=CORE, repairs=[("Remplacement SSD", "149.99")]
    )
    assert amounts(bill) == (["35.00", "42.50", "149.99"], "227.49", "11.37", "22.69", "261.55")
    assert bill.lines[2].label == "Remplacement SSD"


def test_extended_zone_travel_uses_road_km_and_prints_the_explanation():
    """Extended zone, 12.4 road km: 38.60 travel, the explanation carried on the line."""
    bill = bl.price("refused", diagnostic_min=30, billing=B, travel=EXTENDED)
    assert bill.lines[0].amount == D("38.60")
    assert "12,4 km" in bill.lines[0].detail and "1,50 $" in bill.lines[0].detail
    # 38.60 + 42.50 = 81.10; GST 4.055 -> 4.06; QST 8.089725 -> 8.09; total 93.25
    assert amounts(bill)[1:] == ("81.10", "4.06", "8.09", "93.25")


def test_workshop_return_visit_adds_a_second_travel_line():
    """Accepted workshop repair with a return visit: two travel lines (setting bill_return_travel)."""
    bill = bl.price("accepted", diagnostic_min=30, billing=B, travel=CORE, return_travel=CORE)
    assert [ln.kind for ln in bill.lines] == ["travel", "diagnostic", "travel"]
    off = bl.price(
        "accepted", diagnostic_min=30, billing=BillingSettings(bill_return_travel=False),
        travel=CORE, return_travel=CORE,
    )
    assert [ln.kind for ln in off.lines] == ["travel", "diagnostic"]


def test_remote_support_has_no_travel_line():
    """An accepted remote session bills the diagnostic only."""
    bill = bl.price("accepted", diagnostic_min=45, billing=B, travel=CORE, remote=True)
    assert [ln.kind for ln in bill.lines] == ["diagnostic"]


@pytest.mark.parametrize(
    ("minutes", "billed"), [(0, 0), (1, 30), (30, 30), (31, 45), (45, 45), (46, 60), (61, 75)]
)
def test_diagnostic_minutes_round_up_to_increment_with_minimum(minutes, billed):
    """Minutes round up to 15-minute blocks, at least 30 (zero stays zero)."""
    assert bl.billed_minutes(minutes, increment_min=15, minimum_min=30) == billed


def test_diagnostic_price_rounds_half_up_to_the_cent():
    """50 min at 85.00 $/h = 70.8333... -> 70.83; 7 min at 0.75 $/h... rounding half-up at .5."""
    assert bl.diagnostic_price(50, D("85.00")) == D("70.83")
    assert bl.diagnostic_price(1, D("0.30")) == D("0.01")  # 0.005 -> 0.01 (half-up)
    assert bl.taxes(D("0.10"), gst_rate=D("0.05"), qst_rate=D("0.09975")) == (D("0.01"), D("0.01"))


def test_on_quote_travel_needs_an_amount():
    """Outside the zone the fee is on quote: pricing without an amount says how to give one."""
    outside = travel_fee("outside", 25.0, tariff=T, core_km=10.0)
    with pytest.raises(InvalidInput, match="--travel-amount"):
        bl.price("refused", diagnostic_min=30, billing=B, travel=outside)


def test_unknown_outcome_and_float_money_are_refused():
    """A typo in the outcome and a float amount are refused with InvalidInput."""
    with pytest.raises(InvalidInput, match="accepted"):
        bl.price("acepted", diagnostic_min=30, billing=B, travel=CORE)
    with pytest.raises(InvalidInput, match="never float"):
        bl.money(12.5)


def test_repairs_only_on_accepted_estimates():
    """Repair lines with a refused estimate are refused."""
    with pytest.raises(InvalidInput, match="accepted"):
        bl.price("refused", diagnostic_min=30, billing=B, travel=CORE, repairs=[("x", "1.00")])


def test_payment_needs_reference_except_cash():
    """Cheque without its number is refused; cash without reference is fine."""
    with pytest.raises(InvalidInput, match="numéro du chèque"):
        bl.check_payment("cheque", "10.00", "")
    assert bl.check_payment("comptant", "10", "") == (bl.PaymentMethod.CASH, D("10.00"), "")
    with pytest.raises(InvalidInput, match="more than 0"):
        bl.check_payment("cash", "0", "")


def test_interac_reference_detects_typos():
    """The Interac reference has mod-97 check digits: right one passes, a changed digit fails."""
    ref = bl.interac_reference("F2026-00012")
    assert ref == "F202600012-47"
    assert bl.check_interac_reference(ref)
    assert not bl.check_interac_reference("F202600013-47")


def test_partial_credit_cannot_exceed_subtotal():
    """A credit larger than the invoice's subtotal is refused."""
    lines = [bl.Line("travel", "Déplacement", D("35.00"))]
    with pytest.raises(InvalidInput, match="at most"):
        bl.credit_lines(lines, D("35.01"), "geste")



# ---- hostile input (fuzz findings F1-F4, F9, benchmarks/fuzz.py) ---------------------------


@pytest.mark.parametrize("value", ["1e30", 10**29, "10000000", "-10000000.00", "-1e999999"])
def test_absurd_amount_is_refused_with_a_clear_message(value):
    """F1: an amount of 10 000 000 $ or more (after rounding) is InvalidInput naming the bound."""
    with pytest.raises(InvalidInput) as err:
        bl.money(value)
    french = err.value.localized("fr_CA")
    assert "hors limites" in french and "10\u202f000\u202f000,00 $" in french and "par exemple 125,50" in french
    assert bl.money("9999999.99") == D("9999999.99") and bl.money("-9999999.99") == D("-9999999.99")


def test_computed_amount_over_the_bound_is_refused_not_crashed():
    """F1: absurd diagnostic minutes give InvalidInput (the bound), not decimal.InvalidOperation."""
    with pytest.raises(InvalidInput) as err:
        bl.price("refused", diagnostic_min=10**30, billing=B, travel=CORE)
    assert "Prix du diagnostic hors limites" in err.value.localized("fr_CA")
    with pytest.raises(InvalidInput) as err:
        bl.Line("repair", "x", D("1E+30"))
    assert "hors limites" in err.value.localized("fr_CA")


def test_repair_amount_that_is_not_a_number_is_refused_in_french():
    """F2: a repair amount "abc" is InvalidInput naming the line and the amount, with an example."""
    with pytest.raises(InvalidInput) as err:
        bl.repair_lines([("Écran", "abc")])
    assert "« Écran » : Montant invalide : « abc »" in err.value.localized("fr_CA")
    assert "par exemple 125,50" in err.value.localized("fr_CA")
    with pytest.raises(InvalidInput) as err:
        bl.repair_lines([("Écran", "1e30")])
    assert "hors limites" in err.value.localized("fr_CA")
    with pytest.raises(InvalidInput) as err:
        bl.repair_lines([("Écran", "-5")])
    assert "montant négatif" in err.value.localized("fr_CA")
    assert bl.repair_lines([{"label": "Écran", "amount": "149.99"}])[0].amount == D("149.99")


@pytest.mark.parametrize("item", [("Écran",), ("Écran", "1", "2"), "ab", {"label": "Écran"}, 5, None])
def test_repair_line_that_is_not_a_label_and_amount_is_refused_with_the_expected_shape(item):
    """F3: a repair item that is not a (label, amount) pair or dict is InvalidInput showing the shape."""
    with pytest.raises(InvalidInput) as err:
        bl.repair_lines([item])
    assert re.search(r"Ligne de réparation invalide .* un libellé et un montant", err.value.localized("fr_CA"))


def test_interac_reference_with_non_ascii_characters_is_false_or_refused():
    """F4: checking "²-12" is False (a boolean check); making a reference of "É" is InvalidInput."""
    assert bl.check_interac_reference("²-12") is False
    assert bl.check_interac_reference("F2026-²") is False
    assert bl.check_interac_reference("FÉ02600012-47") is False
    assert bl.check_interac_reference("9" * 6000 + "-12") is False  # no int digit limit
    assert bl.check_interac_reference(None) is False
    for number in ["É", "F2026-0001²", "---"]:
        with pytest.raises(InvalidInput) as err:
            bl.interac_reference(number)
        assert "A-Z, des chiffres 0-9" in err.value.localized("fr_CA")
    assert bl.check_interac_reference(bl.interac_reference("f2026-00012")) is True


def test_missing_amount_is_refused_with_a_clear_message():
    """F9: money(None) (and an empty amount) is InvalidInput "Montant manquant", also for a payment."""
    for value in [None, "", "  "]:
        with pytest.raises(InvalidInput) as err:
            bl.money(value)
        assert re.search(r"Montant manquant\. .*par exemple 125,50", err.value.localized("fr_CA"))
    with pytest.raises(InvalidInput) as err:
        bl.check_payment("cash", None, "")
    assert "Montant manquant" in err.value.localized("fr_CA")
    with pytest.raises(InvalidInput) as err:
        bl.money([1])
    assert "Montant invalide : « [1] »" in err.value.localized("fr_CA")

# ---- properties ---------------------------------------------------------------------------

outcomes = hs.sampled_from([o.value for o in bl.Outcome])
cents = hs.integers(min_value=0, max_value=10_000_000).map(lambda c: (D(c) / 100).quantize(D("0.01")))
rates = hs.integers(min_value=0, max_value=50_000).map(lambda c: (D(c) / 100).quantize(D("0.01")))
settings_st = hs.builds(
    BillingSettings,
    hourly_rate=rates,
    increment_min=hs.integers(1, 60),
    minimum_min=hs.integers(0, 120),
    workshop_refused_pct=hs.integers(0, 100).map(D),
    interrupted_minimum=hs.booleans(),
)
travel_st = hs.builds(
    lambda zone, km: travel_fee(zone, km, tariff=T, core_km=10.0),
    hs.sampled_from(["core", "extended"]),
    hs.floats(min_value=0, max_value=200, allow_nan=False),
)


@hsettings(max_examples=300, deadline=None)
@given(
    outcome=outcomes,
    minutes=hs.integers(0, 24 * 60),
    billing=settings_st,
    travel=travel_st,
    remote=hs.booleans(),
    repairs=hs.lists(hs.tuples(hs.text(min_size=1, max_size=20).filter(str.strip), cents), max_size=4),
)
def test_totals_equal_lines_plus_taxes_never_negative_never_float(
    outcome, minutes, billing, travel, remote, repairs
):
    """For any outcome and tariff: total = sum(lines) + GST + QST, all Decimal cents, none negative."""
    bill = bl.price(
        outcome, diagnostic_min=minutes, billing=billing, travel=travel, remote=remote,
        repairs=repairs if outcome == "accepted" else (),
    )
    values = [ln.amount for ln in bill.lines] + [bill.subtotal, bill.gst, bill.qst, bill.total]
    assert all(type(v) is D and v == v.quantize(D("0.01")) and v >= 0 for v in values)
    assert bill.subtotal == sum((ln.amount for ln in bill.lines), D(0))
    assert bill.total == bill.subtotal + bill.gst + bill.qst
    assert bill.gst == (bill.subtotal * D("0.05")).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    assert all(not isinstance(v, float) for v in bill.to_dict().values())


@hsettings(max_examples=200, deadline=None)
@given(
    total=cents.filter(lambda d: d > 0),
    parts=hs.lists(hs.integers(1, 100), min_size=1, max_size=6),
)
def test_partial_payments_sum_to_the_balance(total, parts):
    """Splitting a total into partial payments leaves a balance of exactly 0."""
    weights = D(sum(parts))
    pays = [(total * D(p) / weights).quantize(D("0.01"), rounding="ROUND_DOWN") for p in parts]
    pays[-1] += total - sum(pays, D(0))
    assert bl.balance_due(total, paid=pays) == D("0.00")


@hsettings(max_examples=200, deadline=None)
@given(
    minutes=hs.integers(1, 600),
    travel=travel_st,
    fraction=hs.integers(1, 100),
)
def test_credit_notes_never_exceed_the_invoice_and_add_up(minutes, travel, fraction):
    """A full credit mirrors the invoice exactly; a partial one is lines + taxes and at most the total."""
    bill = bl.price("refused", diagnostic_min=minutes, billing=B, travel=travel)
    full = bl.total_of(bl.credit_lines(bill.lines, None, "x"), gst_rate=B.gst_rate, qst_rate=B.qst_rate)
    assert (full.subtotal, full.gst, full.qst, full.total) == (bill.subtotal, bill.gst, bill.qst, bill.total)
    amount = max(D("0.01"), (bill.subtotal * fraction / 100).quantize(D("0.01")))
    part = bl.total_of(bl.credit_lines(bill.lines, amount, "x"), gst_rate=B.gst_rate, qst_rate=B.qst_rate)
    assert part.total == part.subtotal + part.gst + part.qst <= bill.total
    assert type(part.total) is D and part.total > 0


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("125,50", "125.50"),
        ("125.50", "125.50"),
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50 $", "1234.50"),
        ("1\u202f234 567,9", "1234567.9"),
        ("35 $", "35"),
    ],
)
def test_parse_amount_reads_amounts_as_quebec_writes_them(typed: str, amount: str) -> None:
    assert bl.parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["12 34", "1 2345", "1,234,50", "$"])
def test_parse_amount_refuses_spaces_that_are_not_thousands(typed: str) -> None:
    with pytest.raises(InvalidInput):
        bl.parse_amount(typed)
