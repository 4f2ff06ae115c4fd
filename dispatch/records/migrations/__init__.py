"""Alembic migrations of the opms-dispatch database, run programmatically.

:func:`run_upgrade` is called by :func:`dispatch.records.database.open_database`: a fresh database is
built by these migrations and an older one is upgraded in place. Each upgrade runs in one
transaction that holds the database's write lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL
advisory lock), so two processes opening a fresh database at once do not race.

To write a new migration after changing :mod:`dispatch.records.schema`::

    .venv/bin/python -m dispatch.records.migrations revision -m "what changed"

which autogenerates ``versions/<rev>_<slug>.py`` against a scratch SQLite database at head;
review it, then commit it.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).resolve().parent
#: Key of the PostgreSQL advisory lock held while migrating.
PG_LOCK_KEY = 0x0F_D15_7A7C


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic configuration pointing at this package (no alembic.ini needed)."""
    # lazy, as every alembic import of this module: alembic adds ~0.15 s to
    # `import dispatch.records` (measured), and a database at its head never needs it
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    """The newest revision of the schema."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def run_upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Upgrade the database of ``engine`` to ``revision`` in one locked transaction."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as probe:
        current = MigrationContext.configure(probe).get_current_revision()
    if revision == "head" and current == head_revision():
        return
    with engine.execution_options(opms_write=True).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})")
        command.upgrade(alembic_config(conn), revision)


def _main(argv: list[str] | None = None) -> None:
    from alembic import command

    parser = argparse.ArgumentParser(prog="python -m dispatch.records.migrations")
    sub = parser.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision", help="autogenerate a migration from the schema")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--rev-id", default=None, help="revision id (default: random)")
    args = parser.parse_args(argv)
    if args.cmd == "revision":
        with tempfile.TemporaryDirectory() as tmp:
            engine = sa.create_engine(f"sqlite:///{tmp}/scratch.sqlite3")
            run_upgrade(engine)
            with engine.begin() as conn:
                command.revision(
                    alembic_config(conn), message=args.message, autogenerate=True, rev_id=args.rev_id
                )
            engine.dispose()


if __name__ == "__main__":  # pragma: no cover
    _main()
