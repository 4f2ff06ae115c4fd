"""The open database: engine, sessions, transactions, retries and the migrations that build it.

* **Where**: ``settings.database_url``; by default the SQLite file ``<data_dir>/opms.sqlite3``
  (WAL journal, foreign keys on, writers serialised with ``BEGIN IMMEDIATE``, 30 s busy
  timeout); PostgreSQL with a URL such as ``postgresql+psycopg://user@host/db``.
* **Schema**: created and upgraded by the Alembic migrations of :mod:`dispatch.records.migrations`,
  run by :func:`open_database` (a fresh database is built by the migrations, never by
  ``create_all``).
* **Transactions**: every repository function is one transaction (:meth:`Database.write`);
  a failure leaves nothing half-written. Database errors are translated
  (:func:`storage_error`): a concurrent change becomes :class:`~dispatch.errors.ConflictError`,
  a damaged file :class:`~dispatch.errors.DatabaseDamaged` (exit code 4), a full disk
  :class:`~dispatch.errors.DiskFull` (5), a PostgreSQL server that does not answer
  :class:`~dispatch.errors.DatabaseUnreachable` (6), a busy database
  :class:`~dispatch.errors.StorageError`.
* **File modes**: the SQLite file and its ``-wal`` / ``-shm`` journals are 0600 and the folders
  the product creates for it 0700, whatever the umask (:func:`dispatch.files.private_folder`,
  :func:`dispatch.files.private_file`): customers' personal data is readable by its owner only.
* **Clock**: :func:`now` is the current time, timezone-aware (America/Montreal).

Typical use::

    db = open_database(settings=settings)
    with db.write() as s: ...
    db.close()
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from dispatch.errors import (
    ConflictError,
    DatabaseDamaged,
    DatabaseUnreachable,
    DiskFull,
    DispatchError,
    InvalidInput,
    StorageError,
)
from dispatch.files import private_file, private_folder
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
            with _translate(self.url), session.begin():
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
            with _translate(self.url):
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
def _translate(url: str = "") -> Iterator[None]:
    try:
        yield
    except StaleDataError as err:
        msg = N_(
            "This record was changed by someone else in the meantime: your change was not "
            "saved. Reload the record and make it again."
        )
        raise ConflictError(msg) from err
    except exc.IntegrityError as err:
        if "invoice_retained" in str(err.orig):  # trigger of migration 0004
            msg = N_(
                "An invoice, its lines and its payments cannot be deleted before the end of its "
                "retention period (tax law): nothing was deleted."
            )
            raise ConflictError(msg) from err
        msg = N_("The change conflicts with the stored data ({orig}): nothing was saved.")
        raise ConflictError(msg, orig=str(err.orig)) from err
    except exc.StatementError as err:
        if isinstance(err.orig, DispatchError):
            raise err.orig from err
        if isinstance(err, exc.DBAPIError):
            translated = storage_error(err, url=url)
            if isinstance(err, exc.OperationalError) or type(translated) is not StorageError:
                raise translated from err
        raise
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise storage_error(err, url=url) from err
        raise


#: What the drivers say (lower case) when the database file is not a database or is corrupt
#: (SQLite ``SQLITE_NOTADB`` / ``SQLITE_CORRUPT``; PostgreSQL's "invalid page" family).
_DAMAGED = (
    "file is not a database", "database disk image is malformed", "file is encrypted",
    "malformed database schema", "invalid page in block", "could not read block",
)  # fmt: skip
#: What they say when the disk is full (SQLite ``SQLITE_FULL``; PostgreSQL SQLSTATE 53100).
_FULL = ("database or disk is full", "no space left on device", "disk is full")
#: What a PostgreSQL client says when the server does not answer at its address.
_UNREACHABLE = (
    "connection refused", "connection failed", "could not connect", "could not translate host",
    "timeout expired", "server closed the connection", "name or service not known",
    "no route to host", "network is unreachable", "connection timed out",
)  # fmt: skip


def storage_error(err: BaseException, *, url: str = "") -> StorageError:
    """The product's error for a database failure ``err``: what happened and what to do.

    A pure rule on the driver's error (its SQLSTATE or ``errno`` when known, else its text):

    * damaged file -> :class:`DatabaseDamaged` (restore a backup), exit code 4;
    * full disk -> :class:`DiskFull` (free space; nothing was saved), exit code 5;
    * server that does not answer -> :class:`DatabaseUnreachable` (start it, check the
      address), exit code 6;
    * anything else (locked, busy) -> :class:`StorageError` (try again), exit code 1.

    Parameters
    ----------
    err
        A SQLAlchemy ``DBAPIError`` (its ``orig`` is the driver's error) or an ``OSError``.
    url
        The database URL (password hidden) for the message, when known.
    """
    orig = getattr(err, "orig", None) or err
    text = str(orig).lower()
    sqlstate = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    if sqlstate == "53100" or getattr(orig, "errno", None) == errno.ENOSPC or any(t in text for t in _FULL):
        msg = N_(
            "The disk holding the database is full: nothing was saved. Free some space (old "
            "backups, downloads) and try again."
        )
        return DiskFull(msg)
    if sqlstate in {"XX001", "XX002"} or any(t in text for t in _DAMAGED):
        msg = N_("The database file is damaged ({orig}): restore a backup (`opms-dispatch restore`).")
        return DatabaseDamaged(msg, orig=_first_line(orig))
    if sqlstate.startswith("08") or any(t in text for t in _UNREACHABLE):
        msg = N_(
            "The database server {url} does not answer ({orig}). Check that PostgreSQL is "
            "running and reachable at that address, then try again."
        )
        return DatabaseUnreachable(msg, url=url or "PostgreSQL", orig=_first_line(orig))
    msg = N_("The database is unavailable or busy ({orig}); nothing was saved, try again.")
    return StorageError(msg, orig=_first_line(orig))


def _first_line(err: object) -> str:
    """The first line of a driver's message (psycopg adds hints on the next lines)."""
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


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
        if db_path and db_path != ":memory:" and not db_path.startswith("file:"):
            _private_sqlite(Path(db_path).expanduser())
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
        except exc.DBAPIError as err:
            engine.dispose()
            raise storage_error(err, url=db.url) from err
    return db


def _private_sqlite(path: Path) -> None:
    """The SQLite file at ``path`` and its journals 0600, its folder 0700 if created here.

    SQLite creates the ``-wal`` and ``-shm`` journals with the mode of the database file (its
    unix VFS copies it, whatever the umask), so making the file 0600 before the first
    connection is enough for all three; existing journals are tightened too.
    """
    try:
        private_folder(path.parent)
        private_file(path)
        for suffix in ("-wal", "-shm", "-journal"):
            journal = path.with_name(path.name + suffix)
            if journal.exists():
                os.chmod(journal, 0o600)
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise storage_error(err, url=str(path)) from err
        msg = N_("Cannot create the database file {path}: {reason}. Check the data folder's permissions.")
        raise StorageError(msg, path=str(path), reason=err.strerror or str(err)) from err


def upgrade(db: Database, revision: str = "head") -> None:
    """Run the Alembic migrations of :mod:`dispatch.records.migrations` up to ``revision``."""
    run_upgrade(db.engine, revision)


def schema_revision(db: Database) -> str | None:
    """The Alembic revision the database is at (``None`` for an empty database)."""
    # Lazy: alembic adds ~0.15 s to `import dispatch.records` (measured), needed only here.
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()



__all__ = [
    "BUSY_TIMEOUT_S",
    "Database",
    "now",
    "open_database",
    "schema_revision",
    "storage_error",
    "upgrade",
]
