"""No silent wrong answer on the command line: swapped coordinates are pointed out."""

from __future__ import annotations

import json

import pytest

from dispatch.geo.point import GeoPoint, looks_swapped

SHOP = GeoPoint(45.7460, -73.6010)
AREA_KM = 25.0  # the extended zone's radius


def test_swapped_mascouche_coordinates_look_swapped():
    """-73.6,45.7 (LON,LAT) is in Antarctica's sea; read the other way round it is in Mascouche."""
    assert looks_swapped(GeoPoint(-73.6, 45.7), SHOP, AREA_KM)


@pytest.mark.parametrize(
    "point",
    [
        GeoPoint(45.75, -73.60),  # in the area, the right way round
        GeoPoint(45.9, -73.2),  # outside, but not because of the order
        GeoPoint(-45.75, 73.60),  # signs flipped, not swapped: swapping does not help
        GeoPoint(10.0, 150.0),  # swapped, would not be a latitude
    ],
)
def test_points_that_are_not_swapped_are_not_flagged(point):
    assert not looks_swapped(point, SHOP, AREA_KM)


def test_coverage_of_swapped_latlon_answers_and_says_the_order_looks_swapped(cli):
    """`coverage --latlon -73.6,45.7`: the same answer (outside, exit 0), plus a hint LAT,LON."""
    code, out, _ = cli("coverage", "--latlon", "-73.6,45.7", "--region", "mascouche", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["zone"] == "outside"
    assert doc["latlon_swapped"] is True
    assert any("inversé" in n and "45.7,-73.6" in n for n in doc["notes"])
    code, out, _ = cli("coverage", "--latlon", "-73.6,45.7", "--region", "mascouche")
    assert code == 0 and "inversé" in out


def test_coverage_of_a_right_latlon_has_no_swap_hint(cli):
    """A point given the right way round carries no hint (latlon_swapped false)."""
    code, out, _ = cli("coverage", "--latlon", "45.76,-73.61", "--region", "mascouche", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["latlon_swapped"] is False
    assert not any("inversé" in n for n in doc["notes"])
