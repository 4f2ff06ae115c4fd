"""Region bundles: reading OSM files, drivable roads, cache and bad input."""

from __future__ import annotations

import bz2
import shutil

import numpy as np
import pytest

from dispatch.errors import OSMFileError, RegionNotFound, ShopPlacementError
from dispatch.geo.point import GeoPoint
from dispatch.geo.region import build_region, load_region
from tests.conftest import MASCOUCHE_OSM, MASCOUCHE_SHOP
from tests.osm_support import grid, write_osm


def test_mascouche_xml_has_all_address_points_and_french_streets(mascouche):
    """The Mascouche XML gives a routable network, its 4,629 address points and French street names."""
    s = mascouche.summary()
    assert s["addresses"] == 4629
    assert s["nodes"] > 2000 and s["edges"] > 5000
    names = set(mascouche.addresses["street"])
    assert any(n.startswith("Rue ") for n in names) and any("Montée" in n for n in names)
    assert mascouche.streets.polylines("Chemin Sainte-Marie")


def test_vancouver_pbf_reads_one_ways_and_road_classes(vancouver):
    """The Vancouver PBF gives one-way segments, several road classes and its address points."""
    net = vancouver.network
    assert (net.seg_oneway == 1).sum() > 1000
    assert {"motorway", "primary", "residential", "service"} <= set(vancouver.highway_names)
    assert len(vancouver.addresses) > 1700


def test_bz2_source_reads_like_the_xml(tmp_path, settings, mascouche):
    """A .osm.bz2 file builds the same network as the plain XML."""
    src = tmp_path / "m.osm.bz2"
    src.write_bytes(bz2.compress(MASCOUCHE_OSM.read_bytes()))
    r = build_region(src, name="mbz", shop=GeoPoint(*MASCOUCHE_SHOP), settings=settings)
    assert r.summary()["nodes"] == mascouche.summary()["nodes"]
    assert r.summary()["addresses"] == 4629


def test_missing_maxspeed_uses_quebec_defaults_per_class(mascouche):
    """Without maxspeed tags, residential streets get 40 km/h and the autoroute 100 km/h."""
    net = mascouche.network
    hw = np.array(mascouche.highway_names)[mascouche._a["seg_highway"]]
    assert set(net.seg_speed[hw == "residential"]) == {40.0}
    assert set(net.seg_speed[hw == "motorway"]) == {100.0}
    np.testing.assert_allclose(net.seg_time, net.seg_length / (net.seg_speed / 3.6))


def _tiny(tmp_path, ways, nodes=None, node_tags=None):
    nodes = nodes or grid()
    return write_osm(tmp_path / "tiny.osm", nodes, ways, node_tags=node_tags)


def test_footways_private_roads_and_parking_aisles_are_not_drivable(tmp_path, settings):
    """Only car roads enter the network: footway, access=private and parking aisles are left out."""
    src = _tiny(tmp_path, [
        (1, [1, 2, 3, 4], {"highway": "residential", "name": "Rue A"}),
        (2, [101, 102, 103, 104], {"highway": "footway"}),
        (3, [201, 202, 203, 204], {"highway": "residential", "access": "private"}),
        (4, [301, 302, 303, 304], {"highway": "service", "service": "parking_aisle"}),
        (5, [1, 101, 201, 301], {"highway": "tertiary", "maxspeed": "60"}),
    ])
    r = build_region(src, name="tiny", shop=GeoPoint(45.75, -73.60), settings=settings)
    net = r.network
    assert set(r.highway_names) == {"residential", "tertiary"}
    assert net.seg_speed.max() == 60.0
    assert r.streets.polylines("Rue A")


def test_oneway_tags_set_direction(tmp_path, settings):
    """oneway=yes and roundabouts run forward; oneway=-1 runs backward; both are one-way."""
    src = _tiny(tmp_path, [
        (1, [1, 2, 3, 4], {"highway": "residential", "oneway": "yes"}),
        (2, [101, 102, 103, 104], {"highway": "residential", "oneway": "-1"}),
        (3, [1, 101], {"highway": "residential"}),
        (4, [4, 104], {"highway": "residential"}),
    ])
    r = build_region(src, name="ow", shop=GeoPoint(45.75, -73.60), settings=settings)
    net = r.network
    a, b = GeoPoint(*grid()[2]), GeoPoint(*grid()[3])  # on the oneway=yes street, west -> east
    m = net.matrix([a, b])
    assert m.durations_s[0, 1] < m.durations_s[1, 0]  # east -> west must detour
    c, d = GeoPoint(*grid()[102]), GeoPoint(*grid()[103])  # oneway=-1: east -> west only
    m2 = net.matrix([c, d])
    assert m2.durations_s[1, 0] < m2.durations_s[0, 1]


def test_clipped_way_is_split_at_missing_nodes(tmp_path, settings):
    """A way referencing nodes absent from the extract is split there, never joined across."""
    nodes = grid()
    del nodes[3]
    src = _tiny(tmp_path, [(1, [1, 2, 3, 4], {"highway": "residential"}), (2, [1, 101], {"highway": "residential"})], nodes=nodes)
    r = build_region(src, name="clip", shop=GeoPoint(45.75, -73.60), settings=settings)
    # node 4 is isolated (its only neighbour 3 is missing): no segment reaches it
    assert r.summary()["nodes"] == 3  # 1, 2, 101
    assert r.network.seg_length.max() < 250


def test_unchanged_source_reuses_the_cached_bundle(tmp_path, settings):
    """Building again from the same file and parameters reuses the bundle."""
    src = tmp_path / "m.osm"
    shutil.copy(MASCOUCHE_OSM, src)
    first = build_region(src, name="c1", shop=GeoPoint(*MASCOUCHE_SHOP), settings=settings)
    again = build_region(src, name="c1", shop=GeoPoint(*MASCOUCHE_SHOP), settings=settings)
    assert first.meta["cached"] is False and again.meta["cached"] is True


def test_changed_source_is_detected_by_hash_and_rebuilt_on_load(tmp_path, settings):
    """Editing the source file makes load_region rebuild the bundle with the new content."""
    nodes = grid()
    ways = [(1, [1, 2, 3, 4], {"highway": "residential", "name": "Rue A"})]
    src = write_osm(tmp_path / "e.osm", nodes, ways, node_tags={2: {"addr:housenumber": "10", "addr:street": "Rue A"}})
    build_region(src, name="edit", shop=GeoPoint(45.75, -73.60), settings=settings)
    assert len(load_region("edit", settings=settings).addresses) == 1
    write_osm(src, nodes, ways, node_tags={2: {"addr:housenumber": "10", "addr:street": "Rue A"},
                                           3: {"addr:housenumber": "12", "addr:street": "Rue A"}})
    reloaded = load_region("edit", settings=settings)
    assert len(reloaded.addresses) == 2


def test_failed_build_keeps_the_previous_bundle(tmp_path, settings):
    """A build refused for a bad shop leaves the existing region untouched."""
    src = _tiny(tmp_path, [(1, [1, 2, 3, 4], {"highway": "residential"})])
    build_region(src, name="keep", shop=GeoPoint(45.75, -73.60), settings=settings)
    with pytest.raises(ShopPlacementError):
        build_region(src, name="keep", shop=GeoPoint(45.70, -73.60), settings=settings, force=True)
    assert load_region("keep", settings=settings).shop == GeoPoint(45.75, -73.60)
    assert [p.name for p in settings.regions_dir.iterdir()] == ["keep"]


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda p: p / "absent.osm", OSMFileError, "not found"),
        (lambda p: (p / "notes.txt").write_text("hello") and p / "notes.txt", OSMFileError, "not an OpenStreetMap"),
        (lambda p: write_osm(p / "empty.osm", {1: (45.7, -73.6)}, []), OSMFileError, "no drivable road"),
    ],
)
def test_bad_source_files_get_clear_errors(tmp_path, settings, make, error, words):
    """Missing, non-OSM and empty files are refused with a message saying what is wrong."""
    with pytest.raises(error, match=words) as info:
        build_region(make(tmp_path), name="bad", shop=GeoPoint(45.75, -73.60), settings=settings)
    assert info.value.exit_code == 2


def test_shop_outside_the_data_or_far_from_roads_is_refused(settings):
    """A shop outside the file's area, or more than 1 km from a road, is refused."""
    with pytest.raises(ShopPlacementError, match="outside the data"):
        build_region(MASCOUCHE_OSM, name="s1", shop=GeoPoint(49.26, -123.11), settings=settings)
    with pytest.raises(ShopPlacementError, match="from the nearest drivable road"):
        build_region(MASCOUCHE_OSM, name="s2", shop=GeoPoint(45.80, -73.52), settings=settings)


def test_unknown_region_says_how_to_build_it(settings):
    """Loading a region never built raises RegionNotFound with the build command."""
    with pytest.raises(RegionNotFound, match="region build"):
        load_region("nowhere", settings=settings)


def test_networkx_export_works_with_osmnx(mascouche):
    """The exported MultiDiGraph is usable by osmnx (shortest path, GeoDataFrames)."""
    import osmnx as ox

    g = mascouche.to_networkx()
    nodes, edges = ox.graph_to_gdfs(g)
    assert len(nodes) == mascouche.summary()["nodes"] and len(edges) == mascouche.summary()["edges"]
    net = mascouche.network
    ids = mascouche._a["node_ids"]
    main = net.main_segments
    u, v = int(ids[net.seg_u[main[0]]]), int(ids[net.seg_v[main[-1]]])
    path = ox.shortest_path(g, u, v, weight="travel_time")
    assert path[0] == u and path[-1] == v
