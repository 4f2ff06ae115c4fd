"""Folium maps: offline assets, the roads basemap, escaping, geodesic zones, exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pyproj import Geod

from dispatch.geo.point import GeoPoint
from maps import assets, basemap, builders, export
from maps.builders import RouteView, StopView

ROOT = Path(__file__).resolve().parents[2]
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def plan_map(mascouche):
    """A day-plan map with two routes, one unassigned visit and hostile customer text."""
    a = mascouche.addresses.iloc[[10, 200, 400, 600]]
    pts = [GeoPoint(float(r.lat), float(r.lon)) for r in a.itertuples()]
    path = mascouche.network.route(mascouche.shop, pts[0]).coords
    routes = [
        RouteView("Alex", (StopView(pts[0].lat, pts[0].lon, XSS, "9 h 00", ("`${alert(2)}`",)),), tuple(path)),
        RouteView("Béa", (StopView(pts[1].lat, pts[1].lon, "Client B", "10 h 15"),
                          StopView(pts[2].lat, pts[2].lon, "Client C", "11 h 30")), ()),
    ]
    left = [StopView(pts[3].lat, pts[3].lon, "Client D", lines=("Hors horaire",))]
    return builders.day_plan_map(mascouche, routes, unassigned=left)


def test_offline_map_loads_only_vendored_files():
    """Every script and style sheet of a map is a file of maps/static, none from a CDN."""
    m = assets.offline_map(location=(45.7, -73.6))
    assert assets.external_links(m) == []
    for _, url in [*m.default_js, *m.default_css]:
        assert url.startswith(assets.DASHBOARD_BASE_URL)
        assert (assets.STATIC_DIR / url.removeprefix(assets.DASHBOARD_BASE_URL)).is_file()


def test_stock_folium_would_load_cdns():
    """The check that guards the maps finds the CDN links of a stock Folium map."""
    import folium

    links = assets.external_links(folium.Map(location=(45.7, -73.6)))
    assert any("cdn.jsdelivr.net" in u for u in links)
    assert any("tile.openstreetmap.org" in u for u in links)


def test_vendored_assets_keep_their_licences():
    """Each vendored package folder carries its licence file."""
    for folder in ("leaflet", "jquery", "bootstrap", "fontawesome", "awesome-markers"):
        d = assets.STATIC_DIR / folder
        assert any(p.name.startswith("LICENSE") for p in d.iterdir()), folder


def test_streamlit_static_folder_is_maps_static():
    """The static/ folder Streamlit serves beside app.py is maps/static itself."""
    assert (ROOT / "static").resolve() == assets.STATIC_DIR
    assert (ROOT / "static" / "leaflet" / "leaflet.js").is_file()


def test_basemap_merges_region_roads_into_one_feature_per_road_class(mascouche):
    """Every road line of the region is drawn, grouped into at most four features."""
    data = basemap.road_geojson(mascouche)
    lines = mascouche.road_lines(simplify_m=basemap.DEFAULT_SIMPLIFY_M)
    drawn = sum(len(f["geometry"]["coordinates"]) for f in data["features"])
    assert 0 < len(data["features"]) <= 4
    assert drawn == sum(1 for c, *_ in lines if len(c) >= 2)
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0]
    assert 45.6 < lat < 45.9 and -73.8 < lon < -73.4  # GeoJSON order: lon, lat


def test_basemap_is_computed_once_per_region(mascouche):
    """The second request for a region's basemap returns the cached object."""
    assert basemap.road_geojson(mascouche) is basemap.road_geojson(mascouche)


def test_basemap_layer_is_canvas_and_not_interactive(mascouche):
    """The roads layer is painted on a canvas and lets clicks through to the markers."""
    m = builders.service_area_map(mascouche, core_km=10, extended_km=15)
    html = m.get_root().render()
    assert "renderer: L.canvas(" in html
    assert "interactive: false" in html


def test_tile_url_setting_draws_tiles_instead_of_roads(mascouche):
    """With a tile URL configured the map uses those tiles (and only then links outside)."""
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    m = builders.service_area_map(mascouche, core_km=10, extended_km=15, tile_url=url)
    html = m.get_root().render()
    assert "tiles.example.org" in html
    assert "L.canvas(" not in html


def test_openstreetmap_attribution_is_always_added(mascouche, plan_map):
    """Maps without tiles still credit OpenStreetMap (ODbL)."""
    for m in (plan_map, builders.service_area_map(mascouche, core_km=10, extended_km=15)):
        assert "addAttribution(\"\\u00a9 OpenStreetMap contributors\")" in m.get_root().render()


def test_esc_neutralises_html_and_template_literal_breakouts():
    """Escaped text cannot open a tag or leave Folium's JavaScript template literal."""
    out = builders.esc("<b>x</b> `${alert(1)}` \\")
    assert "<" not in out and ">" not in out and "`" not in out and "$" not in out
    assert "\\" not in out


def test_customer_text_in_popups_is_escaped(plan_map):
    """A customer named like an HTML tag is written as text in popups and tooltips."""
    html = plan_map.get_root().render()
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "${alert(2)}" not in html


def test_day_plan_map_draws_each_route_in_its_technician_colour(plan_map):
    """Routes are road polylines in the technicians' colours; stops are numbered markers."""
    html = plan_map.get_root().render()
    assert html.count('"className": "opms-route"') == 1  # only Alex's route has a path
    assert html.count("opms-stop-icon") == 3
    assert html.count("opms-unassigned-icon") == 1
    assert builders.TECHNICIAN_COLORS[0] in html
    assert "Non assignée : Client D" in html


def test_markers_never_instantiate_leaflet_default_icon(plan_map):
    """Markers are created with their DivIcon (no default icon image is fetched first)."""
    html = plan_map.get_root().render()
    assert re.search(r"L\.marker\(\s*\[[^\]]+\],\s*\{icon: L\.divIcon", html)
    assert ".setIcon(" not in html


def test_zone_circles_are_geodesic(mascouche):
    """Every vertex of the drawn 10 km circle is 10 km from the shop on the ellipsoid."""
    shop = (mascouche.shop.lat, mascouche.shop.lon)
    ring = builders.geodesic_circle(shop, 10.0)
    geod = Geod(ellps="WGS84")
    for lat, lon in ring:
        _, _, d = geod.inv(shop[1], shop[0], lon, lat)
        assert d == pytest.approx(10_000.0, abs=0.01)


def test_coverage_map_shows_the_road_path_from_the_shop(mascouche):
    """The coverage result draws the address in its zone colour and the road path."""
    r = mascouche.addresses.iloc[500]
    point = GeoPoint(float(r.lat), float(r.lon))
    path = mascouche.network.route(mascouche.shop, point).coords
    m = builders.coverage_map(
        mascouche, point=point, zone="core", label="1015 Avenue Saint-Denis", core_km=10,
        extended_km=15, path=path,
    )
    html = m.get_root().render()
    assert '"className": "opms-path"' in html
    assert builders.ZONE_COLORS["core"] in html
    assert assets.external_links(m) == []


def test_service_area_export_is_one_self_contained_file(mascouche, region_settings):
    """The exported HTML holds Leaflet inline and loads no file at all."""
    html = export.service_area_html(mascouche, settings=region_settings)
    assert "<script src=" not in html
    assert '<link rel="stylesheet" href=' not in html
    styles = "".join(re.findall(r"<style>(.*?)</style>", html, flags=re.DOTALL))
    assert re.findall(r"url\((?!data:|#)", styles) == []  # images and fonts inlined too
    assert "Leaflet 1.9.4" in html
    assert 'lang="fr-CA"' in html


def test_service_area_geojson_has_zones_and_attribution(mascouche, region_settings, tmp_path):
    """The GeoJSON export holds the shop, both zones and the OSM attribution."""
    out = export.write_service_area(
        mascouche, settings=region_settings, geojson_path=tmp_path / "zone.geojson"
    )
    data = json.loads(Path(out["geojson"]).read_text(encoding="utf-8"))
    zones = {f["properties"]["zone"] for f in data["features"]}
    assert {"shop", "core", "extended"} <= zones
    assert data["properties"]["attribution"] == assets.OSM_ATTRIBUTION


def test_area_command_writes_the_website_map_and_geojson(mascouche, regions_data_dir, tmp_path, capsys):
    """``opms-dispatch area --html --geojson`` writes both exports of the built region."""
    from dispatch.cli.main import main

    html, geo = tmp_path / "territoire.html", tmp_path / "territoire.geojson"
    code = main(["area", "--html", str(html), "--geojson", str(geo), "--json",
                 "--data-dir", str(regions_data_dir), "--region", "mascouche"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["region"] == "mascouche"
    assert "<script src=" not in html.read_text(encoding="utf-8")
    assert json.loads(geo.read_text(encoding="utf-8"))["type"] == "FeatureCollection"
