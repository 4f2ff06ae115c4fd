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


__all__ = ["GeoPoint"]
