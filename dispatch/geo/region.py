"""Regions: a road network, address points and a shop, built from OSM once and cached.

``build_region`` reads an OpenStreetMap file (or downloads the area around the shop from
Overpass), keeps the drivable roads with speeds and directions, the address points and
named street geometry, checks the shop, and writes a bundle under
``<data_dir>/regions/<name>/``:

- ``meta.json``: source, its SHA-256, build parameters, counts, shop and zones;
- ``arrays.npz``: nodes, road segments with geometry, streets, address points (plain
  numpy arrays, no pickle), which load in milliseconds.

``load_region`` reads a bundle back as a :class:`~dispatch.geo.built_region.Region`; when
the source file has changed (size or time, then confirmed by content hash) it is rebuilt with
the same parameters. The bundle is written to a temporary folder and renamed into place, so
an interrupted build never leaves half a region.

A shop given as an address is geocoded on the region's own address points
(:func:`dispatch.geo.geocode.geocode`, offline); the geocoder reads a built
:class:`~dispatch.geo.built_region.Region` and never this module, so there is no import circle.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import Geod

from dispatch.errors import InvalidInput, OSMFileError, RegionNotFound, ShopPlacementError
from dispatch.files import private_folder
from dispatch.geo._osm import read_osm
from dispatch.geo._overpass import download_area
from dispatch.geo.built_region import Region, coverage_warnings
from dispatch.geo.geocode import geocode
from dispatch.geo.point import GeoPoint
from dispatch.i18n import N_, _
from dispatch.settings import Settings, load_settings

#: Bumped whenever the bundle layout or the build rules change (forces a rebuild).
FORMAT_VERSION = 1

Progress = Callable[[str, float | None], None]

_NAME_OK = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


def _check_name(name: str) -> str:
    clean = (name or "").strip()
    if not clean or len(clean) > 64 or not set(clean.lower()) <= _NAME_OK:
        msg = N_(
            "Invalid region name {name!r}: use 1-64 letters, digits, '-' or '_' "
            "(for example 'mascouche')."
        )
        raise InvalidInput(msg, name=name)
    return clean


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --- building ---------------------------------------------------------------------------------
def _bundle_dir(settings: Settings, name: str) -> Path:
    return settings.regions_dir / name


def _read_meta(path: Path) -> dict[str, Any] | None:
    try:
        meta: dict[str, Any] = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        return meta
    except (OSError, ValueError):
        return None


def _params_key(settings: Settings) -> str:
    net = settings.network
    key = json.dumps(
        {"speeds": net.speeds_kph, "format": FORMAT_VERSION}, sort_keys=True
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _geodesic_m(a: GeoPoint, b: GeoPoint) -> float:
    _, _, d = Geod(ellps="WGS84").inv(a.lon, a.lat, b.lon, b.lat)
    return float(d)


def build_region(
    source: str | os.PathLike[str],
    *,
    name: str,
    shop: GeoPoint | None = None,
    shop_address: str | None = None,
    core_km: float | None = None,
    extended_km: float | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> Region:
    """Build (or reuse) the region bundle ``name`` from an OSM file or a download.

    Parameters
    ----------
    source
        Path to a ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file, or ``"download"`` to fetch
        the area around the shop from OpenStreetMap (Overpass; needs ``shop``).
    name
        Region name (letters, digits, ``-``, ``_``).
    shop, shop_address
        The shop as coordinates, or as an address geocoded on the region's own address points.
    core_km, extended_km
        Zone radii (default: settings).
    settings
        Settings in force (default: :func:`~dispatch.settings.load_settings`).
    progress
        Called with ``(stage, fraction)`` during long steps.
    force
        Rebuild even when an identical bundle exists.

    Returns
    -------
    Region
    """
    settings = settings or load_settings()
    name = _check_name(name)
    say = progress or (lambda stage, frac: None)
    core = float(core_km if core_km is not None else settings.service_area.core_km)
    ext = float(extended_km if extended_km is not None else settings.service_area.extended_km)
    if not (0 < core <= ext <= 500):
        msg = N_("Zone radii must satisfy 0 < core ({core}) <= extended ({extended}) <= 500 km.")
        raise InvalidInput(msg, core=core, extended=ext)
    if (shop is None) == (shop_address is None):
        msg = N_("Give the shop either as coordinates (--shop-latlon LAT,LON) or as an address (--shop).")
        raise InvalidInput(msg)

    started = time.perf_counter()
    if str(source) == "download":
        if shop is None:
            msg = N_("Downloading needs the shop as coordinates (--shop-latlon) to know which area to fetch.")
            raise InvalidInput(msg)
        radius_km = ext + settings.network.download_margin_km
        path = download_area(shop, radius_km=radius_km, settings=settings, progress=say)
        source_label = "download"
    else:
        path = Path(source).expanduser()
        if not path.exists():
            msg = N_("OSM file {path} not found: check the path (for example ../shared/data/osm/mascouche_qc.osm).")
            raise OSMFileError(msg, path=str(path))
        if path.is_dir():
            msg = N_("{path} is a folder: give an OSM file (.osm, .osm.bz2 or .osm.pbf).")
            raise OSMFileError(msg, path=str(path))
        path = path.resolve()
        source_label = str(path)

    sha = _sha256(path)
    target = _bundle_dir(settings, name)
    meta = _read_meta(target)
    params = _params_key(settings)
    if (
        not force
        and meta is not None
        and meta.get("source_sha256") == sha
        and meta.get("params") == params
        and meta.get("format") == FORMAT_VERSION
        and meta.get("core_km") == core
        and meta.get("extended_km") == ext
        and shop is not None
        and abs(meta["shop"]["lat"] - shop.lat) < 1e-9
        and abs(meta["shop"]["lon"] - shop.lon) < 1e-9
    ):
        say(_("Region already built (cache)"), 1.0)
        region = load_region(name, settings=settings, check_source=False)
        region.meta["seconds"] = round(time.perf_counter() - started, 3)
        region.meta["cached"] = True
        return region

    data = read_osm(path, speeds_kph=settings.network.speeds_kph, progress=say)
    say(_("Checking the shop"), 0.7)
    arrays = {
        "node_ids": data.node_ids,
        "node_lat": data.node_lat,
        "node_lon": data.node_lon,
        "seg_u": data.seg_u,
        "seg_v": data.seg_v,
        "seg_length": data.seg_length,
        "seg_speed": data.seg_speed,
        "seg_oneway": data.seg_oneway,
        "seg_highway": data.seg_highway,
        "seg_name": data.seg_name,
        "seg_osmid": data.seg_osmid,
        "seg_offsets": data.seg_offsets,
        "seg_coords": data.seg_coords,
        "street_way_name": data.street_way_name,
        "street_offsets": data.street_offsets,
        "street_coords": data.street_coords,
        "addr_housenumber": np.asarray(data.addr_housenumber, dtype=str),
        "addr_street": np.asarray(data.addr_street, dtype=str),
        "addr_city": np.asarray(data.addr_city, dtype=str),
        "addr_postcode": np.asarray(data.addr_postcode, dtype=str),
        "addr_unit": np.asarray(data.addr_unit, dtype=str),
        "addr_lat": data.addr_lat,
        "addr_lon": data.addr_lon,
    }
    south, west, north, east = data.bounds
    meta = {
        "format": FORMAT_VERSION,
        "params": params,
        "name": name,
        "source": source_label,
        "source_path": str(path),
        "source_sha256": sha,
        "source_size": path.stat().st_size,
        "source_mtime": path.stat().st_mtime,
        "shop": {"lat": 0.0, "lon": 0.0},
        "core_km": core,
        "extended_km": ext,
        "bbox": [south, west, north, east],
        "highway_names": data.highway_names,
        "street_names": data.street_names,
        "nodes": len(data.node_ids),
        "edges": int(len(data.seg_u) + int((data.seg_oneway == 0).sum())),
        "segments": len(data.seg_u),
        "addresses": len(data.addr_lat),
        "streets": len(set(data.street_names)),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "warnings": [],
    }
    region = Region(target, meta, arrays, settings=settings)

    if shop is None:
        shop = _locate_shop(region, shop_address or "", settings)
    _check_shop(region, shop, path, settings)
    meta["shop"] = shop.to_dict()
    region.shop = shop
    meta["data_radius_km"] = round(_data_radius_km(region, shop), 3)
    meta["warnings"] = coverage_warnings(meta["data_radius_km"], ext)

    say(_("Writing the region"), 0.9)
    _write_bundle(target, meta, arrays)
    meta["seconds"] = round(time.perf_counter() - started, 3)
    meta["cached"] = False
    say(_("Region ready"), 1.0)
    return region


def _locate_shop(region: Region, address: str, settings: Settings) -> GeoPoint:
    result = geocode(region, address, settings=settings.with_section("geocoding", service="offline"))
    if result.precision == "none" or result.lat is None or result.lon is None:
        msg = N_(
            "The shop address {address!r} was not found among the region's addresses; "
            "check the spelling or give --shop-latlon LAT,LON."
        )
        raise ShopPlacementError(msg, address=address)
    return GeoPoint(result.lat, result.lon)


def _check_shop(region: Region, shop: GeoPoint, path: Path, settings: Settings) -> None:
    south, west, north, east = region.bbox
    margin = 0.01  # about 1 km
    if not (south - margin <= shop.lat <= north + margin and west - margin <= shop.lon <= east + margin):
        msg = N_(
            "The shop ({lat:.5f}, {lon:.5f}) lies outside the data of {file} "
            "(lat {south:.4f} to {north:.4f}, lon {west:.4f} to {east:.4f}). Check the order "
            "LAT,LON of --shop-latlon, or use an extract that covers the shop."
        )
        raise ShopPlacementError(
            msg, lat=shop.lat, lon=shop.lon, file=path.name, south=south, north=north, west=west, east=east
        )
    snap = region.network.snap_point(shop)
    limit = settings.network.shop_max_snap_m
    if snap.distance_m > limit:
        msg = N_(
            "The shop ({lat:.5f}, {lon:.5f}) is {distance_km:.1f} km from "
            "the nearest drivable road (limit {limit_km:.1f} km): check its coordinates."
        )
        raise ShopPlacementError(
            msg, lat=shop.lat, lon=shop.lon, distance_km=snap.distance_m / 1000, limit_km=limit / 1000
        )


def _data_radius_km(region: Region, shop: GeoPoint) -> float:
    """How far the data reaches around the shop in its nearest direction (km)."""
    south, west, north, east = region.bbox
    edges = [GeoPoint(south, shop.lon), GeoPoint(north, shop.lon), GeoPoint(shop.lat, west),
             GeoPoint(shop.lat, east)]
    return min(_geodesic_m(shop, e) for e in edges) / 1000


def _write_bundle(target: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    private_folder(target.parent)  # the data directory may be created here first: 0700
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        np.savez(tmp / "arrays.npz", allow_pickle=True, **arrays)
        public = {k: v for k, v in meta.items() if k not in {"seconds", "cached"}}
        (tmp / "meta.json").write_text(json.dumps(public, ensure_ascii=False, indent=1), encoding="utf-8")
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}-old-{os.getpid()}")
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# --- loading ----------------------------------------------------------------------------------
def list_regions(*, settings: Settings | None = None) -> list[dict[str, Any]]:
    """Summaries of every built region."""
    settings = settings or load_settings()
    out = []
    if settings.regions_dir.is_dir():
        for d in sorted(settings.regions_dir.iterdir()):
            if d.name.startswith("."):
                continue
            meta = _read_meta(d)
            if meta:
                out.append({k: meta.get(k) for k in ("name", "nodes", "edges", "addresses",
                                                     "shop", "core_km", "extended_km", "source",
                                                     "built_at")})
    return out


def load_region(
    name: str,
    *,
    settings: Settings | None = None,
    check_source: bool = True,
    progress: Progress | None = None,
) -> Region:
    """Load a built region; rebuild it first when its source file has changed.

    Raises
    ------
    RegionNotFound
        When no region of that name has been built.
    """
    settings = settings or load_settings()
    name = _check_name(name)
    target = _bundle_dir(settings, name)
    meta = _read_meta(target)
    if meta is None or not (target / "arrays.npz").is_file():
        known = [r["name"] for r in list_regions(settings=settings)]
        if known:
            msg = N_(
                "Region {name!r} has not been built in {folder}. Build it with "
                "'opms-dispatch region build FILE.osm --name {name} --shop-latlon LAT,LON'. "
                "Built regions: {known}."
            )
            raise RegionNotFound(msg, name=name, folder=str(settings.regions_dir), known=", ".join(known))
        msg = N_(
            "Region {name!r} has not been built in {folder}. Build it with "
            "'opms-dispatch region build FILE.osm --name {name} --shop-latlon LAT,LON'."
        )
        raise RegionNotFound(msg, name=name, folder=str(settings.regions_dir))
    if meta.get("format") != FORMAT_VERSION or meta.get("params") != _params_key(settings):
        if check_source and _source_available(meta):
            return _rebuild(meta, settings, progress)
    elif check_source and _source_changed(meta):
        return _rebuild(meta, settings, progress)
    with np.load(target / "arrays.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return Region(target, meta, arrays, settings=settings)


def _source_available(meta: dict[str, Any]) -> bool:
    return meta.get("source") != "download" and Path(meta.get("source_path", "")).is_file()


def _source_changed(meta: dict[str, Any]) -> bool:
    if not _source_available(meta):
        return False
    p = Path(meta["source_path"])
    st = p.stat()
    if st.st_size == meta.get("source_size") and st.st_mtime == meta.get("source_mtime"):
        return False
    return _sha256(p) != meta.get("source_sha256")


def _rebuild(meta: dict[str, Any], settings: Settings, progress: Progress | None) -> Region:
    return build_region(
        meta["source_path"],
        name=meta["name"],
        shop=GeoPoint(meta["shop"]["lat"], meta["shop"]["lon"]),
        core_km=meta["core_km"],
        extended_km=meta["extended_km"],
        settings=settings,
        progress=progress,
        force=True,
    )


__all__ = ["FORMAT_VERSION", "build_region", "list_regions", "load_region"]
