"""Folium maps of opms-dispatch, offline: local assets, the region's roads as basemap.

Modules: :mod:`maps.assets` (vendored Leaflet & co., served by Streamlit or inlined),
:mod:`maps.basemap` (the region's roads on a canvas), :mod:`maps.builders` (service area,
coverage result, day plan, technician route), :mod:`maps.export` (self-contained HTML and
GeoJSON of the service area), :mod:`maps.timeline` (the day's Gantt chart, plain HTML).
"""

from maps import assets, basemap, builders, export, timeline
from maps.builders import (
    RouteView,
    StopView,
    coverage_map,
    day_plan_map,
    esc,
    service_area_map,
    technician_route_map,
)
from maps.timeline import TimelineBar, timeline_html

__all__ = [
    "RouteView",
    "StopView",
    "TimelineBar",
    "assets",
    "basemap",
    "builders",
    "coverage_map",
    "day_plan_map",
    "esc",
    "export",
    "service_area_map",
    "technician_route_map",
    "timeline",
    "timeline_html",
]
