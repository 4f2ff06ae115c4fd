"""``opms-dispatch region build|show|list``: build and inspect region bundles."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from dispatch.cli.streams import say, stderr
from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("region", parents=[common], help="build and inspect regions")
    sub = p.add_subparsers(dest="region_command", metavar="ACTION")

    b = sub.add_parser(
        "build",
        parents=[common],
        help="build a region from an OSM file (.osm, .osm.bz2, .osm.pbf) or 'download'",
    )
    b.add_argument("source", help="OSM file path, or 'download' (OpenStreetMap via Overpass)")
    b.add_argument("--name", required=True, help="region name (letters, digits, - and _)")
    shop = b.add_mutually_exclusive_group(required=True)
    shop.add_argument("--shop-latlon", metavar="LAT,LON", help="shop coordinates")
    shop.add_argument("--shop", metavar="ADDRESS", help="shop address (geocoded in the region)")
    b.add_argument("--core-km", type=float, default=None, help="core zone radius (default 10)")
    b.add_argument("--extended-km", type=float, default=None, help="extended radius (default 15)")
    b.add_argument("--force", action="store_true", help="rebuild even if the cache is current")
    b.set_defaults(func=_build)

    s = sub.add_parser("show", parents=[common], help="summary of a built region")
    s.add_argument("name")
    s.set_defaults(func=_show)

    ls = sub.add_parser("list", parents=[common], help="list built regions")
    ls.set_defaults(func=_list)
    p.set_defaults(func=_help(p))


def _help(parser: ArgumentParser) -> Callable[[Namespace, Settings], int]:
    def run(args: Namespace, settings: Settings) -> int:
        parser.print_help(stderr())
        return 2

    return run


def _progress(args: Namespace) -> Callable[[str, float | None], None] | None:
    if args.quiet:
        return None
    start = time.perf_counter()

    def progress(stage: str, fraction: float | None) -> None:
        pct = "" if fraction is None else f" {fraction * 100:3.0f}%"
        say(f"[{time.perf_counter() - start:6.1f}s]{pct} {stage}")

    return progress


def _build(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.geo.region imports in 0.06 s)
    from dispatch.geo.point import GeoPoint
    from dispatch.geo.region import build_region

    shop = GeoPoint.parse(args.shop_latlon) if args.shop_latlon else None
    if args.shop is not None and not args.shop.strip():
        msg = N_("--shop needs an address (or use --shop-latlon LAT,LON).")
        raise InvalidInput(msg)
    region = build_region(
        args.source,
        name=args.name,
        shop=shop,
        shop_address=args.shop,
        core_km=args.core_km,
        extended_km=args.extended_km,
        settings=settings,
        progress=_progress(args),
        force=args.force,
    )
    out = region.summary()
    out["seconds"] = region.meta.get("seconds")
    out["cached"] = region.meta.get("cached", False)
    return out


def _show(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.geo.region imports in 0.06 s)
    from dispatch.geo.region import load_region

    return load_region(args.name, settings=settings, progress=_progress(args)).summary()


def _list(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.geo.region imports in 0.06 s)
    from dispatch.geo.region import list_regions

    return {"regions": list_regions(settings=settings)}
