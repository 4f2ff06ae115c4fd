"""Standalone exports of the service area: one self-contained HTML file, and GeoJSON.

The HTML file is what the company's website links to as "Voir en plein écran": Leaflet,
jQuery and the styles are inlined, the basemap is the region's roads, so the file opens
from anywhere (a web server, a USB key, the disk) and makes no request at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dispatch.geo.service_area_geojson import service_area_geojson as compute
from dispatch.i18n import _, active_language
from maps.assets import OSM_ATTRIBUTION, inline_assets
from maps.builders import esc, service_area_map

if TYPE_CHECKING:
    from dispatch.geo import Region
    from dispatch.settings import Settings


def _radii(region: Region, settings: Settings) -> tuple[float, float]:
    core = getattr(region, "core_km", None) or settings.service_area.core_km
    ext = getattr(region, "extended_km", None) or settings.service_area.extended_km
    return float(core), float(ext)


def service_area_geojson(region: Region, *, settings: Settings, road: bool = True) -> dict[str, Any]:
    """The service area as GeoJSON (shop, zones, custom polygon, road-distance area).

    The domain computes it (:func:`dispatch.geo.service_area_geojson.service_area_geojson`); this adds
    the OpenStreetMap attribution the data requires.
    """
    data = dict(compute(region, settings=settings, road=road))
    props = dict(data.get("properties") or {})
    props.setdefault("region", getattr(region, "name", ""))
    props["attribution"] = OSM_ATTRIBUTION
    data["properties"] = props
    return data


def service_area_html(region: Region, *, settings: Settings, title: str | None = None) -> str:
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
        area=service_area_geojson(region, settings=settings),
        shop_name=settings.general.company_name,
        tile_url=settings.online.tile_url,
        core_only=True,
    )
    html = inline_assets(m)
    page_title = title or _("Territory served — {company}").format(company=settings.general.company_name)
    head = (
        '<meta charset="utf-8">'
        f"<title>{esc(page_title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>html,body{height:100%;margin:0}</style>"
    )
    html = html.replace("<head>", "<head>" + head, 1)
    lang = active_language().replace("_", "-")  # fr_CA -> fr-CA
    return html.replace("<html>", f'<html lang="{esc(lang)}">', 1)


def write_service_area(
    region: Region, *, settings: Settings, html_path: str | Path | None = None,
    geojson_path: str | Path | None = None,
) -> dict[str, str]:
    """Write the HTML and/or GeoJSON exports; returns the paths written."""
    out: dict[str, str] = {}
    if html_path:
        Path(html_path).write_text(service_area_html(region, settings=settings), encoding="utf-8")
        out["html"] = str(html_path)
    if geojson_path:
        Path(geojson_path).write_text(
            json.dumps(service_area_geojson(region, settings=settings), ensure_ascii=False),
            encoding="utf-8",
        )
        out["geojson"] = str(geojson_path)
    return out


__all__ = ["service_area_geojson", "service_area_html", "write_service_area"]
