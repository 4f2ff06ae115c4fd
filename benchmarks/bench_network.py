"""Road-network benchmark on the Vancouver extract.

Measures, in one run, on this machine:

- region build from the PBF (ours) against osmnx ``graph_from_xml`` on the same data
  (converted to XML with pyosmium first, not timed), wall time and peak RSS, each in a
  fresh subprocess;
- loading the cached region (fresh subprocess): time and peak RSS;
- a 500 x 500 travel-time matrix between random snapped points (seeded): ours (warm,
  worker processes), scipy's csgraph Dijkstra from all sources in one process (the
  measured floor), and networkx one pair at a time (a sample of pairs timed and scaled);
- correctness: a sample of matrix entries against networkx's Dijkstra on the same graph.

Run: ``.venv/bin/python benchmarks/bench_network.py`` (``make bench`` runs every benchmark).
Writes ``benchmarks/results/network.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OPMS_SHARED_DIR", ROOT.parent / "shared"))
PBF = SHARED / "data" / "osm" / "vancouver_canada.osm.pbf"
SHOP = "49.2606,-123.1140"
OUT = ROOT / "benchmarks" / "results" / "network.json"


def _child(code: str, env: dict) -> dict:
    """Run code in a fresh interpreter; it prints one JSON line; add its peak RSS."""
    wrapped = (
        "import json, resource, time\n"
        f"{code}\n"
        "res['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps(res))\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=500)
    parser.add_argument("--nx-pairs", type=int, default=300, help="pairs timed for networkx")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    k = args.points

    tmp = Path(tempfile.mkdtemp(prefix="bench-net-"))
    env = dict(os.environ, OPMS_DATA_DIR=str(tmp))
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}

    # --- build: ours vs osmnx ------------------------------------------------------------
    ours = _child(
        "from dispatch.geo.region import build_region\nfrom dispatch.geo.point import GeoPoint\n"
        "t=time.perf_counter()\n"
        f"r=build_region({str(PBF)!r}, name='vancouver', shop=GeoPoint({SHOP}), force=True)\n"
        "res={'seconds': time.perf_counter()-t, 'nodes': r.meta['nodes'], 'edges': r.meta['edges']}",
        env,
    )
    xml = tmp / "vancouver.osm"
    import osmium

    from dispatch.geo._osm import _is_drivable

    # osmnx's graph_from_xml does not filter and fails on clipped ways: give it the drivable
    # ways with their missing node references removed (the same roads ours keeps).
    with osmium.SimpleWriter(str(xml)) as writer:
        for obj in osmium.FileProcessor(str(PBF)).with_locations():
            if obj.is_node():
                writer.add(obj)
            elif obj.is_way() and _is_drivable(obj.tags):
                refs = [nd.ref for nd in obj.nodes if nd.location.valid()]
                if len(refs) >= 2:
                    writer.add(obj.replace(nodes=refs))
    osmnx_build = _child(
        "import osmnx as ox\nt=time.perf_counter()\n"
        f"g=ox.graph_from_xml({str(xml)!r}, simplify=True, retain_all=True)\n"
        "res={'seconds': time.perf_counter()-t, 'nodes': len(g), 'edges': g.number_of_edges()}",
        env,
    )
    results["build"] = {"ours_pbf": ours, "osmnx_graph_from_xml": osmnx_build}

    # --- load of the cached bundle -------------------------------------------------------------
    load = _child(
        "t=time.perf_counter()\nfrom dispatch.geo.region import load_region\n"
        "r=load_region('vancouver')\nnet=r.network\n_=net.csr\n_=net._tree\n"
        "res={'seconds_including_imports': time.perf_counter()-t}\n"
        "t=time.perf_counter(); r=load_region('vancouver'); net=r.network; _=net.csr; _=net._tree\n"
        "res['seconds'] = time.perf_counter()-t",
        env,
    )
    results["load"] = load

    # --- matrices -------------------------------------------------------------------------------
    os.environ["OPMS_DATA_DIR"] = str(tmp)
    from scipy.sparse.csgraph import dijkstra

    from dispatch.geo.region import load_region
    from dispatch.geo.shortest_paths import unpack as _unpack

    region = load_region("vancouver")
    net = region.network
    rng = np.random.default_rng(args.seed)
    s, w, n, e = region.bbox
    lats, lons = [], []
    while len(lats) < k:  # random points of the box that lie within 100 m of a road
        la, lo = rng.uniform(s, n, 4 * k), rng.uniform(w, e, 4 * k)
        sn = net.snap(la, lo)
        ok = sn.distance_m < 100
        lats += la[ok].tolist()
        lons += lo[ok].tolist()
    lats, lons = np.array(lats[:k]), np.array(lons[:k])
    snaps = net.snap(lats, lons)

    t = time.perf_counter()
    net.matrix(snaps=snaps)  # warm-up (starts the worker pool)
    cold = time.perf_counter() - t
    times = []
    for _ in range(3):
        t = time.perf_counter()
        m = net.matrix(snaps=snaps)
        times.append(time.perf_counter() - t)
    ours_s = min(times)

    graph = net._augmented(snaps)
    src = np.arange(net.n_nodes, net.n_nodes + k)
    t = time.perf_counter()
    full = dijkstra(graph, directed=True, indices=src)
    scipy_s = time.perf_counter() - t
    ref_t, _ = _unpack(full[:, src])
    np.fill_diagonal(ref_t, 0)
    same = bool(np.array_equal(ref_t, m.durations_s))

    # networkx one pair at a time on the exported graph, between the nearest graph nodes
    import networkx as nx

    g = region.to_networkx()
    ids = region._a["node_ids"]
    node_of = ids[net.seg_u[snaps.segment]]
    pairs = rng.choice(k, size=(args.nx_pairs, 2))
    t = time.perf_counter()
    for a, b in pairs:
        with contextlib.suppress(nx.NetworkXNoPath):
            nx.shortest_path_length(g, int(node_of[a]), int(node_of[b]), weight="travel_time")
    per_pair = (time.perf_counter() - t) / len(pairs)
    nx_s = per_pair * k * k

    # correctness: matrix between graph nodes vs networkx Dijkstra
    sample = rng.choice(net.n_nodes, 20, replace=False)
    from dispatch.geo.point import GeoPoint

    mm = net.matrix([GeoPoint(float(net.node_lat[i]), float(net.node_lon[i])) for i in sample])
    diffs = []
    unreach_agree = True
    for i, a in enumerate(sample):
        ref = nx.single_source_dijkstra_path_length(g, int(ids[a]), weight="travel_time")
        for j, b in enumerate(sample):
            r = ref.get(int(ids[b]))
            if r is None:
                unreach_agree &= not bool(mm.reachable[i, j])
            else:
                diffs.append(abs(float(mm.durations_s[i, j]) - r))
    results["matrix"] = {
        "points": k,
        "ours_seconds": ours_s,
        "ours_first_call_seconds": cold,
        "workers": net.workers,
        "scipy_all_sources_seconds": scipy_s,
        "networkx_pairwise_seconds_extrapolated": nx_s,
        "networkx_pairs_timed": len(pairs),
        "ratio_scipy_over_ours": scipy_s / ours_s,
        "ratio_networkx_over_ours": nx_s / ours_s,
        "identical_to_scipy": same,
        "unreachable_share": float((~m.reachable).mean()),
        "check_vs_networkx": {
            "pairs": len(diffs),
            "max_abs_diff_s": max(diffs) if diffs else None,
            "unreachable_agree": unreach_agree,
        },
    }
    results["ru_maxrss_mb_parent"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1))
    b, mx = results["build"], results["matrix"]
    print(f"{'measure':44s} {'ours':>10s} {'peer':>12s} {'ratio':>8s}")
    print(f"{'build Vancouver (s)  [peer: osmnx XML]':44s} {b['ours_pbf']['seconds']:10.2f} {b['osmnx_graph_from_xml']['seconds']:12.2f} {b['osmnx_graph_from_xml']['seconds'] / b['ours_pbf']['seconds']:8.1f}")
    print(f"{'build peak RSS (MB)':44s} {b['ours_pbf']['peak_rss_mb']:10.0f} {b['osmnx_graph_from_xml']['peak_rss_mb']:12.0f}")
    print(f"{'load cached region (s) / peak RSS (MB)':44s} {load['seconds']:10.3f} {load['peak_rss_mb']:12.0f}")
    print(f"{'  load incl. imports, fresh process (s)':44s} {load['seconds_including_imports']:10.3f}")
    print(f"{f'{k}x{k} matrix (s)  [peer: scipy Dijkstra]':44s} {mx['ours_seconds']:10.3f} {mx['scipy_all_sources_seconds']:12.3f} {mx['ratio_scipy_over_ours']:8.1f}")
    print(f"{f'{k}x{k} matrix (s)  [peer: networkx per pair*]':44s} {mx['ours_seconds']:10.3f} {mx['networkx_pairwise_seconds_extrapolated']:12.1f} {mx['ratio_networkx_over_ours']:8.0f}")
    print(f"* networkx: {len(pairs)} pairs timed ({per_pair * 1000:.1f} ms each), scaled to {k * k} pairs")
    print(f"first call incl. worker start: {cold:.3f} s; identical to scipy: {same}; unreachable share {mx['unreachable_share']:.4f}")
    c = mx["check_vs_networkx"]
    print(f"check vs networkx Dijkstra: {c['pairs']} pairs, max |diff| {c['max_abs_diff_s']:.3f} s, unreachable agree: {c['unreachable_agree']}")


if __name__ == "__main__":
    main()
