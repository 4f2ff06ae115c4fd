"""Folium map factories: service area, coverage result, day plan, technician route.

Every factory returns a :class:`folium.Map` made by :func:`maps.assets.offline_map` (local
assets only; the core set, Leaflet and jQuery, since markers are ``DivIcon``s and need neither
Bootstrap nor Font Awesome) with the region's roads as basemap (:func:`maps.basemap.add_basemap`), and
takes keyword-only options. Factories take plain values (points, radii, the views below),
never Streamlit state, so pages, exports and tests share them.

All text that may come from a customer (names, addresses, notes) goes through :func:`esc`
before it reaches a popup or tooltip: it is shown as text, never run as HTML or script.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import folium
from jinja2 import Template
from pyproj import Geod

from dispatch.i18n import N_, _
from maps.assets import DASHBOARD_BASE_URL, offline_map
from maps.basemap import add_basemap
from maps.labels import add_street_labels

if TYPE_CHECKING:
    from dispatch.geo import GeoPoint, Region

_GEOD = Geod(ellps="WGS84")

#: One colour per technician, in order (readable on the light basemap, colour-blind aware).
TECHNICIAN_COLORS: tuple[str, ...] = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
)
#: Colours of the zones.
ZONE_COLORS = {"core": "#2e7d32", "extended": "#ef6c00", "outside": "#c62828"}
#: Names of the zones, as shown to customers (marked: translate with :func:`zone_label`).
ZONE_LABELS = {"core": N_("Core zone"), "extended": N_("Extended zone"), "outside": N_("Outside the zone")}
SHOP_COLOR = "#0d2c54"


def zone_label(zone: str) -> str:
    """The name of ``zone`` in the active language (the zone itself when unknown)."""
    return _(ZONE_LABELS[zone]) if zone in ZONE_LABELS else zone


def esc(text: object) -> str:
    """Escape text for a Folium popup or tooltip.

    HTML-escapes it (``<img src=x onerror=...>`` shows as text) and also escapes the
    characters that would end Folium's JavaScript template literals (backquote, ``$``,
    backslash), since Folium pastes popup HTML inside `` `...` `` in its script.
    """
    out = html.escape("" if text is None else str(text), quote=True)
    return out.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;").replace(
        "\n", "<br>"
    )


def technician_color(index: int) -> str:
    """The colour of the technician at ``index`` (cycles after 10)."""
    return TECHNICIAN_COLORS[index % len(TECHNICIAN_COLORS)]


def geodesic_circle(
    center: tuple[float, float], radius_km: float, *, n: int = 128
) -> list[tuple[float, float]]:
    """A circle of ``radius_km`` around ``center`` on the WGS84 ellipsoid, as (lat, lon)."""
    lat, lon = center
    az = [360.0 * i / n for i in range(n)]
    lons, lats, _back = _GEOD.fwd([lon] * n, [lat] * n, az, [radius_km * 1000.0] * n)
    ring = [(float(a), float(b)) for a, b in zip(lats, lons, strict=True)]
    ring.append(ring[0])
    return ring


def _latlon(point: GeoPoint | Sequence[float]) -> tuple[float, float]:
    if hasattr(point, "lat"):  # a GeoPoint, or any object with lat/lon
        p = cast("GeoPoint", point)
        return (float(p.lat), float(p.lon))
    lat, lon = point
    return (float(lat), float(lon))


def _base_map(
    region: Region | None,
    *,
    center: tuple[float, float] | None,
    zoom: int,
    tile_url: str,
    base_url: str,
    core_only: bool,
    height: str | int,
) -> folium.Map:
    if center is None and region is not None:
        center = _latlon(region.shop)
    m = offline_map(
        location=center, zoom_start=zoom, base_url=base_url, core_only=core_only, height=height
    )
    add_basemap(m, region, tile_url=tile_url)
    if not tile_url:  # online tiles carry their own names
        add_street_labels(m, region)
    return m


class DivMarker(folium.Marker):
    """A marker created with its ``L.divIcon`` from the start.

    Folium's ``Marker(icon=DivIcon(...))`` first adds a marker with Leaflet's default image
    icon and swaps the icon afterwards (and only when the map is rendered as a page, not in
    ``st_folium``): the browser then fetches the default icon images for nothing.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.marker(
                {{ this.location|tojson }},
                {icon: L.divIcon({{ this.icon_options|tojson }})}
            ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        location: tuple[float, float],
        *,
        icon_options: dict[str, Any],
        popup: folium.Popup | None = None,
        tooltip: folium.Tooltip | None = None,
    ) -> None:
        super().__init__(location=list(location), popup=popup, tooltip=tooltip)
        self.icon_options = icon_options


def _div_marker(
    location: tuple[float, float],
    *,
    label: str,
    color: str,
    size: int = 26,
    css_class: str,
    tooltip: str | None = None,
    popup: str | None = None,
    square: bool = False,
) -> DivMarker:
    radius = "5px" if square else "50%"
    html_icon = (
        f'<div class="{css_class}" style="width:{size}px;height:{size}px;line-height:{size - 4}px;'
        f"border-radius:{radius};background:{color};color:#fff;border:2px solid #fff;"
        "box-shadow:0 1px 4px rgba(0,0,0,.45);text-align:center;font:bold 12px/1 sans-serif;"
        f'display:flex;align-items:center;justify-content:center">{label}</div>'
    )
    return DivMarker(
        location,
        icon_options={
            "html": html_icon,
            "iconSize": [size, size],
            "iconAnchor": [size // 2, size // 2],
            "className": f"{css_class}-icon",
        },
        tooltip=folium.Tooltip(tooltip) if tooltip else None,
        popup=folium.Popup(popup, max_width=320) if popup else None,
    )


def shop_marker(shop: GeoPoint | Sequence[float], *, name: str | None = None) -> DivMarker:
    """The shop (départ et retour des techniciens); ``name`` defaults to "Atelier"."""
    name = name or _("Shop")
    return _div_marker(
        _latlon(shop),
        label="&#8962;",
        color=SHOP_COLOR,
        size=30,
        css_class="opms-shop",
        tooltip=esc(name),
        popup=f"<b>{esc(name)}</b><br>" + esc(_("Starting and return point")),
        square=True,
    )


def _zone_circles(
    m: folium.Map | folium.FeatureGroup,
    shop: tuple[float, float],
    *,
    core_km: float,
    extended_km: float,
) -> None:
    folium.Polygon(
        geodesic_circle(shop, extended_km),
        color=ZONE_COLORS["extended"],
        weight=2,
        fill=True,
        fill_opacity=0.06,
        dash_array="6 4",
        smooth_factor=0.2,
        tooltip=_("{zone}: up to {km:g} km (as the crow flies)").format(
            zone=zone_label("extended"), km=extended_km
        ),
        class_name="opms-zone-extended",
    ).add_to(m)
    folium.Polygon(
        geodesic_circle(shop, core_km),
        color=ZONE_COLORS["core"],
        weight=2,
        fill=True,
        fill_opacity=0.08,
        smooth_factor=0.2,
        tooltip=_("{zone}: up to {km:g} km (as the crow flies)").format(zone=zone_label("core"), km=core_km),
        class_name="opms-zone-core",
    ).add_to(m)


def _geojson_area(
    m: folium.Map | folium.FeatureGroup, data: dict[str, Any], *, color: str, label: str
) -> None:
    folium.GeoJson(
        data,
        style_function=lambda _f: {
            "color": color,
            "weight": 1,
            "opacity": 0.6,
            "fillOpacity": 0.12,
            "fillColor": color,
        },
        tooltip=label,
        name=label,
    ).add_to(m)


def service_area_map(
    region: Region,
    *,
    shop: GeoPoint | Sequence[float] | None = None,
    core_km: float,
    extended_km: float,
    area: dict[str, Any] | None = None,
    shop_name: str | None = None,
    tile_url: str = "",
    base_url: str = DASHBOARD_BASE_URL,
    core_only: bool = True,
    height: str | int = "100%",
) -> folium.Map:
    """The service area: shop, core and extended circles, custom polygon, road-distance area.

    Parameters
    ----------
    region
        The loaded region (its roads are the basemap; its shop is used by default).
    shop
        The shop position (default ``region.shop``).
    core_km, extended_km
        Radii of the zones (geodesic circles, as published to customers).
    area
        Optional GeoJSON FeatureCollection of the service area, as made by
        :func:`dispatch.geo.service_area_geojson.service_area_geojson`: its features whose ``zone`` is
        ``road`` (reachable by road within the extended radius) or ``custom*`` (custom
        polygon) are drawn; the circles are drawn from the radii.
    shop_name, tile_url, base_url, core_only, height
        Display options (see :func:`maps.assets.offline_map`; the shop's name defaults to
        "Atelier").

    Returns
    -------
    folium.Map
    """
    center = _latlon(shop if shop is not None else region.shop)
    m = _base_map(
        region,
        center=center,
        zoom=11,
        tile_url=tile_url,
        base_url=base_url,
        core_only=core_only,
        height=height,
    )
    zones = folium.FeatureGroup(name=_("Service zones"))
    zones.add_to(m)
    _zone_circles(zones, center, core_km=core_km, extended_km=extended_km)
    for feature in (area or {}).get("features", []):
        zone = str(feature.get("properties", {}).get("zone", ""))
        if zone == "road":
            _geojson_area(
                m, feature, color="#6a1b9a",
                label=_("Roads {km:g} km or less away by road").format(km=extended_km),
            )
        elif zone.startswith("custom"):
            _geojson_area(m, feature, color="#00695c", label=_("Territory served"))
    shop_marker(center, name=shop_name).add_to(m)
    ring = geodesic_circle(center, extended_km, n=32)
    m.fit_bounds(_bounds(ring))
    return m


def coverage_map(
    region: Region,
    *,
    point: GeoPoint | Sequence[float],
    zone: str,
    label: str,
    core_km: float,
    extended_km: float,
    path: Sequence[tuple[float, float]] | None = None,
    details: Sequence[str] = (),
    tile_url: str = "",
    base_url: str = DASHBOARD_BASE_URL,
    height: str | int = "100%",
    radius_m: float | None = None,
) -> folium.Map:
    """A coverage result: the address, its zone, the road path from the shop and the
    position's error radius.

    Parameters
    ----------
    region
        The loaded region.
    point
        The address position (GeoPoint or (lat, lon)).
    zone
        ``core``, ``extended`` or ``outside``.
    label
        The address as understood (customer text: escaped here).
    core_km, extended_km
        Zone radii.
    path
        Road path from the shop to the address, as (lat, lon) pairs.
    details
        Lines shown in the popup (escaped).
    tile_url, base_url, height
        Display options.
    radius_m
        The geocode's error radius (metres): drawn as a dashed circle around the address.

    Returns
    -------
    folium.Map
    """
    shop = _latlon(region.shop)
    target = _latlon(point)
    m = _base_map(
        region,
        center=target,
        zoom=12,
        tile_url=tile_url,
        base_url=base_url,
        core_only=True,
        height=height,
    )
    _zone_circles(m, shop, core_km=core_km, extended_km=extended_km)
    if path:
        folium.PolyLine(  # type: ignore[no-untyped-call]  # folium's PolyLine is unannotated
            [list(p) for p in path],
            color=SHOP_COLOR,
            weight=5,
            opacity=0.85,
            tooltip=_("Path by road from the shop"),
            class_name="opms-path",
        ).add_to(m)
    if radius_m is not None and radius_m > 0:
        folium.Polygon(
            geodesic_circle(target, radius_m / 1000.0),
            color="#444",
            weight=1.5,
            fill=True,
            fill_opacity=0.08,
            dash_array="4 4",
            tooltip=_("Position known within about {radius} m").format(radius=f"{radius_m:.0f}"),
            class_name="opms-radius",
        ).add_to(m)
    shop_marker(shop).add_to(m)
    zone_name = zone_label(zone)
    popup = f"<b>{esc(label)}</b><br>{esc(zone_name)}" + "".join(
        f"<br>{esc(line)}" for line in details
    )
    _div_marker(
        target,
        label="&#9679;",
        color=ZONE_COLORS.get(zone, "#555"),
        size=26,
        css_class="opms-address",
        tooltip=f"{esc(label)} — {esc(zone_name)}",
        popup=popup,
    ).add_to(m)
    pts = [shop, target, *(path or [])]
    m.fit_bounds(_bounds(pts), padding=(30, 30))
    return m


@dataclass(frozen=True)
class StopView:
    """One visit as drawn on a map (all text is escaped when drawn)."""

    lat: float
    lon: float
    title: str
    eta: str = ""
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteView:
    """One technician's day as drawn: ordered stops and the road path through them."""

    technician: str
    stops: tuple[StopView, ...]
    path: tuple[tuple[float, float], ...] = ()
    color: str = ""
    summary: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PositionView:
    """A technician's last shared position as drawn: their colour and the time of the fix."""

    lat: float
    lon: float
    technician: str
    time: str
    color: str = "#616161"
    late: str = ""


def position_marker(view: PositionView) -> DivMarker:
    """The marker of a technician's live position (a dot of their colour, the time in the tooltip)."""
    tip = _("{name} at {time}").format(name=view.technician, time=view.time)
    if view.late:
        tip += " — " + view.late
    return _div_marker(
        (view.lat, view.lon), label="&#9679;", color=view.color, size=22, css_class="opms-position",
        tooltip=esc(tip), popup="<b>" + esc(tip) + "</b>",
    )


def _stop_popup(index: int, stop: StopView, technician: str) -> str:
    head = f"<b>{index}. {esc(stop.title)}</b>"
    eta = "<br>" + _("Expected arrival: <b>{eta}</b>").format(eta=esc(stop.eta)) if stop.eta else ""
    tech = "<br>" + _("Technician: {name}").format(name=esc(technician))
    rest = "".join(f"<br>{esc(line)}" for line in stop.lines)
    return head + eta + tech + rest


def _add_route(m: folium.Map, route: RouteView, color: str) -> list[tuple[float, float]]:
    group = folium.FeatureGroup(name=esc(route.technician)).add_to(m)
    pts: list[tuple[float, float]] = []
    if route.path:
        folium.PolyLine(  # type: ignore[no-untyped-call]  # folium's PolyLine is unannotated
            [list(p) for p in route.path],
            color=color,
            weight=5,
            opacity=0.85,
            tooltip=esc(route.technician + (f" — {route.summary}" if route.summary else "")),
            class_name="opms-route",
        ).add_to(group)
        pts.extend(route.path)
    for i, stop in enumerate(route.stops, start=1):
        tip = f"{i}. {esc(stop.eta)} — {esc(stop.title)}" if stop.eta else f"{i}. {esc(stop.title)}"
        _div_marker(
            (stop.lat, stop.lon),
            label=str(i),
            color=color,
            css_class="opms-stop",
            tooltip=tip,
            popup=_stop_popup(i, stop, route.technician),
        ).add_to(group)
        pts.append((stop.lat, stop.lon))
    return pts


def day_plan_map(
    region: Region,
    routes: Sequence[RouteView],
    *,
    unassigned: Iterable[StopView] = (),
    positions: Iterable[PositionView] = (),
    tile_url: str = "",
    base_url: str = DASHBOARD_BASE_URL,
    height: str | int = "100%",
) -> folium.Map:
    """The day plan: one colour per technician, road paths, numbered stops, unassigned visits.

    Parameters
    ----------
    region
        The loaded region.
    routes
        One :class:`RouteView` per technician (colour defaults to :func:`technician_color`).
    unassigned
        Visits no technician could take (drawn as grey "!" markers; put the reason in
        ``lines``).
    positions
        The technicians' last shared positions (:func:`position_marker`).
    tile_url, base_url, height
        Display options.

    Returns
    -------
    folium.Map
    """
    shop = _latlon(region.shop)
    m = _base_map(
        region, center=shop, zoom=12, tile_url=tile_url, base_url=base_url, core_only=True,
        height=height,
    )
    pts: list[tuple[float, float]] = [shop]
    for i, route in enumerate(routes):
        pts += _add_route(m, route, route.color or technician_color(i))
    left = list(unassigned)
    if left:
        group = folium.FeatureGroup(name=_("Unassigned")).add_to(m)
        for stop in left:
            popup = "<b>" + esc(_("Unassigned: {title}").format(title=stop.title)) + "</b>" + "".join(
                f"<br>{esc(line)}" for line in stop.lines
            )
            _div_marker(
                (stop.lat, stop.lon),
                label="!",
                color="#616161",
                css_class="opms-unassigned",
                tooltip=esc(_("Unassigned: {title}").format(title=stop.title)),
                popup=popup,
                square=True,
            ).add_to(group)
            pts.append((stop.lat, stop.lon))
    for view in positions:
        position_marker(view).add_to(m)
        pts.append((view.lat, view.lon))
    shop_marker(shop).add_to(m)
    if len(pts) > 1:
        m.fit_bounds(_bounds(pts), padding=(20, 20))
    return m


def technician_route_map(
    region: Region,
    route: RouteView,
    *,
    tile_url: str = "",
    base_url: str = DASHBOARD_BASE_URL,
    height: str | int = "100%",
) -> folium.Map:
    """One technician's route for the day (the technician's phone page)."""
    shop = _latlon(region.shop)
    m = _base_map(
        region, center=shop, zoom=12, tile_url=tile_url, base_url=base_url, core_only=True,
        height=height,
    )
    pts = [shop, *_add_route(m, route, route.color or technician_color(0))]
    shop_marker(shop).add_to(m)
    if len(pts) > 1:
        m.fit_bounds(_bounds(pts), padding=(20, 20))
    return m


def _bounds(points: Iterable[tuple[float, float]]) -> list[list[float]]:
    pts = [(float(a), float(b)) for a, b in points if math.isfinite(a) and math.isfinite(b)]
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


__all__ = [
    "TECHNICIAN_COLORS",
    "ZONE_COLORS",
    "ZONE_LABELS",
    "PositionView",
    "RouteView",
    "StopView",
    "coverage_map",
    "day_plan_map",
    "esc",
    "geodesic_circle",
    "position_marker",
    "service_area_map",
    "shop_marker",
    "technician_color",
    "technician_route_map",
    "zone_label",
]
