"""Geocoding and coverage benchmark on the Mascouche region.

Measures, in one run, on this machine:

- building the offline address index (cold, from the region's points and streets);
- batch geocoding throughput (``geocode_many``, fresh index cache) on 10,000 distinct
  address texts written in varied forms (abbreviations, no accents, case, units, city,
  postal code): numbers in the data (exact), numbers absent between neighbours
  (interpolated), and streets that do not exist or are misspelt (none / fuzzy);
- the CSV batch command end to end (``opms-dispatch geocode --csv``, a fresh process,
  start-up included);
- the online peer: geopy's Nominatim, paced at 1 request/s by its RateLimiter as Nominatim's
  policy requires, against the local stand-in server (a few requests);
- coverage of 10,000 random points of the region's box (zone, geodesic and road distance;
  ``check_points``), warm, median of 5 runs, against a per-point loop (``check_point``) and
  geopy's ``geodesic`` one point at a time for the straight-line part alone;
- the service-area GeoJSON export (circles + road-distance area), cold;
- accuracy and error radius (``--accuracy``, also part of the full run): leave-one-out over
  every Mascouche address point found once on its street (its own point left out of the
  index), and held-out blocks (every number of a street's hundred left out together): share
  within 25 m and 100 m, answers more than 300 m away with a radius under 300 m, calibration
  (share whose true point lies inside the stated radius), median error and radius, per
  precision too (:mod:`dispatch.geo.geocode_accuracy`).

Run: ``.venv/bin/python benchmarks/bench_geocode.py`` (``make bench`` runs every benchmark);
``--accuracy`` runs the accuracy part alone. Writes ``benchmarks/results/geocode.json``
(``geocode_accuracy.json`` with ``--accuracy``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OPMS_SHARED_DIR", ROOT.parent / "shared"))
OSM = SHARED / "data" / "osm" / "mascouche_qc.osm"
SHOP = (45.7460, -73.6010)
OUT = ROOT / "benchmarks" / "results" / "geocode.json"

ABBR = {"Rue": "r.", "Boulevard": "boul.", "Avenue": "av.", "Chemin": "ch.", "Montée": "mtée",
        "Place": "pl.", "Croissant": "crois.", "Terrasse": "terr.", "Rang": "rg", "Route": "rte"}
FAKE = ["Rue des Inventées", "Boulevard Imaginaire", "Rue Principal", "Avenue Bourk", "Chemin Sainte-Mari"]


def _unaccent(t: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))


def _forms(n, street: str) -> list[str]:
    g, _, rest = street.partition(" ")
    return [
        f"{n} {street}",
        f"{n} {ABBR.get(g, g)} {rest}".strip(),
        _unaccent(f"{n} {street}").upper(),
        f"{n} {street}, Mascouche, QC J7K 3B5",
        f"4-{n} {street}",
        f"{n} {street}, app. 4, Mascouche",
        f"{n}, {_unaccent(street)} Mascouche QC j7k3b5 Canada",
        f"{n} {street.replace('Saint-', 'St-')}",
    ]


def _texts(addresses, k: int, seed: int) -> tuple[list[str], dict[str, int]]:
    """k distinct texts: 60% numbers in the data, 30% absent numbers, 10% unknown streets."""
    rng = random.Random(seed)
    rows = list(zip(addresses["housenumber"], addresses["street"], strict=True))
    known = {(st, int(hn)) for hn, st in rows}
    out: set[str] = set()
    mix = {"in_data": 0, "absent_number": 0, "unknown_street": 0}
    while len(out) < k:
        r = rng.random()
        hn, st = rows[rng.randrange(len(rows))]
        if r < 0.6:
            text, kind = rng.choice(_forms(hn, st)), "in_data"
        elif r < 0.9:
            n = int(hn) + rng.choice([-6, -4, -2, 2, 4, 6])
            if (st, n) in known or n <= 0:
                continue
            text, kind = rng.choice(_forms(n, st)), "absent_number"
        else:
            text, kind = f"{rng.randint(1, 4000)} {rng.choice(FAKE)}", "unknown_street"
        if text not in out:
            out.add(text)
            mix[kind] += 1
    texts = sorted(out)
    rng.shuffle(texts)
    return texts, mix


def accuracy(region) -> dict:
    """Leave-one-out and held-out blocks: overall figures and per precision."""
    from dispatch.geo.address_index import AddressIndex
    from dispatch.geo.geocode_accuracy import held_out_blocks, leave_one_out, summarise

    index = AddressIndex(region.addresses, region.streets, region_name="Mascouche")
    out: dict = {}
    for name, run in (("leave_one_out", leave_one_out), ("held_out_blocks", held_out_blocks)):
        t = time.perf_counter()
        trials = run(index, region.addresses)
        figures = summarise(trials)
        figures["seconds"] = round(time.perf_counter() - t, 2)
        figures["by_precision"] = {
            p: summarise([x for x in trials if x.precision == p])
            for p in ("interpolated", "approximate", "street") if any(x.precision == p for x in trials)
        }
        figures["misses_over_300m_with_radius_under_300m"] = [
            f"{x.number} {x.street}: {x.error_m:.0f} m away, radius {x.radius_m:.0f} m"
            for x in trials if x.error_m > 300 and x.radius_m < 300
        ]
        out[name] = figures
    return out


def _print_accuracy(acc: dict) -> None:
    for name, f in acc.items():
        print(f"{name}: {f['answers']} answers, within 25 m {100 * f['within_25m']:.1f} %, within 100 m "
              f"{100 * f['within_100m']:.1f} %, >300 m with radius <300 m: {f['over_300m_with_radius_under_300m']}, "
              f"calibration {100 * f['calibration']:.1f} %, median error {f['median_error_m']} m, "
              f"median radius {f['median_radius_m']} m")
        for p, g in f["by_precision"].items():
            print(f"  {p:<12} {g['answers']:5d}  25 m {100 * g['within_25m']:5.1f} %  100 m "
                  f"{100 * g['within_100m']:5.1f} %  calibration {100 * g['calibration']:5.1f} %  "
                  f"median radius {g['median_radius_m']} m")
        for miss in f["misses_over_300m_with_radius_under_300m"]:
            print(f"  miss: {miss}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--online", type=int, default=4, help="requests sent to the Nominatim stand-in")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--accuracy", action="store_true", help="only the accuracy and error-radius part")
    args = parser.parse_args()

    from dispatch.geo.address_index import AddressIndex
    from dispatch.geo.geocode import geocode, geocode_many
    from dispatch.geo.point import GeoPoint
    from dispatch.geo.region import build_region
    from dispatch.geo.service_area import check_point, check_points
    from dispatch.geo.service_area_geojson import service_area_geojson
    from dispatch.settings import load_settings

    res: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
                 "seed": args.seed}
    with tempfile.TemporaryDirectory(prefix="bench-geocode-") as tmp:
        settings = load_settings(data_dir=tmp, env={})
        t = time.perf_counter()
        region = build_region(OSM, name="mascouche", shop=GeoPoint(*SHOP), settings=settings)
        res["region_build_s"] = round(time.perf_counter() - t, 3)
        a = region.addresses
        res["accuracy"] = accuracy(region)
        if args.accuracy:
            out = OUT.with_name("geocode_accuracy.json")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(res["accuracy"], indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            _print_accuracy(res["accuracy"])
            print(f"wrote {out.relative_to(ROOT)}")
            return

        # index
        t = time.perf_counter()
        index = AddressIndex(a, region.streets, region_name="Mascouche")
        res["index_build_s"] = round(time.perf_counter() - t, 3)
        res["index_points"] = len(index)

        # batch geocoding
        texts, mix = _texts(a, args.addresses, args.seed)
        index._cache.clear()
        t = time.perf_counter()
        results = geocode_many(region, texts, settings=settings, index=index)
        dt = time.perf_counter() - t
        prec: dict[str, int] = {}
        for r in results:
            prec[r.precision] = prec.get(r.precision, 0) + 1
        res["geocode_batch"] = {"addresses": len(texts), "mix": mix, "seconds": round(dt, 3),
                                "per_second": round(len(texts) / dt, 1), "precision": prec}

        # CLI CSV end to end
        src = Path(tmp) / "in.csv"
        with src.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["address"])
            w.writerows([[x] for x in texts])
        t = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).parent / "opms-dispatch"), "geocode", "--csv", str(src), "--out",
             str(Path(tmp) / "out.csv"), "--region", "mascouche", "--data-dir", tmp, "--quiet", "--json"],
            check=True, capture_output=True, text=True,
        )
        dt = time.perf_counter() - t
        res["geocode_cli_csv"] = {"addresses": len(texts), "seconds": round(dt, 3),
                                  "per_second": round(len(texts) / dt, 1)}

        # online peer: Nominatim through geopy at 1 request/s (local stand-in)
        sys.path.insert(0, str(ROOT))
        from dataclasses import replace

        from tests.servers.nominatim import NominatimStandIn

        with NominatimStandIn(OSM) as server:
            online = replace(
                settings.with_section("geocoding", service="nominatim", nominatim_url=server.url,
                                      user_agent="opms-dispatch-bench/1.0", min_delay_s=1.0),
                data_dir=Path(tmp) / "online",
            )
            queries = [f"{int(hn) + 2000} {st}" for hn, st in zip(a["housenumber"][: args.online],
                                                                    a["street"][: args.online], strict=True)]
            t = time.perf_counter()
            for q in queries:
                geocode(region, q, settings=online)
            dt = time.perf_counter() - t
            res["nominatim_peer"] = {"requests": len(server.requests), "seconds": round(dt, 3),
                                     "per_second": round(len(server.requests) / dt, 2) if dt else None,
                                     "note": "paced by geopy RateLimiter at 1 request/s (Nominatim policy)"}

        # coverage
        rng = np.random.default_rng(args.seed)
        south, west, north, east = region.bbox
        lats = rng.uniform(south, north, args.points)
        lons = rng.uniform(west, east, args.points)
        t = time.perf_counter()
        check_points(region, lats[:10], lons[:10], settings=settings)  # warm: one-to-all, snap samples
        res["coverage_warmup_s"] = round(time.perf_counter() - t, 3)
        times = []
        for _ in range(5):
            t = time.perf_counter()
            batch = check_points(region, lats, lons, settings=settings)
            times.append(time.perf_counter() - t)
        res["coverage_batch"] = {"points": args.points, "median_s": round(statistics.median(times), 4),
                                 "min_s": round(min(times), 4), "zones": batch.counts(),
                                 "unreachable": int(np.isnan(batch.road_km).sum())}
        k = 300
        t = time.perf_counter()
        for i in range(k):
            check_point(region, GeoPoint(lats[i], lons[i]), settings=settings)
        dt = time.perf_counter() - t
        res["coverage_loop_peer"] = {"points_timed": k, "per_point_ms": round(dt / k * 1000, 3),
                                     "extrapolated_s_for_points": round(dt / k * args.points, 2)}
        from geopy.distance import geodesic

        t = time.perf_counter()
        for la, lo in zip(lats, lons, strict=True):
            _ = geodesic(SHOP, (la, lo)).m
        dt = time.perf_counter() - t
        res["geopy_geodesic_loop_peer"] = {"points": args.points, "seconds": round(dt, 3)}

        t = time.perf_counter()
        fc = service_area_geojson(region, settings=settings)
        res["geojson_export_s"] = round(time.perf_counter() - t, 3)
        res["geojson_bytes"] = len(json.dumps(fc))

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    g, c = res["geocode_batch"], res["coverage_batch"]
    rows = [
        ("index build (4,629 points, 553 streets)", f"{res['index_build_s']:.2f} s"),
        (f"geocode_many, {g['addresses']:,} texts", f"{g['seconds']:.2f} s = {g['per_second']:,.0f} /s"),
        ("CLI --csv end to end (incl. start-up)", f"{res['geocode_cli_csv']['seconds']:.2f} s = "
                                                  f"{res['geocode_cli_csv']['per_second']:,.0f} /s"),
        ("Nominatim via geopy (1 req/s policy)", f"{res['nominatim_peer']['per_second']} /s"),
        ("coverage warm-up (once per region)", f"{res['coverage_warmup_s']:.2f} s"),
        (f"check_points, {c['points']:,} points (median of 5)", f"{c['median_s'] * 1000:.0f} ms"),
        ("check_point loop (extrapolated)", f"{res['coverage_loop_peer']['extrapolated_s_for_points']} s"),
        ("geopy geodesic loop (straight only)", f"{res['geopy_geodesic_loop_peer']['seconds']} s"),
        ("service-area GeoJSON export", f"{res['geojson_export_s']:.2f} s"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, val in rows:
        print(f"{name:<{width}}  {val}")
    print(f"precision mix: {g['precision']}; zones: {c['zones']}")
    _print_accuracy(res["accuracy"])
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
