"""Shared fixtures: the real data of ../shared/data and regions built from it once per run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OPMS_SHARED_DIR", ROOT.parent / "shared")).resolve()

MASCOUCHE_OSM = SHARED / "data" / "osm" / "mascouche_qc.osm"
VANCOUVER_PBF = SHARED / "data" / "osm" / "vancouver_canada.osm.pbf"
MASCOUCHE_SHOP = (45.7460, -73.6010)
VANCOUVER_SHOP = (49.2606, -123.1140)


#: The company's legal identity in the tests (invoices are refused with the placeholders of a
#: fresh installation). Set in the environment too, for the command-line and dashboard
#: processes the tests start.
TEST_LEGAL = {
    "gst_number": "987654321 RT0001",
    "qst_number": "9876543210 TQ0001",
    "interac_email": "paiements@opms-test.ca",
}
for _field, _value in TEST_LEGAL.items():
    os.environ.setdefault(f"OPMS_BILLING__{_field.upper()}", _value)


def with_legal_identity(settings):
    """``settings`` with :data:`TEST_LEGAL` as the company's legal numbers."""
    from dataclasses import replace

    return replace(settings, billing=replace(settings.billing, **TEST_LEGAL))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only data folder beside the checkout (never copied into the repository)."""
    data = SHARED / "data"
    assert data.is_dir(), f"{data} is missing: clone the repository with ../shared beside it"
    return data


#: The stored test data books visits on fixed days of December 2026; bookings are checked
#: against this time (a visit is refused once its window is over, see
#: dispatch.records.appointments.check_not_past), so that the suite does not depend on today.
BOOKING_CLOCK = (2026, 6, 1, 8, 0)


@pytest.fixture(autouse=True)
def booking_clock(monkeypatch):
    """Pin the clock of the past-booking rule to :data:`BOOKING_CLOCK` (Montréal time)."""
    from datetime import datetime

    from dispatch.records import appointments
    from dispatch.settings import TZ

    at = datetime(*BOOKING_CLOCK, tzinfo=TZ)
    monkeypatch.setattr(appointments, "booking_clock", lambda: at)
    return at


@pytest.fixture()
def data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh, empty data directory, also set as $OPMS_DATA_DIR."""
    d = tmp_path / "opms-data"
    d.mkdir()
    monkeypatch.setenv("OPMS_DATA_DIR", str(d))
    monkeypatch.delenv("OPMS_CONFIG", raising=False)
    return d


@pytest.fixture()
def settings(data_dir):
    """Default settings over a fresh data directory."""
    from dispatch.settings import load_settings

    return with_legal_identity(load_settings(data_dir=data_dir, env={}))


@pytest.fixture(scope="session")
def regions_data_dir(tmp_path_factory) -> Path:
    """One data directory holding the regions built once for the whole run."""
    return tmp_path_factory.mktemp("regions-data")


@pytest.fixture(scope="session")
def region_settings(regions_data_dir):
    """Settings whose data directory holds the session's built regions."""
    from dispatch.settings import load_settings

    return with_legal_identity(load_settings(data_dir=regions_data_dir, env={}))


@pytest.fixture(scope="session")
def mascouche(region_settings, shared_data):
    """The Mascouche region (real Québec streets and address points), built once."""
    from dispatch.geo.point import GeoPoint
    from dispatch.geo.region import build_region

    return build_region(
        MASCOUCHE_OSM, name="mascouche", shop=GeoPoint(*MASCOUCHE_SHOP), settings=region_settings
    )


@pytest.fixture(scope="session")
def vancouver(region_settings, shared_data):
    """The Vancouver region (routing-grade OSM: one-ways, road classes), built once."""
    from dispatch.geo.point import GeoPoint
    from dispatch.geo.region import build_region

    return build_region(
        VANCOUVER_PBF, name="vancouver", shop=GeoPoint(*VANCOUVER_SHOP), settings=region_settings
    )


@pytest.fixture()
def cli(mascouche, regions_data_dir, capsys, monkeypatch):
    """Run ``opms-dispatch ARGS --data-dir <session regions>``; returns (exit code, stdout, stderr)."""
    from dispatch.cli.main import main

    monkeypatch.delenv("OPMS_CONFIG", raising=False)

    def run(*args: str):
        code = main([*args, "--data-dir", str(regions_data_dir)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture()
def smtp():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that records what it receives."""
    from tests.messaging.smtp_server import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


def pytest_collection_finish(session):
    """A run with browser tests, or a large run, that would cross midnight waits for it first.

    See :mod:`tests.day_boundary` (each xdist worker waits for the same moment).
    """
    import sys
    import time
    from datetime import datetime

    from dispatch.settings import TZ
    from tests.day_boundary import RUN_MINUTES, seconds_to_wait

    items = session.items
    if not (len(items) >= 500 or any(item.get_closest_marker("browser") for item in items)):
        return
    minutes = float(os.environ.get("OPMS_TEST_RUN_MINUTES", RUN_MINUTES))
    wait = seconds_to_wait(datetime.now(TZ), run_minutes=minutes)
    if wait > 0:
        print(f"\nMidnight (Montréal) is less than {minutes:g} min away: waiting {wait:.0f} s so "
              "that the whole run sees one day (tests/day_boundary.py).", file=sys.__stderr__, flush=True)
        time.sleep(wait)
