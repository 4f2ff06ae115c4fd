"""The offline geocoding index of a region: street matching over its address points.

:class:`AddressIndex` matches the street of an address (exact normal form, specific name,
then fuzzy) and places the civic number on it (:mod:`dispatch.geo.civic_numbers`);
:func:`address_index` builds it once per region. See :mod:`dispatch.geo.geocode` for the
precisions of a result and the online fallback.
"""

from __future__ import annotations

import math
import weakref
from collections import defaultdict
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import fuzz, process

from dispatch.geo.address_tables import PROVINCE_NAMES
from dispatch.geo.addresses import ParsedAddress, parse_address
from dispatch.geo.civic_numbers import locate_number, street_point, street_radius
from dispatch.geo.geocode_result import GeocodeResult
from dispatch.geo.indexed_streets import IndexedStreet, index_streets, metres_per_number, plane_for
from dispatch.geo.places import off_map_place
from dispatch.geo.street_names import StreetKey, fold, street_key
from dispatch.i18n import _, active_language

if TYPE_CHECKING:
    import pandas as pd

    from dispatch.geo.built_region import Region, StreetTable

_AMBIGUOUS = "\x00ambiguous"
_DIRECTIONS = {"nord", "sud", "est", "ouest", "n", "s", "e", "o", "north", "south", "east", "west"}


class AddressIndex:
    """Offline geocoding index over a region's address points and street geometry.

    Build it once per region (:func:`address_index` caches it); it answers
    :meth:`geocode` in tens of microseconds.

    Parameters
    ----------
    addresses
        Address points: columns ``housenumber``, ``street``, ``city``, ``lat``, ``lon``.
    streets
        The region's :class:`~dispatch.geo.built_region.StreetTable` (``None``: no geometry, points only).
    region_name
        Used in messages.

    Notes
    -----
    Interpolation of a number ``n`` absent from the data, between the nearest known numbers
    of the same parity ``lo < n < hi`` (same side of the street; steps 1 in
    :mod:`dispatch.geo.indexed_streets`, 2-5 in :mod:`dispatch.geo.civic_numbers`):

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
       street's usual metres per number for their number gap (numbering doubling back);
       and the local estimate alone when the nearest known number is far in numbers
       (``NEAREST_ESTIMATE_WITHIN_M``: a whole block missing).

    A number with no same-side neighbour below or above it is extrapolated along the street
    (:func:`dispatch.geo.civic_numbers.beyond_range_point`).

    Without usable geometry the same steps run along the straight line from ``lo`` to
    ``hi``. Measured on held-out Mascouche points this beats straight interpolation between
    the neighbours (see ``docs/geocoding.md`` and ``tests/geo/test_geocode.py``).
    """

    def __init__(
        self, addresses: pd.DataFrame, streets: StreetTable | None = None, *, region_name: str = "",
        bbox: tuple[float, float, float, float] | None = None,
    ) -> None:
        self.region_name = region_name
        #: The map's bounds (south, west, north, east): a city written whose centre lies beyond
        #: them is not looked for among the map's streets (see :mod:`dispatch.geo.places`).
        self.bbox = bbox
        self.plane = plane_for(addresses, streets)
        self._streets: dict[str, IndexedStreet] = index_streets(addresses, streets, self.plane)

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
        self._cache: dict[tuple[str, float, str], GeocodeResult] = {}

    # --- measurement --------------------------------------------------------------------------
    @contextmanager
    def holding_out(self, street: str, number: int | Collection[int]) -> Iterator[None]:
        """Measurement aid: the index as if ``number`` (or several numbers: a held-out block)
        were missing from street ``street``.

        Within the block the address points of that number on that street (compact street
        key) are left out, as when a house is absent from OpenStreetMap, and the answer cache
        is bypassed; everything is restored on exit. The other points keep their projections,
        which do not depend on one another, so this equals rebuilding the index without the
        point (``tests/geo/test_geocode.py`` checks it) in microseconds instead of a rebuild: a
        leave-one-out accuracy measurement over thousands of points takes a second or two.
        """
        st = self._streets[street]
        keep = ~np.isin(st.num, [number] if isinstance(number, int) else list(number))
        reduced = replace(
            st, num=st.num[keep], tag=[t for t, k in zip(st.tag, keep.tolist(), strict=True) if k],
            x=st.x[keep], y=st.y[keep], line=st.line[keep], s=st.s[keep], off=st.off[keep],
        )
        reduced.spacing = metres_per_number(reduced)
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

    def street(self, key: str) -> IndexedStreet:
        """The indexed street of a compact street key (``street_key(name).compact``).

        Raises
        ------
        KeyError
            When no street of the index has that key.
        """
        return self._streets[key]

    # --- matching --------------------------------------------------------------------------
    def _match_street(
        self, parsed: ParsedAddress, threshold: float
    ) -> tuple[IndexedStreet | None, list[str], list[str]]:
        """Return (street, warnings, suggestions)."""
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
                    warnings.append(_('"{ignored}" ignored: it is not part of the street name.').format(ignored=ignored))
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
                    _('Street type corrected: {street} (the address said "{written}").').format(
                        street=st.name, written=parsed.street
                    )
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
        for choice, score, _key in found:
            if score < 60:
                continue
            for ck in pool[choice]:
                nm = self._streets[ck].name
                if nm not in suggestions:
                    suggestions.append(nm)
        if found:
            best, score, _key = found[0]
            second = found[1][1] if len(found) > 1 else 0.0
            hits = pool[best]
            if score >= threshold and len(hits) == 1 and score - second >= 3.0:
                st = self._streets[hits[0]]
                if not (k.generic and st.key.generic and k.generic != st.key.generic):
                    warnings.append(
                        _('Street name corrected: {street} (the address said "{written}").').format(
                            street=st.name, written=parsed.street
                        )
                    )
                    return st, warnings, []
        return None, warnings, suggestions[:5]

    # --- public ----------------------------------------------------------------------------
    def geocode(self, text: str, *, fuzzy_threshold: float = 88.0) -> GeocodeResult:
        """Geocode one address on this index (offline).

        Raises
        ------
        InvalidInput
            When the text is not an address (see :func:`dispatch.geo.addresses.parse_address`).
        """
        key = (text, float(fuzzy_threshold), active_language())  # notices are in the active language
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
        where = self.region_name or _("the region")
        if parsed.province and parsed.province != "QC":
            prov = PROVINCE_NAMES.get(parsed.province, parsed.province)
            notice = _(
                "Address in {province} (outside Québec): it is not in the region {where} "
                "and is not served."
            ).format(province=prov, where=where)
            return GeocodeResult(None, None, "none", "", "offline", (), notice, tuple(warnings), text,
                                 "", postcode, out_of_province=True)
        place = off_map_place(parsed, cities=self.cities, bbox=self.bbox)
        if place is not None:
            notice = _(
                "{place} is beyond the map of {where}: the address cannot be placed on its streets."
            ).format(place=place.label, where=where)
            # never placed on the map's street of the same name; offered only as a suggestion
            same, _notes, _sugg = self._match_street(parsed, threshold)
            offer: tuple[str, ...] = ()
            if same is not None:
                num = f"{parsed.housenumber} " if parsed.number is not None else ""
                offer = (f"{num}{same.name}, {same.city or self.region_name}",)
            return GeocodeResult(None, None, "none", "", "offline", offer, notice, tuple(warnings), text,
                                 "", postcode, city=place.name if place.kind == "municipality" else parsed.city,
                                 off_map=True)
        st, notes, suggestions = self._match_street(parsed, threshold)
        ambiguous = _AMBIGUOUS in notes
        warnings += [w for w in notes if w != _AMBIGUOUS]
        if st is None:
            if ambiguous:
                notice = _('Several streets of {where} have this name: "{street}"; give the street type.').format(
                    where=where, street=parsed.street
                )
            else:
                notice = _('Street not found in {where}: "{street}".').format(where=where, street=parsed.street)
            return GeocodeResult(None, None, "none", "", "offline", tuple(suggestions), notice,
                                 tuple(warnings), text, "", postcode, city=parsed.city)
        city = st.city or (self.region_name.title() if self.region_name else "")
        if parsed.city and st.cities and fold(parsed.city) not in {fold(c) for c in st.cities}:
            sugg = f"{parsed.housenumber + ' ' if parsed.number is not None else ''}{st.name}, {city}"
            notice = _("{street} is in {city} in the region's data, not in {given}: check the city.").format(
                street=st.name, city=city, given=parsed.city
            )
            return GeocodeResult(None, None, "none", "", "offline", (sugg,), notice, tuple(warnings),
                                 text, st.name, postcode)
        if parsed.number is None:
            x, y = street_point(st, None)
            precision = "street"
            radius = street_radius(st, x, y)
            warnings.append(_("No civic number: position in the middle of the street."))
        else:
            placed = locate_number(st, parsed.number, parsed.housenumber)
            x, y, precision, radius = placed.x, placed.y, placed.precision, placed.radius_m
            warnings += placed.notes
        if not (math.isfinite(x) and math.isfinite(y)):
            return GeocodeResult(None, None, "none", "", "offline", (st.name,),
                                 _("{street} has neither a geometry nor a known number.").format(street=st.name),
                                 tuple(warnings), text,
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
                             tuple(warnings), text, st.name, postcode, radius_m=round(radius, 1))


def cand_words_dropped(full: str, cand: str) -> list[str]:
    """Words of ``full`` after the prefix ``cand``."""
    return full[len(cand):].split()


# --- per-region cache --------------------------------------------------------------------------
_INDEXES: weakref.WeakKeyDictionary[Region, AddressIndex] = weakref.WeakKeyDictionary()


def address_index(region: Region) -> AddressIndex:
    """The offline index of a region, built on first use and cached with the region."""
    idx = _INDEXES.get(region)
    if idx is None:
        idx = AddressIndex(region.addresses, region.streets, region_name=region.name.title(), bbox=region.bbox)
        _INDEXES[region] = idx
    return idx


__all__ = ["AddressIndex", "address_index"]
