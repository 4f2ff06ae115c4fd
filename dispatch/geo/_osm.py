"""Reading OpenStreetMap files (XML, bzip2/gzip XML, PBF) with pyosmium.

This private module turns a file into plain arrays: drivable road segments between
intersections (with geometry, length, speed and direction), named street polylines and
address points. It knows OSM tagging; the rest of the product does not.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import osmium

from dispatch.errors import OSMFileError
from dispatch.i18n import N_, _

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

#: ``highway`` values a car may use (osmnx's "drive" network plus plain service roads).
DRIVABLE = frozenset(
    {
        "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
        "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
        "residential", "living_street", "service", "road",
    }
)
_NO_ACCESS = frozenset({"no", "private", "agricultural", "forestry", "delivery", "emergency"})
_SERVICE_EXCLUDED = frozenset(
    {"parking_aisle", "driveway", "parking", "private", "emergency_access", "drive-through"}
)
_FORWARD = frozenset({"yes", "true", "1"})
_BACKWARD = frozenset({"-1", "reverse"})
_EARTH_R = 6_371_008.8

Progress = Callable[[str, float | None], None]
#: The tags of a way as read here: an osmium tag list, or the subset kept per drivable way.
Tags = Mapping[str, str | None] | osmium.osm.TagList
#: A drivable way: OSM id, node ids, node latitudes and longitudes, the tags kept.
DriveWay = tuple[int, list[int], list[float], list[float], dict[str, str | None]]


@dataclass
class OSMData:
    """Arrays read from one OSM file (all coordinates are lat, lon in degrees)."""

    node_ids: np.ndarray  # int64, graph nodes (intersections and ends)
    node_lat: np.ndarray
    node_lon: np.ndarray
    seg_u: np.ndarray  # int32 index into nodes
    seg_v: np.ndarray
    seg_length: np.ndarray  # metres (great-circle along the geometry)
    seg_speed: np.ndarray  # km/h
    seg_oneway: np.ndarray  # int8: 0 both directions, 1 only u->v
    seg_highway: np.ndarray  # int16 index into highway_names
    seg_name: np.ndarray  # int32 index into street names, -1 none
    seg_osmid: np.ndarray  # int64 way id
    seg_offsets: np.ndarray  # int64, len n_seg + 1, into seg_coords
    seg_coords: np.ndarray  # float64 (N, 2) lat, lon
    highway_names: list[str]
    street_names: list[str]
    street_way_name: np.ndarray  # int32 per street polyline
    street_offsets: np.ndarray
    street_coords: np.ndarray
    addr_housenumber: list[str]
    addr_street: list[str]
    addr_city: list[str]
    addr_postcode: list[str]
    addr_unit: list[str]
    addr_lat: np.ndarray
    addr_lon: np.ndarray
    bounds: tuple[float, float, float, float]  # south, west, north, east
    n_ways_read: int


def haversine_m(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> NDArray[np.float64]:
    """Great-circle distance in metres (vectorised)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    dist: NDArray[np.float64] = 2 * _EARTH_R * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return dist


def sniff_format(path: Path) -> str:
    """Return the osmium format string of a file from its first bytes."""
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except OSError as err:
        msg = N_("Cannot read {path}: {reason}. Check the path and its permissions.")
        raise OSMFileError(msg, path=str(path), reason=err.strerror) from err
    if not head:
        msg = N_("{path} is empty: give an OpenStreetMap file (.osm, .osm.bz2 or .osm.pbf).")
        raise OSMFileError(msg, path=str(path))
    if head.startswith(b"BZh"):
        return "osm.bz2"
    if head.startswith(b"\x1f\x8b"):
        return "osm.gz"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<osm"):
        return "osm"
    if len(head) > 8 and b"OSMHeader" in head[:32]:
        return "pbf"
    msg = N_(
        "{path} is not an OpenStreetMap file (expected OSM XML, .osm.bz2 or .osm.pbf, "
        "as published by openstreetmap.org, Geofabrik or BBBike)."
    )
    raise OSMFileError(msg, path=str(path))


def parse_speed(value: str | None) -> float | None:
    """Parse an OSM ``maxspeed`` value to km/h (``50``, ``30 mph``, ``50;70``); None if unusable."""
    if not value:
        return None
    m = re.search(r"(\d+(?:\.\d+)?)\s*(mph|knots)?", value)
    if not m:
        return None
    speed = float(m.group(1))
    if m.group(2) == "mph":
        speed *= 1.609344
    elif m.group(2) == "knots":
        speed *= 1.852
    if not (1.0 <= speed <= 200.0):
        return None
    return speed


def _direction(tags: Tags) -> int:
    """1 forward only, -1 backward only, 0 both."""
    oneway = (tags.get("oneway") or "").strip().lower()
    if oneway in _FORWARD:
        return 1
    if oneway in _BACKWARD:
        return -1
    if oneway in {"no", "false", "0", "reversible", "alternating"}:
        return 0
    if tags.get("junction") in {"roundabout", "circular"} or tags.get("highway") == "motorway":
        return 1
    return 0


def _is_drivable(tags: Tags) -> bool:
    hw = tags.get("highway")
    if hw not in DRIVABLE:
        return False
    if tags.get("area") == "yes":
        return False
    allowed_override = {"yes", "designated", "permissive", "destination", "customers"}
    for key in ("motor_vehicle", "motorcar", "vehicle"):
        val = tags.get(key)
        if val in _NO_ACCESS:
            return False
        if val in allowed_override:
            return True
    if tags.get("access") in _NO_ACCESS:
        return False
    return not (hw == "service" and tags.get("service") in _SERVICE_EXCLUDED)


def read_osm(
    path: Path,
    *,
    speeds_kph: dict[str, float],
    progress: Progress | None = None,
) -> OSMData:
    """Read an OSM file into road segments, streets and address points.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file.
    speeds_kph
        Default speed per ``highway`` class where ``maxspeed`` is missing.
    progress
        Called with ``(stage, fraction)`` while reading.

    Returns
    -------
    OSMData
    """
    fmt = sniff_format(path)
    say = progress or (lambda stage, frac: None)
    say(_("Reading the OSM file"), None)

    drive_ways: list[DriveWay] = []
    street_polys: list[tuple[str, list[float], list[float]]] = []
    addresses: list[tuple[str, str, str, str, str, float, float]] = []
    lat_min = lon_min = math.inf
    lat_max = lon_max = -math.inf
    n_ways = 0

    keys = ("highway", "name", "oneway", "junction", "maxspeed", "access", "motor_vehicle",
            "motorcar", "vehicle", "service", "area")
    try:
        fp = (
            osmium.FileProcessor(osmium.io.File(str(path), fmt))
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway", "addr:housenumber"))
        )
        for obj in fp:
            tags = obj.tags
            if isinstance(obj, osmium.osm.Node):
                if "addr:housenumber" in tags and obj.location.valid():
                    street = tags.get("addr:street") or tags.get("addr:place") or ""
                    loc = obj.location
                    addresses.append(
                        (
                            tags.get("addr:housenumber") or "",
                            street,
                            tags.get("addr:city") or "",
                            tags.get("addr:postcode") or "",
                            tags.get("addr:unit") or "",
                            loc.lat,
                            loc.lon,
                        )
                    )
                continue
            if not isinstance(obj, osmium.osm.Way):
                continue
            n_ways += 1
            ids: list[int] = []
            lats: list[float] = []
            lons: list[float] = []
            for n in obj.nodes:
                loc = n.location
                ids.append(n.ref)
                if loc.valid():
                    lats.append(loc.lat)
                    lons.append(loc.lon)
                else:
                    lats.append(math.nan)
                    lons.append(math.nan)
            if "addr:housenumber" in tags and "highway" not in tags:
                good = [(a, b) for a, b in zip(lats, lons, strict=True) if not math.isnan(a)]
                if good:
                    street = tags.get("addr:street") or tags.get("addr:place") or ""
                    addresses.append(
                        (
                            tags.get("addr:housenumber") or "",
                            street,
                            tags.get("addr:city") or "",
                            tags.get("addr:postcode") or "",
                            tags.get("addr:unit") or "",
                            sum(a for a, _ in good) / len(good),
                            sum(b for _, b in good) / len(good),
                        )
                    )
                continue
            if "highway" not in tags:
                continue
            name = tags.get("name")
            if name:
                street_polys.append((name, lats, lons))
            if _is_drivable(tags):
                drive_ways.append((obj.id, ids, lats, lons, {k: tags.get(k) for k in keys}))
                for a, b in zip(lats, lons, strict=True):
                    if not math.isnan(a):
                        lat_min = min(lat_min, a)
                        lat_max = max(lat_max, a)
                        lon_min = min(lon_min, b)
                        lon_max = max(lon_max, b)
    except OSMFileError:
        raise
    except Exception as err:  # osmium raises RuntimeError, InvalidLocationError, ValueError...
        msg = N_("{path} could not be read as OpenStreetMap data ({reason}). Is it a complete .osm/.osm.pbf file?")
        raise OSMFileError(msg, path=str(path), reason=str(err)) from err

    if not drive_ways:
        msg = N_(
            "{path} holds no drivable road ({n_ways} ways read): the area is empty or the "
            "file has no highway=* ways. Use an extract that covers the service area."
        )
        raise OSMFileError(msg, path=str(path), n_ways=n_ways)

    if not math.isfinite(lat_min):
        msg = N_(
            "{path} holds {count} drivable ways but none of their nodes has "
            "coordinates: the extract is incomplete. Use a complete .osm/.osm.pbf file."
        )
        raise OSMFileError(msg, path=str(path), count=len(drive_ways))
    say(_("Building the road network"), 0.5)
    return _segments(
        drive_ways,
        street_polys,
        addresses,
        speeds_kph=speeds_kph,
        bounds=(lat_min, lon_min, lat_max, lon_max),
        n_ways=n_ways,
    )


def _segments(
    drive_ways: list[DriveWay],
    street_polys: list[tuple[str, list[float], list[float]]],
    addresses: list[tuple[str, str, str, str, str, float, float]],
    *,
    speeds_kph: dict[str, float],
    bounds: tuple[float, float, float, float],
    n_ways: int,
) -> OSMData:
    # Split each way at missing nodes (clipped extracts): runs of consecutive valid nodes.
    runs = []  # (way_index, ids, lats, lons)
    use_count: dict[int, int] = {}
    for wi, (_osmid, ids, lats, lons, _tags) in enumerate(drive_ways):
        start = None
        for i in range(len(ids) + 1):
            valid = i < len(ids) and not math.isnan(lats[i])
            if valid and start is None:
                start = i
            elif not valid and start is not None:
                if i - start >= 2:
                    r_ids = ids[start:i]
                    runs.append((wi, r_ids, lats[start:i], lons[start:i]))
                    for k, nid in enumerate(r_ids):
                        # ends count twice so that they always stay graph nodes
                        inc = 2 if k in (0, len(r_ids) - 1) else 1
                        use_count[nid] = use_count.get(nid, 0) + inc
                start = None

    node_index: dict[int, int] = {}
    node_ids: list[int] = []
    node_lat: list[float] = []
    node_lon: list[float] = []

    def node(nid: int, lat: float, lon: float) -> int:
        idx = node_index.get(nid)
        if idx is None:
            idx = len(node_ids)
            node_index[nid] = idx
            node_ids.append(nid)
            node_lat.append(lat)
            node_lon.append(lon)
        return idx

    highway_names: list[str] = []
    hw_index: dict[str, int] = {}
    names: list[str] = []
    name_index: dict[str, int] = {}

    def name_id(name: str | None) -> int:
        if not name:
            return -1
        idx = name_index.get(name)
        if idx is None:
            idx = len(names)
            name_index[name] = idx
            names.append(name)
        return idx

    seg_u: list[int] = []
    seg_v: list[int] = []
    seg_speed: list[float] = []
    seg_oneway: list[int] = []
    seg_hw: list[int] = []
    seg_name: list[int] = []
    seg_osmid: list[int] = []
    seg_offsets: list[int] = [0]
    coords_lat: list[float] = []
    coords_lon: list[float] = []
    default_speed = speeds_kph.get("road", 40.0)

    for wi, ids, lats, lons in runs:
        osmid, _ids, _lats, _lons, tags = drive_ways[wi]
        hw = tags.get("highway") or "road"
        if hw not in hw_index:
            hw_index[hw] = len(highway_names)
            highway_names.append(hw)
        speed = parse_speed(tags.get("maxspeed")) or speeds_kph.get(hw, default_speed)
        direction = _direction(tags)
        nm = name_id(tags.get("name"))
        if direction == -1:
            ids, lats, lons = ids[::-1], lats[::-1], lons[::-1]
        oneway = 1 if direction != 0 else 0
        start = 0
        for k in range(1, len(ids)):
            if k == len(ids) - 1 or use_count.get(ids[k], 0) >= 2:
                u = node(ids[start], lats[start], lons[start])
                v = node(ids[k], lats[k], lons[k])
                seg_u.append(u)
                seg_v.append(v)
                seg_speed.append(speed)
                seg_oneway.append(oneway)
                seg_hw.append(hw_index[hw])
                seg_name.append(nm)
                seg_osmid.append(osmid)
                coords_lat.extend(lats[start : k + 1])
                coords_lon.extend(lons[start : k + 1])
                seg_offsets.append(len(coords_lat))
                start = k

    offsets = np.asarray(seg_offsets, dtype=np.int64)
    clat = np.asarray(coords_lat, dtype=np.float64)
    clon = np.asarray(coords_lon, dtype=np.float64)
    piece = haversine_m(clat[:-1], clon[:-1], clat[1:], clon[1:]) if len(clat) > 1 else np.zeros(0)
    # zero the pieces that straddle two segments, then sum per segment
    cum = np.concatenate([[0.0], np.cumsum(piece)])
    lengths = cum[offsets[1:] - 1] - cum[offsets[:-1]]

    # Named streets (for geocoding): every named highway way, split at missing nodes.
    st_name: list[int] = []
    st_offsets = [0]
    st_lat: list[float] = []
    st_lon: list[float] = []
    for name, lats, lons in street_polys:
        nm = name_id(name)
        run_lat: list[float] = []
        run_lon: list[float] = []
        for a, b in [*zip(lats, lons, strict=True), (math.nan, math.nan)]:
            if math.isnan(a):
                if run_lat:
                    st_name.append(nm)
                    st_lat.extend(run_lat)
                    st_lon.extend(run_lon)
                    st_offsets.append(len(st_lat))
                run_lat, run_lon = [], []
            else:
                run_lat.append(a)
                run_lon.append(b)

    if addresses:
        hn, st, city, pc, unit, alat, alon = (list(c) for c in zip(*addresses, strict=True))
    else:
        hn, st, city, pc, unit, alat, alon = [], [], [], [], [], [], []

    return OSMData(
        node_ids=np.asarray(node_ids, dtype=np.int64),
        node_lat=np.asarray(node_lat, dtype=np.float64),
        node_lon=np.asarray(node_lon, dtype=np.float64),
        seg_u=np.asarray(seg_u, dtype=np.int32),
        seg_v=np.asarray(seg_v, dtype=np.int32),
        seg_length=np.asarray(lengths, dtype=np.float64),
        seg_speed=np.asarray(seg_speed, dtype=np.float64),
        seg_oneway=np.asarray(seg_oneway, dtype=np.int8),
        seg_highway=np.asarray(seg_hw, dtype=np.int16),
        seg_name=np.asarray(seg_name, dtype=np.int32),
        seg_osmid=np.asarray(seg_osmid, dtype=np.int64),
        seg_offsets=offsets,
        seg_coords=np.column_stack([clat, clon]) if len(clat) else np.zeros((0, 2)),
        highway_names=highway_names,
        street_names=names,
        street_way_name=np.asarray(st_name, dtype=np.int32),
        street_offsets=np.asarray(st_offsets, dtype=np.int64),
        street_coords=np.column_stack([st_lat, st_lon]) if st_lat else np.zeros((0, 2)),
        addr_housenumber=hn,
        addr_street=st,
        addr_city=city,
        addr_postcode=pc,
        addr_unit=unit,
        addr_lat=np.asarray(alat, dtype=np.float64),
        addr_lon=np.asarray(alon, dtype=np.float64),
        bounds=bounds,
        n_ways_read=n_ways,
    )
