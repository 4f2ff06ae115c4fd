"""Storage: schema by migrations, transactions, optimistic locking, audit, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, datetime, time
from decimal import Decimal

import pytest
import sqlalchemy as sa

from dispatch import records as st
from dispatch.errors import ConflictError, InvalidInput, NotFound, StorageError
from dispatch.records import TZ
from tests.storage_data import COVERAGE, make_request

pytest_plugins = ["tests.storage_support"]

def at(day, hh, mm=0):
    """A Montréal-time instant on 2026-12-<day>."""
    return datetime(2026, 12, day, hh, mm, tzinfo=TZ)


def test_instants_come_back_in_the_one_product_time_zone(db, tmp_path):
    """One time zone for the whole product (dispatch.settings.TZ); general.timezone may only
    name it, never silently differ."""
    from dispatch import settings as cfg

    assert st.TZ is cfg.TZ and str(cfg.TZ) == cfg.GeneralSettings().timezone == "America/Montreal"
    req = make_request(db)
    assert st.get_request(db, req.id).created_at.tzinfo is cfg.TZ
    (tmp_path / "settings.toml").write_text('[general]\ntimezone = "America/Montreal"\n')
    assert cfg.load_settings(data_dir=tmp_path, env={}).general.timezone == "America/Montreal"
    (tmp_path / "settings.toml").write_text('[general]\ntimezone = "Europe/Paris"\n')
    with pytest.raises(InvalidInput, match="America/Montreal"):
        cfg.load_settings(data_dir=tmp_path, env={})

def test_default_database_is_sqlite_file_in_data_dir_built_by_migrations(settings):
    """Without a URL the database is <data_dir>/opms.sqlite3, at the migrations' head, WAL, FKs on."""
    from dispatch.records.migrations import head_revision

    db = st.open_database(settings=settings)
    try:
        assert (settings.data_dir / "opms.sqlite3").is_file()
        assert st.schema_revision(db) == head_revision()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            tables = set(sa.inspect(conn).get_table_names())
        assert {"customers", "requests", "appointments", "invoices", "audit_log"} <= tables
    finally:
        db.close()


def test_migrated_schema_matches_the_models(db):
    """Alembic finds no difference between the migrated database and the SQLAlchemy models."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, st.Base.metadata)
    assert diff == []


def test_opening_twice_keeps_the_data(db_url):
    """Re-opening an up-to-date database runs no migration and keeps what was stored."""
    db = st.open_database(db_url)
    req = make_request(db)
    db.close()
    db = st.open_database(db_url)
    try:
        assert st.get_request(db, req.id).customer.name == "Marie Tremblay"
    finally:
        db.close()


def test_unreachable_server_raises_storage_error():
    """A PostgreSQL URL nobody listens on gives StorageError with the URL, not a traceback."""
    with pytest.raises(StorageError, match=r"127\.0\.0\.1:9"):
        st.open_database("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")


def test_request_stores_customer_address_and_coverage(db):
    """A request keeps the customer, the address with its coverage and travel fee, state requested."""
    req = make_request(db, flags=["hors zone"])
    got = st.get_request(db, req.id)
    assert got.state == "requested"
    assert got.customer.email == "marie@example.com"
    assert got.customer.consent_at is not None
    assert got.address.zone == "extended"
    assert got.address.road_km == pytest.approx(12.4)
    assert got.address.travel_fee == Decimal("38.60")
    assert got.address.fee_explanation.startswith("Déplacement")
    assert got.desired_date == date(2026, 12, 3)
    assert got.flags == ("hors zone",)


def test_second_request_of_same_email_reuses_the_customer(db):
    """The customer is matched on e-mail (any case) so one person has one record."""
    a = make_request(db)
    b = make_request(db, email="MARIE@example.com", phone="")
    assert a.customer_id == b.customer_id
    c = make_request(db, email="", phone="(450) 555 1234")
    assert c.customer_id == a.customer_id


def test_request_without_contact_is_refused(db):
    """Neither phone nor e-mail: InvalidInput, nothing stored."""
    with pytest.raises(InvalidInput, match="phone number or an e-mail"):
        make_request(db, phone="", email="")
    assert st.list_requests(db) == []


def test_failed_transaction_leaves_nothing_half_written(db):
    """A duplicate Message-ID fails after the customer and address were added: all rolled back."""
    make_request(db, message_id="<a@b>")
    with pytest.raises(ConflictError):
        make_request(db, message_id="<a@b>", email="other@example.com", phone="")
    with db.read() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(st.CustomerRow)) == 1
        assert s.scalar(sa.select(sa.func.count()).select_from(st.AddressRow)) == 1
        assert s.scalar(sa.select(sa.func.count()).select_from(st.RequestRow)) == 1


def test_second_save_of_same_appointment_version_is_refused(db):
    """Two users edit version 1: the first save wins, the second gets ConflictError."""
    req = make_request(db)
    appt = st.book_appointment(db, req.id, start=at(3, 9), end=at(3, 11), actor="bureau")
    first = st.update_appointment(db, appt.id, expected_version=appt.version, actor="A", notes="A")
    with pytest.raises(ConflictError, match="changed by someone else") as caught:
        st.update_appointment(db, appt.id, expected_version=appt.version, actor="B", notes="B")
    assert "modifié par quelqu'un d'autre" in caught.value.localized("fr_CA")
    got = st.get_appointment(db, appt.id)
    assert got.notes == "A"
    assert got.version == first.version == appt.version + 1


def test_concurrent_saves_of_one_appointment_never_both_win(db):
    """Eight threads save the same loaded version at once: exactly one succeeds."""
    req = make_request(db)
    appt = st.book_appointment(db, req.id, start=at(3, 9), end=at(3, 11), actor="bureau")
    results: list[str] = []
    barrier = threading.Barrier(8)

    def save(i: int) -> None:
        barrier.wait()
        try:
            st.update_appointment(db, appt.id, expected_version=appt.version, actor=f"u{i}", notes=str(i))
            results.append("ok")
        except ConflictError:
            results.append("conflict")

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 7 + ["ok"]
    assert st.get_appointment(db, appt.id).version == appt.version + 1


def test_writes_are_audited_with_actor_and_without_personal_data(db):
    """Creating and editing leave audit entries naming the actor, the action and field names only."""
    req = make_request(db)
    st.update_customer(db, req.customer_id, expected_version=1, actor="lea", phone="450 555-0000")
    entries = st.audit_log(db, entity="customer", entity_id=req.customer_id)
    assert [(e.actor, e.action) for e in entries] == [("lea", "update"), ("bureau", "create")]
    assert entries[0].details == {"fields": ["phone"]}
    assert "450" not in str(st.audit_log(db))


def test_money_is_stored_exactly_and_sub_cent_amounts_are_refused(db):
    """Amounts round-trip as Decimal cents; an amount with a third decimal is refused."""
    req = make_request(db, coverage={**COVERAGE, "travel_fee": {"amount": "0.10"}})
    assert st.get_request(db, req.id).address.travel_fee == Decimal("0.10")
    with pytest.raises(InvalidInput, match="two decimals"):
        make_request(db, coverage={**COVERAGE, "travel_fee": {"amount": "1.005"}})


def test_naive_datetimes_are_refused(db):
    """An appointment window without a time zone is refused."""
    req = make_request(db)
    with pytest.raises(InvalidInput, match="timezone-aware"):
        st.book_appointment(
            db, req.id, start=datetime(2026, 12, 3, 9), end=datetime(2026, 12, 3, 10), actor="x"
        )


def test_day_appointments_follow_montreal_dates_not_utc(db):
    """An appointment at 20:00 in Montréal (01:00 UTC next day) belongs to its local day."""
    r1 = make_request(db)
    r2 = make_request(db, email="b@example.com", phone="514 555 0000", address="2 rue B")
    st.book_appointment(db, r1.id, start=at(3, 20), end=at(3, 21), actor="x")
    st.book_appointment(db, r2.id, start=at(4, 8), end=at(4, 10), actor="x")
    day3 = st.appointments_for_day(db, date(2026, 12, 3))
    assert [d.request_id for d in day3] == [r1.id]
    assert day3[0].appointment.window_start == at(3, 20)
    assert day3[0].lat == pytest.approx(45.7601)
    assert [d.customer_name for d in st.appointments_for_day(db, date(2026, 12, 4))] == ["Marie Tremblay"]


def test_technicians_are_listed_with_their_shift(db):
    """Technicians keep shift, break and skills; inactive ones are left out by default."""
    a = st.add_technician(db, name="Alex", skills=["mac"], shift_start=time(9), shift_end=time(17))
    b = st.add_technician(db, name="Béa")
    st.update_technician(db, b.id, expected_version=b.version, actor="x", active=False)
    techs = st.technicians(db)
    assert [t.name for t in techs] == ["Alex"]
    assert techs[0].skills == ("mac",) and techs[0].shift_start == time(9)
    assert {t.id for t in st.technicians(db, active_only=False)} == {a.id, b.id}


def test_unknown_ids_raise_not_found(db):
    """Asking for a request that does not exist raises NotFound."""
    with pytest.raises(NotFound):
        st.get_request(db, 999)
    with pytest.raises(NotFound):
        st.book_appointment(db, 999, start=at(3, 9), end=at(3, 10), actor="x")


def test_foreign_keys_are_enforced(db):
    """A row pointing at a missing parent is refused by the database itself."""
    with pytest.raises(ConflictError), db.write() as s:
        s.add(
            st.AppointmentRow(
                request_id=424242, kind="visit", window_start=at(3, 9), window_end=at(3, 10),
                created_at=at(1, 9),
            )
        )


def test_missing_postgresql_server_fails_on_ci_and_skips_elsewhere(monkeypatch):
    """Without $OPMS_TEST_PG_URL the PostgreSQL runs FAIL when $CI is set, and skip otherwise."""
    from tests.storage_support import pg_url_or_skip

    monkeypatch.delenv("OPMS_TEST_PG_URL", raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must test on the real PostgreSQL"):
        pg_url_or_skip()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"scripts/test\.sh"):
        pg_url_or_skip()


def test_older_database_is_upgraded_in_place_keeping_its_data(tmp_path):
    """A database left at revision 0001 is brought to head by open_database, rows kept."""
    from dispatch.records.migrations import head_revision, run_upgrade

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = st.open_database(url, migrate=False)
    run_upgrade(old.engine, "0001")
    assert st.schema_revision(old) == "0001"
    make_request(old)
    old.close()
    db = st.open_database(url)
    try:
        assert st.schema_revision(db) == head_revision() != "0001"
        assert [r.customer.name for r in st.list_requests(db)] == ["Marie Tremblay"]
    finally:
        db.close()


def test_calendar_groups_appointments_by_day(db):
    """appointments_between gives every day of the range, empty days included."""
    req = make_request(db)
    st.book_appointment(db, req.id, start=at(4, 13), end=at(4, 15), actor="x")
    cal = st.appointments_between(db, date(2026, 12, 3), date(2026, 12, 5))
    assert list(cal) == [date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 5)]
    assert [len(v) for v in cal.values()] == [0, 1, 0]


def test_remote_sessions_are_not_trips_of_the_day(db):
    """A remote-session slot is left out of the day's trips (the planner) but shown in the calendar."""
    r1 = make_request(db)
    r2 = make_request(db, email="r@example.com", phone="514 555 0003", remote_ok=True)
    st.book_appointment(db, r1.id, start=at(3, 9), end=at(3, 11), actor="x")
    st.book_appointment(db, r2.id, start=at(3, 13), end=at(3, 14), kind="remote", actor="x")
    assert [d.request_id for d in st.appointments_for_day(db, date(2026, 12, 3))] == [r1.id]
    cal = st.appointments_between(db, date(2026, 12, 3), date(2026, 12, 3))
    assert [d.appointment.kind for d in cal[date(2026, 12, 3)]] == ["visit", "remote"]
