"""``opms-dispatch customer``: Law 25 requests (export, erasure) and the retention purge.

    opms-dispatch customer export ID [--out FILE.json] --json
    opms-dispatch customer erase ID --yes --json
    opms-dispatch customer purge [--dry-run] --json

Each is written to the audit log. ``purge`` uses the real date (the database's: its triggers
refuse to delete an invoice within retention) and also deletes backups older than
``backup.keep_days``; ``--dry-run`` lists all that first without deleting anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dispatch.cli.commands._db import actor, database
from dispatch.cli.streams import stderr
from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("customer", parents=[common], help="privacy (Law 25): export, erase, purge")
    sub = p.add_subparsers(dest="customer_command", metavar="ACTION")

    e = sub.add_parser("export", parents=[common], help="everything held about a customer (JSON)")
    e.add_argument("customer_id", type=int)
    e.add_argument("--out", metavar="FILE", help="write the export to FILE instead of stdout")
    e.add_argument("--actor")
    e.set_defaults(func=_export)

    r = sub.add_parser("erase", parents=[common], help="erase/anonymise a customer (invoices kept)")
    r.add_argument("customer_id", type=int)
    r.add_argument("--yes", action="store_true", help="confirm the erasure (cannot be undone)")
    r.add_argument("--actor")
    r.set_defaults(func=_erase)

    g = sub.add_parser("purge", parents=[common], help="delete what the retention period no longer requires")
    g.add_argument("--dry-run", action="store_true", help="list what would be deleted (JSON), delete nothing")
    g.add_argument("--actor")
    g.set_defaults(func=_purge)

    def _help(args: Namespace, settings: Settings) -> int:
        p.print_help(stderr())
        return 2

    p.set_defaults(func=_help)


def _export(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.privacy imports in 0.26 s)
    import json

    from dispatch.cli.main import dumps
    from dispatch.files import private_file
    from dispatch.office.privacy import export_customer

    with database(settings) as db:
        data = export_customer(db, args.customer_id, actor=actor(args), settings=settings)
    if args.out:
        out = private_file(Path(args.out).expanduser())  # personal data: 0600 before any byte
        out.write_text(json.dumps(json.loads(dumps(data)), ensure_ascii=False, indent=2), encoding="utf-8")
        return {"customer_id": args.customer_id, "path": str(out)}
    return data


def _erase(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.privacy imports in 0.26 s)
    from dispatch.office.privacy import erase_customer

    if not args.yes:
        msg = N_("Erasing a customer cannot be undone: add --yes to confirm.")
        raise InvalidInput(msg)
    with database(settings) as db:
        return erase_customer(db, args.customer_id, actor=actor(args), settings=settings).to_dict()


def _purge(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.privacy imports in 0.26 s)
    from dispatch.office.privacy import purge_expired

    with database(settings) as db:
        return purge_expired(db, actor=actor(args), settings=settings, dry_run=args.dry_run).to_dict()
