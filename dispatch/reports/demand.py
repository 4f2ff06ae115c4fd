"""Where the demand comes from: the requests of a period by zone, and in hexagons for the map.

Every request received in the period counts in the zone found at intake (core, extended,
outside; ``unknown`` for an address that could not be placed). Those with a position are
also binned in flat hexagons of ``size_km`` (centre to corner) on a local plane around the
shop (an equirectangular projection: at the scale of a 15-km service area its error is far
under a hexagon's size), so the map shows where the requests come from without a marker per
customer's home.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dispatch.reports.facts import RequestFact
    from dispatch.reports.periods import Period

ZONES = ("core", "extended", "outside", "unknown")
#: km per degree of latitude (mean, WGS84) and of longitude at the equator.
_KM_LAT = 110.574
_KM_LON = 111.320


@dataclass(frozen=True)
class HexCell:
    """One hexagon of the demand map: its corners (lat, lon), its centre and its requests."""

    q: int
    r: int
    center: tuple[float, float]
    corners: tuple[tuple[float, float], ...]
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"center": list(self.center), "count": self.count, "corners": [list(c) for c in self.corners]}


def _to_plane(lat: float, lon: float, origin: tuple[float, float]) -> tuple[float, float]:
    lat0, lon0 = origin
    return ((lon - lon0) * _KM_LON * math.cos(math.radians(lat0)), (lat - lat0) * _KM_LAT)


def _to_latlon(x: float, y: float, origin: tuple[float, float]) -> tuple[float, float]:
    lat0, lon0 = origin
    return (lat0 + y / _KM_LAT, lon0 + x / (_KM_LON * math.cos(math.radians(lat0))))


def _axial(x: float, y: float, size: float) -> tuple[int, int]:
    """The flat-top hexagon (axial q, r) holding the plane point (x, y) (cube rounding)."""
    q = (2.0 / 3.0 * x) / size
    r = (-1.0 / 3.0 * x + math.sqrt(3.0) / 3.0 * y) / size
    s = -q - r
    rq, rr, rs = round(q), round(r), round(s)
    dq, dr, ds = abs(rq - q), abs(rr - r), abs(rs - s)
    if dq > dr and dq > ds:
        rq = -rr - rs
    elif dr > ds:
        rr = -rq - rs
    return int(rq), int(rr)


def _center(q: int, r: int, size: float) -> tuple[float, float]:
    return (size * 1.5 * q, size * math.sqrt(3.0) * (r + q / 2.0))


def hexbin(
    points: Iterable[tuple[float, float]], *, origin: tuple[float, float], size_km: float = 1.0
) -> tuple[HexCell, ...]:
    """Bin (lat, lon) points into flat-top hexagons of ``size_km`` around ``origin``.

    Returns the hexagons holding at least one point, the fullest first; their counts add up
    to the number of points.
    """
    counts: dict[tuple[int, int], int] = {}
    for lat, lon in points:
        if not (math.isfinite(lat) and math.isfinite(lon)):
            continue
        key = _axial(*_to_plane(lat, lon, origin), size_km)
        counts[key] = counts.get(key, 0) + 1
    cells = []
    for (q, r), n in counts.items():
        cx, cy = _center(q, r, size_km)
        corners = tuple(
            _to_latlon(cx + size_km * math.cos(math.radians(60 * i)), cy + size_km * math.sin(math.radians(60 * i)), origin)
            for i in range(6)
        )
        cells.append(HexCell(q, r, _to_latlon(cx, cy, origin), corners, n))
    return tuple(sorted(cells, key=lambda c: (-c.count, c.q, c.r)))


@dataclass(frozen=True)
class DemandReport:
    """Requests of a period by zone, and binned for the map."""

    by_zone: dict[str, int]
    cells: tuple[HexCell, ...]
    placed: int

    @property
    def total(self) -> int:
        return sum(self.by_zone.values())

    @property
    def outside_share(self) -> float:
        """Share of the requests outside the service area (0 when none)."""
        return self.by_zone["outside"] / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.total,
            "by_zone": dict(self.by_zone),
            "outside_share": round(self.outside_share, 4),
            "placed": self.placed,
            "hexagons": [c.to_dict() for c in self.cells],
        }


def demand_report(
    requests: Iterable[RequestFact], period: Period, *, origin: tuple[float, float], size_km: float = 1.0
) -> DemandReport:
    """The requests received in ``period``, by zone and in hexagons around ``origin`` (the shop)."""
    by_zone = dict.fromkeys(ZONES, 0)
    points = []
    for r in requests:
        if not period.contains(r.created_at):
            continue
        by_zone[r.zone if r.zone in by_zone else "unknown"] += 1
        if r.lat is not None and r.lon is not None:
            points.append((r.lat, r.lon))
    return DemandReport(by_zone, hexbin(points, origin=origin, size_km=size_km), len(points))


__all__ = ["ZONES", "DemandReport", "HexCell", "demand_report", "hexbin"]
