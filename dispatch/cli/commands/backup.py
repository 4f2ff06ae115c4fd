"""``opms-dispatch backup`` and ``opms-dispatch restore``: copies of the product database.

    opms-dispatch backup [--out FILE] --json
    opms-dispatch restore FILE --yes --json

SQLite: consistent online copy (the dashboard may keep working), integrity-checked. PostgreSQL:
``pg_dump -Fc`` / ``pg_restore --clean --if-exists`` (client tools on PATH or in
/usr/lib/postgresql/*/bin). Restore replaces the whole database: stop the dashboard first.

Law 25: ``backup`` deletes the files of ``<data_dir>/backups`` older than ``backup.keep_days``
(30); ``restore`` erases again every customer of the erasure journal before it returns
(``reerased_customers`` in its JSON), so a backup never brings an erased person back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    b = subparsers.add_parser("backup", parents=[common], help="copy the database to a backup file")
    b.add_argument("--out", metavar="FILE", help="backup file (default <data-dir>/backups/opms-<time>.*)")
    b.set_defaults(func=_backup)

    r = subparsers.add_parser("restore", parents=[common], help="replace the database by a backup file")
    r.add_argument("file", metavar="FILE", help="a file made by `opms-dispatch backup`")
    r.add_argument("--yes", action="store_true", help="confirm: the current data is replaced")
    r.set_defaults(func=_restore)


def _backup(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.records.backup imports in 0.26 s)
    from dispatch.records.backup import backup_database

    return backup_database(settings=settings, out=args.out).to_dict()


def _restore(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.records.backup imports in 0.26 s)
    from dispatch.records.backup import restore_database

    if not args.yes:
        msg = N_(
            "Restoring replaces every record of the database by the backup's: stop the "
            "dashboard, then add --yes to confirm."
        )
        raise InvalidInput(msg)
    return restore_database(args.file, settings=settings).to_dict()
