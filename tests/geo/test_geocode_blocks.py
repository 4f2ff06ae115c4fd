"""The offline geocoder when a whole stretch of a street is missing from the data (held-out
blocks) and for numbers beyond their side's known numbers (dispatch.geo.civic_numbers)."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch.geo.address_index import AddressIndex
from dispatch.geo.geocode_accuracy import held_out_blocks, leave_one_out, summarise
from dispatch.geo.geodesy import geodesic_m
from dispatch.geo.point import GeoPoint
from dispatch.geo.street_names import street_key


@pytest.fixture(scope="module")
def index(mascouche):
    return AddressIndex(mascouche.addresses, mascouche.streets, region_name="Mascouche")


def _truth(mascouche, street: str, number: int) -> GeoPoint:
    a = mascouche.addresses
    row = a[(a["street"] == street) & (a["housenumber"].astype(str) == str(number))].iloc[0]
    return GeoPoint(float(row["lat"]), float(row["lon"]))


def _error_m(result, truth: GeoPoint) -> float:
    return float(geodesic_m(truth, np.array([result.lat]), np.array([result.lon]))[0])


def test_number_in_a_missing_block_is_placed_from_its_side_not_at_the_next_block(mascouche, index):
    """Every 1500s number of Avenue Phillips left out: 1530 is placed along the street between
    the blocks around it (within 25 m, was 333 m away at the nearest known number)."""
    key = street_key("Avenue Phillips").compact
    with index.holding_out(key, range(1500, 1600)):
        r = index.geocode("1530 Avenue Phillips")
    err = _error_m(r, _truth(mascouche, "Avenue Phillips", 1530))
    assert r.precision in ("interpolated", "approximate")
    assert err < 25
    assert r.radius_m is not None and err <= r.radius_m


def test_number_beyond_its_sides_known_numbers_is_extrapolated_along_the_street(mascouche, index):
    """Every 200s number of Avenue Crépeau left out: 241, below every known odd number, is
    extrapolated along the street from the numbers around (within 25 m, was 250 m away) and
    keeps the honest label and radius of a street answer."""
    key = street_key("Avenue Crépeau").compact
    with index.holding_out(key, range(200, 300)):
        r = index.geocode("241 Avenue Crépeau")
    err = _error_m(r, _truth(mascouche, "Avenue Crépeau", 241))
    assert r.precision == "street"
    assert err < 25
    assert r.radius_m is not None and r.radius_m > 300


def test_number_below_the_streets_first_number_is_extrapolated_past_it(mascouche, index):
    """1040 Rue de Charlesbourg left out: below every known number of the street (1064 is
    the next), it is extrapolated past the street's first house, not pulled back towards
    1064 by a median with the nearest known number (within 10 m; was 80 m away)."""
    key = street_key("Rue de Charlesbourg").compact
    with index.holding_out(key, 1040):
        r = index.geocode("1040 Rue de Charlesbourg")
    err = _error_m(r, _truth(mascouche, "Rue de Charlesbourg", 1040))
    assert r.precision == "street"
    assert err < 10
    assert r.radius_m is not None and err <= r.radius_m


def test_whole_missing_blocks_are_placed_better_than_at_the_nearest_known_number(mascouche, index):
    """Held-out blocks (every number of the street's hundred left out): 33.4 % within 25 m and
    73.0 % within 100 m (25.4 % and 60.9 % before extrapolating, 30.3 % and 69.7 % before
    numbers past the street's last one were extrapolated alone), radius still calibrated."""
    f = summarise(held_out_blocks(index, mascouche.addresses))
    assert f["answers"] > 3500
    assert f["within_25m"] >= 0.33
    assert f["within_100m"] >= 0.72
    assert f["calibration"] >= 0.95
    assert f["over_300m_with_radius_under_300m"] == 0


def test_every_left_out_number_is_measured_against_the_issue_targets(mascouche, index):
    """Leave-one-out over all 3,597 numbers found once on their street: 71.1 % within 25 m,
    92.5 % within 100 m, calibration 98 %, one confident miss (a point standing 1 km past its
    neighbours in the data). The issue's 80 % / 98 % are not reached: docs/geocoding.md says
    how far and why."""
    trials = leave_one_out(index, mascouche.addresses)
    f = summarise(trials)
    assert f["answers"] > 3500
    assert f["within_25m"] >= 0.71
    assert f["within_100m"] >= 0.92
    assert f["calibration"] >= 0.95
    assert f["over_300m_with_radius_under_300m"] <= 1
    interpolated = summarise([t for t in trials if t.precision == "interpolated"])
    assert interpolated["within_100m"] >= 0.98
    assert interpolated["calibration"] >= 0.95
