"""Every geocode carries an honest error radius (``radius_m``), the precision label follows it,
and coverage says "to be confirmed" with a fee range when the radius crosses a zone boundary.

Real Mascouche data (../shared/data/osm/mascouche_qc.osm)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import numpy as np

from dispatch.geo.address_index import AddressIndex, address_index
from dispatch.geo.geocode import geocode
from dispatch.geo.geocode_accuracy import held_out_blocks, leave_one_out, summarise
from dispatch.geo.geocode_result import GeocodeResult
from dispatch.geo.geodesy import geodesic_m
from dispatch.geo.point import GeoPoint
from dispatch.geo.service_area import check_point, check_points
from dispatch.geo.street_names import street_key


def _gap_m(index: AddressIndex, street: str, lo: int, hi: int) -> float:
    st = index.street(street_key(street).compact)
    a, b = np.flatnonzero(st.num == lo)[0], np.flatnonzero(st.num == hi)[0]
    return float(np.hypot(st.x[a] - st.x[b], st.y[a] - st.y[b]))


# --- the radius and the label ------------------------------------------------------------------
def test_rural_long_gap_interpolation_gets_a_large_radius_and_is_labelled_approximate(mascouche, region_settings):
    """3001 chemin Saint-Henri lies between 2887 and 3219, over a kilometre apart on a rural
    road: not 'interpolated' (at the door) but 'approximate', with a radius of at least half
    the gap."""
    idx = address_index(mascouche)
    gap = _gap_m(idx, "Chemin Saint-Henri", 2887, 3219)
    assert gap > 1000
    r = geocode(mascouche, "3001 ch. St-Henri", settings=region_settings)
    assert r.precision == "approximate"
    assert r.radius_m is not None and r.radius_m >= gap / 2
    assert any("approximative" in w for w in r.warnings)


def test_interpolation_between_close_neighbours_keeps_a_small_radius(mascouche, region_settings):
    """1075 chemin Saint-Henri, between 1073 and 1099 on a built street: 'interpolated' with a
    radius under the 'approximate' line."""
    r = geocode(mascouche, "1075 ch. St-Henri", settings=region_settings)
    assert r.precision == "interpolated"
    assert r.radius_m is not None and 15 <= r.radius_m <= 120


def test_exact_address_point_has_the_radius_of_a_building(mascouche, region_settings):
    """A number that is an address point of its street: within about 20 m (the building)."""
    r = geocode(mascouche, "2036 2e av., Mascouche", settings=region_settings)
    assert r.precision == "exact"
    assert r.radius_m is not None and 5 <= r.radius_m <= 25


def test_street_only_position_has_the_street_extent_as_radius(mascouche, region_settings):
    """No civic number: the middle of the street, with a radius reaching its farthest point."""
    r = geocode(mascouche, "Chemin Saint-Henri, Mascouche", settings=region_settings)
    assert r.precision == "street"
    st = address_index(mascouche).street(street_key("Chemin Saint-Henri").compact)
    lat, lon = address_index(mascouche).plane.inv(st.x, st.y)
    assert r.radius_m is not None and r.point is not None
    assert r.radius_m >= float(geodesic_m(r.point, lat, lon).max())


def test_not_found_has_no_radius():
    """No position, no radius in the JSON."""
    assert GeocodeResult(None, None, "none", "", "offline").to_dict()["radius_m"] is None


# --- CLI: JSON and CSV -------------------------------------------------------------------------
def test_geocode_json_carries_the_radius(cli):
    """``opms-dispatch geocode --json`` prints radius_m beside the position."""
    code, out, err = cli("geocode", "3001 ch. St-Henri", "--region", "mascouche", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["precision"] == "approximate" and doc["radius_m"] > 500


def test_geocode_csv_has_a_radius_column(cli, tmp_path):
    """``geocode --csv`` writes a radius_m column: small for an address point, large for a long
    gap, empty when not placed."""
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("address\n2036 2e av.\n3001 ch. St-Henri\n12 rue Inexistante\n", encoding="utf-8")
    code, _, err = cli("geocode", "--csv", str(src), "--out", str(dst), "--region", "mascouche", "--quiet")
    assert code == 0, err
    with dst.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert float(rows[0]["radius_m"]) <= 25
    assert float(rows[1]["radius_m"]) > 500
    assert rows[2]["radius_m"] == ""


# --- coverage --------------------------------------------------------------------------------
def test_radius_across_a_zone_boundary_is_to_be_confirmed_with_a_fee_range(mascouche, region_settings):
    """A house about 100 m of road beyond the core zone (zone by road distance), known within 400 m,
    may be core or extended: the answer says so (zone_uncertain, both zones, a note) and gives
    the fee as a range."""
    by_road = region_settings.with_section("service_area", zone_by="road")
    a = mascouche.addresses
    batch = check_points(mascouche, a["lat"].to_numpy(), a["lon"].to_numpy(), settings=by_road)
    target = mascouche.core_km + 0.1
    i = int(np.nanargmin(np.abs(batch.road_km - target)))
    assert abs(batch.road_km[i] - target) < 0.05
    p = GeoPoint(float(batch.lat[i]), float(batch.lon[i]))
    fix = GeocodeResult(p.lat, p.lon, "approximate", "1 Chemin X, Mascouche", radius_m=400.0)
    cov = check_point(mascouche, p, settings=by_road, _geocode=fix)
    doc = cov.to_dict()
    assert cov.zone == "extended"
    assert doc["zone_uncertain"] is True and doc["zones"] == ["core", "extended"]
    assert doc["radius_m"] == 400.0
    low, high = Decimal(doc["travel_fee_min"]), Decimal(doc["travel_fee_max"])
    assert low < high and low <= Decimal(doc["travel_fee"]) <= high
    assert any("confirm" in n for n in doc["notes"])
    # the same place known to the building is not in doubt
    sure = check_point(mascouche, p, settings=by_road, _geocode=GeocodeResult(
        p.lat, p.lon, "exact", "1 Chemin X, Mascouche", radius_m=20.0))
    assert sure.to_dict()["zone_uncertain"] is False and sure.to_dict()["zones"] == ["extended"]
    sd = sure.to_dict()
    assert Decimal(sd["travel_fee_min"]) <= Decimal(sd["travel_fee"]) <= Decimal(sd["travel_fee_max"])
    assert Decimal(sd["travel_fee_max"]) - Decimal(sd["travel_fee_min"]) < 1


def test_coverage_json_of_an_address_carries_radius_and_zones(cli):
    """``coverage --json`` of an address prints radius_m, zone_uncertain and zones."""
    code, out, err = cli("coverage", "2036 2e av., Mascouche", "--region", "mascouche", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["radius_m"] <= 25 and doc["zone_uncertain"] is False and doc["zones"] == [doc["zone"]]


# --- calibration ------------------------------------------------------------------------------
def test_radius_is_calibrated_on_a_left_out_sample(mascouche):
    """Leave-one-out on 400 address points (seed 2026): the true point lies inside the stated
    radius for at least 95 % of the answers, none is more than 300 m away with a radius under
    300 m, and the radius is not inflated (median under 200 m)."""
    idx = AddressIndex(mascouche.addresses, mascouche.streets, region_name="Mascouche")
    figures = summarise(leave_one_out(idx, mascouche.addresses, sample=400, seed=2026))
    print(f"\nleave-one-out sample: {figures}")
    assert figures["answers"] >= 380
    assert figures["calibration"] >= 0.95
    assert figures["over_300m_with_radius_under_300m"] == 0
    assert figures["median_radius_m"] < 200


def test_radius_is_calibrated_when_whole_blocks_are_missing(mascouche):
    """Held-out blocks (every number of a street's hundred removed together): still calibrated
    and no confident miss over 300 m."""
    idx = AddressIndex(mascouche.addresses, mascouche.streets, region_name="Mascouche")
    figures = summarise(held_out_blocks(idx, mascouche.addresses))
    print(f"\nheld-out blocks: {figures}")
    assert figures["calibration"] >= 0.95
    assert figures["over_300m_with_radius_under_300m"] == 0


def test_coverage_map_draws_the_error_radius(mascouche):
    """The coverage page's map shows the radius as a circle around the address (none when no
    radius is given)."""
    from maps.builders import coverage_map

    p = GeoPoint(45.7460, -73.5800)
    kw = {"zone": "core", "label": "1 Chemin X", "core_km": 10.0, "extended_km": 15.0}
    with_radius = coverage_map(mascouche, point=p, radius_m=350.0, **kw).get_root().render()
    without = coverage_map(mascouche, point=p, **kw).get_root().render()
    assert "opms-radius" in with_radius and "350" in with_radius
    assert "opms-radius" not in without


def test_nominatim_answer_radius_follows_its_bounding_box():
    """An online answer's radius is half the diagonal of its bounding box: a house stays small,
    a road of about 2 km gets about 1 km."""
    from dispatch.geo._nominatim import _result

    house = {"lat": "45.75", "lon": "-73.60", "address": {"house_number": "12", "road": "Rue X"},
             "boundingbox": ["45.74995", "45.75005", "-73.60005", "-73.59995"]}
    road = {"lat": "45.75", "lon": "-73.60", "class": "highway", "address": {"road": "Rue X"},
            "boundingbox": ["45.7410", "45.7590", "-73.6010", "-73.5990"]}
    assert _result(house, "12 rue X").radius_m <= 25
    assert 900 <= _result(road, "rue X").radius_m <= 1100
