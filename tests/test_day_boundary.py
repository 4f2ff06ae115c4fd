"""The test run's guard against crossing midnight (tests/day_boundary.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dispatch.settings import TZ
from tests.day_boundary import AFTER_MIDNIGHT_S, seconds_to_wait


def test_a_run_started_at_23_52_waits_until_just_after_midnight():
    """The CI run that failed started at 23:52: it now waits 8 min and a few seconds."""
    assert seconds_to_wait(datetime(2026, 12, 6, 23, 52, tzinfo=TZ)) == 8 * 60 + AFTER_MIDNIGHT_S


def test_a_run_started_in_the_day_does_not_wait():
    assert seconds_to_wait(datetime(2026, 12, 6, 9, 0, tzinfo=TZ)) == 0
    assert seconds_to_wait(datetime(2026, 12, 6, 23, 39, tzinfo=TZ)) == 0


def test_a_run_started_just_after_midnight_does_not_wait():
    assert seconds_to_wait(datetime(2026, 12, 7, 0, 0, 10, tzinfo=TZ)) == 0


def test_the_margin_is_the_run_length():
    at = datetime(2026, 12, 6, 23, 30, tzinfo=TZ)
    assert seconds_to_wait(at, run_minutes=20) == 0
    assert seconds_to_wait(at, run_minutes=40) == 30 * 60 + AFTER_MIDNIGHT_S


def test_the_wait_follows_the_montreal_day_not_utc():
    """04:52 UTC is 23:52 in Montréal in December: that is the one that waits."""

    utc = datetime(2026, 12, 7, 4, 52, tzinfo=UTC)
    assert seconds_to_wait(utc.astimezone(TZ)) == 8 * 60 + AFTER_MIDNIGHT_S


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        seconds_to_wait(datetime(2026, 12, 6, 23, 52))
