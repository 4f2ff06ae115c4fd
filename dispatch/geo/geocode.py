"""Geocoding: address text -> position, offline first.

The offline geocoder works on the region's own data: its OpenStreetMap address points
(``region.addresses``) and its named street geometry (``region.streets``). No address leaves
the machine unless the settings opt in to an online service (``geocoding.service =
"nominatim"``), and even then only addresses the offline index cannot place exactly are sent.

Precision of a result:

``exact``
    the civic number is an address point of the matched street (several points with the
    same number, a large lot with several entrances, give their centre);
``interpolated``
    the number is not in the data but lies between known numbers of the same side
    (parity) of the street: estimated along the street geometry (see :class:`AddressIndex`);
``street``
    no number, or a number outside the street's known range: the nearest point of the
    street (to the nearest known number), or the middle of the street;
``none``
    no street matched with confidence: no position, with the best suggestions.

A street is matched exactly on its normal form (:func:`dispatch.geo.addresses.street_key`:
case, accents, abbreviations, saints, ordinals, particles), then by its specific name when
the generic differs or is missing and only one street carries that name, then by a fuzzy
match (rapidfuzz) above ``geocoding.fuzzy_threshold`` that clearly beats the runner-up.
Otherwise the answer is ``none``: never a wrong street with confidence.
"""

from __future__ import annotations

import csv
import math
import time
import weakref
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dispatch.errors import AddressNotFound, InvalidInput, ServiceError
from dispatch.geo.addresses import (
    PROVINCE_NAMES,
    ParsedAddress,
    StreetKey,
    fold,
    parse_address,
    parse_housenumber,
    street_key,
)
from dispatch.geo.point import GeoPoint

if TYPE_CHECKING:
    import pandas as pd

    from dispatch.geo.region import Region
    from dispatch.settings import Settings

PRECISIONS = ("exact", "interpolated", "street", "none")

#: Address points farther than this from their street's geometry are not used to measure
#: positions along it (the geometry found is another segment of the same name).
MAX_SETBACK_M = 60.0
#: The house across the street: opposite-parity numbers this close give the position.
ACROSS_NUMBERS = 5
#: Numbers (both sides) used in the local linear fit of position against number.
FIT_NEIGHBOURS = 6
#: A point is measured on the longest street piece lying within this distance of its
#: nearest piece (spurs and service ways carrying the street's name are not its centreline).
PIECE_TOLERANCE_M = 15.0
#: Same-side neighbours farther apart than this along the street: a long (rural) gap, where
#: the numbers do not follow the distance and houses stand in clusters; the number is placed
#: at the known number nearest to it (either side) instead of inside the gap.
LONG_GAP_M = 600.0
#: Same-side neighbours closer than this share of the street's usual metres per number for
#: their number gap: the numbering doubles back there and the interval says nothing; the
#: number is placed at the known number nearest to it (either side).
DOUBLING_BACK = 0.2

_AMBIGUOUS = "\x00ambiguous"
_DIRECTIONS = {"nord", "sud", "est", "ouest", "n", "s", "e", "o", "north", "south", "east", "west"}


@dataclass(frozen=True)
class GeocodeResult:
    """Where an address is, how sure we are, and what was matched.

    Attributes
    ----------
    lat, lon
        Position (WGS84), ``None`` when ``precision == "none"``.
    precision
        ``exact``, ``interpolated``, ``street`` or ``none``.
    matched
        The normalised address that was found (``123 Rue Principale, Mascouche``).
    source
        ``offline`` (the region's data) or ``nominatim``.
    suggestions
        Streets (or addresses) the text may have meant, when nothing matched with confidence.
    notice
        A remark on how the answer was obtained (online service failed, fallback used...).
    warnings
        Remarks on the input (postal code not in Québec, street name corrected...).
    query
        The text as given.
    street
        The matched street as named in the data.
    """

    lat: float | None
    lon: float | None
    precision: str
    matched: str
    source: str = "offline"
    suggestions: tuple[str, ...] = ()
    notice: str = ""
    warnings: tuple[str, ...] = ()
    query: str = ""
    street: str = ""
    postcode: str = ""

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            msg = f"precision must be one of {PRECISIONS}, got {self.precision!r}"
            raise ValueError(msg)

    @property
    def found(self) -> bool:
        """True when the result has a position."""
        return self.precision != "none" and self.lat is not None

    @property
    def point(self) -> GeoPoint | None:
        """The position as a :class:`GeoPoint` (``None`` when not found)."""
        if not self.found:
            return None
        return GeoPoint(float(self.lat), float(self.lon))  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON (``lat``, ``lon``, ``precision``, ``matched``, ``source``) plus
        ``suggestions``, ``notice`` and ``warnings``."""
        return {
            "lat": None if self.lat is None else round(float(self.lat), 7),
            "lon": None if self.lon is None else round(float(self.lon), 7),
            "precision": self.precision,
            "matched": self.matched,
            "source": self.source,
            "suggestions": list(self.suggestions),
            "notice": self.notice,
            "warnings": list(self.warnings),
        }

    def not_found_message(self) -> str:
        """The message of :class:`AddressNotFound` for this result (suggestions included)."""
        text = self.notice or f"Adresse introuvable dans la région : « {self.query} »."
        if self.suggestions:
            text += " Vouliez-vous dire : " + " ; ".join(self.suggestions) + " ?"
        elif "hors Québec" not in text:
            text += " Vérifiez le nom de la rue ou donnez la position (--latlon LAT,LON)."
        return text


# --- local metric coordinates ----------------------------------------------------------------
class _Plane:
    """Equirectangular metres around a reference point (error < 0.2 % over 20 km)."""

    R = 6371008.8

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0 = lat0
        self.lon0 = lon0
        self.ky = math.radians(1.0) * self.R
        self.kx = self.ky * math.cos(math.radians(lat0))

    def fwd(self, lat, lon):
        return (np.asarray(lon, dtype=float) - self.lon0) * self.kx, (
            np.asarray(lat, dtype=float) - self.lat0
        ) * self.ky

    def inv(self, x, y):
        return np.asarray(y, dtype=float) / self.ky + self.lat0, np.asarray(x, dtype=float) / self.kx + self.lon0


# --- street groups ---------------------------------------------------------------------------
@dataclass
class _Street:
    """One street of the index: its address points and its geometry (metres)."""

    key: StreetKey
    name: str
    names: set[str] = field(default_factory=set)
    city: str = ""
    cities: set[str] = field(default_factory=set)
    lines: list[Any] = field(default_factory=list)  # shapely LineStrings in metres
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


def _metres_per_number(st: _Street) -> float:
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


def _geometric_median(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The point minimising the sum of distances to ``points`` (a handful of them).

    A point is the answer when the unit vectors towards the others sum to no more than the
    number of points standing on it (with three points: an angle of 120 degrees or more, or
    two points together); otherwise Weiszfeld's iterations from the centroid.
    """
    pts = [(float(x), float(y)) for x, y in points]
    for xi, yi in pts:
        ux = uy = 0.0
        here = 0
        for xj, yj in pts:
            d = math.hypot(xj - xi, yj - yi)
            if d < 1e-9:
                here += 1
            else:
                ux += (xj - xi) / d
                uy += (yj - yi) / d
        if math.hypot(ux, uy) <= here:
            return xi, yi
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    for _ in range(200):
        sw = sx = sy = 0.0
        for x, y in pts:
            w = 1.0 / max(math.hypot(x - mx, y - my), 1e-9)
            sw += w
            sx += w * x
            sy += w * y
        nx, ny = sx / sw, sy / sw
        done = math.hypot(nx - mx, ny - my) < 1e-3
        mx, my = nx, ny
        if done:
            break
    return mx, my


def _merge_lines(polylines_xy: list[np.ndarray]) -> list[Any]:
    import shapely
    from shapely.ops import linemerge

    parts = [shapely.LineString(p) for p in polylines_xy if len(p) >= 2]
    if not parts:
        return []
    merged = linemerge(shapely.MultiLineString(parts))
    geoms = list(merged.geoms) if hasattr(merged, "geoms") else [merged]
    return [g for g in geoms if g.length > 0]


def _frame(line: Any, s: float) -> tuple[float, float, float, float]:
    """Point and unit normal (left of the direction of travel) at arc length ``s``."""
    length = line.length
    s = min(max(s, 0.0), length)
    a = line.interpolate(max(s - 1.0, 0.0))
    b = line.interpolate(min(s + 1.0, length))
    c = line.interpolate(s)
    tx, ty = b.x - a.x, b.y - a.y
    tl = math.hypot(tx, ty) or 1.0
    return c.x, c.y, -ty / tl, tx / tl


class AddressIndex:
    """Offline geocoding index over a region's address points and street geometry.

    Build it once per region (:func:`address_index` caches it); it answers
    :meth:`geocode` in tens of microseconds.

    Parameters
    ----------
    addresses
        Address points: columns ``housenumber``, ``street``, ``city``, ``lat``, ``lon``.
    streets
        The region's :class:`~dispatch.geo.region.StreetTable` (``None``: no geometry, points only).
    region_name
        Used in messages.

    Notes
    -----
    Interpolation of a number ``n`` absent from the data, between the nearest known numbers
    of the same parity ``lo < n < hi`` (same side of the street):

    1. every address point is projected once onto its street's merged centreline, giving its
       arc length ``s`` and its signed setback ``d`` (onto the longest piece of the street
       within ``PIECE_TOLERANCE_M`` of the nearest one: spurs and service ways carrying the
       street's name are not its centreline);
    2. the arc length of ``n`` is that of the house across the street when an
       opposite-parity number within ``ACROSS_NUMBERS`` of ``n`` lies between ``lo`` and
       ``hi``; otherwise a local linear fit of ``s`` against the number over ``lo``, ``hi``
       and the ``FIT_NEIGHBOURS`` nearest numbers of both sides, weighted by
       ``1 / |number - n|``; it is clipped to ``[s(lo), s(hi)]``;
    3. the setback is interpolated between those of ``lo`` and ``hi``, and the point is put
       back at arc length ``s`` and setback ``d`` (so it follows curves, and stays on its
       side, among the buildings): the *local* estimate;
    4. the *anchored* estimate: linear interpolation between the two known numbers nearest
       to ``n`` (below and above) among ``lo``, ``hi`` and the numbers of either side lying
       between them on the piece; the *nearest* estimate: the address point of the known
       number nearest to ``n``, either side;
    5. the answer is the geometric median of the three (two that agree outvote the third),
       or the nearest estimate alone when the neighbours cannot be trusted: ``lo`` and
       ``hi`` more than ``LONG_GAP_M`` apart (rural gaps, where houses stand in clusters and
       the numbers do not follow the distance), or closer than ``DOUBLING_BACK`` times the
       street's usual metres per number for their number gap (numbering doubling back).

    Without usable geometry the same steps run along the straight line from ``lo`` to
    ``hi``. Measured on held-out Mascouche points this beats straight interpolation between
    the neighbours (see ``docs/geocoding.md`` and ``tests/test_geocode.py``).
    """

    def __init__(self, addresses: pd.DataFrame, streets: Any = None, *, region_name: str = "") -> None:
        import shapely

        self.region_name = region_name
        lat = addresses["lat"].to_numpy(dtype=float) if len(addresses) else np.zeros(0)
        lon = addresses["lon"].to_numpy(dtype=float) if len(addresses) else np.zeros(0)
        if streets is not None and len(streets.coords):
            c = np.asarray(streets.coords, dtype=float)
            lat0, lon0 = float(c[:, 0].mean()), float(c[:, 1].mean())
        elif len(lat):
            lat0, lon0 = float(lat.mean()), float(lon.mean())
        else:
            lat0, lon0 = 45.0, -73.0
        self.plane = _Plane(lat0, lon0)
        self._streets: dict[str, _Street] = {}

        # geometry: way polylines grouped by compact key
        if streets is not None:
            by_key: dict[str, list[np.ndarray]] = defaultdict(list)
            names_of: dict[str, Counter] = defaultdict(Counter)
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
                x, y = self.plane.fwd(pts[:, 0], pts[:, 1])
                by_key[k.compact].append(np.column_stack([x, y]))
                names_of[k.compact][name] += 1
            for ck, polys in by_key.items():
                name = names_of[ck].most_common(1)[0][0]
                st = self._streets.setdefault(ck, _Street(key=street_key(name), name=name))
                st.names.update(names_of[ck])
                st.lines = _merge_lines(polys)

        # address points grouped by compact key
        if len(addresses):
            df = addresses.reset_index(drop=True)
            xs, ys = self.plane.fwd(lat, lon)
            groups: dict[str, list[int]] = defaultdict(list)
            for i, name in enumerate(df["street"].astype(str).tolist()):
                k = street_key(name) if name else None
                if k is not None and k.name:
                    groups[k.compact].append(i)
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
                if ck not in self._streets:
                    name = names.most_common(1)[0][0]
                    self._streets[ck] = _Street(key=street_key(name), name=name)
                st = self._streets[ck]
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
        by_name: dict[str, list[_Street]] = defaultdict(list)
        for st in self._streets.values():
            by_name[st.key.name_loose].append(st)
        for st in self._streets.values():
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
        for st in self._streets.values():
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
                px, py, nx, ny = _frame(g, s)
                off = (st.x[j] - px) * nx + (st.y[j] - py) * ny
                if abs(off) <= MAX_SETBACK_M and dist[best[j], j] <= MAX_SETBACK_M:
                    st.line[j] = best[j]
                    st.s[j] = s
                    st.off[j] = off
            st.spacing = _metres_per_number(st)

        # lookups
        self._by_loose: dict[str, list[str]] = defaultdict(list)
        self._by_name: dict[str, list[str]] = defaultdict(list)
        for ck, st in self._streets.items():
            for nm in st.names | {st.name}:
                k = street_key(nm)
                if ck not in self._by_loose[k.loose]:
                    self._by_loose[k.loose].append(ck)
                if ck not in self._by_name[k.name_loose]:
                    self._by_name[k.name_loose].append(ck)
        self._fuzzy_keys = list(self._by_loose)
        self.cities = tuple(sorted({c for st in self._streets.values() for c in st.cities if c}))
        self._cities_folded = {fold(c) for c in self.cities}
        self._cache: dict[tuple[str, float], GeocodeResult] = {}

    # --- measurement --------------------------------------------------------------------------
    @contextmanager
    def _holding_out(self, street: str, number: int) -> Iterator[None]:
        """Measurement aid: the index as if ``number`` were missing from street ``street``.

        Within the block the address points of that number on that street (compact street
        key) are left out, as when a house is absent from OpenStreetMap, and the answer cache
        is bypassed; everything is restored on exit. The other points keep their projections,
        which do not depend on one another, so this equals rebuilding the index without the
        point (``tests/test_geocode.py`` checks it) in microseconds instead of a rebuild: a
        leave-one-out accuracy measurement over thousands of points takes a second or two.
        """
        st = self._streets[street]
        keep = st.num != number
        reduced = replace(
            st, num=st.num[keep], tag=[t for t, k in zip(st.tag, keep.tolist(), strict=True) if k],
            x=st.x[keep], y=st.y[keep], line=st.line[keep], s=st.s[keep], off=st.off[keep],
        )
        reduced.spacing = _metres_per_number(reduced)
        cache = self._cache
        self._streets[street], self._cache = reduced, {}
        try:
            yield
        finally:
            self._streets[street], self._cache = st, cache

    # --- size ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return sum(len(st.num) for st in self._streets.values())

    @property
    def street_names(self) -> list[str]:
        """Display names of the indexed streets."""
        return sorted(st.name for st in self._streets.values())

    # --- matching --------------------------------------------------------------------------
    def _match_street(
        self, parsed: ParsedAddress, threshold: float
    ) -> tuple[_Street | None, list[str], list[str]]:
        """Return (street, warnings, suggestions)."""
        from rapidfuzz import fuzz, process

        warnings: list[str] = []
        first_key: StreetKey | None = None
        for i, cand in enumerate(parsed.street_candidates):
            k = street_key(cand)
            if not k.name:
                continue
            if i > 0:
                dropped = cand_words_dropped(parsed.street_candidates[0], cand)
                if any(fold(w).strip(".") in _DIRECTIONS for w in dropped):
                    continue
            if first_key is None:
                first_key = k
            hits = self._by_loose.get(k.loose) or [
                ck for ck in (k.compact,) if ck in self._streets
            ]
            if len(hits) == 1:
                if i > 0:
                    ignored = " ".join(cand_words_dropped(parsed.street_candidates[0], cand))
                    warnings.append(f"« {ignored} » ignoré : ce n'est pas une partie du nom de la rue.")
                return self._streets[hits[0]], warnings, []
            if len(hits) > 1:
                warnings.append(_AMBIGUOUS)
                return None, warnings, [self._streets[h].name for h in hits]
        if first_key is None:
            return None, warnings, []
        k = first_key
        # the specific name alone (generic missing, or written differently)
        same_name = self._by_name.get(k.name_loose, [])
        if len(same_name) == 1:
            st = self._streets[same_name[0]]
            if k.generic and st.key.generic and k.generic != st.key.generic:
                warnings.append(
                    f"Type de voie corrigé : {st.name} (l'adresse disait « {parsed.street} »)."
                )
            return st, warnings, []
        if len(same_name) > 1:
            warnings.append(_AMBIGUOUS)
            return None, warnings, sorted(self._streets[c].name for c in same_name)
        # fuzzy
        query = k.loose if k.generic else k.name_loose
        choices = self._fuzzy_keys if k.generic else list(self._by_name)
        found = process.extract(query, choices, scorer=fuzz.ratio, limit=6)
        suggestions: list[str] = []
        pool = self._by_loose if k.generic else self._by_name
        for choice, score, _ in found:
            if score < 60:
                continue
            for ck in pool[choice]:
                nm = self._streets[ck].name
                if nm not in suggestions:
                    suggestions.append(nm)
        if found:
            best, score, _ = found[0]
            second = found[1][1] if len(found) > 1 else 0.0
            hits = pool[best]
            if score >= threshold and len(hits) == 1 and score - second >= 3.0:
                st = self._streets[hits[0]]
                if not (k.generic and st.key.generic and k.generic != st.key.generic):
                    warnings.append(f"Nom de rue corrigé : {st.name} (l'adresse disait « {parsed.street} »).")
                    return st, warnings, []
        return None, warnings, suggestions[:5]

    # --- numbers ---------------------------------------------------------------------------
    def _locate_number(self, st: _Street, number: int, tag: str) -> tuple[float, float, str, list[str]]:
        """(x, y, precision, warnings) of a civic number on a matched street."""
        notes: list[str] = []
        if st.has_numbers:
            same_tag = [i for i, t in enumerate(st.tag) if t == tag] if tag != str(number) else []
            rows = same_tag or np.flatnonzero(st.num == number).tolist()
            if rows:
                if tag != str(number) and not same_tag:
                    notes.append(
                        f"Le numéro {tag} n'est pas dans les données ; position du {number}."
                    )
                    return float(st.x[rows].mean()), float(st.y[rows].mean()), "interpolated", notes
                return float(st.x[rows].mean()), float(st.y[rows].mean()), "exact", notes
            same = st.num % 2 == number % 2
            below = same & (st.num < number)
            above = same & (st.num > number)
            if below.any() and above.any():
                lo = int(st.num[below].max())
                hi = int(st.num[above].min())
                x, y = self._interpolate(st, number, lo, hi)
                return x, y, "interpolated", notes
        x, y = self._street_point(st, number)
        if st.has_numbers:
            notes.append(
                f"Le numéro {number} est hors des numéros connus de {st.name} "
                f"({int(st.num.min())} à {int(st.num.max())}) : position approximative sur la rue."
            )
        else:
            notes.append(f"Aucun numéro civique connu sur {st.name} : position au milieu de la rue.")
        return x, y, "street", notes

    def _interpolate(self, st: _Street, n: int, lo: int, hi: int) -> tuple[float, float]:
        """Position of ``n`` absent from the data, between same-side neighbours ``lo < n < hi``.

        Three estimates (see the class notes): the local one (house across the street or
        local fit), the anchored one (linear between the nearest known numbers of either side
        inside the interval) and the known number nearest to ``n`` (either side). Their
        geometric median is the answer, unless the neighbours cannot be trusted (a gap longer
        than ``LONG_GAP_M``, or numbering doubling back, ``DOUBLING_BACK``): then the nearest
        known number.
        """
        lo_rows = np.flatnonzero(st.num == lo)
        hi_rows = np.flatnonzero(st.num == hi)
        # a number may stand at several points of a street (several entrances): take the
        # pair of instances on one centreline closest along it
        best = None
        for a in lo_rows:
            for b in hi_rows:
                if st.line[a] < 0 or st.line[a] != st.line[b]:
                    continue
                gap = abs(st.s[a] - st.s[b])
                if best is None or gap < best[0]:
                    best = (gap, int(a), int(b))
        if best is None:
            dx = st.x[lo_rows][:, None] - st.x[hi_rows][None, :]
            dy = st.y[lo_rows][:, None] - st.y[hi_rows][None, :]
            ia, ib = np.unravel_index(int(np.argmin(np.hypot(dx, dy))), dx.shape)
            return self._interpolate_straight(st, n, lo, hi, lo_rows[[ia]], hi_rows[[ib]])
        _, a, b = best
        li = int(st.line[a])
        sa, sb = float(st.s[a]), float(st.s[b])
        on_line = st.line == li
        smin, smax = min(sa, sb), max(sa, sb)
        across = on_line & (st.num % 2 != n % 2) & (np.abs(st.num - n) <= ACROSS_NUMBERS)
        across &= (st.s >= smin - 5.0) & (st.s <= smax + 5.0)
        if across.any():
            s = float(st.s[across].mean())
        else:
            s = self._fit(st, n, lo, hi, sa, sb, on_line, st.s)
        s = min(max(s, smin), smax)

        def at(s: float) -> tuple[float, float]:
            t = (s - sa) / (sb - sa) if sb != sa else 0.5
            off = float(st.off[a] + (st.off[b] - st.off[a]) * t)
            px, py, nx, ny = _frame(st.lines[li], s)
            return px + off * nx, py + off * ny

        # anchors: lo, hi and the known numbers of either side between them, on the piece
        inside = on_line & (st.num > lo) & (st.num < hi) & (st.s >= smin - 5.0) & (st.s <= smax + 5.0)
        rows = np.concatenate([[a, b], np.flatnonzero(inside)])
        nums, pos = st.num[rows], st.s[rows]
        below, above = int(nums[nums < n].max()), int(nums[nums > n].min())
        s0, s1 = float(pos[nums == below].mean()), float(pos[nums == above].mean())
        anchored = at(s0 + (s1 - s0) * (n - below) / (above - below))
        return self._combine(st, n, lo, hi, smax - smin, at(s), anchored)

    def _combine(self, st: _Street, n: int, lo: int, hi: int, gap: float, local: tuple[float, float],
                 anchored: tuple[float, float]) -> tuple[float, float]:
        """The geometric median of the local, anchored and nearest-number estimates; the
        nearest known number alone when the neighbours ``lo``, ``hi`` (``gap`` metres apart)
        cannot be trusted: a long gap, or numbers doubling back."""
        d = np.abs(st.num - n)
        near = np.flatnonzero(d == d.min())
        nearest = (float(st.x[near].mean()), float(st.y[near].mean()))
        usual = st.spacing * (hi - lo)
        if gap > LONG_GAP_M or (usual > 0 and gap < DOUBLING_BACK * usual):
            return nearest
        return _geometric_median((local, anchored, nearest))

    @staticmethod
    def _fit(st: _Street, n: int, lo: int, hi: int, sa: float, sb: float, mask: np.ndarray,
             pos: np.ndarray) -> float:
        """Local linear fit of position against number, weighted by 1/|number - n|."""
        cand = np.flatnonzero(mask & ~(((st.num == lo) | (st.num == hi)) & (st.num % 2 == n % 2)))
        if len(cand):
            order = np.argsort(np.abs(st.num[cand] - n), kind="stable")[:FIT_NEIGHBOURS]
            cand = cand[order]
        N = np.concatenate([[lo - n, hi - n], st.num[cand] - n]).astype(float)
        S = np.concatenate([[sa, sb], pos[cand]])
        W = np.sqrt(1.0 / np.abs(N))
        A = np.column_stack([np.ones_like(N), N]) * W[:, None]
        coef, *_ = np.linalg.lstsq(A, S * W, rcond=None)
        return float(coef[0])

    def _interpolate_straight(self, st, n, lo, hi, lo_rows, hi_rows) -> tuple[float, float]:
        """The same estimate along the straight line from ``lo`` to ``hi`` (no geometry)."""
        p0 = np.array([st.x[lo_rows].mean(), st.y[lo_rows].mean()])
        p1 = np.array([st.x[hi_rows].mean(), st.y[hi_rows].mean()])
        v = p1 - p0
        l2 = float(v @ v)
        if l2 < 1e-6:
            return float(p0[0]), float(p0[1])
        t_all = ((st.x - p0[0]) * v[0] + (st.y - p0[1]) * v[1]) / l2
        across = (st.num % 2 != n % 2) & (np.abs(st.num - n) <= ACROSS_NUMBERS) & (t_all >= -0.05) & (
            t_all <= 1.05
        )
        if across.any():
            t = float(t_all[across].mean())
        else:
            t = self._fit(st, n, lo, hi, 0.0, 1.0, np.ones(len(st.num), dtype=bool), t_all)
        t = min(max(t, 0.0), 1.0)
        p = p0 + t * v
        q = p0 + v * (n - lo) / (hi - lo)
        return self._combine(st, n, lo, hi, math.sqrt(l2), (float(p[0]), float(p[1])), (float(q[0]), float(q[1])))

    def _street_point(self, st: _Street, number: int | None) -> tuple[float, float]:
        """Nearest point of the street to the nearest known number, or the street's middle."""
        if number is not None and st.has_numbers:
            j = int(np.argmin(np.abs(st.num - number)))
            if st.line[j] >= 0:
                px, py, _, _ = _frame(st.lines[int(st.line[j])], float(st.s[j]))
                return px, py
            if st.lines:
                import shapely

                p = shapely.Point(st.x[j], st.y[j])
                g = min(st.lines, key=lambda ln: ln.distance(p))
                q = g.interpolate(g.project(p))
                return q.x, q.y
            return float(st.x[j]), float(st.y[j])
        if st.lines:
            g = max(st.lines, key=lambda ln: ln.length)
            q = g.interpolate(g.length / 2)
            return q.x, q.y
        if st.has_numbers:
            mid = len(st.num) // 2
            return float(st.x[mid]), float(st.y[mid])
        return float("nan"), float("nan")

    # --- public ----------------------------------------------------------------------------
    def geocode(self, text: str, *, fuzzy_threshold: float = 88.0) -> GeocodeResult:
        """Geocode one address on this index (offline).

        Raises
        ------
        InvalidInput
            When the text is not an address (see :func:`dispatch.geo.addresses.parse_address`).
        """
        key = (text, float(fuzzy_threshold))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        result = self._geocode(text, fuzzy_threshold)
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _geocode(self, text: str, threshold: float) -> GeocodeResult:
        parsed = parse_address(text, cities=self.cities)
        warnings = list(parsed.warnings)
        postcode = parsed.postcode.code if parsed.postcode else ""
        where = self.region_name or "la région"
        if parsed.province and parsed.province != "QC":
            prov = PROVINCE_NAMES.get(parsed.province, parsed.province)
            notice = (
                f"Adresse en {prov} (hors Québec) : elle n'est pas dans la région {where} "
                "et n'est pas desservie."
            )
            return GeocodeResult(None, None, "none", "", "offline", (), notice, tuple(warnings), text,
                                 "", postcode)
        st, notes, suggestions = self._match_street(parsed, threshold)
        ambiguous = _AMBIGUOUS in notes
        warnings += [w for w in notes if w != _AMBIGUOUS]
        if st is None:
            if ambiguous:
                notice = f"Plusieurs rues de {where} portent ce nom : « {parsed.street} » ; précisez le type de voie."
            else:
                notice = f"Rue introuvable dans {where} : « {parsed.street} »."
            return GeocodeResult(None, None, "none", "", "offline", tuple(suggestions), notice,
                                 tuple(warnings), text, "", postcode)
        city = st.city or (self.region_name.title() if self.region_name else "")
        if parsed.city and st.cities and fold(parsed.city) not in {fold(c) for c in st.cities}:
            sugg = f"{parsed.housenumber + ' ' if parsed.number is not None else ''}{st.name}, {city}"
            notice = (
                f"{st.name} est à {city} dans les données de la région, pas à {parsed.city} : "
                "vérifiez la ville."
            )
            return GeocodeResult(None, None, "none", "", "offline", (sugg,), notice, tuple(warnings),
                                 text, st.name, postcode)
        if parsed.number is None:
            x, y = self._street_point(st, None)
            precision = "street"
            warnings.append("Aucun numéro civique : position au milieu de la rue.")
        else:
            x, y, precision, more = self._locate_number(st, parsed.number, parsed.housenumber)
            warnings += more
        if not (math.isfinite(x) and math.isfinite(y)):
            return GeocodeResult(None, None, "none", "", "offline", (st.name,),
                                 f"{st.name} n'a ni géométrie ni numéro connu.", tuple(warnings), text,
                                 st.name, postcode)
        lat, lon = self.plane.inv(x, y)
        head = st.name
        if parsed.number is not None:
            head = f"{parsed.housenumber} {st.name}"
            if parsed.unit:
                head = f"{parsed.unit}-{head}"
        tail = ", ".join(p for p in (city, " ".join(p for p in ("QC", postcode) if p)) if p)
        matched = f"{head}, {tail}" if tail else head
        return GeocodeResult(float(lat), float(lon), precision, matched, "offline", (), "",
                             tuple(warnings), text, st.name, postcode)


def cand_words_dropped(full: str, cand: str) -> list[str]:
    """Words of ``full`` after the prefix ``cand``."""
    return full[len(cand):].split()


# --- per-region cache --------------------------------------------------------------------------
_INDEXES: weakref.WeakKeyDictionary[Any, AddressIndex] = weakref.WeakKeyDictionary()


def address_index(region: Region) -> AddressIndex:
    """The offline index of a region, built on first use and cached with the region."""
    idx = _INDEXES.get(region)
    if idx is None:
        idx = AddressIndex(region.addresses, region.streets, region_name=region.name.title())
        _INDEXES[region] = idx
    return idx


def _viewbox(region: Region, margin_deg: float = 0.02) -> tuple[float, float, float, float]:
    south, west, north, east = region.bbox
    return south - margin_deg, west - margin_deg, north + margin_deg, east + margin_deg


def geocode(region: Region, text: str, *, settings: Settings, index: AddressIndex | None = None) -> GeocodeResult:
    """Geocode an address in a region: offline index first, online only when enabled.

    Parameters
    ----------
    region
        The region whose data is searched.
    text
        The address as written.
    settings
        Settings in force (``geocoding`` section: service, fuzzy threshold, Nominatim).
    index
        An index to use instead of the region's (tests use one built on part of the data).

    Returns
    -------
    GeocodeResult
        With ``precision == "none"`` when nothing matched with confidence (never raises for
        that; see :func:`require`).

    Raises
    ------
    InvalidInput
        The text is not an address (empty, too long, PO box, postal code alone...).
    """
    idx = index if index is not None else address_index(region)
    g = settings.geocoding
    result = idx.geocode(text, fuzzy_threshold=g.fuzzy_threshold)
    service = (g.service or "offline").strip().lower()
    if service in ("", "offline", "none") or result.precision == "exact":
        return result
    if service != "nominatim":
        msg = f"Unknown geocoding service {g.service!r}; use 'offline' or 'nominatim' in settings [geocoding]."
        raise InvalidInput(msg)
    if result.precision == "none" and result.notice.startswith("Adresse en "):
        return result  # another province: nothing to ask
    from dispatch.geo import _nominatim

    try:
        online = _nominatim.search(text, viewbox=_viewbox(region), settings=settings)
    except ServiceError as err:
        note = f"{err} Résultat hors ligne utilisé."
        return replace(result, notice=(result.notice + " " + note).strip())
    if online is None or online.precision == "none":
        note = "Nominatim n'a rien trouvé dans la région ; résultat hors ligne utilisé."
        return replace(result, notice=(result.notice + " " + note).strip())
    rank = {"exact": 0, "interpolated": 1, "street": 2, "none": 3}
    if rank[online.precision] > rank[result.precision]:
        return replace(result, notice="Résultat hors ligne plus précis que celui de Nominatim.")
    from urllib.parse import urlparse

    host = urlparse(g.nominatim_url).netloc or g.nominatim_url
    sent = f"Adresse transmise à Nominatim ({host}) : géocodage en ligne activé dans les paramètres."
    return replace(online, query=text, warnings=result.warnings, notice=sent)


def require(result: GeocodeResult) -> GeocodeResult:
    """Return the result, or raise :class:`AddressNotFound` (exit 3) when it has no position."""
    if not result.found:
        raise AddressNotFound(result.not_found_message())
    return result


def geocode_many(
    region: Region,
    texts: Iterable[str],
    *,
    settings: Settings,
    index: AddressIndex | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[GeocodeResult]:
    """Geocode many addresses; bad input gives a ``none`` result with the reason, never raises.

    ``progress`` is called with the number of addresses done so far (every 100 and at the end).
    """
    out: list[GeocodeResult] = []
    idx = index if index is not None else address_index(region)
    for i, text in enumerate(texts, 1):
        try:
            out.append(geocode(region, text, settings=settings, index=idx))
        except InvalidInput as err:
            out.append(GeocodeResult(None, None, "none", "", "offline", (), str(err), (), str(text)))
        if progress is not None and (i % 100 == 0):
            progress(i)
    if progress is not None:
        progress(len(out))
    return out


# --- CSV batch --------------------------------------------------------------------------------
class ProgressBar:
    """A plain progress bar on stderr (``Géocodage  1200/5000  24 %``), silent when quiet."""

    def __init__(self, total: int, *, label: str, quiet: bool = False, stream: Any = None) -> None:
        import sys

        self.total = max(int(total), 0)
        self.label = label
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self._last = -1.0

    def __call__(self, done: int) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        if done < self.total and now - self._last < 0.1:
            return
        self._last = now
        pct = 100 * done / self.total if self.total else 100.0
        width = 30
        fill = int(width * pct / 100)
        self.stream.write(f"\r{self.label} [{'#' * fill}{'.' * (width - fill)}] {done}/{self.total} {pct:3.0f} %")
        if done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


def read_csv_rows(path: str | Path, *, required: Sequence[Sequence[str]]) -> tuple[list[str], list[dict[str, str]]]:
    """Read a CSV file (UTF-8, BOM allowed, ``,`` or ``;``); check one of the column sets exists.

    Raises
    ------
    InvalidInput
        Missing file, unreadable text, or none of the required column sets present.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"CSV file {p} does not exist."
        raise InvalidInput(msg)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = p.read_text(encoding="cp1252")
        except UnicodeDecodeError as err:
            msg = f"CSV file {p} is not UTF-8 (or Windows-1252) text; save it as UTF-8."
            raise InvalidInput(msg) from err
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    fields = [f.strip() for f in (reader.fieldnames or [])]
    reader.fieldnames = fields
    if not any(all(c in fields for c in cols) for cols in required):
        want = " or ".join("+".join(cols) for cols in required)
        msg = f"CSV file {p} needs a column {want}; found: {', '.join(fields) or 'no header'}."
        raise InvalidInput(msg)
    rows = [{k: (v if v is not None else "") for k, v in row.items() if k is not None} for row in reader]
    return fields, rows


def write_csv_rows(path: str | Path, fields: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    """Write rows as UTF-8 CSV (atomic: a temporary file renamed at the end).

    Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``...) are
    prefixed with ``'`` (:func:`dispatch.csvsafe.neutralise`); numbers are left alone.
    """
    from dispatch.csvsafe import neutralise

    p = Path(path)
    if p.parent and not p.parent.exists():
        msg = f"Output folder {p.parent} does not exist."
        raise InvalidInput(msg)
    tmp = p.with_name(p.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(fields), extrasaction="ignore")
        w.writerow({f: neutralise(f) for f in fields})  # header; formulas neutralised (csvsafe)
        for row in rows:
            w.writerow({k: ("" if v is None else neutralise(v)) for k, v in row.items()})
    tmp.replace(p)


__all__ = [
    "PRECISIONS",
    "AddressIndex",
    "GeocodeResult",
    "ProgressBar",
    "address_index",
    "geocode",
    "geocode_many",
    "read_csv_rows",
    "require",
    "write_csv_rows",
]
