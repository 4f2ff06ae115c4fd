"""Backups: back up, change and delete data, restore, compare every table row by row
(SQLite and PostgreSQL); a backup taken while another thread writes is a consistent snapshot."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from datetime import datetime

import pytest
import sqlalchemy as sa

from dispatch import records as st
from dispatch.billing import invoices as iv
from dispatch.cli.main import main
from dispatch.errors import InvalidInput, NotFound, StorageError
from dispatch.office import auth
from dispatch.records import TZ
from dispatch.records import backup as bk
from tests.storage_data import CORE_COVERAGE, diagnosed, make_request

pytest_plugins = ["tests.storage_support"]

ISSUED = datetime(2026, 12, 3, 15, 0, tzinfo=TZ)


def _url(db) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def tables(url: str) -> dict[str, list[tuple]]:
    """Every row of every table (and the schema revision), in primary-key order."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        out = {}
        with engine.connect() as conn:
            for name, table in sorted(meta.tables.items()):
                order = list(table.primary_key.columns) or list(table.columns)
                out[name] = [tuple(r) for r in conn.execute(sa.select(table).order_by(*order))]
        return out
    finally:
        engine.dispose()


def populate(db, settings) -> None:
    """Customers, requests, a technician, an appointment, visits, an invoice, a payment, a user."""
    tech = st.add_technician(db, name="Paul Gagnon", skills=["mac"])
    make_request(db)
    req = diagnosed(db, minutes=45, outcome="workshop_refused", coverage=CORE_COVERAGE,
                    name="Jean Roy", email="jean@example.com", phone="450 555-9999")
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="lea", at=ISSUED)
    iv.record_payment(db, inv.number, method="cash", amount=inv.total, actor="lea", received_at=ISSUED)
    auth.add_user(db, "paul", "phrase de passe du technicien", role="technician", technician_id=tech.id, actor="t")


def mutate(db) -> None:
    """Change, add and delete data (what the restore must undo)."""
    first = st.get_request(db, 1)
    st.update_customer(db, first.customer.id, expected_version=first.customer.version, name="Quelqu'un d'autre",
                       actor="x")
    make_request(db, name="Nouvelle Cliente", email="nouvelle@example.com", phone="514 555-0000")
    auth.disable_user(db, "paul", actor="x")
    with db.write() as s:
        s.execute(sa.delete(st.AuditRow).where(st.AuditRow.id <= 3))
        s.execute(sa.delete(st.CallRow))


def test_backup_then_restore_gives_back_every_row(db, settings, tmp_path):
    """Back up (a file only the owner can read), change/add/delete rows, restore: every table
    equals the backed-up one, row by row."""
    populate(db, settings)
    before = tables(_url(db))
    assert before["invoices"] and before["users"] and before["payments"]
    made = bk.backup_database(url=_url(db), out=tmp_path / "b" / "opms.backup", settings=settings)
    assert made.check == "ok" and made.revision == st.schema_revision(db) and made.size_bytes > 0
    assert os.stat(made.path).st_mode & 0o077 == 0  # personal information: readable by the owner only
    mutate(db)
    assert tables(_url(db)) != before
    restored = bk.restore_database(made.path, url=_url(db), settings=settings)
    assert restored.revision == made.revision
    db.close()
    after = tables(_url(db))
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], name
    with st.open_database(_url(db)) as again:  # the restored database works through the API
        assert st.get_request(again, 1).customer.name == "Marie Tremblay"
        assert auth.get_user(again, "paul").disabled is False


def test_sqlite_restore_keeps_a_copy_of_the_replaced_database(tmp_path, settings):
    """SQLite: the database replaced by a restore is saved first under backups/pre-restore-*."""
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    with st.open_database(url) as db:
        make_request(db)
        made = bk.backup_database(url=url, out=tmp_path / "b.sqlite3")
        make_request(db, name="Après", email="apres@example.com", phone="514 555-1111")
    restored = bk.restore_database(made.path, url=url, settings=settings)
    assert restored.previous and os.path.isfile(restored.previous)
    assert bk._sqlite_check(bk.Path(restored.previous))[1]["requests"] == 2
    assert len(tables(url)["requests"]) == 1
    with sqlite3.connect(tmp_path / "live.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _writer(url: str, stop: threading.Event, done: list[int], errors: list[BaseException]) -> None:
    """Write pairs of requests, each pair in one transaction, until stopped."""
    db = st.open_database(url)
    try:
        i = 0
        while not stop.is_set():
            with db.write():
                for k in range(2):
                    make_request(db, name=f"Client {i}-{k}", email=f"c{i}-{k}@example.com", phone=f"450 55{k}-{i:04d}")
            i += 1
            done.append(i)
    except BaseException as err:  # reported by the test
        errors.append(err)
    finally:
        db.close()


def test_backup_while_another_thread_writes_is_a_consistent_snapshot(db, tmp_path):
    """A backup taken while a thread keeps writing: the writer is not stopped, the copy passes the
    integrity check and holds whole transactions only (an even number of requests, ids 1..n)."""
    url = _url(db)
    stop, done, errors = threading.Event(), [], []
    writer = threading.Thread(target=_writer, args=(url, stop, done, errors), daemon=True)
    writer.start()
    try:
        deadline = time.monotonic() + 30
        while len(done) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        started = len(done)
        made = bk.backup_database(url=url, out=tmp_path / "hot.backup")
        time.sleep(0.3)
        ended = len(done)
    finally:
        stop.set()
        writer.join(30)
    assert not errors, errors
    assert started >= 5 and ended > started  # the writer kept going during and after the backup
    target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    if db.dialect == "postgresql":
        target = url
        stop_count = len(tables(url)["requests"])
    bk.restore_database(made.path, url=target)
    rows = tables(target)
    ids = [r[0] for r in rows["requests"]]
    assert len(ids) % 2 == 0 and ids == list(range(1, len(ids) + 1))
    assert len(ids) >= 2 * started
    if db.dialect == "postgresql":
        assert len(ids) <= stop_count
    customers = {r[0] for r in rows["customers"]}
    assert len(customers) == len(ids)


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 5000])
def test_restore_refuses_a_broken_file_and_leaves_the_database(db, settings, tmp_path, content):
    """Empty, random or truncated files are refused before anything is touched."""
    populate(db, settings)
    before = tables(_url(db))
    bad = tmp_path / "bad.backup"
    bad.write_bytes(content)
    with pytest.raises(InvalidInput):
        bk.restore_database(bad, url=_url(db), settings=settings)
    assert tables(_url(db)) == before


def test_restore_refuses_a_truncated_backup(tmp_path, settings):
    """A real backup cut in half fails the verification; the database is left as it was."""
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    with st.open_database(url) as db:
        for i in range(30):
            make_request(db, name=f"C{i}", email=f"c{i}@example.com", phone=f"450 555-{i:04d}", problem="x" * 2000)
    made = bk.backup_database(url=url, out=tmp_path / "b.sqlite3")
    data = bk.Path(made.path).read_bytes()
    cut = tmp_path / "cut.sqlite3"
    cut.write_bytes(data[: len(data) // 2])
    before = tables(url)
    with pytest.raises(InvalidInput):
        bk.restore_database(cut, url=url, settings=settings)
    assert tables(url) == before


def test_restore_refuses_a_sqlite_file_of_another_application(tmp_path, settings):
    """A sound SQLite file without the opms-dispatch schema is refused."""
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(InvalidInput, match="not an opms-dispatch database"):
        bk.restore_database(other, url=f"sqlite:///{tmp_path / 'live.sqlite3'}", settings=settings)
    with pytest.raises(NotFound):
        bk.restore_database(tmp_path / "missing", url=f"sqlite:///{tmp_path / 'live.sqlite3'}", settings=settings)


def test_missing_pg_dump_gives_a_clear_message(monkeypatch, tmp_path):
    """No pg_dump on PATH nor in the PostgreSQL directory: StorageError saying what to install."""
    monkeypatch.setattr(bk, "PG_BIN_GLOB", str(tmp_path / "*" / "bin"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(StorageError, match="postgresql-client"):
        bk.backup_database(url="postgresql+psycopg://u@127.0.0.1:9/x", out=tmp_path / "x.dump")


def test_backup_and_restore_commands(db, settings, capsys, monkeypatch, tmp_path):
    """backup --out / restore --yes through the CLI; restore without --yes is refused (exit 2)."""
    import json

    monkeypatch.setenv("OPMS_DATABASE__URL", _url(db))
    make_request(db)
    out = tmp_path / "cli.backup"
    assert main(["backup", "--out", str(out), "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["path"] == str(out) and made["check"] == "ok"
    make_request(db, name="Après", email="apres@example.com", phone="514 555-1111")
    assert main(["restore", str(out)]) == 2
    assert "--yes" in capsys.readouterr().err
    assert len(tables(_url(db))["requests"]) == 2
    assert main(["restore", str(out), "--yes", "--json"]) == 0
    capsys.readouterr()
    assert len(tables(_url(db))["requests"]) == 1


# --------------------------------------------------------------------------------------------
# Law 25: erasure reaches backups (erasure journal replayed on restore, backups kept keep_days)
# --------------------------------------------------------------------------------------------


def _erased_customer(db, customer_id: int):
    cust = st.get_customer(db, customer_id)
    return cust.name.startswith("Client effacé") and cust.email == cust.phone == "" and cust.erased_at is not None


def test_restore_never_brings_back_an_erased_customer(db, settings, tmp_path):
    """Fault test: backup -> erase -> restore the backup -> the person is still erased (name,
    phone, e-mail and problem gone), the invoice is still there, and the others are restored."""
    from dispatch.office import privacy as pv

    populate(db, settings)
    inv = iv.list_invoices(db)[0]
    made = bk.backup_database(url=_url(db), out=tmp_path / "before-erasure.backup", settings=settings)
    pv.erase_customer(db, inv.customer_id, actor="dpo", settings=settings)
    restored = bk.restore_database(made.path, url=_url(db), settings=settings)
    assert restored.reerased == (inv.customer_id,)
    assert _erased_customer(db, inv.customer_id)
    rows = tables(_url(db))
    assert "Jean Roy" not in repr(rows["customers"])  # the invoice keeps the name (tax law)
    assert "jean@example.com" not in repr(rows) and "450 555-9999" not in repr(rows)
    assert iv.get_invoice(db, inv.number).total == inv.total
    assert st.get_request(db, 1).customer.name == "Marie Tremblay"  # not erased: restored as it was


def test_restoring_a_pre_restore_copy_keeps_an_erased_customer_erased(tmp_path, settings):
    """The copy taken before a restore (pre-restore-*.sqlite3) also holds the person: restoring
    it after the erasure re-erases them before returning."""
    from dispatch.office import privacy as pv

    url = settings.database_url
    db = st.open_database(url)
    try:
        populate(db, settings)
        inv = iv.list_invoices(db)[0]
        first = bk.backup_database(settings=settings)
        again = bk.restore_database(first.path, settings=settings)  # keeps a pre-restore copy
        assert again.previous and "pre-restore-" in again.previous
        pv.erase_customer(db, inv.customer_id, actor="dpo", settings=settings)
        back = bk.restore_database(again.previous, settings=settings)
        assert back.reerased == (inv.customer_id,) and _erased_customer(db, inv.customer_id)
        with sqlite3.connect(settings.data_dir / "opms.sqlite3") as conn:
            assert conn.execute("SELECT count(*) FROM customers WHERE email = 'jean@example.com'").fetchone() == (0,)
    finally:
        db.close()


def test_backups_older_than_keep_days_are_deleted_when_a_backup_is_made(tmp_path, settings):
    """[backup] keep_days (default 30): a new backup deletes the older files of backups/
    (backups and pre-restore copies), keeps recent ones and other files."""
    db = st.open_database(settings.database_url)
    db.close()
    folder = bk.default_backup_dir(settings)
    folder.mkdir(parents=True)
    old = [folder / "opms-20200101-120000.sqlite3", folder / "pre-restore-20200101-120000.sqlite3",
           folder / "opms-20200102-120000.dump"]
    recent = folder / f"opms-{datetime.now(TZ):%Y%m%d-%H%M%S}-x.sqlite3"
    other = folder / "notes.txt"
    for f in [*old, recent, other]:
        f.write_bytes(b"x")
    long_ago = time.time() - 40 * 86400
    for f in old:
        os.utime(f, (long_ago, long_ago))
    assert settings.backup.keep_days == 30
    made = bk.backup_database(settings=settings)
    assert sorted(made.pruned) == sorted(str(f) for f in old)
    assert not any(f.exists() for f in old) and recent.exists() and other.exists()
    assert bk.Path(made.path).exists()
    two_days_ago = time.time() - 2 * 86400
    os.utime(recent, (two_days_ago, two_days_ago))
    shorter = settings.with_section("backup", keep_days=1)
    assert bk.prune_backups(shorter, dry_run=True) == [str(recent)] and recent.exists()
    with pytest.raises(InvalidInput, match="keep_days"):
        bk.prune_backups(settings.with_section("backup", keep_days=0))
    assert recent.exists()


def test_restore_re_erases_from_the_live_database_when_the_journal_was_lost(db, settings, tmp_path):
    """The journal file deleted after an erasure: restore first journals the erasures the live
    database holds, then replays them, so the backup still does not bring the person back."""
    from dispatch.office import privacy as pv
    from dispatch.records import erasure

    populate(db, settings)
    inv = iv.list_invoices(db)[0]
    made = bk.backup_database(url=_url(db), out=tmp_path / "b.backup", settings=settings)
    pv.erase_customer(db, inv.customer_id, actor="dpo", settings=settings)
    erasure.journal_path(settings).unlink()
    restored = bk.restore_database(made.path, url=_url(db), settings=settings)
    assert restored.reerased == (inv.customer_id,) and _erased_customer(db, inv.customer_id)
    assert [e.customer_id for e in erasure.read_journal(erasure.journal_path(settings))] == [inv.customer_id]
