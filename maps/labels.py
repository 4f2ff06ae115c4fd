"""Street names on the offline basemap, drawn from the region's own named streets.

Tiles carry their labels; the offline basemap (:mod:`maps.basemap`) draws only lines, so the
street names are added as a layer of small text markers, placed along the region's named
roads and turned to follow them. They show only at the zoom levels where people read street
names: main roads (primary to trunk) from :data:`MAJOR_MIN_ZOOM`, every street from
:data:`ALL_MIN_ZOOM`; below, the layer is removed (hundreds of labels at zoom 12 are noise).

Placement (:func:`street_labels`, pure, cached per region like the roads): per street name,
the road pieces of at least :data:`MIN_PIECE_M` metres, longest first, one label at the middle
of each piece unless a label of the same name already lies within :data:`SPACING_M` (a short
street, cut into short pieces at its crossings, gets one label on its longest piece); at most
:data:`MAX_LABELS` labels. The text is escaped (OSM names are data typed by anyone).
"""

from __future__ import annotations

import html
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from branca.element import MacroElement
from jinja2 import Template

from maps.basemap import script_json

if TYPE_CHECKING:
    import folium

    from dispatch.geo import Region

#: Zoom from which the names of main roads show, and from which every street's name shows.
MAJOR_MIN_ZOOM = 14
ALL_MIN_ZOOM = 16
#: Shortest road piece that gets a label, and the least distance between two labels of a name.
MIN_PIECE_M = 120.0
SPACING_M = 600.0
#: A street made only of pieces shorter than MIN_PIECE_M gets one label on its longest piece
#: from this length on (streets are cut at every crossing).
SHORT_STREET_M = 40.0
#: Most labels drawn for a region.
MAX_LABELS = 4000

_MAJOR = frozenset({"motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link",
                    "primary_link", "secondary_link"})
_M_PER_DEG = 111_320.0

_cache: dict[tuple[str | None, int], list[StreetLabel]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class StreetLabel:
    """One street name drawn on the map: where, turned by how much, from which zoom."""

    lat: float
    lon: float
    name: str
    angle: float  # degrees, clockwise from the horizontal, within [-90, 90]
    min_zoom: int


def _xy(coords: Sequence[Sequence[float]]) -> list[tuple[float, float]]:
    lat0 = math.radians(float(coords[0][0]))
    k = _M_PER_DEG * math.cos(lat0)
    return [(float(lon) * k, float(lat) * _M_PER_DEG) for lat, lon in coords]


def _middle(coords: Sequence[Sequence[float]]) -> tuple[float, float, float, float] | None:
    """(lat, lon, angle, length m) at half the length of a polyline."""
    pts = _xy(coords)
    steps = [math.dist(a, b) for a, b in zip(pts, pts[1:], strict=False)]
    total = sum(steps)
    if total <= 0:
        return None
    half, run = total / 2, 0.0
    for i, step in enumerate(steps):
        if run + step >= half and step > 0:
            t = (half - run) / step
            (la1, lo1), (la2, lo2) = coords[i], coords[i + 1]
            lat = float(la1) + t * (float(la2) - float(la1))
            lon = float(lo1) + t * (float(lo2) - float(lo1))
            (x1, y1), (x2, y2) = pts[i], pts[i + 1]
            angle = -math.degrees(math.atan2(y2 - y1, x2 - x1))  # screen y points down
            if angle > 90:
                angle -= 180
            elif angle < -90:
                angle += 180
            return lat, lon, angle, total
        run += step
    return None


def street_labels(lines: Iterable[Sequence[Any]], *, max_labels: int = MAX_LABELS) -> list[StreetLabel]:
    """Labels for road lines given as ``(coords (lat, lon), highway, name)`` tuples."""
    pieces: list[tuple[float, str, str, tuple[float, float, float]]] = []
    for item in lines:
        coords, highway, name = item[0], item[1], (item[2] if len(item) > 2 else "")
        name = str(name or "").strip()
        if not name or len(coords) < 2:
            continue
        mid = _middle(coords)
        if mid is None or mid[3] < SHORT_STREET_M:
            continue
        hw = highway[0] if isinstance(highway, (list, tuple)) and highway else highway
        pieces.append((mid[3], name, str(hw), (mid[0], mid[1], mid[2])))
    pieces.sort(key=lambda p: -p[0])
    placed: dict[str, list[tuple[float, float]]] = {}
    out: list[StreetLabel] = []
    for length, name, hw, (lat, lon, angle) in pieces:
        near = placed.setdefault(name, [])
        if length < MIN_PIECE_M and near:
            continue  # a short piece is labelled only when its street has no longer one
        k = _M_PER_DEG * math.cos(math.radians(lat))
        if any(math.hypot((lat - a) * _M_PER_DEG, (lon - b) * k) < SPACING_M for a, b in near):
            continue
        near.append((lat, lon))
        out.append(StreetLabel(round(lat, 6), round(lon, 6), name, round(angle, 1),
                               MAJOR_MIN_ZOOM if hw in _MAJOR else ALL_MIN_ZOOM))
        if len(out) >= max_labels:
            break
    return out


def region_labels(region: Region) -> list[StreetLabel]:
    """The labels of a region's named roads, computed once per region."""
    key = (getattr(region, "name", None), id(region))
    with _lock:
        cached = _cache.get(key)
    if cached is None:
        cached = street_labels(region.road_lines(simplify_m=4.0))
        with _lock:
            _cache[key] = cached
    return cached


class StreetLabelLayer(MacroElement):
    """Street names as text markers, added and removed with the zoom level."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function () {
                var map = {{ this._parent.get_name() }};
                var data = {{ this.data_json }};
                var groups = {};
                data.forEach(function (d) {
                    var g = groups[d[4]] || (groups[d[4]] = L.layerGroup());
                    L.marker([d[0], d[1]], {
                        interactive: false, keyboard: false,
                        icon: L.divIcon({
                            className: "opms-street-label",
                            iconSize: null,
                            html: '<span style="transform: translate(-50%, -50%) rotate(' + d[3] +
                                  'deg)">' + d[2] + '</span>'
                        })
                    }).addTo(g);
                });
                function show() {
                    var z = map.getZoom();
                    Object.keys(groups).forEach(function (min) {
                        var on = z >= Number(min);
                        if (on && !map.hasLayer(groups[min])) { groups[min].addTo(map); }
                        if (!on && map.hasLayer(groups[min])) { map.removeLayer(groups[min]); }
                    });
                }
                map.on("zoomend", show);
                show();
            })();
        {% endmacro %}
        """
    )

    def __init__(self, labels: Sequence[StreetLabel]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca's MacroElement is unannotated
        self._name = "StreetLabelLayer"
        self.labels = list(labels)
        self.data_json = script_json(
            [[lb.lat, lb.lon, html.escape(lb.name, quote=True), lb.angle, lb.min_zoom] for lb in self.labels]
        )


#: Style of the labels: dark text with a light halo, never catching clicks.
LABEL_CSS = """
<style>
.opms-street-label { pointer-events: none; }
.opms-street-label span { position: absolute; white-space: nowrap; font: 11px/1.1 sans-serif;
  color: #3b3b3b; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
</style>
"""


def add_street_labels(m: folium.Map, region: Region | None) -> folium.Map:
    """Add the region's street names to a map drawn on the offline basemap; returns ``m``."""
    if region is None:
        return m
    labels = region_labels(region)
    if labels:
        from branca.element import Element

        m.get_root().header.add_child(Element(LABEL_CSS))  # type: ignore[attr-defined]
        m.add_child(StreetLabelLayer(labels))
    return m


__all__ = [
    "ALL_MIN_ZOOM",
    "MAJOR_MIN_ZOOM",
    "MAX_LABELS",
    "StreetLabel",
    "StreetLabelLayer",
    "add_street_labels",
    "region_labels",
    "street_labels",
]
