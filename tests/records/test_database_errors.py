"""A damaged database, a full disk, an unreachable server: each its own message and exit code.

Not "internal error ... report it" nor "check the URL": what happened and what to do, in
French, with exit codes 4 (damaged), 5 (disk full) and 6 (server unreachable).
"""

from __future__ import annotations

import errno
import shutil
import socket

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import event, exc

from dispatch import records as st
from dispatch.cli.main import main
from dispatch.errors import DatabaseDamaged, DatabaseUnreachable, DiskFull, StorageError
from dispatch.records.database import storage_error
from tests.storage_data import make_request

pytest_plugins = ["tests.storage_support"]


def closed_port() -> int:
    """A TCP port of 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def filled_copy(sqlite_template, tmp_path):
    """A copy of a migrated database holding one request."""
    path = tmp_path / "opms.sqlite3"
    shutil.copyfile(sqlite_template, path)
    db = st.open_database(f"sqlite:///{path}")
    make_request(db)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


def test_a_file_of_garbage_is_a_damaged_database_not_an_internal_error(tmp_path, capsys, data_dir):
    """opms.sqlite3 overwritten with garbage: exit 4, French message naming `opms-dispatch restore`."""
    (data_dir / "opms.sqlite3").write_bytes(b"\x8f garbage \x00" * 800)
    code = main(["calls", "contact", "--json"])
    out, err = capsys.readouterr()
    assert code == 4 and out == ""
    assert "endommagé" in err and "opms-dispatch restore" in err
    assert "erreur interne" not in err


def test_garbage_inside_the_pages_is_a_damaged_database(sqlite_template, tmp_path):
    """The header intact but the pages after it overwritten: DatabaseDamaged on the first read."""
    path = filled_copy(sqlite_template, tmp_path)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = b"\xa5" * (len(data) - page)
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseDamaged) as info:
        db = st.open_database(f"sqlite:///{path}")
        try:
            st.get_request(db, 1)
        finally:
            db.close()
    assert info.value.exit_code == 4 and isinstance(info.value, StorageError)
    assert "restaurez une sauvegarde" in info.value.localized("fr_CA")


def test_a_full_sqlite_disk_says_disk_full_and_saves_nothing(sqlite_template, tmp_path):
    """A real SQLITE_FULL (page budget reached): DiskFull, exit 5, and the request not stored."""
    path = tmp_path / "opms.sqlite3"
    shutil.copyfile(sqlite_template, path)
    db = st.open_database(f"sqlite:///{path}")
    try:
        with db.engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

        @event.listens_for(db.engine, "connect")
        def _tiny_disk(dbapi_conn, record):
            dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

        db.engine.dispose()
        with pytest.raises(DiskFull) as info:
            make_request(db, problem="x" * 200_000)
        assert info.value.exit_code == 5
        text = info.value.localized("fr_CA")
        assert "plein" in text and "URL" not in text
        with db.read() as s:
            assert s.execute(sa.text("SELECT count(*) FROM requests")).scalar() == 0
    finally:
        db.close()


def test_a_full_disk_on_postgresql_or_in_the_os_is_disk_full():
    """PostgreSQL's SQLSTATE 53100 and the OS's ENOSPC are both DiskFull, not "check the URL"."""
    pg = exc.OperationalError("INSERT", {}, psycopg.errors.DiskFull("could not extend file"))
    assert type(storage_error(pg)) is DiskFull
    assert type(storage_error(OSError(errno.ENOSPC, "No space left on device"))) is DiskFull
    assert type(storage_error(exc.OperationalError("x", {}, Exception("database or disk is full")))) is DiskFull
    assert "URL" not in storage_error(pg).localized("fr_CA")


def test_a_postgresql_server_that_does_not_answer_is_unreachable(capsys, data_dir, monkeypatch):
    """A URL on a closed port: exit 6, a French message to start the server, no traceback."""
    url = f"postgresql+psycopg://opms@127.0.0.1:{closed_port()}/opms"
    with pytest.raises(DatabaseUnreachable) as info:
        st.open_database(url)
    assert info.value.exit_code == 6 and isinstance(info.value, ConnectionError)
    monkeypatch.setenv("OPMS_DATABASE__URL", url)
    code = main(["calls", "contact", "--json"])
    _, err = capsys.readouterr()
    assert code == 6
    assert "ne répond pas" in err and "PostgreSQL" in err and "Traceback" not in err


def test_a_busy_database_is_still_a_plain_storage_error():
    """A locked database keeps its "busy, try again" message (exit 1), not one of the new ones."""
    busy = exc.OperationalError("BEGIN", {}, Exception("database is locked"))
    got = storage_error(busy)
    assert type(got) is StorageError and got.exit_code == 1
    assert "try again" in str(got)


def test_the_new_errors_each_have_their_own_exit_code():
    """The command line's contract: 4 damaged, 5 disk full, 6 unreachable, all StorageErrors."""
    assert (DatabaseDamaged.exit_code, DiskFull.exit_code, DatabaseUnreachable.exit_code) == (4, 5, 6)
    assert all(issubclass(c, (StorageError, OSError)) for c in (DatabaseDamaged, DiskFull, DatabaseUnreachable))
