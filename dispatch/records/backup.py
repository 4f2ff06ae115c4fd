"""Backups of the product database and their restoration.

* SQLite: a consistent online copy made with SQLite's backup API in one step (a read
  snapshot: writers keep working during the copy, in WAL mode they are not blocked), written
  to a temporary file, switched to a single self-contained file (``journal_mode=DELETE``),
  checked with ``PRAGMA integrity_check`` and only then renamed to its final name.
* PostgreSQL: ``pg_dump -Fc`` (found on ``PATH`` or in ``/usr/lib/postgresql/*/bin``, the
  newest version first), checked by ``pg_restore --list``.

Restoring:

* SQLite: the file is verified first (integrity check, an opms-dispatch schema, a revision
  this version knows), the current database is saved to ``backups/pre-restore-*.sqlite3``,
  then the backup is copied INTO the live database with the backup API: one write
  transaction, so every connection sees either the old or the restored database, never a
  mixture (safer than renaming files under open connections and their WAL). The schema is
  then upgraded to the newest revision.
* PostgreSQL: ``pg_restore --clean --if-exists --single-transaction --no-owner`` (all or
  nothing), then the schema upgrade.

Passwords of the database URL are passed to ``pg_dump`` / ``pg_restore`` through
``PGPASSWORD``, never on the command line.

Law 25 (erasure reaches backups):

* Every restore replays the erasure journal (:mod:`dispatch.records.erasure`) before it
  returns: each customer erased since the backup was made is erased again, so a restored
  backup (or ``pre-restore-*`` copy) never brings an erased person back.
* Backups are kept ``backup.keep_days`` days (default 30): older files of
  ``<data_dir>/backups`` (``opms-*`` backups and ``pre-restore-*`` copies) are deleted when a
  backup is made and by ``customer purge`` (:func:`prune_backups`).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from dispatch.errors import DispatchError, InvalidInput, NotFound, StorageError
from dispatch.files import private_folder
from dispatch.i18n import N_, _
from dispatch.records.database import open_database
from dispatch.records.erasure import (
    JOURNAL_NAME,
    append_journal,
    journal_path,
    replay_journal,
    unjournalled,
)
from dispatch.records.migrations import alembic_config

if TYPE_CHECKING:
    from dispatch.settings import Settings

#: Longest a pg_dump / pg_restore may run (s).
PG_TIMEOUT_S = 3600
#: Where Debian installs the PostgreSQL client tools (one directory per major version).
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
#: Files of the backup folder that :func:`prune_backups` may delete (made by backup/restore).
PRUNABLE = ("opms-*.sqlite3", "opms-*.dump", "pre-restore-*.sqlite3")


@dataclass(frozen=True)
class BackupResult:
    """What ``backup`` made (or ``restore`` restored)."""

    path: str
    dialect: str
    size_bytes: int
    seconds: float
    revision: str | None
    #: Rows per table in the copy (SQLite; empty for PostgreSQL).
    tables: dict[str, int] = field(default_factory=dict)
    check: str = "ok"
    #: For a restore: the copy of the database taken just before it (SQLite).
    previous: str | None = None
    #: For a restore: customers of the erasure journal erased again in the restored data.
    reerased: tuple[int, ...] = ()
    #: For a backup: old backup files deleted (older than ``backup.keep_days``).
    pruned: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "dialect": self.dialect,
            "size_bytes": self.size_bytes,
            "seconds": round(self.seconds, 3),
            "revision": self.revision,
            "tables": dict(self.tables),
            "check": self.check,
            "previous": self.previous,
            "reerased_customers": list(self.reerased),
            "pruned": list(self.pruned),
        }


def _url(settings: Settings | None, url: str | None) -> sa.URL:
    if url is None:
        if settings is None:
            msg = N_("backup/restore need a database URL or the settings.")
            raise InvalidInput(msg)
        url = settings.database_url
    try:
        return sa.make_url(url)
    except sa.exc.ArgumentError as err:
        msg = N_("Invalid database URL {url!r}: {reason}.")
        raise InvalidInput(msg, url=url, reason=str(err)) from err


def _sqlite_path(u: sa.URL) -> Path:
    if not u.database or u.database == ":memory:":
        msg = N_("An in-memory SQLite database cannot be backed up or restored: use a file URL.")
        raise InvalidInput(msg)
    return Path(u.database).expanduser()


def _stamp() -> str:
    return datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")


def _unused(path: Path) -> Path:
    """``path``, or ``<stem>-2<suffix>``, ``-3``... when taken (never overwrite a copy, e.g. the
    pre-restore copy being restored again within the same second)."""
    n = 1
    candidate = path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def default_backup_dir(settings: Settings) -> Path:
    """``<data_dir>/backups``."""
    return Path(settings.data_dir) / "backups"


def prune_backups(settings: Settings, *, dry_run: bool = False, keep: Path | None = None) -> list[str]:
    """Delete the files of ``<data_dir>/backups`` older than ``backup.keep_days``; return them.

    Only files made by backup/restore (:data:`PRUNABLE`) are considered, by modification time;
    ``keep`` (the backup just made) is never deleted. ``dry_run`` lists without deleting.
    """
    days = settings.backup.keep_days
    if days < 1:
        msg = N_("backup.keep_days must be at least 1 day (it is {days}): no backup was deleted.")
        raise InvalidInput(msg, days=days)
    folder = default_backup_dir(settings)
    if not folder.is_dir():
        return []
    cutoff = time.time() - days * 86400
    keep_path = keep.resolve() if keep is not None else None
    old = sorted(
        {f for pattern in PRUNABLE for f in folder.glob(pattern) if f.is_file() and f.stat().st_mtime < cutoff}
    )
    out: list[str] = []
    for f in old:
        if keep_path is not None and f.resolve() == keep_path:
            continue
        if not dry_run:
            try:
                f.unlink()
            except FileNotFoundError:
                continue
            except OSError as err:
                msg = N_("The old backup {path} cannot be deleted ({reason}).")
                raise StorageError(msg, path=str(f), reason=err.strerror or str(err)) from err
        out.append(str(f))
    return out


# --------------------------------------------------------------------------------------------
# SQLite
# --------------------------------------------------------------------------------------------


def _sqlite_check(path: Path) -> tuple[str | None, dict[str, int]]:
    """Integrity check of a SQLite file; return (alembic revision, rows per table).

    Raises InvalidInput when the file is not a sound opms-dispatch database.
    """
    if not path.is_file():
        msg = N_("No such backup file: {path}.")
        raise NotFound(msg, path=str(path))
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as err:
        msg = N_("{path} cannot be opened as a SQLite database ({reason}).")
        raise InvalidInput(msg, path=str(path), reason=str(err)) from err
    try:
        try:
            result = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
        except sqlite3.DatabaseError as err:
            msg = N_("{path} is not a usable SQLite database ({reason}): it cannot be restored.")
            raise InvalidInput(msg, path=str(path), reason=str(err)) from err
        if result != ["ok"]:
            msg = N_("{path} fails SQLite's integrity check ({problems}): it cannot be restored.")
            raise InvalidInput(msg, path=str(path), problems="; ".join(result[:5]))
        if "alembic_version" not in names:
            msg = N_("{path} is not an opms-dispatch database (no alembic_version table).")
            raise InvalidInput(msg, path=str(path))
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        counts = {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()
    return (row[0] if row else None), counts


def _sqlite_backup(src_path: Path, out: Path) -> BackupResult:
    t0 = time.perf_counter()
    if not src_path.is_file():
        msg = N_("No database at {path}: nothing to back up.")
        raise NotFound(msg, path=str(src_path))
    private_folder(out.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        src = sqlite3.connect(str(src_path), timeout=30)
        dst = sqlite3.connect(str(tmp))
        try:
            src.execute("PRAGMA busy_timeout=30000")
            # pages=-1: the whole database in one step, from one read snapshot. A stepwise
            # copy would restart whenever another connection writes (forever, under load).
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")
            dst.commit()
        finally:
            dst.close()
            src.close()
        revision, tables = _sqlite_check(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except sqlite3.Error as err:
        msg = N_("The backup of {path} failed ({reason}); nothing was written to {out}.")
        raise StorageError(msg, path=str(src_path), reason=str(err), out=str(out)) from err
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return BackupResult(
        path=str(out), dialect="sqlite", size_bytes=out.stat().st_size,
        seconds=time.perf_counter() - t0, revision=revision, tables=tables,
    )


def _known_revision(revision: str | None, path: Path) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    known = {s.revision for s in script.walk_revisions()}
    if revision not in known:
        msg = N_(
            "{path} is at schema revision {revision!r}, unknown to this version of "
            "opms-dispatch (made by a newer version?): update opms-dispatch before restoring."
        )
        raise InvalidInput(msg, path=str(path), revision=revision)


def _sqlite_restore(backup_file: Path, target: Path, *, keep_dir: Path) -> BackupResult:
    t0 = time.perf_counter()
    revision, tables = _sqlite_check(backup_file)
    _known_revision(revision, backup_file)
    previous = None
    if target.is_file():
        previous = _unused(keep_dir / f"pre-restore-{_stamp()}.sqlite3")
        _sqlite_backup(target, previous)
    private_folder(target.parent)
    try:
        src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(str(target), timeout=30)
        try:
            dst.execute("PRAGMA busy_timeout=30000")
            src.backup(dst, pages=-1)  # one write transaction on the live database
        finally:
            dst.close()
            src.close()
    except sqlite3.Error as err:
        msg = N_("Restoring {path} into {target} failed ({reason}); the database was left as it was.")
        raise StorageError(msg, path=str(backup_file), target=str(target), reason=str(err)) from err
    return BackupResult(
        path=str(target), dialect="sqlite", size_bytes=target.stat().st_size,
        seconds=time.perf_counter() - t0, revision=revision, tables=tables,
        previous=str(previous) if previous else None,
    )


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


def _version_key(path: str) -> tuple[int, ...]:
    m = re.search(r"/postgresql/([\d.]+)/bin/", path)
    return tuple(int(x) for x in m.group(1).split(".")) if m else (0,)


def find_pg_tool(name: str) -> str:
    """Path of ``pg_dump`` / ``pg_restore``: the newest of /usr/lib/postgresql/*/bin, else PATH."""
    candidates = sorted(glob.glob(f"{PG_BIN_GLOB}/{name}"), key=_version_key, reverse=True)
    candidates = [c for c in candidates if os.access(c, os.X_OK)]
    if candidates:
        return candidates[0]
    found = shutil.which(name)
    if found:
        return found
    msg = N_(
        "{name} was not found (neither on PATH nor in /usr/lib/postgresql/*/bin): install the "
        "PostgreSQL client tools of your server's version (Debian: apt-get install "
        "postgresql-client) and try again."
    )
    raise StorageError(msg, name=name)


def _libpq(u: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment carrying the password."""
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    plain = u.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(cmd: list[str], env: dict[str, str], what: str, timeout_s: float) -> None:
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as err:
        msg = N_("{what} did not finish within {seconds:.0f} s; nothing was changed.")
        raise StorageError(msg, what=what, seconds=timeout_s) from err
    except OSError as err:
        msg = N_("{what} could not be started ({reason}).")
        raise StorageError(msg, what=what, reason=str(err)) from err
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        msg = N_("{what} failed (exit {code}): {detail}")
        raise StorageError(msg, what=what, code=proc.returncode, detail=" | ".join(detail))


def _pg_revision(u: sa.URL) -> str | None:
    engine = sa.create_engine(u, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None  # an empty database (never opened by opms-dispatch)
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except sa.exc.DBAPIError as err:
        msg = N_("Cannot read the database {url} ({orig}).")
        raise StorageError(msg, url=u.render_as_string(hide_password=True), orig=str(err.orig)) from err
    finally:
        engine.dispose()


def _pg_backup(u: sa.URL, out: Path, *, timeout_s: float) -> BackupResult:
    t0 = time.perf_counter()
    pg_dump = find_pg_tool("pg_dump")
    pg_restore = find_pg_tool("pg_restore")
    revision = _pg_revision(u)
    uri, env = _libpq(u)
    private_folder(out.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _run([pg_dump, "-Fc", "--no-owner", "-f", str(tmp), "--dbname", uri], env, "pg_dump", timeout_s)
        _run([pg_restore, "--list", str(tmp)], env, _("pg_restore --list (checking the dump)"), timeout_s)
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return BackupResult(
        path=str(out), dialect="postgresql", size_bytes=out.stat().st_size,
        seconds=time.perf_counter() - t0, revision=revision,
    )


def _pg_restore(backup_file: Path, u: sa.URL, *, timeout_s: float) -> BackupResult:
    t0 = time.perf_counter()
    if not backup_file.is_file():
        msg = N_("No such backup file: {path}.")
        raise NotFound(msg, path=str(backup_file))
    pg_restore = find_pg_tool("pg_restore")
    uri, env = _libpq(u)
    try:
        _run([pg_restore, "--list", str(backup_file)], env, "pg_restore --list", timeout_s)
    except StorageError as err:
        msg = N_("{path} is not a readable pg_dump archive: {reason}")
        raise InvalidInput(msg, path=str(backup_file), reason=err.localized()) from err
    _run(
        [pg_restore, "--clean", "--if-exists", "--single-transaction", "--no-owner",
         "--dbname", uri, str(backup_file)],
        env, "pg_restore", timeout_s,
    )
    return BackupResult(
        path=u.render_as_string(hide_password=True), dialect="postgresql",
        size_bytes=backup_file.stat().st_size, seconds=time.perf_counter() - t0,
        revision=_pg_revision(u),
    )


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def backup_database(
    *, settings: Settings | None = None, url: str | None = None, out: str | Path | None = None,
    timeout_s: float = PG_TIMEOUT_S,
) -> BackupResult:
    """Back up the database (``url`` or ``settings.database_url``) to ``out``.

    Parameters
    ----------
    out
        Destination file; default ``<data_dir>/backups/opms-<YYYYMMDD-HHMMSS>.sqlite3``
        (``.dump`` for PostgreSQL). Written under a temporary name and renamed once checked,
        so a failed or interrupted backup never leaves a file that looks complete.

    Raises
    ------
    StorageError
        The copy failed, or pg_dump is missing or failed.
    """
    u = _url(settings, url)
    pg = u.get_backend_name() == "postgresql"
    if out is None:
        if settings is None:
            msg = N_("Give the backup file (--out FILE).")
            raise InvalidInput(msg)
        out = default_backup_dir(settings) / f"opms-{_stamp()}.{'dump' if pg else 'sqlite3'}"
    out = Path(out).expanduser().resolve()
    if u.get_backend_name() == "sqlite":
        src = _sqlite_path(u).resolve()
        if src == out:
            msg = N_("The backup file cannot be the database itself: choose another --out.")
            raise InvalidInput(msg)
        made = _sqlite_backup(src, out)
    elif pg:
        made = _pg_backup(u, out, timeout_s=timeout_s)
    else:
        msg = N_("Backups support SQLite and PostgreSQL, not {backend}.")
        raise InvalidInput(msg, backend=u.get_backend_name())
    if settings is None:
        return made
    return replace(made, pruned=tuple(prune_backups(settings, keep=out)))


def _sync_from_live(u: sa.URL, journal: Path) -> None:
    """Journal the erasures the live database holds before it is replaced.

    Reading is best effort (a damaged live database, the usual reason to restore, is skipped);
    a journal that cannot be written stops the restore (StorageError) before anything changes.
    """
    try:
        live = open_database(u.render_as_string(hide_password=False), migrate=False)
        try:
            missing = unjournalled(live, journal)
        finally:
            live.close()
    except (DispatchError, sa.exc.SQLAlchemyError):
        return
    for entry in missing:
        append_journal(journal, entry)


def restore_database(
    backup_file: str | Path, *, settings: Settings | None = None, url: str | None = None,
    timeout_s: float = PG_TIMEOUT_S,
) -> BackupResult:
    """Replace the database (``url`` or ``settings.database_url``) by ``backup_file``.

    The backup is verified before anything is touched; the replacement is one transaction;
    the schema is then upgraded to the newest revision, and every customer of the erasure
    journal (``<data_dir>/erasure-journal.jsonl``; next to the SQLite file without settings)
    is erased again before returning. Stop the dashboard while restoring:
    sessions open during the restore may show stale pages until reloaded.

    Raises
    ------
    InvalidInput
        The file is not a sound backup of an opms-dispatch database.
    StorageError
        The restore failed (the database was left as it was).
    """
    u = _url(settings, url)
    path = Path(backup_file).expanduser().resolve()
    journal = journal_path(settings) if settings is not None else None
    if journal is None and u.get_backend_name() == "sqlite":
        journal = _sqlite_path(u).resolve().parent / JOURNAL_NAME
    if u.get_backend_name() == "sqlite":
        target = _sqlite_path(u).resolve()
        if target == path:
            msg = N_("The backup file is the database itself: nothing to restore.")
            raise InvalidInput(msg)
        if journal is not None and target.is_file():
            _sync_from_live(u, journal)
        keep = default_backup_dir(settings) if settings is not None else target.parent / "backups"
        result = _sqlite_restore(path, target, keep_dir=keep)
    elif u.get_backend_name() == "postgresql":
        if journal is not None and _pg_revision(u) is not None:
            _sync_from_live(u, journal)
        result = _pg_restore(path, u, timeout_s=timeout_s)
    else:
        msg = N_("Restore supports SQLite and PostgreSQL, not {backend}.")
        raise InvalidInput(msg, backend=u.get_backend_name())
    db = open_database(u.render_as_string(hide_password=False))  # upgrades an older backup
    try:
        reerased = replay_journal(db, journal) if journal is not None else ()
    finally:
        db.close()
    return replace(result, reerased=reerased)


__all__ = [
    "BackupResult",
    "backup_database",
    "default_backup_dir",
    "find_pg_tool",
    "prune_backups",
    "restore_database",
]
