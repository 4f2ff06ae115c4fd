"""Network services: edge snapping, matrices against networkx, one-ways, paths, one-to-all."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from dispatch.errors import Unreachable
from dispatch.geo.point import GeoPoint
from dispatch.geo.region import build_region
from tests.osm_support import grid, write_osm


@pytest.fixture(scope="module")
def van_graph(vancouver):
    """Vancouver as networkx, for reference Dijkstra."""
    return vancouver.to_networkx()


def _node_points(region, idx):
    net = region.network
    return [GeoPoint(float(net.node_lat[i]), float(net.node_lon[i])) for i in idx]


def test_snap_lands_on_the_edge_not_the_nearest_node(mascouche):
    """A point beside the middle of a long segment snaps onto the segment, metres away."""
    net = mascouche.network
    seg = int(np.argmax(net.seg_length))
    coords = net.segment_coords(seg)
    mid = coords[len(coords) // 2]
    p = GeoPoint(float(mid[0]) + 0.0001, float(mid[1]))  # about 11 m north
    s = net.snap([p.lat], [p.lon])
    assert s.distance_m[0] < 15
    assert 0.05 < s.fraction[0] < 0.95
    node_d = np.hypot(net.node_lat - p.lat, (net.node_lon - p.lon) * 0.7).min() * 111_000
    assert node_d > 3 * s.distance_m[0]


def test_point_far_from_any_road_is_flagged_not_moved_silently(mascouche):
    """A point 2 km from the roads is reported with its distance and flagged far."""
    r = mascouche.network.snap_point(GeoPoint(45.80, -73.52))
    assert r.far and r.distance_m > 1500


def test_matrix_matches_networkx_dijkstra_to_the_second(vancouver, van_graph):
    """Sampled matrix entries equal networkx's Dijkstra (travel_time) within one second."""
    rng = np.random.default_rng(7)
    net = vancouver.network
    idx = rng.choice(net.n_nodes, 12, replace=False)
    m = net.matrix(_node_points(vancouver, idx))
    ids = vancouver._a["node_ids"]
    checked = 0
    for i, a in enumerate(idx):
        lengths = nx.single_source_dijkstra_path_length(van_graph, int(ids[a]), weight="travel_time")
        for j, b in enumerate(idx):
            ref = lengths.get(int(ids[b]), np.inf)
            if np.isinf(ref):
                assert not m.reachable[i, j]
            else:
                assert m.durations_s[i, j] == pytest.approx(ref, abs=1.0)
                checked += 1
    assert checked > 100


def test_one_way_streets_make_the_two_directions_differ_on_vancouver(vancouver, van_graph):
    """Some pair's drive time differs by direction, and networkx agrees on both directions."""
    rng = np.random.default_rng(3)
    net = vancouver.network
    idx = rng.choice(net.n_nodes, 40, replace=False)
    m = net.matrix(_node_points(vancouver, idx))
    d = m.durations_s
    ok = np.isfinite(d) & np.isfinite(d.T)
    diff = np.where(ok, np.abs(d - d.T), 0)
    i, j = np.unravel_index(np.argmax(diff), diff.shape)
    assert diff[i, j] > 30
    ids = vancouver._a["node_ids"]
    fwd = nx.dijkstra_path_length(van_graph, int(ids[idx[i]]), int(ids[idx[j]]), weight="travel_time")
    back = nx.dijkstra_path_length(van_graph, int(ids[idx[j]]), int(ids[idx[i]]), weight="travel_time")
    assert d[i, j] == pytest.approx(fwd, abs=1.0) and d[j, i] == pytest.approx(back, abs=1.0)


def test_distances_are_those_of_the_fastest_path(vancouver, van_graph):
    """The distance reported is the length of the fastest path (not a separate shortest path)."""
    net = vancouver.network
    idx = np.random.default_rng(11).choice(net.n_nodes, 2, replace=False)
    m = net.matrix(_node_points(vancouver, idx))
    ids = vancouver._a["node_ids"]
    if not m.reachable[0, 1]:
        pytest.fail("sample pair unreachable; pick another seed")
    path = nx.dijkstra_path(van_graph, int(ids[idx[0]]), int(ids[idx[1]]), weight="travel_time")
    length = sum(min(e["length"] for e in van_graph[a][b].values()) for a, b in zip(path, path[1:], strict=False))
    assert m.distances_m[0, 1] == pytest.approx(length, abs=1.0)


def test_unreachable_pairs_are_reported_explicitly(tmp_path, settings):
    """Two road networks with no link between them: pairs across are inf and flagged."""
    nodes = grid(size=4)
    ways = [(1, [1, 2, 3, 4], {"highway": "residential"}), (2, [301, 302, 303, 304], {"highway": "residential"})]
    r = build_region(write_osm(tmp_path / "two.osm", nodes, ways), name="two", shop=GeoPoint(*nodes[2]), settings=settings)
    pts = [GeoPoint(*nodes[2]), GeoPoint(*nodes[3]), GeoPoint(*nodes[302])]
    m = r.network.matrix(pts)
    assert m.reachable[0, 1] and not m.reachable[0, 2] and not m.reachable[2, 1]
    assert np.isinf(m.durations_s[0, 2]) and np.isinf(m.distances_m[0, 2])
    assert (0, 2) in m.unreachable_pairs
    with pytest.raises(Unreachable):
        r.network.route(pts[0], pts[2])


def test_points_on_the_same_segment_travel_along_it(tmp_path, settings):
    """Two customers on one street segment: the trip is the distance between them, not via a node."""
    nodes = {1: (45.75, -73.60), 2: (45.75, -73.58)}  # one 1.56 km segment
    r = build_region(write_osm(tmp_path / "one.osm", nodes, [(1, [1, 2], {"highway": "residential"})]),
                     name="one", shop=GeoPoint(45.75, -73.60), settings=settings)
    a, b = GeoPoint(45.7501, -73.595), GeoPoint(45.7501, -73.590)
    m = r.network.matrix([a, b])
    assert m.distances_m[0, 1] == pytest.approx(389, abs=3)
    assert m.durations_s[0, 1] == pytest.approx(389 / (40 / 3.6), abs=1)


def test_route_geometry_follows_roads_between_the_snapped_points(mascouche):
    """The path's line starts and ends at the snapped points and is as long as its distance."""
    from pyproj import Geod

    a = GeoPoint(45.7460, -73.6010)
    b = GeoPoint(*mascouche.addresses.iloc[1234][["lat", "lon"]].tolist())
    route = mascouche.network.route(a, b)
    m = mascouche.network.matrix([a, b])
    assert route.duration_s == pytest.approx(m.durations_s[0, 1], abs=0.5)
    lats, lons = zip(*route.coords, strict=True)
    line_m = Geod(ellps="WGS84").line_length(lons, lats)
    assert line_m == pytest.approx(route.distance_m, rel=0.02)
    sa = mascouche.network.snap_point(a).snapped
    assert abs(route.coords[0][0] - sa.lat) < 1e-5 and abs(route.coords[0][1] - sa.lon) < 1e-5


def test_one_to_all_from_shop_matches_the_matrix(mascouche):
    """Drive time and distance from the shop agree with the many-to-many matrix."""
    pts = mascouche.addresses.sample(30, random_state=2)
    lats, lons = pts.lat.to_numpy(), pts.lon.to_numpy()
    t, d = mascouche.drive_from_shop().at(lats, lons)
    m = mascouche.network.matrix([mascouche.shop, *(GeoPoint(a, b) for a, b in zip(lats, lons, strict=True))])
    np.testing.assert_allclose(t, m.durations_s[0, 1:], atol=0.5)
    np.testing.assert_allclose(d, m.distances_m[0, 1:], atol=1.0)


def test_large_matrix_on_two_processes_equals_one_process(vancouver):
    """The parallel matrix (worker processes) gives the same numbers as the serial one."""
    from dispatch.geo.network import Network

    net = vancouver.network
    rng = np.random.default_rng(5)
    idx = rng.choice(net.n_nodes, 220, replace=False)
    pts = _node_points(vancouver, idx)
    par = net.matrix(pts)
    serial = Network(**{k: getattr(net, k) for k in (
        "node_lat", "node_lon", "seg_u", "seg_v", "seg_length", "seg_speed", "seg_oneway",
        "seg_offsets", "seg_coords")}, workers=1).matrix(pts)
    np.testing.assert_array_equal(par.durations_s, serial.durations_s)


def test_matrix_workers_never_rerun_the_callers_script(vancouver, region_settings, tmp_path):
    """A user script without a __main__ guard runs once, even when the matrix uses workers."""
    import subprocess
    import sys

    script = tmp_path / "noguard.py"
    script.write_text(
        "import numpy as np\n"
        "from dispatch.geo.region import load_region\n"
        "print('SCRIPT RUN', flush=True)\n"
        "net = load_region('vancouver').network\n"
        "idx = np.random.default_rng(1).choice(net.n_nodes, 250, replace=False)\n"
        "m = net.matrix(lats=net.node_lat[idx], lons=net.node_lon[idx])\n"
        "print('SHAPE', m.durations_s.shape, flush=True)\n"
    )
    env = {"OPMS_DATA_DIR": str(region_settings.data_dir), "PATH": "/usr/bin:/bin"}
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("SCRIPT RUN") == 1 and "SHAPE (250, 250)" in p.stdout
