"""Frozen value types shared across the product."""

from __future__ import annotations

import math
from dataclasses import dataclass

from dispatch.errors import InvalidInput
from dispatch.i18n import N_


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS84 position in decimal degrees."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        lat: object = self.lat  # checked below: callers may pass anything
        lon: object = self.lon
        if not (isinstance(lat, (int, float)) and isinstance(lon, (int, float))):
            msg = N_("Coordinates must be numbers, got {lat!r}, {lon!r}.")
            raise InvalidInput(msg, lat=lat, lon=lon)
        if not (math.isfinite(lat) and math.isfinite(lon)) or not (-90 <= lat <= 90) or not (
            -180 <= lon <= 180
        ):
            msg = N_("Invalid coordinates {lat}, {lon}: latitude must be in [-90, 90] and longitude in [-180, 180].")
            raise InvalidInput(msg, lat=lat, lon=lon)
        object.__setattr__(self, "lat", float(lat))
        object.__setattr__(self, "lon", float(lon))

    @classmethod
    def parse(cls, text: str) -> GeoPoint:
        """Parse ``"LAT,LON"`` (as given to ``--latlon``)."""
        parts = [p.strip() for p in str(text).replace(";", ",").split(",")]
        if len(parts) != 2:
            msg = N_("Expected LAT,LON (for example 45.7460,-73.6010), got {text!r}.")
            raise InvalidInput(msg, text=text)
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except ValueError as err:
            msg = N_("Expected LAT,LON as decimal degrees (for example 45.7460,-73.6010), got {text!r}.")
            raise InvalidInput(msg, text=text) from err
        return cls(lat, lon)

    def to_dict(self) -> dict[str, float]:
        return {"lat": self.lat, "lon": self.lon}


#: Mean Earth radius (km), for the great-circle distance of :func:`looks_swapped`.
_EARTH_KM = 6371.0088


def _km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle (haversine) distance in km."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def looks_swapped(point: GeoPoint, reference: GeoPoint, radius_km: float) -> bool:
    """True when ``point`` looks given as LON,LAT: far from ``reference``, but near it swapped.

    A pure rule for a hint, never a correction: ``-73.6,45.7`` read as LAT,LON is in the sea
    off Antarctica, 15,700 km from a Mascouche shop, but ``45.7,-73.6`` is 5 km from it.

    Parameters
    ----------
    point
        The position as read (LAT,LON).
    reference
        The centre of the area (a region's shop).
    radius_km
        The area's radius (the region's extended zone).
    """
    if not -90 <= point.lon <= 90:  # swapped, the longitude would not be a latitude
        return False
    swapped = GeoPoint(point.lon, point.lat)
    return _km(point, reference) > radius_km and _km(swapped, reference) <= radius_km


__all__ = ["GeoPoint", "looks_swapped"]
