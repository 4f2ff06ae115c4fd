"""``opms-dispatch report``: the owner's reports of a period (days in Montréal time, included).

    opms-dispatch report taxes --from 2026-10-01 --to 2026-12-31 --json     # GST/QST to declare
    opms-dispatch report export --from 2026-10-01 --to 2026-12-31 --out journal.csv
    opms-dispatch report summary --from 2026-12-01 --to 2026-12-31 --json   # every figure

``taxes``: GST and QST billed in the period (invoices minus credit notes issued in it), with
the documents that make them up; an empty period gives zeros and a French notice, exit 0.
``export``: the sales journal CSV (layout in :mod:`dispatch.reports.journal`), whose totals
equal the tax report's; the file holds customers' names and is created readable by its owner
only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dispatch.cli.commands._db import database, parse_day
from dispatch.cli.streams import stderr

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.reports import Period
    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("report", parents=[common], help="reports of a period: taxes, accounting export")
    sub = p.add_subparsers(dest="report_command", metavar="ACTION")

    def period_options(parser: ArgumentParser) -> None:
        parser.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD",
                            help="first day of the period (included)")
        parser.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD",
                            help="last day of the period (included)")

    t = sub.add_parser("taxes", parents=[common], help="GST and QST billed in the period")
    period_options(t)
    t.set_defaults(func=_taxes)

    e = sub.add_parser("export", parents=[common], help="accounting export (sales journal CSV)")
    period_options(e)
    e.add_argument("--out", required=True, metavar="FILE.csv")
    e.set_defaults(func=_export)

    s = sub.add_parser("summary", parents=[common], help="every figure of the period")
    period_options(s)
    s.set_defaults(func=_summary)

    def _help(args: Namespace, settings: Settings) -> int:
        p.print_help(stderr())
        return 2

    p.set_defaults(func=_help)


def _period(args: Namespace) -> Period:
    # lazy: keeps `opms-dispatch --help` fast
    from dispatch.reports import Period

    return Period(parse_day(args.first), parse_day(args.last))


def _taxes(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (the reports read the billing ledger)
    from dispatch.office.reporting import taxes_of

    period = _period(args)
    with database(settings) as db:
        return taxes_of(db, period).to_dict()


def _export(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (the reports read the billing ledger)
    from dispatch.files import private_file
    from dispatch.office.reporting import journal_of

    period = _period(args)
    with database(settings) as db:
        text, totals, lines = journal_of(db, period)
    out = Path(args.out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    private_file(out)  # customers' names: 0600 before any byte
    out.write_text(text, encoding="utf-8")
    return {
        "path": str(out),
        "period": period.to_dict(),
        "lines": lines,
        "subtotal": str(totals.subtotal),
        "gst": str(totals.gst),
        "qst": str(totals.qst),
        "total": str(totals.total),
        "paid": str(totals.paid),
    }


def _summary(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (the reports read the billing ledger)
    from dispatch.office.reporting import owner_report

    period = _period(args)
    with database(settings) as db:
        return owner_report(db, period).to_dict()
