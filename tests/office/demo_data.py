"""A demo day on Mascouche stored in a fresh database, shared by the office use-case tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dispatch import records
from dispatch.records import Database
from dispatch.settings import Settings, load_settings
from tests.conftest import with_legal_identity
from tests.servers.dashboard import prepare_data_dir

DAY = date(2026, 6, 2)  # a Tuesday


def open_demo(
    tmp_path: Path, regions_data_dir: Path, *, n_technicians: int = 3, n_visits: int = 8
) -> tuple[Settings, Database]:
    """The Mascouche region with ``n_visits`` demo visits on DAY: ``(settings, db)``."""
    d = prepare_data_dir(
        tmp_path / "data", regions_from=regions_data_dir, demo_day=DAY,
        n_technicians=n_technicians, n_visits=n_visits,
    )  # fmt: skip
    settings = with_legal_identity(load_settings(data_dir=d, env={}))
    return settings, records.open_database(settings=settings)
