"""The demand map: where the requests of a period come from, in hexagons, with the service area.

Drawn offline like every map of :mod:`maps.builders` (local Leaflet, the region's roads as
basemap): the core and extended circles around the shop, one hexagon per cell of
:func:`dispatch.reports.demand.hexbin` shaded by its number of requests (a sequential
colour-blind-safe scale), and the shop. No marker sits on a customer's home: a hexagon's
tooltip gives only its count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import folium

from dispatch.i18n import _
from maps.assets import DASHBOARD_BASE_URL
from maps.builders import _base_map, _bounds, _zone_circles, geodesic_circle, shop_marker

if TYPE_CHECKING:
    from dispatch.geo import Region

#: Sequential scale (ColorBrewer YlOrRd, 5 classes): few requests light, many dark.
DEMAND_COLORS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")


class Cell(Protocol):
    """A hexagon to draw: its corners (lat, lon) and its number of requests."""

    @property
    def corners(self) -> tuple[tuple[float, float], ...]: ...

    @property
    def count(self) -> int: ...


def demand_color(count: int, most: int) -> str:
    """The colour of a hexagon holding ``count`` requests when the fullest holds ``most``."""
    if most <= 0 or count <= 0:
        return DEMAND_COLORS[0]
    index = min(len(DEMAND_COLORS) - 1, (count * len(DEMAND_COLORS) - 1) // most)
    return DEMAND_COLORS[index]


def demand_map(
    region: Region,
    cells: Sequence[Cell],
    *,
    core_km: float,
    extended_km: float,
    shop_name: str | None = None,
    tile_url: str = "",
    base_url: str = DASHBOARD_BASE_URL,
    height: str | int = "100%",
) -> folium.Map:
    """Requests in hexagons over the service area (see the module docstring).

    Parameters
    ----------
    region
        The loaded region (roads basemap, shop).
    cells
        The hexagons (:class:`dispatch.reports.demand.HexCell`), any order.
    core_km, extended_km
        Radii of the service zones.
    shop_name, tile_url, base_url, height
        Display options, as for :func:`maps.builders.service_area_map`.
    """
    shop = (float(region.shop.lat), float(region.shop.lon))
    m = _base_map(
        region, center=shop, zoom=11, tile_url=tile_url, base_url=base_url, core_only=True, height=height
    )
    zones = folium.FeatureGroup(name=_("Service zones"))
    zones.add_to(m)
    _zone_circles(zones, shop, core_km=core_km, extended_km=extended_km)
    most = max((c.count for c in cells), default=0)
    group = folium.FeatureGroup(name=_("Requests")).add_to(m)
    pts = list(geodesic_circle(shop, extended_km, n=32))
    for c in cells:
        color = demand_color(c.count, most)
        folium.Polygon(
            [list(p) for p in c.corners],
            color="#7f2704",
            weight=1,
            opacity=0.7,
            fill=True,
            fill_color=color,
            fill_opacity=0.75,
            tooltip=_("{count} request(s)").format(count=c.count),
            class_name="opms-demand-hex",
        ).add_to(group)
        pts.extend(c.corners)
    shop_marker(shop, name=shop_name).add_to(m)
    m.fit_bounds(_bounds(pts), padding=(10, 10))
    return m


__all__ = ["DEMAND_COLORS", "demand_color", "demand_map"]
