"""``opms-dispatch area [--region NAME] [--html FILE] [--geojson FILE]``: export the service area.

``--html`` writes the service-area map as one self-contained HTML file (Leaflet and the
region's roads inlined: it opens with no network), for the website's "Voir en plein écran"
link; ``--geojson`` writes the area (shop, zones, custom polygon, road-distance area). With
neither, the GeoJSON is the command's JSON output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("area", parents=[common], help="export the service-area map (HTML) and GeoJSON")
    p.add_argument("--region", default=None, help="region name (default: the only/default one)")
    p.add_argument("--html", metavar="FILE", help="write the self-contained HTML map here")
    p.add_argument("--geojson", metavar="FILE", help="write the GeoJSON of the area here")
    p.set_defaults(func=run)


def run(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: maps.export imports in 0.56 s, dispatch.office.planning 0.14 s)
    from dispatch.geo.region import load_region
    from dispatch.office.planning import default_region_name
    from maps import export

    region = load_region(default_region_name(settings, args.region), settings=settings)
    if not args.html and not args.geojson:
        return export.service_area_geojson(region, settings=settings)
    written = export.write_service_area(
        region, settings=settings, html_path=args.html, geojson_path=args.geojson
    )
    return {"region": region.name, **written}
