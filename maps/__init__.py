"""Folium maps of opms-dispatch, offline: local assets, the region's roads as basemap.

Modules: :mod:`maps.assets` (vendored Leaflet & co., served by Streamlit or inlined),
:mod:`maps.basemap` (the region's roads on a canvas), :mod:`maps.builders` (service area,
coverage result, day plan, technician route), :mod:`maps.export` (self-contained HTML and
GeoJSON of the service area).
"""

from maps import assets, basemap, builders, export
from maps.builders import (
    RouteView,
    StopView,
    coverage_map,
    day_plan_map,
    esc,
    service_area_map,
    technician_route_map,
)

__all__ = [
    "RouteView",
    "StopView",
    "assets",
    "basemap",
    "builders",
    "coverage_map",
    "day_plan_map",
    "esc",
    "export",
    "service_area_map",
    "technician_route_map",
]
