"""``opms-dispatch coverage``: is an address (or a point) served, how far, and at what travel fee.

One place::

    opms-dispatch coverage "123 rue Principale, Mascouche" --region mascouche --json
    opms-dispatch coverage --latlon 45.7460,-73.6010 --region mascouche --json

prints ``zone`` (``core`` | ``extended`` | ``outside``), ``straight_km``, ``road_km``,
``drive_min``, ``travel_fee`` (string, CAD; ``null`` when on quote), the geocode fields
(``precision``, ``matched``, ``source``, ``radius_m``) for an address, ``zone_uncertain``,
``zones`` (every zone within the error radius: more than one means "to be confirmed"),
``travel_fee_min``, ``travel_fee_max`` (the fee's range over the radius), and ``lat``, ``lon``,
``travel_fee_explanation``, ``on_quote``, ``notes``; for ``--latlon``, ``latlon_swapped``
(true, with a note, when the point read as LON,LAT would be within the region's extended
zone).

An address outside the service area is an answer, not an error: zone ``outside``, exit 0.
Exit 2: bad input (not an address, bad coordinates); exit 3: the address cannot be placed.

A CSV file::

    opms-dispatch coverage --csv IN.csv --out OUT.csv --region mascouche

IN has a column ``address``, or columns ``lat`` and ``lon``; OUT adds ``zone``,
``straight_km``, ``road_km``, ``drive_min``, ``travel_fee`` (and for addresses ``lat``,
``lon``, ``precision``, ``matched``, ``source``), plus ``notice`` for rows that could not be
checked (their zone is empty).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from typing import TYPE_CHECKING

from dispatch.cli.commands.geocode import add_region_argument, check_csv_out, resolve_region
from dispatch.cli.streams import stderr
from dispatch.errors import InvalidInput
from dispatch.i18n import N_, _

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.geo.built_region import Region
    from dispatch.geo.point import GeoPoint
    from dispatch.settings import Settings

COVERAGE_COLUMNS = ("zone", "straight_km", "road_km", "drive_min", "travel_fee")
GEOCODE_COLUMNS = ("lat", "lon", "radius_m", "precision", "matched", "source")


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser(
        "coverage", parents=[common], help="zone, distances and travel fee of an address or point",
        description=__doc__.split("\n\n")[0].split(": ", 1)[-1].capitalize(),
    )
    p.add_argument("address", nargs="?", help="the address, as customers write it")
    p.add_argument("--latlon", metavar="LAT,LON", help="a position instead of an address")
    add_region_argument(p)
    p.add_argument("--remote", action="store_true", help="remote support: no travel fee")
    p.add_argument("--csv", metavar="IN", help="CSV file with 'address' or 'lat','lon' columns")
    p.add_argument("--out", metavar="OUT", help="CSV file to write (with --csv)")
    p.set_defaults(func=run)


def _check_args(args: Namespace) -> None:
    given = [x for x in (args.address is not None, bool(args.latlon), bool(args.csv)) if x]
    if len(given) != 1:
        msg = N_("Give exactly one of: an ADDRESS, --latlon LAT,LON, or --csv IN --out OUT.")
        raise InvalidInput(msg)
    check_csv_out(args)


def run(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.geo.service_area imports in 0.13 s)
    from dispatch.geo.point import GeoPoint
    from dispatch.geo.service_area import check_address, check_point

    _check_args(args)
    if args.latlon:
        point = GeoPoint.parse(args.latlon)
        region = resolve_region(args, settings)
        answer = check_point(region, point, settings=settings, remote=args.remote).to_dict()
        return _swap_hint(answer, point, region)
    region = resolve_region(args, settings)
    if args.csv:
        return run_batch(args, settings, region)
    return check_address(region, args.address, settings=settings, remote=args.remote).to_dict()


def _swap_hint(answer: dict[str, object], point: GeoPoint, region: Region) -> dict[str, object]:
    """``answer`` plus ``latlon_swapped`` and, when the order looks swapped, a note saying so."""
    # lazy: keeps `opms-dispatch --help` fast (dispatch.geo imports numpy)
    from dispatch.geo.point import looks_swapped

    swapped = looks_swapped(point, region.shop, region.extended_km)
    answer["latlon_swapped"] = swapped
    if swapped:
        hint = _(
            "The coordinates look inverted: LAT,LON is expected (latitude first); "
            "{lat},{lon} would be within the service area of {region}."
        ).format(lat=f"{point.lon:g}", lon=f"{point.lat:g}", region=region.name)
        notes = answer.get("notes")
        answer["notes"] = [*(notes if isinstance(notes, (list, tuple)) else ()), hint]
    return answer


def _fmt(x: float | None, nd: int) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


def run_batch(args: Namespace, settings: Settings, region: Region) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: numpy 0.05 s, dispatch.geo.service_area 0.13 s)
    import numpy as np

    from dispatch.geo.geocode import geocode_many
    from dispatch.geo.geocode_csv import ProgressBar, read_csv_rows, write_csv_rows
    from dispatch.geo.point import GeoPoint
    from dispatch.geo.service_area import check_points

    started = time.perf_counter()
    fields, rows = read_csv_rows(args.csv, required=[("address",), ("lat", "lon")])
    by_address = "address" in fields
    n = len(rows)
    lats = np.full(n, np.nan)
    lons = np.full(n, np.nan)
    notices = [""] * n
    postcodes: list[str | None] = [None] * n
    extra = list(COVERAGE_COLUMNS) + (list(GEOCODE_COLUMNS) if by_address else []) + ["notice"]
    if by_address:
        bar = ProgressBar(n, label=_("Geocoding"), quiet=args.quiet, stream=stderr())
        results = geocode_many(region, (r.get("address", "") for r in rows), settings=settings, progress=bar)
        for i, (row, res) in enumerate(zip(rows, results, strict=True)):
            row.update(
                lat=_fmt(res.lat, 7), lon=_fmt(res.lon, 7), radius_m=_fmt(res.radius_m, 0), precision=res.precision,
                matched=res.matched, source=res.source,
            )
            if res.found:
                lats[i], lons[i] = res.lat, res.lon
                postcodes[i] = res.postcode or None
            else:
                notices[i] = res.notice or _("Address not found.")
    else:
        for i, row in enumerate(rows):
            try:
                p = GeoPoint.parse(f"{row.get('lat', '')},{row.get('lon', '')}")
            except InvalidInput as err:
                notices[i] = err.localized()
                continue
            lats[i], lons[i] = p.lat, p.lon
    ok = ~np.isnan(lats)
    batch = check_points(region, lats[ok], lons[ok], settings=settings, postcodes=[postcodes[i] for i in np.flatnonzero(ok)])
    zones: Counter[str] = Counter()
    for j, i in enumerate(np.flatnonzero(ok).tolist()):
        fee = batch.fee(j, remote=args.remote)
        zone = str(batch.zone[j])
        zones[zone] += 1
        rows[i].update(
            zone=zone,
            straight_km=_fmt(float(batch.straight_km[j]), 3),
            road_km=_fmt(float(batch.road_km[j]), 3),
            drive_min=_fmt(float(batch.drive_min[j]), 1),
            travel_fee="" if fee.amount is None else str(fee.amount),
        )
    for i in np.flatnonzero(~ok).tolist():
        rows[i].update({c: "" for c in COVERAGE_COLUMNS})
    for i, row in enumerate(rows):
        row["notice"] = notices[i]
    out_fields = list(fields) + [c for c in extra if c not in fields]
    write_csv_rows(args.out, out_fields, rows)
    seconds = time.perf_counter() - started
    return {
        "rows": n,
        "zones": {z: zones.get(z, 0) for z in ("core", "extended", "outside")},
        "not_checked": int((~ok).sum()),
        "out": str(args.out),
        "seconds": round(seconds, 3),
    }
