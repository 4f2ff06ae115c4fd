"""``opms-dispatch geocode``: place an address (or a CSV file of them) in a region.

One address::

    opms-dispatch geocode "123 rue Principale, Mascouche" --region mascouche --json

prints ``lat``, ``lon``, ``radius_m`` (the error radius in metres: the true place lies within
it for about 95 % of answers), ``precision`` (``exact`` | ``interpolated`` | ``approximate`` |
``street``), ``matched``, ``source`` (+ ``suggestions``, ``notice``, ``warnings``). Exit codes: 2 when the
text is not an address (empty, too long, PO box, postal code alone...), 3 when it cannot be
placed (precision ``none``: unknown street, another province, wrong city); the message then
lists suggestions.

A CSV file::

    opms-dispatch geocode --csv IN.csv --out OUT.csv --region mascouche

IN needs a column ``address`` (other columns are kept); OUT adds ``lat``, ``lon``,
``radius_m``, ``precision``, ``matched``, ``source`` and ``notice`` (why a row was not placed). Rows that
cannot be placed get precision ``none``: the batch itself exits 0. A progress bar is shown
on stderr unless ``--quiet``.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING

from dispatch.cli.streams import stderr
from dispatch.errors import InvalidInput
from dispatch.i18n import N_, _

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.geo.built_region import Region
    from dispatch.settings import Settings

OUT_COLUMNS = ("lat", "lon", "radius_m", "precision", "matched", "source", "notice")


def add_region_argument(p: ArgumentParser) -> None:
    p.add_argument(
        "--region", metavar="NAME",
        help="region to search (default: settings general.default_region, or the only built region)",
    )


def resolve_region(args: Namespace, settings: Settings) -> Region:
    """Load the region named by ``--region``, the settings' default, or the only one built."""
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.geo.region imports in 0.06 s)
    from dispatch.geo.region import list_regions, load_region

    name = getattr(args, "region", None) or settings.general.default_region
    if not name:
        built: list[str] = [r["name"] for r in list_regions(settings=settings)]
        if len(built) == 1:
            name = built[0]
        else:
            if built:
                msg = N_("Give --region NAME (or set general.default_region in the settings). Built regions: {built}.")
                raise InvalidInput(msg, built=", ".join(built))
            msg = N_("Give --region NAME (or set general.default_region in the settings). No region is built yet.")
            raise InvalidInput(msg)
    return load_region(name, settings=settings)


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser(
        "geocode", parents=[common], help="place an address (offline by default) or a CSV of addresses",
        description=__doc__.split("\n\n")[0].split(": ", 1)[-1].capitalize(),
    )
    p.add_argument("address", nargs="?", help="the address, as customers write it")
    add_region_argument(p)
    p.add_argument("--csv", metavar="IN", help="CSV file with a column 'address'")
    p.add_argument("--out", metavar="OUT", help="CSV file to write (with --csv)")
    p.set_defaults(func=run)


def check_csv_out(args: Namespace) -> None:
    """``--csv IN`` and ``--out OUT`` go together (the batch mode of geocode and coverage)."""
    if args.csv and not args.out:
        msg = N_("--csv needs --out OUT.csv (the file to write).")
        raise InvalidInput(msg)
    if args.out and not args.csv:
        msg = N_("--out goes with --csv IN.csv.")
        raise InvalidInput(msg)


def _check_args(args: Namespace) -> None:
    if args.csv and args.address is not None:
        msg = N_("Give either one ADDRESS or --csv IN --out OUT, not both.")
        raise InvalidInput(msg)
    check_csv_out(args)
    if not args.csv and args.address is None:
        msg = N_('Give an ADDRESS (e.g. "123 rue Principale, Mascouche") or --csv IN --out OUT.')
        raise InvalidInput(msg)


def run(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.geo.geocode imports in 0.13 s)
    from dispatch.geo.geocode import geocode, require

    _check_args(args)
    region = resolve_region(args, settings)
    if args.csv:
        return run_batch(args, settings, region)
    result = require(geocode(region, args.address, settings=settings))
    return result.to_dict()


def run_batch(args: Namespace, settings: Settings, region: Region) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.geo.geocode imports in 0.13 s)
    from dispatch.geo.geocode import geocode_many
    from dispatch.geo.geocode_csv import ProgressBar, read_csv_rows, write_csv_rows
    from dispatch.geo.geocode_result import PRECISIONS

    started = time.perf_counter()
    fields, rows = read_csv_rows(args.csv, required=[("address",)])
    bar = ProgressBar(len(rows), label=_("Geocoding"), quiet=args.quiet, stream=stderr())
    results = geocode_many(region, (r.get("address", "") for r in rows), settings=settings, progress=bar)
    out_fields = list(fields) + [c for c in OUT_COLUMNS if c not in fields]
    for row, res in zip(rows, results, strict=True):
        row.update(
            lat="" if res.lat is None else f"{res.lat:.7f}",
            lon="" if res.lon is None else f"{res.lon:.7f}",
            radius_m="" if res.radius_m is None or not res.found else f"{res.radius_m:.0f}",
            precision=res.precision,
            matched=res.matched,
            source=res.source,
            notice=res.notice,
        )
    write_csv_rows(args.out, out_fields, rows)
    seconds = time.perf_counter() - started
    counts = Counter(r.precision for r in results)
    return {
        "rows": len(rows),
        "precision": {k: counts.get(k, 0) for k in PRECISIONS},
        "out": str(args.out),
        "seconds": round(seconds, 3),
        "per_second": round(len(rows) / seconds, 1) if seconds > 0 else None,
    }
