"""The streets of the offline geocoder: address points and merged geometry per street, in metres.

:func:`index_streets` groups a region's address points and named street polylines under one
normal form per street (:func:`dispatch.geo.street_names.street_key`), merges the polylines,
and projects every address point once onto its street's centreline (arc length ``s`` and
signed setback ``off``), which the interpolation of missing numbers
(:mod:`dispatch.geo.civic_numbers`) then reads.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.ops import linemerge

from dispatch.geo.addresses import parse_housenumber
from dispatch.geo.geodesy import LocalPlane
from dispatch.geo.street_names import StreetKey, street_key

if TYPE_CHECKING:
    import pandas as pd

    from dispatch.geo.built_region import StreetTable

#: Address points farther than this from their street's geometry are not used to measure
#: positions along it (the geometry found is another segment of the same name).
MAX_SETBACK_M = 60.0
#: A point is measured on the longest street piece lying within this distance of its
#: nearest piece (spurs and service ways carrying the street's name are not its centreline).
PIECE_TOLERANCE_M = 15.0


# --- street groups ---------------------------------------------------------------------------
@dataclass
class IndexedStreet:
    """One street of the index: its address points and its geometry (metres)."""

    key: StreetKey
    name: str
    names: set[str] = field(default_factory=set)
    city: str = ""
    cities: set[str] = field(default_factory=set)
    lines: list[shapely.LineString] = field(default_factory=list)  # in metres
    # address points, sorted by number
    num: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    tag: list[str] = field(default_factory=list)
    x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    line: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    off: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: usual metres per civic number along the street (NaN when unknown)
    spacing: float = float("nan")

    @property
    def has_numbers(self) -> bool:
        return len(self.num) > 0


def metres_per_number(st: IndexedStreet) -> float:
    """The street's usual metres per civic number: the median over consecutive known numbers
    of one side measured on one piece (NaN when the street has no such pair)."""
    rates: list[np.ndarray] = []
    for parity in (0, 1):
        rows = np.flatnonzero((st.num % 2 == parity) & (st.line >= 0))  # sorted by number
        if len(rows) < 2:
            continue
        u, v = rows[:-1], rows[1:]
        ok = (st.line[u] == st.line[v]) & (st.num[v] > st.num[u])
        rates.append(np.abs(st.s[v] - st.s[u])[ok] / (st.num[v] - st.num[u])[ok])
    allr = np.concatenate(rates) if rates else np.zeros(0)
    return float(np.median(allr)) if len(allr) else float("nan")


def merge_lines(polylines_xy: list[np.ndarray]) -> list[shapely.LineString]:
    """Polylines (metres) merged where they meet end to end; empty pieces dropped."""
    parts = [shapely.LineString(p) for p in polylines_xy if len(p) >= 2]
    if not parts:
        return []
    merged = linemerge(shapely.MultiLineString(parts))
    geoms = list(merged.geoms) if hasattr(merged, "geoms") else [merged]
    return [g for g in geoms if g.length > 0]


def frame(line: shapely.LineString, s: float) -> tuple[float, float, float, float]:
    """Point and unit normal (left of the direction of travel) at arc length ``s``."""
    length = line.length
    s = min(max(s, 0.0), length)
    a = line.interpolate(max(s - 1.0, 0.0))
    b = line.interpolate(min(s + 1.0, length))
    c = line.interpolate(s)
    tx, ty = b.x - a.x, b.y - a.y
    tl = math.hypot(tx, ty) or 1.0
    return c.x, c.y, -ty / tl, tx / tl


def plane_for(addresses: pd.DataFrame, streets: StreetTable | None = None) -> LocalPlane:
    """The local metric plane of an index: centred on the street geometry, else on the
    address points (else a point of southern Québec)."""
    lat = addresses["lat"].to_numpy(dtype=float) if len(addresses) else np.zeros(0)
    lon = addresses["lon"].to_numpy(dtype=float) if len(addresses) else np.zeros(0)
    if streets is not None and len(streets.coords):
        c = np.asarray(streets.coords, dtype=float)
        lat0, lon0 = float(c[:, 0].mean()), float(c[:, 1].mean())
    elif len(lat):
        lat0, lon0 = float(lat.mean()), float(lon.mean())
    else:
        lat0, lon0 = 45.0, -73.0
    return LocalPlane(lat0, lon0)


def index_streets(addresses: pd.DataFrame, streets: StreetTable | None, plane: LocalPlane) -> dict[str, IndexedStreet]:
    """The streets of an index by compact street key, address points projected onto them.

    Parameters
    ----------
    addresses
        Address points: columns ``housenumber``, ``street``, ``city``, ``lat``, ``lon``.
    streets
        The region's :class:`~dispatch.geo.built_region.StreetTable` (``None``: no geometry).
    plane
        The metric plane of the index (:func:`plane_for`).
    """
    lat = addresses["lat"].to_numpy(dtype=float) if len(addresses) else np.zeros(0)
    lon = addresses["lon"].to_numpy(dtype=float) if len(addresses) else np.zeros(0)
    out: dict[str, IndexedStreet] = {}

    # geometry: way polylines grouped by compact key
    if streets is not None:
        by_key: dict[str, list[np.ndarray]] = defaultdict(list)
        names_of: dict[str, Counter[str]] = defaultdict(Counter)
        offsets = np.asarray(streets.offsets)
        coords = np.asarray(streets.coords, dtype=float)
        for i, name_idx in enumerate(np.asarray(streets.way_name).tolist()):
            if name_idx < 0:
                continue
            name = streets.names[name_idx]
            if not name:
                continue
            k = street_key(name)
            if not k.name:
                continue
            pts = coords[offsets[i] : offsets[i + 1]]
            x, y = plane.fwd(pts[:, 0], pts[:, 1])
            by_key[k.compact].append(np.column_stack([x, y]))
            names_of[k.compact][name] += 1
        for ck, polys in by_key.items():
            name = names_of[ck].most_common(1)[0][0]
            st = out.setdefault(ck, IndexedStreet(key=street_key(name), name=name))
            st.names.update(names_of[ck])
            st.lines = merge_lines(polys)

    # address points grouped by compact key
    if len(addresses):
        df = addresses.reset_index(drop=True)
        xs, ys = plane.fwd(lat, lon)
        groups: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(df["street"].astype(str).tolist()):
            sk = street_key(name) if name else None
            if sk is not None and sk.name:
                groups[sk.compact].append(i)
        hn = df["housenumber"].astype(str).tolist()
        street_col = df["street"].astype(str).tolist()
        city_col = df["city"].astype(str).tolist() if "city" in df else [""] * len(df)
        for ck, rows in groups.items():
            nums, tags, keep = [], [], []
            for r in rows:
                n, suffix = parse_housenumber(hn[r])
                if n is None:
                    continue
                nums.append(n)
                tags.append(f"{n}{suffix}" if suffix != "1/2" else f"{n} 1/2")
                keep.append(r)
            names = Counter(street_col[r] for r in rows)
            if ck not in out:
                name = names.most_common(1)[0][0]
                out[ck] = IndexedStreet(key=street_key(name), name=name)
            st = out[ck]
            # the postal form of the name is the one on the address points
            st.name = names.most_common(1)[0][0]
            st.key = street_key(st.name)
            st.names.update(names)
            cities = Counter(city_col[r] for r in rows if city_col[r])
            st.cities = set(cities)
            st.city = cities.most_common(1)[0][0] if cities else ""
            if not keep:
                continue
            order = np.argsort(np.asarray(nums), kind="stable")
            kr = np.asarray(keep)[order]
            st.num = np.asarray(nums, dtype=np.int64)[order]
            st.tag = [tags[i] for i in order]
            st.x = xs[kr]
            st.y = ys[kr]

    # streets with address points but no geometry under their own name: borrow the
    # geometry of a street with the same specific name lying among the points
    by_name: dict[str, list[IndexedStreet]] = defaultdict(list)
    for st in out.values():
        by_name[st.key.name_loose].append(st)
    for st in out.values():
        if st.lines or not st.has_numbers:
            continue
        cx, cy = float(st.x.mean()), float(st.y.mean())
        near = [
            o for o in by_name[st.key.name_loose]
            if o is not st and o.lines
            and min(g.distance(shapely.Point(cx, cy)) for g in o.lines) < 150
        ]
        if len(near) == 1:
            st.lines = near[0].lines

    # project every address point onto its street once
    for st in out.values():
        n = len(st.num)
        st.line = np.full(n, -1, dtype=np.int64)
        st.s = np.zeros(n)
        st.off = np.zeros(n)
        if not n or not st.lines:
            continue
        pts = shapely.points(st.x, st.y)
        lines = np.asarray(st.lines, dtype=object)
        dist = np.stack([shapely.distance(g, pts) for g in lines])  # (n_lines, n)
        best = dist.argmin(axis=0)
        if len(lines) > 1 and PIECE_TOLERANCE_M > 0:
            # among the pieces nearly as near as the nearest, the longest one: a short
            # spur or service way of the same name is not the street's centreline
            lengths = np.array([g.length for g in lines])
            near = dist <= dist.min(axis=0)[None, :] + PIECE_TOLERANCE_M
            best = np.where(near, lengths[:, None], -1.0).argmax(axis=0)
        for j in range(n):
            g = lines[best[j]]
            s = float(g.project(pts[j]))
            px, py, nx, ny = frame(g, s)
            off = (st.x[j] - px) * nx + (st.y[j] - py) * ny
            if abs(off) <= MAX_SETBACK_M and dist[best[j], j] <= MAX_SETBACK_M:
                st.line[j] = best[j]
                st.s[j] = s
                st.off[j] = off
        st.spacing = metres_per_number(st)
    return out


__all__ = [
    "MAX_SETBACK_M",
    "PIECE_TOLERANCE_M",
    "IndexedStreet",
    "frame",
    "index_streets",
    "merge_lines",
    "metres_per_number",
    "plane_for",
]
