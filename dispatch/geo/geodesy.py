"""Measuring on the Earth: geodesic distances and rings (WGS84 ellipsoid, pyproj), and a local
plane in metres for small areas.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from pyproj import Geod

from dispatch.geo.point import GeoPoint
from dispatch.i18n import active_language

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray


def _geod() -> Geod:
    return Geod(ellps="WGS84")


def geodesic_m(a: GeoPoint, lats: ArrayLike, lons: ArrayLike) -> NDArray[np.float64]:
    """Geodesic distances (m, WGS84) from ``a`` to arrays of points."""
    lat_a = np.atleast_1d(np.asarray(lats, dtype=float))
    lon_a = np.atleast_1d(np.asarray(lons, dtype=float))
    _, _, d = _geod().inv(np.full(lat_a.shape, a.lon), np.full(lat_a.shape, a.lat), lon_a, lat_a)
    return np.asarray(d, dtype=float)


def geodesic_ring(center: GeoPoint, radius_km: float, *, n: int = 128) -> list[list[float]]:
    """A closed ring of ``[lon, lat]`` at ``radius_km`` geodesic from ``center`` (GeoJSON order)."""
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    lon, lat, _ = _geod().fwd(np.full(n, center.lon), np.full(n, center.lat), az, np.full(n, radius_km * 1000.0))
    ring = [[round(float(x), 6), round(float(y), 6)] for x, y in zip(lon, lat, strict=True)]
    # GeoJSON exterior rings are counter-clockwise: azimuths turn clockwise, so reverse
    ring.reverse()
    ring.append(ring[0])
    return ring


class LocalPlane:
    """Equirectangular metres around a reference point (error < 0.2 % over 20 km)."""

    R = 6371008.8

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0 = lat0
        self.lon0 = lon0
        self.ky = math.radians(1.0) * self.R
        self.kx = self.ky * math.cos(math.radians(lat0))

    def fwd(self, lat: ArrayLike, lon: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return (np.asarray(lon, dtype=float) - self.lon0) * self.kx, (
            np.asarray(lat, dtype=float) - self.lat0
        ) * self.ky

    def inv(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return np.asarray(y, dtype=float) / self.ky + self.lat0, np.asarray(x, dtype=float) / self.kx + self.lon0


def decimal_text(value: float, spec: str = ".1f") -> str:
    """A number as people read it in the active language: ``3,3`` in French, ``3.3`` in English."""
    text = format(value, spec)
    return text.replace(".", ",") if active_language().startswith("fr") else text


__all__ = ["LocalPlane", "decimal_text", "geodesic_m", "geodesic_ring"]
