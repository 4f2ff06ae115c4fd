"""Regions: a road network, address points and a shop, built from OSM once and cached.

``build_region`` reads an OpenStreetMap file (or downloads the area around the shop from
Overpass), keeps the drivable roads with speeds and directions, the address points and
named street geometry, checks the shop, and writes a bundle under
``<data_dir>/regions/<name>/``:

- ``meta.json``: source, its SHA-256, build parameters, counts, shop and zones;
- ``arrays.npz``: nodes, road segments with geometry, streets, address points (plain
  numpy arrays, no pickle), which load in milliseconds.

``load_region`` reads a bundle back; when the source file has changed (size or time, then
confirmed by content hash) it is rebuilt with the same parameters. The bundle is written to
a temporary folder and renamed into place, so an interrupted build never leaves half a
region.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from dispatch.errors import InvalidInput, OSMFileError, RegionNotFound, ShopPlacementError
from dispatch.geo.point import GeoPoint
from dispatch.settings import Settings, load_settings

#: Bumped whenever the bundle layout or the build rules change (forces a rebuild).
FORMAT_VERSION = 1

Progress = Callable[[str, float | None], None]

_NAME_OK = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


def _check_name(name: str) -> str:
    clean = (name or "").strip()
    if not clean or len(clean) > 64 or not set(clean.lower()) <= _NAME_OK:
        msg = (
            f"Invalid region name {name!r}: use 1-64 letters, digits, '-' or '_' "
            "(for example 'mascouche')."
        )
        raise InvalidInput(msg)
    return clean


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class StreetTable:
    """Named street polylines of the region (for geocoding and interpolation)."""

    names: list[str]
    way_name: np.ndarray
    offsets: np.ndarray
    coords: np.ndarray  # (N, 2) lat, lon

    def __len__(self) -> int:
        return len(self.way_name)

    def polyline(self, i: int) -> np.ndarray:
        """Coordinates (lat, lon rows) of polyline ``i``."""
        return self.coords[self.offsets[i] : self.offsets[i + 1]]

    def polylines(self, name: str) -> list[np.ndarray]:
        """Every polyline carrying exactly this name."""
        try:
            idx = self.names.index(name)
        except ValueError:
            return []
        return [self.polyline(int(i)) for i in np.flatnonzero(self.way_name == idx)]


class Region:
    """A built region: road network, addresses, streets, shop and zones."""

    def __init__(self, path: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray], *,
                 settings: Settings) -> None:
        self.path = path
        self.meta = meta
        self._a = arrays
        self.settings = settings
        self.name: str = meta["name"]
        self.shop = GeoPoint(meta["shop"]["lat"], meta["shop"]["lon"])
        self.core_km: float = float(meta["core_km"])
        self.extended_km: float = float(meta["extended_km"])
        self.bbox: tuple[float, float, float, float] = tuple(meta["bbox"])  # type: ignore[assignment]
        self.highway_names: list[str] = list(meta["highway_names"])
        self.street_names: list[str] = list(meta["street_names"])

    def __repr__(self) -> str:
        return f"Region({self.name!r}, nodes={self.meta['nodes']}, addresses={self.meta['addresses']})"

    # --- parts -------------------------------------------------------------------------------
    @cached_property
    def network(self):
        """The road :class:`~dispatch.geo.network.Network` (built on first use)."""
        from dispatch.geo.network import Network

        a = self._a
        net = self.settings.network
        return Network(
            node_lat=a["node_lat"],
            node_lon=a["node_lon"],
            seg_u=a["seg_u"],
            seg_v=a["seg_v"],
            seg_length=a["seg_length"],
            seg_speed=a["seg_speed"],
            seg_oneway=a["seg_oneway"],
            seg_offsets=a["seg_offsets"],
            seg_coords=a["seg_coords"],
            seg_name=a["seg_name"],
            names=self.street_names,
            traffic_factor=net.traffic_factor,
            snap_max_m=net.snap_max_m,
            workers=net.matrix_workers,
        )

    @cached_property
    def addresses(self):
        """Address points as a DataFrame (housenumber, street, city, postcode, unit, lat, lon)."""
        import pandas as pd

        a = self._a
        return pd.DataFrame(
            {
                "housenumber": a["addr_housenumber"].astype(str),
                "street": a["addr_street"].astype(str),
                "city": a["addr_city"].astype(str),
                "postcode": a["addr_postcode"].astype(str),
                "unit": a["addr_unit"].astype(str),
                "lat": a["addr_lat"],
                "lon": a["addr_lon"],
            }
        )

    @cached_property
    def streets(self) -> StreetTable:
        """Named street polylines."""
        a = self._a
        return StreetTable(
            names=self.street_names,
            way_name=a["street_way_name"],
            offsets=a["street_offsets"],
            coords=a["street_coords"],
        )

    def drive_from_shop(self):
        """Drive times and distances from the shop to everywhere (cached)."""
        if "_shop_drive" not in self.__dict__:
            self.__dict__["_shop_drive"] = self.network.drive_from(self.shop)
        return self.__dict__["_shop_drive"]

    def road_lines(self, *, simplify_m: float = 5.0, min_class: str | None = None):
        """Road geometry for drawing a basemap: list of (coords (k,2) lat/lon, highway, name).

        Parameters
        ----------
        simplify_m
            Douglas-Peucker tolerance in metres (0 keeps every vertex).
        min_class
            Unused placeholder for filtering by road class (all roads are returned).
        """
        import shapely

        net = self.network
        lines = net._lines
        if simplify_m > 0:
            lines = shapely.simplify(lines, simplify_m)
        out = []
        hw = self._a["seg_highway"]
        for i, line in enumerate(lines):
            xy = shapely.get_coordinates(line)
            lat, lon = net.unproject(xy[:, 0], xy[:, 1])
            nm = int(net.seg_name[i])
            out.append(
                (np.column_stack([lat, lon]), self.highway_names[int(hw[i])],
                 self.street_names[nm] if nm >= 0 else "")
            )
        return out

    def to_networkx(self):
        """The road network as an osmnx-compatible ``networkx.MultiDiGraph``.

        Nodes carry ``x`` (lon), ``y`` (lat) and ``street_count``; edges carry ``osmid``,
        ``highway``, ``name``, ``oneway``, ``reversed``, ``length`` (m), ``speed_kph``,
        ``travel_time`` (s) and a shapely ``geometry``. The graph's ``crs`` is EPSG:4326.
        """
        import networkx as nx
        from shapely.geometry import LineString

        a = self._a
        net = self.network
        g = nx.MultiDiGraph(crs="epsg:4326", name=self.name)
        node_ids = a["node_ids"]
        degree = np.bincount(np.concatenate([a["seg_u"], a["seg_v"]]), minlength=len(node_ids))
        for i, nid in enumerate(node_ids.tolist()):
            g.add_node(nid, x=float(a["node_lon"][i]), y=float(a["node_lat"][i]),
                       street_count=int(degree[i]))
        for s in range(len(a["seg_u"])):
            coords = net._segment_coords(s)
            u, v = int(node_ids[a["seg_u"][s]]), int(node_ids[a["seg_v"][s]])
            nm = int(a["seg_name"][s])
            attrs = {
                "osmid": int(a["seg_osmid"][s]),
                "highway": self.highway_names[int(a["seg_highway"][s])],
                "oneway": bool(a["seg_oneway"][s]),
                "length": float(a["seg_length"][s]),
                "speed_kph": float(a["seg_speed"][s]),
                "travel_time": float(net.seg_time[s]),
            }
            if nm >= 0:
                attrs["name"] = self.street_names[nm]
            geom = LineString([(c[1], c[0]) for c in coords])
            g.add_edge(u, v, reversed=False, geometry=geom, **attrs)
            if not a["seg_oneway"][s]:
                g.add_edge(v, u, reversed=True, geometry=geom.reverse(), **attrs)
        return g

    def summary(self) -> dict[str, Any]:
        """The contract's JSON for a region."""
        m = self.meta
        out = {
            "name": self.name,
            "nodes": m["nodes"],
            "edges": m["edges"],
            "addresses": m["addresses"],
            "streets": m["streets"],
            "shop": self.shop.to_dict(),
            "core_km": self.core_km,
            "extended_km": self.extended_km,
            "bbox": list(self.bbox),
            "source": m["source"],
            "source_sha256": m["source_sha256"],
            "built_at": m["built_at"],
            "warnings": m.get("warnings", []),
        }
        return out

    def to_dict(self) -> dict[str, Any]:
        return self.summary()


# --- building ---------------------------------------------------------------------------------
def _bundle_dir(settings: Settings, name: str) -> Path:
    return settings.regions_dir / name


def _read_meta(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _params_key(settings: Settings) -> str:
    net = settings.network
    key = json.dumps(
        {"speeds": net.speeds_kph, "format": FORMAT_VERSION}, sort_keys=True
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _geodesic_m(a: GeoPoint, b: GeoPoint) -> float:
    from pyproj import Geod

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
        msg = f"Zone radii must satisfy 0 < core ({core}) <= extended ({ext}) <= 500 km."
        raise InvalidInput(msg)
    if (shop is None) == (shop_address is None):
        msg = "Give the shop either as coordinates (--shop-latlon LAT,LON) or as an address (--shop)."
        raise InvalidInput(msg)

    started = time.perf_counter()
    if str(source) == "download":
        if shop is None:
            msg = "Downloading needs the shop as coordinates (--shop-latlon) to know which area to fetch."
            raise InvalidInput(msg)
        from dispatch.geo._overpass import download_area

        radius_km = ext + settings.network.download_margin_km
        path = download_area(shop, radius_km=radius_km, settings=settings, progress=say)
        source_label = "download"
    else:
        path = Path(source).expanduser()
        if not path.exists():
            msg = f"OSM file {path} not found: check the path (for example ../shared/data/osm/mascouche_qc.osm)."
            raise OSMFileError(msg)
        if path.is_dir():
            msg = f"{path} is a folder: give an OSM file (.osm, .osm.bz2 or .osm.pbf)."
            raise OSMFileError(msg)
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
        say("Région déjà construite (cache)", 1.0)
        region = load_region(name, settings=settings, check_source=False)
        region.meta["seconds"] = round(time.perf_counter() - started, 3)
        region.meta["cached"] = True
        return region

    from dispatch.geo._osm import read_osm

    data = read_osm(path, speeds_kph=settings.network.speeds_kph, progress=say)
    say("Vérification de l'atelier", 0.7)
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
    meta["warnings"] = _coverage_warnings(region, shop, ext)

    say("Écriture de la région", 0.9)
    _write_bundle(target, meta, arrays)
    meta["seconds"] = round(time.perf_counter() - started, 3)
    meta["cached"] = False
    say("Région prête", 1.0)
    return region


def _locate_shop(region: Region, address: str, settings: Settings) -> GeoPoint:
    try:
        from dispatch.geo.geocode import geocode
    except ImportError as err:  # pragma: no cover - geocoder ships with the product
        msg = "Geocoding is not available: give the shop with --shop-latlon LAT,LON."
        raise InvalidInput(msg) from err
    result = geocode(region, address, settings=settings.with_section("geocoding", service="offline"))
    if result.precision == "none" or result.lat is None:
        msg = (
            f"The shop address {address!r} was not found among the region's addresses; "
            "check the spelling or give --shop-latlon LAT,LON."
        )
        raise ShopPlacementError(msg)
    return GeoPoint(result.lat, result.lon)


def _check_shop(region: Region, shop: GeoPoint, path: Path, settings: Settings) -> None:
    south, west, north, east = region.bbox
    margin = 0.01  # about 1 km
    if not (south - margin <= shop.lat <= north + margin and west - margin <= shop.lon <= east + margin):
        msg = (
            f"The shop ({shop.lat:.5f}, {shop.lon:.5f}) lies outside the data of {path.name} "
            f"(lat {south:.4f} to {north:.4f}, lon {west:.4f} to {east:.4f}). Check the order "
            "LAT,LON of --shop-latlon, or use an extract that covers the shop."
        )
        raise ShopPlacementError(msg)
    snap = region.network.snap_point(shop)
    limit = settings.network.shop_max_snap_m
    if snap.distance_m > limit:
        msg = (
            f"The shop ({shop.lat:.5f}, {shop.lon:.5f}) is {snap.distance_m / 1000:.1f} km from "
            f"the nearest drivable road (limit {limit / 1000:.1f} km): check its coordinates."
        )
        raise ShopPlacementError(msg)


def _coverage_warnings(region: Region, shop: GeoPoint, ext_km: float) -> list[str]:
    south, west, north, east = region.bbox
    edges = [GeoPoint(south, shop.lon), GeoPoint(north, shop.lon), GeoPoint(shop.lat, west),
             GeoPoint(shop.lat, east)]
    nearest = min(_geodesic_m(shop, e) for e in edges) / 1000
    if nearest + 0.05 < ext_km:
        return [
            f"The data covers only about {nearest:.1f} km around the shop in some directions "
            f"(extended zone: {ext_km:g} km); addresses beyond it cannot be routed."
        ]
    return []


def _write_bundle(target: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        np.savez(tmp / "arrays.npz", **arrays)
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
        hint = f" Built regions: {', '.join(known)}." if known else ""
        msg = (
            f"Region {name!r} has not been built in {settings.regions_dir}. Build it with "
            f"'opms-dispatch region build FILE.osm --name {name} --shop-latlon LAT,LON'.{hint}"
        )
        raise RegionNotFound(msg)
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


__all__ = ["FORMAT_VERSION", "Region", "StreetTable", "build_region", "list_regions", "load_region"]
