"""The service area as GeoJSON: the shop, the zone circles, the custom polygon and the area of
the roads reachable within the extended radius (for maps and the dashboard).
"""

from __future__ import annotations

import json
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from dispatch.geo.geodesy import LocalPlane, decimal_text, geodesic_ring
from dispatch.geo.service_area import origin_label
from dispatch.geo.service_zones import load_custom_polygon
from dispatch.i18n import N_, _

if TYPE_CHECKING:
    from dispatch.geo.built_region import Region
    from dispatch.settings import Settings


_ROAD_AREA: weakref.WeakKeyDictionary[Region, dict[float, dict[str, Any] | None]] = weakref.WeakKeyDictionary()


def road_area(region: Region, *, limit_km: float | None = None, buffer_m: float = 120.0) -> dict[str, Any] | None:
    """GeoJSON geometry of the roads reachable from the shop within ``limit_km`` by road
    (default: the extended radius), buffered by ``buffer_m`` into a polygon; ``None`` when no
    road is reachable. Cached per region."""

    limit = float(region.extended_km if limit_km is None else limit_km)
    cache = _ROAD_AREA.setdefault(region, {})
    if limit in cache:
        return cache[limit]
    lines = region.road_lines(simplify_m=10.0)
    if not lines:
        cache[limit] = None
        return None
    sizes = [len(c) for c, *_ in lines]
    allc = np.concatenate([np.asarray(c, dtype=float) for c, *_ in lines])
    _, dist = region.drive_from_shop().at(allc[:, 0], allc[:, 1])
    ok = np.asarray(dist, dtype=float) <= limit * 1000.0
    plane = LocalPlane(region.shop.lat, region.shop.lon)
    x, y = plane.fwd(allc[:, 0], allc[:, 1])
    runs = []  # maximal runs of consecutive reachable vertices, one polyline each
    start = 0
    for k in sizes:
        run: list[tuple[float, float]] = []
        for j in range(start, start + k):
            if ok[j]:
                run.append((x[j], y[j]))
            else:
                if len(run) >= 2:
                    runs.append(run)
                run = []
        if len(run) >= 2:
            runs.append(run)
        start += k
    if not runs:
        cache[limit] = None
        return None
    geom = shapely.union_all(shapely.buffer([shapely.LineString(r) for r in runs], buffer_m, quad_segs=2))
    geom = shapely.simplify(geom, 20.0)

    def back(g: shapely.Geometry) -> shapely.Geometry:
        xy = shapely.get_coordinates(g)
        lat, lon = plane.inv(xy[:, 0], xy[:, 1])
        return shapely.set_coordinates(g, np.column_stack([lon, lat]))

    mapped = shapely.geometry.mapping(shapely.set_precision(back(geom), 1e-6))
    out: dict[str, Any] = json.loads(json.dumps(mapped))  # tuples -> lists
    cache[limit] = out
    return out


def service_area_geojson(region: Region, *, settings: Settings, road: bool = True) -> dict[str, Any]:
    """The service area as a GeoJSON FeatureCollection.

    Features (property ``zone``): the shop (Point), ``core`` and ``extended`` circles as
    geodesic polygons, the custom polygon(s) if set (``custom``), and the area of the roads
    reachable within the extended radius by road (``road``).
    """
    feats: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "properties": {"zone": "shop", "label": origin_label(settings, region)},
            "geometry": {"type": "Point", "coordinates": [region.shop.lon, region.shop.lat]},
        }
    ]
    for zone, km, label in (
        ("core", region.core_km, N_("Core zone: up to {km} km as the crow flies")),
        ("extended", region.extended_km, N_("Extended zone: up to {km} km as the crow flies")),
    ):
        feats.append(
            {
                "type": "Feature",
                "properties": {"zone": zone, "radius_km": km, "label": _(label).format(km=decimal_text(km, "g"))},
                "geometry": {"type": "Polygon", "coordinates": [geodesic_ring(region.shop, km)]},
            }
        )
    custom = load_custom_polygon(settings)
    if custom is not None:
        for part, g in (("custom", custom.served), ("custom-core", custom.core), ("custom-extended", custom.extended)):
            if g is not None:
                feats.append(
                    {
                        "type": "Feature",
                        "properties": {"zone": part, "label": _("Served territory (custom)")},
                        "geometry": json.loads(json.dumps(shapely.geometry.mapping(g))),
                    }
                )
    if road:
        geom = road_area(region)
        if geom is not None:
            feats.append(
                {
                    "type": "Feature",
                    "properties": {
                        "zone": "road",
                        "limit_km": region.extended_km,
                        "label": _("Roads {km} km or less away by road").format(
                            km=decimal_text(region.extended_km, "g")
                        ),
                    },
                    "geometry": geom,
                }
            )
    return {"type": "FeatureCollection", "features": feats}


__all__ = ["road_area", "service_area_geojson"]
