"""Standalone exports of the service area: one self-contained HTML file, and GeoJSON.

The HTML file is what the company's website links to as "Voir en plein écran": Leaflet,
jQuery and the styles are inlined, the basemap is the region's roads, so the file opens
from anywhere (a web server, a USB key, the disk) and makes no request at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from maps.assets import OSM_ATTRIBUTION, inline_assets
from maps.builders import ZONE_LABELS, geodesic_circle, service_area_map


def _custom_polygon(settings: Any) -> dict[str, Any] | None:
    path = getattr(settings.service_area, "custom_polygon", "")
    if not path:
        return None
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = settings.data_dir / p
    if not p.is_file():
        return None
    return json.loads(p.read_text(encoding="utf-8"))


def _radii(region: Any, settings: Any) -> tuple[float, float]:
    core = getattr(region, "core_km", None) or settings.service_area.core_km
    ext = getattr(region, "extended_km", None) or settings.service_area.extended_km
    return float(core), float(ext)


def zones_geojson(region: Any, *, settings: Any) -> dict[str, Any]:
    """The service area as GeoJSON: the shop point, the core and extended zones.

    The zones are geodesic circles (128-sided polygons); a custom polygon from settings is
    added as a feature ``zone = "custom"``. Properties carry the French labels.
    """
    core_km, ext_km = _radii(region, settings)
    shop = (region.shop.lat, region.shop.lon)
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "properties": {"kind": "shop", "label": "Atelier"},
            "geometry": {"type": "Point", "coordinates": [shop[1], shop[0]]},
        }
    ]
    for zone, km in (("core", core_km), ("extended", ext_km)):
        ring = [[round(lon, 6), round(lat, 6)] for lat, lon in geodesic_circle(shop, km)]
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "zone", "zone": zone, "label": ZONE_LABELS[zone], "radius_km": km},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    custom = _custom_polygon(settings)
    if custom:
        geoms = custom.get("features", [custom]) if custom.get("type") == "FeatureCollection" else [custom]
        for g in geoms:
            geom = g.get("geometry", g)
            features.append(
                {
                    "type": "Feature",
                    "properties": {"kind": "zone", "zone": "custom", "label": "Territoire desservi"},
                    "geometry": geom,
                }
            )
    return {
        "type": "FeatureCollection",
        "properties": {"region": getattr(region, "name", ""), "attribution": OSM_ATTRIBUTION},
        "features": features,
    }


def service_area_html(region: Any, *, settings: Any, title: str | None = None) -> str:
    """The service-area map as one self-contained HTML document (no external request).

    Parameters
    ----------
    region
        The loaded region.
    settings
        Settings in force (zones, tile URL, company name).
    title
        Page title (default: "Territoire desservi — <company>").

    Returns
    -------
    str
        The HTML text.
    """
    core_km, ext_km = _radii(region, settings)
    m = service_area_map(
        region,
        core_km=core_km,
        extended_km=ext_km,
        custom_polygon=_custom_polygon(settings),
        shop_name=settings.general.company_name,
        tile_url=settings.online.tile_url,
        core_only=True,
    )
    html = inline_assets(m)
    page_title = title or f"Territoire desservi — {settings.general.company_name}"
    from maps.builders import esc

    head = (
        '<meta charset="utf-8">'
        f"<title>{esc(page_title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>html,body{height:100%;margin:0}</style>"
    )
    html = html.replace("<head>", "<head>" + head, 1)
    return html.replace("<html>", '<html lang="fr-CA">', 1)


def write_service_area(
    region: Any, *, settings: Any, html_path: str | Path | None = None,
    geojson_path: str | Path | None = None,
) -> dict[str, str]:
    """Write the HTML and/or GeoJSON exports; returns the paths written."""
    out: dict[str, str] = {}
    if html_path:
        Path(html_path).write_text(service_area_html(region, settings=settings), encoding="utf-8")
        out["html"] = str(html_path)
    if geojson_path:
        Path(geojson_path).write_text(
            json.dumps(zones_geojson(region, settings=settings), ensure_ascii=False),
            encoding="utf-8",
        )
        out["geojson"] = str(geojson_path)
    return out


__all__ = ["service_area_html", "write_service_area", "zones_geojson"]
