"""Technicians' live positions on record: consent of the day, last positions, daily purge."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from dispatch import records
from dispatch.errors import InvalidInput
from dispatch.records import positions as pos
from dispatch.settings import TZ

pytest_plugins = ["tests.storage_support"]

DAY = date(2026, 12, 7)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=TZ)


def test_position_is_refused_without_the_days_consent_and_says_how_to_fix(db):
    tech = records.add_technician(db, name="Luc").id
    with pytest.raises(pos.PositionConsentMissing, match="Share my position") as err:
        pos.record_position(db, tech, 45.74, -73.60, at=at(DAY, 9))
    assert "Partager ma position" in err.value.localized("fr_CA")
    pos.give_consent(db, tech, DAY, actor="tech:Luc", at=at(DAY, 8))
    pos.record_position(db, tech, 45.74, -73.60, accuracy_m=12.0, at=at(DAY, 9))
    with pytest.raises(pos.PositionConsentMissing):  # the consent is for one day only
        pos.record_position(db, tech, 45.74, -73.60, at=at(date(2026, 12, 8), 9))
    pos.withdraw_consent(db, tech, DAY, actor="tech:Luc", at=at(DAY, 10))
    assert not pos.has_consent(db, tech, DAY)
    with pytest.raises(pos.PositionConsentMissing):
        pos.record_position(db, tech, 45.74, -73.60, at=at(DAY, 10, 5))
    assert pos.latest_positions(db, DAY) == {}  # withdrawn: not shown any more


def test_position_out_of_range_is_refused(db):
    tech = records.add_technician(db, name="Luc").id
    pos.give_consent(db, tech, DAY, actor="t")
    with pytest.raises(InvalidInput):
        pos.record_position(db, tech, 145.0, -73.6, at=at(DAY, 9))
    with pytest.raises(InvalidInput):
        pos.record_position(db, tech, 45.0, -73.6, accuracy_m=-1, at=at(DAY, 9))


def test_latest_positions_gives_each_sharing_technicians_last_point_of_the_day(db):
    a = records.add_technician(db, name="A").id
    b = records.add_technician(db, name="B").id
    for t in (a, b):
        pos.give_consent(db, t, DAY, actor="t", at=at(DAY, 7))
    pos.record_position(db, a, 45.70, -73.60, at=at(DAY, 9))
    pos.record_position(db, a, 45.71, -73.61, accuracy_m=5, at=at(DAY, 9, 3))
    pos.record_position(db, b, 45.72, -73.62, at=at(DAY, 8, 30))
    latest = pos.latest_positions(db, DAY)
    assert set(latest) == {a, b}
    assert (latest[a].lat, latest[a].lon, latest[a].accuracy_m) == (45.71, -73.61, 5.0)
    assert latest[a].recorded_at == at(DAY, 9, 3) and latest[a].recorded_at.tzinfo is not None
    assert pos.latest_positions(db, date(2026, 12, 8)) == {}


def test_purge_deletes_past_days_points_and_keeps_a_count_per_day(db):
    tech = records.add_technician(db, name="Luc").id
    yesterday, today = date(2026, 12, 6), DAY
    for d in (yesterday, today):
        pos.give_consent(db, tech, d, actor="t", at=at(d, 7))
    for hh in (9, 10, 11):
        pos.record_position(db, tech, 45.7, -73.6, at=at(yesterday, hh))
    pos.record_position(db, tech, 45.7, -73.6, at=at(today, 9))
    assert pos.purge_positions(db, today) == 3
    assert pos.positions_of_day(db, tech, yesterday) == []
    assert len(pos.positions_of_day(db, tech, today)) == 1  # today's points stay
    [kept] = pos.position_days(db, tech)
    assert (kept.day, kept.points, kept.first_at, kept.last_at) == (yesterday, 3, at(yesterday, 9), at(yesterday, 11))
    assert pos.purge_positions(db, today) == 0  # idempotent
    assert pos.position_days(db, tech)[0].points == 3


def test_worker_purges_the_points_of_past_days(db, settings):
    from dispatch.messaging.worker import JOB_PROVIDERS, Worker
    from dispatch.office import live

    assert "dispatch.office.live" in JOB_PROVIDERS
    tech = records.add_technician(db, name="Luc").id
    yesterday = date(2026, 12, 6)
    pos.give_consent(db, tech, yesterday, actor="t", at=at(yesterday, 7))
    pos.record_position(db, tech, 45.7, -73.6, at=at(yesterday, 9))
    worker = Worker(db, settings, jobs=live.worker_jobs(settings), clock=lambda: at(DAY, 0, 30))
    result = worker.run_once()
    assert result["positions_purge"] == {"before": DAY.isoformat(), "deleted": 1}
    assert pos.positions_of_day(db, tech, yesterday) == [] and pos.position_days(db)[0].points == 1
