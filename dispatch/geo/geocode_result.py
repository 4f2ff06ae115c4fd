"""The answer of the geocoder: :class:`GeocodeResult` (position, precision, what was matched).

Shared by the offline index (:mod:`dispatch.geo.address_index`), the online adapter
(:mod:`dispatch.geo._nominatim`) and the entry point (:func:`dispatch.geo.geocode.geocode`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dispatch.geo.point import GeoPoint
from dispatch.i18n import _

PRECISIONS = ("exact", "interpolated", "approximate", "street", "none")


@dataclass(frozen=True)
class GeocodeResult:
    """Where an address is, how sure we are, and what was matched.

    Attributes
    ----------
    lat, lon
        Position (WGS84), ``None`` when ``precision == "none"``.
    precision
        ``exact``, ``interpolated``, ``approximate``, ``street`` or ``none``; follows the radius:
        an interpolation whose radius is large (a long gap between known numbers) is
        ``approximate``.
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
    out_of_province
        The address is in another province: not served, nothing to ask online.
    radius_m
        Error radius in metres: the true place lies within this distance of the position for
        about 95 % of answers (measured, see ``docs/geocoding.md``); ``None`` when not found.
    city
        The city written in the address (as the places table names it when it knows it).
    off_map
        The city or postal code written lies beyond the region's map: no street of the map
        was tried (see :mod:`dispatch.geo.places`); the coverage may still be answered by
        straight line from that place.
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
    out_of_province: bool = False
    radius_m: float | None = None
    city: str = ""
    off_map: bool = False

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
        assert self.lat is not None and self.lon is not None  # found: the position is set
        return GeoPoint(float(self.lat), float(self.lon))

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON (``lat``, ``lon``, ``precision``, ``matched``, ``source``) plus
        ``radius_m`` (error radius, metres), ``suggestions``, ``notice`` and ``warnings``."""
        return {
            "lat": None if self.lat is None else round(float(self.lat), 7),
            "lon": None if self.lon is None else round(float(self.lon), 7),
            "precision": self.precision,
            "matched": self.matched,
            "source": self.source,
            "radius_m": None if self.radius_m is None or not self.found else round(float(self.radius_m), 1),
            "suggestions": list(self.suggestions),
            "notice": self.notice,
            "warnings": list(self.warnings),
        }

    def not_found_message(self) -> str:
        """The message of :class:`AddressNotFound` for this result (suggestions included)."""
        notice = self.notice or _('Address not found in the region: "{query}".').format(query=self.query)
        if self.suggestions:
            return _("{notice} Did you mean: {suggestions}?").format(
                notice=notice, suggestions=" ; ".join(self.suggestions)
            )
        if self.out_of_province:
            return notice
        return _("{notice} Check the street name or give the position (--latlon LAT,LON).").format(notice=notice)


__all__ = ["PRECISIONS", "GeocodeResult"]
