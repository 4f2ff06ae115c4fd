"""The offline basemap: the region's own roads drawn on a canvas.

No tile server is reachable offline, so every map draws the region's roads instead, as one
GeoJSON layer painted by Leaflet's canvas renderer (thousands of lines in well under a
second, where one SVG element per road would crawl). Lines are simplified by the region
(``region.road_lines(simplify_m=...)``), merged into one ``MultiLineString`` per road class,
and coordinates are rounded to 5 decimals (about 1 m). The GeoJSON of a region is computed
once per process and cached (:func:`road_geojson`).

The layer is not interactive (clicks go to the markers and routes above it) and carries the
"© OpenStreetMap contributors" attribution. When a tile URL is configured in settings
(``[online] tile_url``), :func:`add_basemap` draws those tiles instead.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import folium
from branca.element import MacroElement
from jinja2 import Template

from maps.assets import OSM_ATTRIBUTION

if TYPE_CHECKING:
    from dispatch.geo import Region

#: Default simplification tolerance (metres) of the drawn roads.
DEFAULT_SIMPLIFY_M = 8.0

#: Road classes grouped for drawing: (group, OSM highway values, colour, width px).
ROAD_STYLES: tuple[tuple[str, frozenset[str], str, float], ...] = (
    ("autoroute", frozenset({"motorway", "motorway_link", "trunk", "trunk_link"}), "#e8a25c", 3.5),
    (
        "principale",
        frozenset({"primary", "primary_link", "secondary", "secondary_link"}),
        "#f2cf6b",
        2.6,
    ),
    ("collectrice", frozenset({"tertiary", "tertiary_link", "unclassified"}), "#b9b9b9", 2.0),
    ("locale", frozenset(), "#cfcfcf", 1.2),  # everything else
)

_cache: dict[tuple[str | None, int, float], dict[str, Any]] = {}
_lock = threading.Lock()


def _group(highway: object) -> str:
    if isinstance(highway, (list, tuple)):
        highway = highway[0] if highway else ""
    for name, classes, _, _ in ROAD_STYLES:
        if highway in classes:
            return name
    return "locale"


def lines_geojson(lines: Iterable[Sequence[Any]]) -> dict[str, Any]:
    """GeoJSON of road lines given as ``(coords (lat, lon), highway, ...)`` tuples.

    One ``MultiLineString`` feature per road group (``properties.group``); coordinates are
    ``[lon, lat]`` rounded to 5 decimals; lines of fewer than 2 points are dropped.
    """
    groups: dict[str, list[list[list[float]]]] = {name: [] for name, *_ in ROAD_STYLES}
    for item in lines:
        coords, highway = item[0], item[1]
        line = [[round(float(lon), 5), round(float(lat), 5)] for lat, lon in coords]
        if len(line) >= 2:
            groups[_group(highway)].append(line)
    features = [
        {
            "type": "Feature",
            "properties": {"group": name},
            "geometry": {"type": "MultiLineString", "coordinates": parts},
        }
        for name, parts in groups.items()
        if parts
    ]
    # Major roads last, so they are painted over local streets.
    features.reverse()
    return {"type": "FeatureCollection", "features": features}


def road_geojson(region: Region, *, simplify_m: float = DEFAULT_SIMPLIFY_M) -> dict[str, Any]:
    """The region's roads as basemap GeoJSON, computed once per region and tolerance.

    Parameters
    ----------
    region
        A loaded :class:`dispatch.geo.built_region.Region`.
    simplify_m
        Simplification tolerance in metres.

    Returns
    -------
    dict
        A GeoJSON ``FeatureCollection`` (see :func:`lines_geojson`).
    """
    key = (getattr(region, "name", None), id(region), float(simplify_m))
    with _lock:
        cached = _cache.get(key)
    if cached is None:
        cached = lines_geojson(region.road_lines(simplify_m=simplify_m))
        with _lock:
            _cache[key] = cached
    return cached


def script_json(data: object) -> str:
    """JSON safe to place inside a ``<script>`` element (no ``</script>``, no ``<!--``)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class RoadBasemap(MacroElement):
    """A non-interactive GeoJSON layer of roads painted with Leaflet's canvas renderer."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }}_styles = {{ this.styles_json }};
            var {{ this.get_name() }} = L.geoJSON({{ this.data_json }}, {
                renderer: L.canvas({padding: 0.5}),
                interactive: false,
                attribution: {{ this.attribution|tojson }},
                style: function (feature) {
                    return {{ this.get_name() }}_styles[feature.properties.group];
                }
            }).addTo({{ this._parent.get_name() }});
            {{ this.get_name() }}.bringToBack();
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any], *, attribution: str = OSM_ATTRIBUTION) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca's MacroElement is unannotated
        self._name = "RoadBasemap"
        self.data = data
        self.attribution = attribution
        self.data_json = script_json(data)
        self.styles_json = script_json(
            {
                name: {"color": color, "weight": width, "opacity": 0.95, "lineCap": "round"}
                for name, _, color, width in ROAD_STYLES
            }
        )

    def feature_count(self) -> int:
        """Number of road lines drawn (for tests and diagnostics)."""
        return sum(len(f["geometry"]["coordinates"]) for f in self.data["features"])


class MapBackground(MacroElement):
    """A light background colour for the map pane (no tiles: land is not white paper)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.getContainer().style.background = {{ this.color|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, color: str = "#f3f1ec") -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca's MacroElement is unannotated
        self._name = "MapBackground"
        self.color = color


def add_basemap(
    m: folium.Map,
    region: Region | None,
    *,
    tile_url: str = "",
    tile_attribution: str = OSM_ATTRIBUTION,
    simplify_m: float = DEFAULT_SIMPLIFY_M,
) -> folium.Map:
    """Add the basemap: the region's roads (offline), or online tiles when configured.

    Parameters
    ----------
    m
        A map made by :func:`maps.assets.offline_map`.
    region
        The loaded region (its roads are drawn); may be ``None`` with a ``tile_url``.
    tile_url
        Online tile URL template (``[online] tile_url`` in settings); empty = offline roads.
    tile_attribution
        Attribution of the tiles.
    simplify_m
        Simplification tolerance of the drawn roads (metres).

    Returns
    -------
    folium.Map
        ``m``, for chaining.
    """
    if tile_url:
        folium.TileLayer(
            tiles=tile_url, attr=tile_attribution or OSM_ATTRIBUTION, name="Fond de carte"
        ).add_to(m)
        return m
    m.add_child(MapBackground())
    if region is not None:
        m.add_child(RoadBasemap(road_geojson(region, simplify_m=simplify_m)))
    return m


__all__ = [
    "DEFAULT_SIMPLIFY_M",
    "ROAD_STYLES",
    "MapBackground",
    "RoadBasemap",
    "add_basemap",
    "lines_geojson",
    "road_geojson",
    "script_json",
]
