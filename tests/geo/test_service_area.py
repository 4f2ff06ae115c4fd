"""Service area on the real Mascouche region (dispatch.geo.service_area): zones to the metre, road
figures, custom polygon, FSA rule, travel fee and GeoJSON export."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest
from pyproj import Geod

from dispatch.errors import AddressNotFound, InvalidInput
from dispatch.geo.geodesy import geodesic_ring
from dispatch.geo.point import GeoPoint
from dispatch.geo.service_area import check_address, check_point, check_points
from dispatch.geo.service_area_geojson import service_area_geojson
from dispatch.geo.service_zones import classify

GEOD = Geod(ellps="WGS84")
AZIMUTHS = [0, 45, 90, 135, 180, 225, 270, 315]


def _at(shop: GeoPoint, km: float, az: float) -> GeoPoint:
    lon, lat, _ = GEOD.fwd(shop.lon, shop.lat, az, km * 1000.0)
    return GeoPoint(lat, lon)


@pytest.mark.parametrize(("km", "zone"), [(9.99, "core"), (9.999, "core"), (10.001, "extended"),
                                          (10.01, "extended"), (14.99, "extended"), (14.999, "extended"),
                                          (15.001, "outside"), (15.01, "outside")])
def test_zone_boundary_is_exact_to_the_metre_in_every_direction(mascouche, region_settings, km, zone):
    """Points placed at 9.99/10.01 km (and 1 m either side of 10 and 15 km) geodesic get the right zone."""
    pts = [_at(mascouche.shop, km, az) for az in AZIMUTHS]
    batch = check_points(mascouche, [p.lat for p in pts], [p.lon for p in pts], settings=region_settings)
    assert set(batch.zone.tolist()) == {zone}
    assert np.allclose(batch.straight_km, km, atol=1e-6)
    assert check_point(mascouche, pts[0], settings=region_settings).zone == zone


def test_zone_rule_is_inclusive_and_treats_unreachable_as_outside_by_road():
    """10 km exactly is core; with zone_by='road' an unreachable point is outside."""
    z = classify(np.array([10000.0, 15000.0, 5000.0]), np.array([10000.0, 15000.0, np.inf]),
                 core_km=10, extended_km=15, zone_by="road")
    assert z.tolist() == ["core", "extended", "outside"]
    with pytest.raises(InvalidInput):
        classify(np.array([1.0]), np.array([1.0]), core_km=10, extended_km=15, zone_by="crow")


def test_road_distance_decides_when_the_setting_says_so(mascouche, region_settings):
    """An address point under 10 km straight but over 10 km by road is core by straight line,
    extended by road; both figures are always reported."""
    a = mascouche.addresses
    batch = check_points(mascouche, a["lat"], a["lon"], settings=region_settings)
    pick = np.flatnonzero((batch.straight_km < 9.8) & (batch.road_km > 10.5))
    assert len(pick), "Mascouche has addresses closer by air than by road"
    i = int(pick[0])
    p = GeoPoint(float(a["lat"].iloc[i]), float(a["lon"].iloc[i]))
    by_air = check_point(mascouche, p, settings=region_settings)
    by_road = check_point(mascouche, p, settings=region_settings.with_section("service_area", zone_by="road"))
    assert (by_air.zone, by_road.zone) == ("core", "extended")
    assert by_air.road_km == pytest.approx(by_road.road_km) and by_air.road_km > 10.5
    assert by_road.travel_fee.amount > Decimal("35.00")


def test_single_and_batch_checks_agree(mascouche, region_settings):
    """check_point gives the same zone and distances as the vectorised check_points."""
    rng = np.random.default_rng(3)
    lats = rng.uniform(45.72, 45.83, 40)
    lons = rng.uniform(-73.69, -73.52, 40)
    batch = check_points(mascouche, lats, lons, settings=region_settings)
    for i in range(0, 40, 7):
        one = check_point(mascouche, GeoPoint(lats[i], lons[i]), settings=region_settings)
        assert one.zone == batch.zone[i]
        assert one.straight_km == pytest.approx(batch.straight_km[i])
        if one.road_km is None:
            assert np.isnan(batch.road_km[i])
        else:
            assert one.road_km == pytest.approx(batch.road_km[i])


def test_drive_figures_grow_with_distance_and_the_shop_is_at_zero(mascouche, region_settings):
    """At the shop: 0 km straight, under 1 km by road; a far address takes minutes."""
    at_shop = check_point(mascouche, mascouche.shop, settings=region_settings)
    assert at_shop.zone == "core" and at_shop.straight_km < 1e-6 and at_shop.road_km < 1.0
    far = check_point(mascouche, _at(mascouche.shop, 6.0, 0), settings=region_settings)
    assert far.road_km >= far.straight_km * 0.99 and far.drive_min > 3


def test_extended_zone_fee_uses_road_km_beyond_the_core(mascouche, region_settings):
    """Extended zone: 35,00 $ + (road km - 10) × 1,50 $, with the shop's city in the wording."""
    pts = [_at(mascouche.shop, 12.0, az) for az in range(0, 360, 5)]
    batch = check_points(mascouche, [p.lat for p in pts], [p.lon for p in pts], settings=region_settings)
    i = int(np.flatnonzero((batch.zone == "extended") & ~np.isnan(batch.road_km))[0])
    cov = check_point(mascouche, pts[i], settings=region_settings)
    assert cov.zone == "extended" and cov.road_km > 10
    beyond = Decimal(str(cov.road_km - 10)).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")
    assert cov.travel_fee.amount == (Decimal("35.00") + beyond * Decimal("1.50")).quantize(Decimal("0.01"))
    assert cov.travel_fee.explanation.startswith("Déplacement depuis l'atelier (Mascouche) : ")


def test_outside_point_is_an_answer_with_the_fee_on_quote(mascouche, region_settings):
    """20 km away: zone outside, fee None (on quote), covered False."""
    cov = check_point(mascouche, _at(mascouche.shop, 20.0, 200), settings=region_settings)
    assert cov.zone == "outside" and not cov.covered
    assert cov.travel_fee.amount is None and cov.to_dict()["travel_fee"] is None


def test_point_off_the_road_network_has_no_road_figures(mascouche, region_settings):
    """A point kilometres beyond the data: straight distance yes, road distance None, with a note."""
    cov = check_point(mascouche, GeoPoint(45.95, -73.30), settings=region_settings)
    assert cov.road_km is None and cov.drive_min is None
    assert any("trajet routier" in n for n in cov.notes)


def test_custom_polygon_overrides_the_circles(mascouche, region_settings, tmp_path):
    """A served polygon 20 km away makes a point there served, and the core circle no longer counts."""
    far = _at(mascouche.shop, 20.0, 90)
    near = _at(mascouche.shop, 3.0, 0)
    d = 0.01
    poly = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon",
        "coordinates": [[[far.lon - d, far.lat - d], [far.lon + d, far.lat - d], [far.lon + d, far.lat + d],
                         [far.lon - d, far.lat + d], [far.lon - d, far.lat - d]]]}}]}
    path = tmp_path / "territoire.geojson"
    path.write_text(json.dumps(poly), encoding="utf-8")
    s = region_settings.with_section("service_area", custom_polygon=str(path))
    assert check_point(mascouche, far, settings=s).zone == "extended"
    assert check_point(mascouche, near, settings=s).zone == "outside"
    assert check_point(mascouche, far, settings=region_settings).zone == "outside"
    fc = service_area_geojson(mascouche, settings=s, road=False)
    assert "custom" in {f["properties"]["zone"] for f in fc["features"]}


def test_custom_polygon_zone_property_defines_core(mascouche, region_settings, tmp_path):
    """A polygon with properties.zone = 'core' makes its inside core whatever the distance."""
    far = _at(mascouche.shop, 14.0, 180)
    d = 0.01
    ring = [[far.lon - d, far.lat - d], [far.lon + d, far.lat - d], [far.lon + d, far.lat + d],
            [far.lon - d, far.lat + d], [far.lon - d, far.lat - d]]
    path = tmp_path / "core.geojson"
    path.write_text(json.dumps({"type": "Feature", "properties": {"zone": "core"},
                                "geometry": {"type": "Polygon", "coordinates": [ring]}}), encoding="utf-8")
    s = region_settings.with_section("service_area", custom_polygon=str(path))
    assert check_point(mascouche, far, settings=s).zone == "core"


def test_bad_custom_polygon_is_a_settings_error(region_settings, mascouche, tmp_path):
    """A missing or non-polygon file raises InvalidInput naming the setting."""
    s = region_settings.with_section("service_area", custom_polygon=str(tmp_path / "absent.geojson"))
    with pytest.raises(InvalidInput, match="custom_polygon"):
        check_point(mascouche, mascouche.shop, settings=s)
    bad = tmp_path / "line.geojson"
    bad.write_text(json.dumps({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}), encoding="utf-8")
    with pytest.raises(InvalidInput, match="Polygon"):
        check_point(mascouche, mascouche.shop, settings=region_settings.with_section("service_area", custom_polygon=str(bad)))


def test_listed_postal_code_prefix_is_served_beyond_the_radius(mascouche, region_settings):
    """With fsa_prefixes = J7K, a J7K address 20 km away is extended; other FSAs stay outside."""
    far = _at(mascouche.shop, 20.0, 45)
    s = region_settings.with_section("service_area", fsa_prefixes=("J7K",))
    cov = check_point(mascouche, far, settings=s, postcode="J7K 3B5")
    assert cov.zone == "extended"
    assert any("J7K" in n for n in cov.notes)
    assert check_point(mascouche, far, settings=s, postcode="J6W 1A1").zone == "outside"
    assert check_point(mascouche, far, settings=region_settings, postcode="J7K 3B5").zone == "outside"


def test_check_address_geocodes_then_checks(mascouche, region_settings):
    """An address gives its zone plus the geocode fields; an unknown one raises AddressNotFound."""
    cov = check_address(mascouche, "2036 2e av., Mascouche", settings=region_settings)
    d = cov.to_dict()
    assert list(d)[:5] == ["zone", "straight_km", "road_km", "drive_min", "travel_fee"]
    assert d["precision"] == "exact" and d["source"] == "offline" and d["matched"].startswith("2036 2e Avenue")
    assert d["zone"] == "core" and d["travel_fee"] == "35.00"
    with pytest.raises(AddressNotFound):
        check_address(mascouche, "12 rue Inexistante", settings=region_settings)


def test_remote_support_has_no_travel_fee(mascouche, region_settings):
    """remote=True: fee 0 whatever the zone."""
    cov = check_address(mascouche, "2036 2e Avenue", settings=region_settings, remote=True)
    assert cov.travel_fee.amount == Decimal("0.00")


def test_bad_coordinates_are_invalid_input(mascouche, region_settings):
    """NaN or out-of-range coordinates in a batch raise InvalidInput naming the row."""
    with pytest.raises(InvalidInput, match="row 1"):
        check_points(mascouche, [45.7, float("nan")], [-73.6, -73.6], settings=region_settings)
    with pytest.raises(InvalidInput):
        check_points(mascouche, [45.7], [-73.6, -73.5], settings=region_settings)


def test_geojson_circles_are_geodesic_and_the_road_area_holds_the_shop(mascouche, region_settings):
    """Every vertex of the circles lies at the radius (±1 m); rings are closed and counter-clockwise;
    the road-distance area is a polygon around the shop."""
    import shapely
    from shapely.geometry import shape

    fc = service_area_geojson(mascouche, settings=region_settings)
    assert fc["type"] == "FeatureCollection"
    by_zone = {f["properties"]["zone"]: f for f in fc["features"]}
    assert {"shop", "core", "extended", "road"} <= set(by_zone)
    for zone, km in (("core", 10.0), ("extended", 15.0)):
        ring = np.array(by_zone[zone]["geometry"]["coordinates"][0])
        assert (ring[0] == ring[-1]).all()
        _, _, dist = GEOD.inv(np.full(len(ring), mascouche.shop.lon), np.full(len(ring), mascouche.shop.lat),
                              ring[:, 0], ring[:, 1])
        assert np.abs(dist - km * 1000).max() < 1.0
        assert shapely.LinearRing(ring).is_ccw
    road = shape(by_zone["road"]["geometry"])
    assert road.geom_type in ("Polygon", "MultiPolygon") and road.is_valid
    assert road.contains(shapely.Point(mascouche.shop.lon, mascouche.shop.lat))
    json.dumps(fc)  # serialisable as is


def test_geodesic_ring_radius():
    """geodesic_ring puts its vertices at the radius from the centre."""
    ring = np.array(geodesic_ring(GeoPoint(45.0, -73.0), 12.5, n=36))
    _, _, d = GEOD.inv(np.full(len(ring), -73.0), np.full(len(ring), 45.0), ring[:, 0], ring[:, 1])
    assert len(ring) == 37 and np.abs(d - 12500).max() < 1.0


def test_fast_snapping_agrees_with_the_network_exact_snap(mascouche, region_settings):
    """Coverage's sampled snapping gives the road distances of Network.snap within 2.5 m
    for 99% of the address points, and the same reachability."""
    a = mascouche.addresses
    batch = check_points(mascouche, a["lat"], a["lon"], settings=region_settings)
    snaps = mascouche.network.snap(a["lat"].to_numpy(), a["lon"].to_numpy())
    _, exact = mascouche.drive_from_shop().at_snapped(snaps)
    exact = np.where(snaps.far, np.inf, exact)
    assert (np.isfinite(exact) == ~np.isnan(batch.road_km)).all()
    ok = np.isfinite(exact)
    diff = np.abs(batch.road_km[ok] * 1000 - exact[ok])
    assert np.percentile(diff, 99) < 2.5
