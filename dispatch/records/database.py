"""The open database: engine, sessions, transactions, retries and the migrations that build it.

* **Where**: ``settings.database_url``; by default the SQLite file ``<data_dir>/opms.sqlite3``
  (WAL journal, foreign keys on, writers serialised with ``BEGIN IMMEDIATE``, 30 s busy
  timeout); PostgreSQL with a URL such as ``postgresql+psycopg://user@host/db``.
* **Schema**: created and upgraded by the Alembic migrations of :mod:`dispatch.records.migrations`,
  run by :func:`open_database` (a fresh database is built by the migrations, never by
  ``create_all``).
* **Transactions**: every repository function is one transaction (:meth:`Database.write`);
  a failure leaves nothing half-written. Database errors are translated: a concurrent change
  becomes :class:`~dispatch.errors.ConflictError`, a busy or unreachable database
  :class:`~dispatch.errors.StorageError`.
* **Clock**: :func:`now` is the current time, timezone-aware (America/Montreal).

Typical use::

    db = open_database(settings=settings)
    with db.write() as s: ...
    db.close()
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from dispatch.errors import ConflictError, DispatchError, InvalidInput, StorageError
from dispatch.i18n import N_
from dispatch.records.migrations import run_upgrade
from dispatch.settings import TZ

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.pool import ConnectionPoolEntry

    from dispatch.settings import Settings


def now() -> datetime:
    """The current time, timezone-aware (America/Montreal)."""
    return datetime.now(TZ)


class Database:
    """An open database: an engine, its session factory and the transaction helpers."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._write_engine = engine.execution_options(opms_write=True)
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(bind=self._write_engine, expire_on_commit=False)
        self._local = threading.local()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed at the end, rolled back on any error.

        Blocks nest: a ``write()`` (or a repository function) called inside another one in the
        same thread joins the outer transaction, so several repository calls can be made
        atomic together (``with db.write(): book_appointment(...); ...``).

        On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (writers wait for each other
        instead of failing half-way). Database errors are translated: a concurrent change to a
        versioned row becomes :class:`ConflictError`, a locked or unreachable database
        :class:`StorageError`.
        """
        outer = getattr(self._local, "session", None)
        if outer is not None:  # nested: join the transaction already open in this thread
            yield outer
            return
        session = self._write_sessions()
        self._local.session = session
        try:
            with _translate(), session.begin():
                yield session
        finally:
            self._local.session = None
            session.close()

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (its transaction is rolled back at the end).

        Inside a :meth:`write` block of the same thread, the write's session is used (so the
        read sees what the transaction wrote so far).
        """
        outer = getattr(self._local, "session", None)
        if outer is not None:
            yield outer
            return
        session = self._sessions()
        try:
            with _translate():
                yield session
        finally:
            session.rollback()
            session.close()

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@contextlib.contextmanager
def _translate() -> Iterator[None]:
    try:
        yield
    except StaleDataError as err:
        msg = N_(
            "This record was changed by someone else in the meantime: your change was not "
            "saved. Reload the record and make it again."
        )
        raise ConflictError(msg) from err
    except exc.IntegrityError as err:
        msg = N_("The change conflicts with the stored data ({orig}): nothing was saved.")
        raise ConflictError(msg, orig=str(err.orig)) from err
    except exc.OperationalError as err:
        msg = N_("The database is unavailable or busy ({orig}); nothing was saved, try again.")
        raise StorageError(msg, orig=str(err.orig)) from err
    except exc.StatementError as err:
        if isinstance(err.orig, DispatchError):
            raise err.orig from err
        raise


#: How long (seconds) a SQLite connection waits for another writer's lock before the operation
#: fails with :class:`StorageError` ("database is busy ... try again"): the bounded retry of a
#: busy or locked database. Read when a connection opens (tests lower it).
BUSY_TIMEOUT_S = 30.0


def _sqlite_setup(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("opms_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def open_database(
    url: str | None = None, *, settings: Settings | None = None, migrate: bool = True
) -> Database:
    """Open (and create or upgrade) the database.

    Parameters
    ----------
    url
        SQLAlchemy URL; default ``settings.database_url`` (SQLite in the data directory).
    settings
        Settings in force (needed when ``url`` is not given).
    migrate
        Run the Alembic migrations up to the latest schema (default true).

    Returns
    -------
    Database
        The open database; close it with :meth:`Database.close` (or use ``with``).
    """
    if url is None:
        if settings is None:
            msg = N_("open_database needs a URL or the settings (for settings.database_url).")
            raise InvalidInput(msg)
        url = settings.database_url
    try:
        sa_url = sa.make_url(url)
    except exc.ArgumentError as err:
        msg = N_("Invalid database URL {url!r}: {reason}. Example: postgresql+psycopg://user@host/db.")
        raise InvalidInput(msg, url=url, reason=str(err)) from err
    kwargs: dict[str, Any] = {}
    if sa_url.get_backend_name() == "sqlite":
        db_path = sa_url.database
        if db_path and db_path != ":memory:":
            Path(db_path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_S}
    else:
        kwargs["pool_pre_ping"] = True
    engine = sa.create_engine(sa_url, **kwargs)
    if engine.dialect.name == "sqlite":
        _sqlite_setup(engine)
    db = Database(engine)
    if migrate:
        try:
            upgrade(db)
        except exc.OperationalError as err:
            engine.dispose()
            msg = N_("Cannot open the database {url}: {orig}. Check the URL and that the server runs.")
            raise StorageError(msg, url=db.url, orig=str(err.orig)) from err
    return db


def upgrade(db: Database, revision: str = "head") -> None:
    """Run the Alembic migrations of :mod:`dispatch.records.migrations` up to ``revision``."""
    run_upgrade(db.engine, revision)


def schema_revision(db: Database) -> str | None:
    """The Alembic revision the database is at (``None`` for an empty database)."""
    # Lazy: alembic adds ~0.15 s to `import dispatch.records` (measured), needed only here.
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()



__all__ = ["BUSY_TIMEOUT_S", "Database", "now", "open_database", "schema_revision", "upgrade"]
