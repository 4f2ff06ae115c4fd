"""Québec places beyond the region's map: postal areas (FSA) and municipalities, with centroids.

The region's map (its OpenStreetMap extract) may cover less than the service area: the shared
Mascouche extract covers about 3 km around the shop while the extended zone is 15 km. An
address in a city that the map does not cover must never be matched to a street of the map
(``123 rue Saint-Jean, Québec`` is not a street of Mascouche); when its postal code or its city
is known, the coverage is answered *by straight line* from that place's centroid (zone, fee
"to be confirmed", road distance not available), see
:func:`dispatch.geo.service_area.check_place`.

The table ships with the package (``dispatch/geo/data/quebec_places.csv``: 420 Québec FSAs,
ODbL 1.0, and 541 municipalities of 500 inhabitants or more, GeoNames, CC BY 4.0; sources,
licences and how to rebuild it in ``dispatch/geo/data/README.md``).

A centroid is a rough position, so each place has an error radius: a rural FSA (second
character ``0``) :data:`RURAL_FSA_RADIUS_M`, an urban one :data:`URBAN_FSA_RADIUS_M`, a
municipality from its population (between :data:`MIN_CITY_RADIUS_M` and
:data:`MAX_CITY_RADIUS_M`).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from importlib import resources

from dispatch.geo.addresses import ParsedAddress, PostalCode, parse_postal_code
from dispatch.geo.point import GeoPoint
from dispatch.geo.street_names import tokens

#: Error radius of a rural FSA's centroid (second character 0: hundreds of km²).
RURAL_FSA_RADIUS_M = 25_000.0
#: Error radius of an urban FSA's centroid.
URBAN_FSA_RADIUS_M = 3_000.0
#: Bounds of a municipality's error radius (from its population: ``sqrt(pop) * 25`` m).
MIN_CITY_RADIUS_M = 2_000.0
MAX_CITY_RADIUS_M = 10_000.0
#: A place whose centroid is within this margin of the map's bounds counts as on the map.
ON_MAP_MARGIN_M = 500.0

_M_PER_DEG_LAT = 111_320.0

#: Other names people write for a municipality of the table (folded keys).
_ALIASES = {
    "ville de quebec": "Québec",
    "quebec city": "Québec",
    "ville de montreal": "Montréal",
    "st lin laurentides": "Saint-Lin-Laurentides",
}


@dataclass(frozen=True)
class Place:
    """A place of the table: a postal area or a municipality, with its centroid.

    Attributes
    ----------
    kind
        ``fsa`` or ``municipality``.
    key
        The FSA (``J7K``) or the municipality's name (``Terrebonne``).
    name
        The area's name (``Terrebonne Central`` for an FSA, the municipality's name).
    lat, lon
        Centroid (WGS84).
    radius_m
        Error radius of the centroid (metres).
    population
        Inhabitants of a municipality (0 for an FSA).
    """

    kind: str
    key: str
    name: str
    lat: float
    lon: float
    radius_m: float
    population: int = 0

    @property
    def point(self) -> GeoPoint:
        """The centroid as a :class:`GeoPoint`."""
        return GeoPoint(self.lat, self.lon)

    @property
    def label(self) -> str:
        """How the place is named to people: ``J6W (Terrebonne Central)`` or ``Terrebonne``."""
        return f"{self.key} ({self.name})" if self.kind == "fsa" else self.name


def _city_key(name: str) -> str:
    words = tokens(name)
    return " ".join("saint" if w == "st" else "sainte" if w == "ste" else w for w in words)


class PlaceTable:
    """The places of the table, looked up by FSA or by municipality name."""

    def __init__(self, places: Collection[Place]) -> None:
        self._fsa = {p.key: p for p in places if p.kind == "fsa"}
        by_name: dict[str, Place] = {}
        for p in places:
            if p.kind != "municipality":
                continue
            k = _city_key(p.key)
            if k not in by_name or p.population > by_name[k].population:  # a name used twice: the larger
                by_name[k] = p
        self._city = by_name

    def __len__(self) -> int:
        return len(self._fsa) + len(self._city)

    def fsa(self, code: str) -> Place | None:
        """The postal area of a postal code or FSA (``J6W 1A1``, ``j6w``), ``None`` if unknown."""
        c = re.sub(r"\s", "", code or "").upper()[:3]
        return self._fsa.get(c)

    def municipality(self, name: str) -> Place | None:
        """The municipality named (any case, accents, ``St-``/``Saint-``), ``None`` if unknown."""
        k = _city_key(name or "")
        if not k:
            return None
        alias = _ALIASES.get(k)
        if alias is not None:
            k = _city_key(alias)
        return self._city.get(k)


def _radius(kind: str, key: str, population: int) -> float:
    if kind == "fsa":
        return RURAL_FSA_RADIUS_M if key[1:2] == "0" else URBAN_FSA_RADIUS_M
    return min(MAX_CITY_RADIUS_M, max(MIN_CITY_RADIUS_M, math.sqrt(max(population, 0)) * 25.0))


@cache
def quebec_places() -> PlaceTable:
    """The table shipped with the package (read once per process, about 1 ms)."""
    text = resources.files("dispatch.geo").joinpath("data/quebec_places.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return PlaceTable(
        [
            Place(r["kind"], r["key"], r["name"], float(r["lat"]), float(r["lon"]),
                  _radius(r["kind"], r["key"], int(r["population"] or 0)), int(r["population"] or 0))
            for r in rows
        ]
    )


def on_map(place: Place, bbox: tuple[float, float, float, float]) -> bool:
    """True when the place's centroid lies within the map's bounds (south, west, north, east)."""
    return _inside(bbox, place, ON_MAP_MARGIN_M)


def _inside(bbox: tuple[float, float, float, float], place: Place, margin_m: float) -> bool:
    south, west, north, east = bbox
    dlat = margin_m / _M_PER_DEG_LAT
    dlon = margin_m / (_M_PER_DEG_LAT * max(0.1, math.cos(math.radians(place.lat))))
    return south - dlat <= place.lat <= north + dlat and west - dlon <= place.lon <= east + dlon


def off_map_place(
    parsed: ParsedAddress,
    *,
    cities: Collection[str],
    bbox: tuple[float, float, float, float] | None,
    table: PlaceTable | None = None,
) -> Place | None:
    """The place an address names when that place lies beyond the map, else ``None``.

    The city written decides first: one of the map's own cities (``cities``) is on the map; a
    municipality of the table whose centroid is outside the map's bounds (``bbox``: south, west,
    north, east) is off the map. Without a city, a Québec postal code whose postal area's
    centroid is outside the bounds is off the map. An unknown city (a typo) is left to the
    street matching, as before.
    """
    if bbox is None:
        return None
    t = table if table is not None else quebec_places()
    own = {_city_key(c) for c in cities}
    if parsed.city:
        if _city_key(parsed.city) in own:
            return None
        place = t.municipality(parsed.city)
        if place is not None:
            return None if _inside(bbox, place, ON_MAP_MARGIN_M) else place
        return None
    if parsed.postcode is not None and parsed.postcode.province == "QC":
        place = t.fsa(parsed.postcode.code)
        if place is not None and not _inside(bbox, place, ON_MAP_MARGIN_M):
            return place
    return None


def locate(*, postcode: str = "", city: str = "", table: PlaceTable | None = None) -> Place | None:
    """The place of a postal code (its FSA, preferred: smaller) or else of a city; ``None``."""
    t = table if table is not None else quebec_places()
    if postcode:
        place = t.fsa(postcode)
        if place is not None:
            return place
    return t.municipality(city) if city else None


_NOT_ADDRESS_WORDS = {"qc", "quebec", "canada", "pq", "que"}


def postal_code_alone(text: str) -> PostalCode | None:
    """The postal code when ``text`` holds nothing else (``J6W 1A1``, ``j6w1a1, QC, Canada``).

    Raises
    ------
    InvalidInput
        The text looks like a postal code with letters Canada Post never uses.
    """
    if not isinstance(text, str) or len(text) > 100:
        return None
    code = parse_postal_code(text)
    if code is None:
        return None
    rest = re.sub(r"(?<![A-Za-z0-9])[A-Za-z]\s*\d\s*[A-Za-z][\s\-]*\d\s*[A-Za-z]\s*\d(?![A-Za-z0-9])", " ", text)
    if any(w not in _NOT_ADDRESS_WORDS for w in tokens(rest)):
        return None
    return code


__all__ = [
    "MAX_CITY_RADIUS_M",
    "MIN_CITY_RADIUS_M",
    "ON_MAP_MARGIN_M",
    "RURAL_FSA_RADIUS_M",
    "URBAN_FSA_RADIUS_M",
    "Place",
    "PlaceTable",
    "locate",
    "off_map_place",
    "on_map",
    "postal_code_alone",
    "quebec_places",
]
