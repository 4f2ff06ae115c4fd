"""Database fixtures for the storage tests: every test runs on SQLite AND on PostgreSQL.

Use in a test module with ``pytest_plugins = ["tests.storage_support"]`` and a ``db``
argument. Each test gets an empty database built by the migrations:

* SQLite: a copy of a file migrated once per session (the migrations themselves are tested
  in tests/records/test_storage.py on a fresh file);
* PostgreSQL: one database per session (and xdist worker) migrated once, on the server of
  ``$OPMS_TEST_PG_URL`` (started by scripts/test.sh), every table emptied before each test
  and the database dropped at the end of the session. Without that variable the PostgreSQL runs are skipped, or FAIL when ``$CI``
  is set (CI must never silently skip the real server).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_ENV = "OPMS_TEST_PG_URL"

def pg_url_or_skip() -> str:
    """The PostgreSQL test server URL; skip (or fail on CI) when it is not configured."""
    url = os.environ.get(PG_ENV, "")
    if not url:
        reason = f"${PG_ENV} is not set: run through scripts/test.sh (make test) to start PostgreSQL"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must test on the real PostgreSQL server.")
        pytest.skip(reason)
    return url


def _admin_engine(url: str) -> sa.Engine:
    return sa.create_engine(sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to the newest schema, copied for each test."""
    from dispatch.records import open_database

    path = tmp_path_factory.mktemp("sqlite-template") / "opms.sqlite3"
    db = open_database(f"sqlite:///{path}")
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """URL of a PostgreSQL database of this session (and xdist worker), built by the migrations."""
    from dispatch.records import open_database

    url = pg_url_or_skip()
    name = f"opms_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    db_url = sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    db = open_database(db_url)
    db.close()
    yield db_url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _empty_pg(url: str) -> None:
    """Delete every row of every table (schema and migrations kept), counters included."""
    from dispatch.records import Base

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    engine.dispose()


def new_db_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of ``backend`` at the newest schema, for one test.

    SQLite: a fresh copy of the migrated template file. PostgreSQL: the session's migrated
    database with every table emptied (TRUNCATE ... RESTART IDENTITY) before the test, which
    is as isolated as a fresh database and ten times faster than CREATE DATABASE.
    """
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "opms.sqlite3"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    url = request.getfixturevalue("pg_database")
    _empty_pg(url)
    yield url


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> Iterator[str]:
    """URL of a fresh, migrated, empty database (SQLite and PostgreSQL)."""
    yield from new_db_url(request, request.param, tmp_path)


@pytest.fixture()
def db(db_url):
    """An open, empty database (SQLite and PostgreSQL), closed after the test."""
    from dispatch.records import open_database

    database = open_database(db_url)
    yield database
    database.close()


@pytest.fixture()
def db_settings(settings, db):
    """Default settings whose database is the test's ``db``."""
    return settings.with_section("database", url=db.engine.url.render_as_string(hide_password=False))
