"""Report periods: weeks from Monday, calendar months and quarters, midnight in Montréal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dispatch.errors import InvalidInput
from dispatch.records import TZ
from dispatch.reports import Period, month_of, period_of, quarter_of, week_of


def test_week_runs_monday_to_sunday():
    assert week_of(date(2026, 12, 3)) == Period(date(2026, 11, 30), date(2026, 12, 6), week_of(date(2026, 12, 3)).kind)
    assert week_of(date(2026, 11, 30)).first == date(2026, 11, 30)
    assert week_of(date(2026, 12, 6)).last == date(2026, 12, 6)


def test_month_and_quarter_are_calendar_ones_leap_february_included():
    assert (month_of(date(2028, 2, 10)).first, month_of(date(2028, 2, 10)).last) == (date(2028, 2, 1), date(2028, 2, 29))
    assert (month_of(date(2026, 12, 31)).first, month_of(date(2026, 12, 31)).last) == (date(2026, 12, 1), date(2026, 12, 31))
    q = quarter_of(date(2026, 11, 15))
    assert (q.first, q.last, q.days) == (date(2026, 10, 1), date(2026, 12, 31), 92)
    assert (quarter_of(date(2026, 3, 31)).first, quarter_of(date(2026, 3, 31)).last) == (date(2026, 1, 1), date(2026, 3, 31))


def test_bounds_are_local_midnights_in_winter_and_summer():
    """EST (UTC-5) in December, EDT (UTC-4) in July: the bounds follow the local midnight."""
    dec = month_of(date(2026, 12, 1))
    assert dec.since.astimezone(UTC) == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert dec.until.astimezone(UTC) == datetime(2027, 1, 1, 5, 0, tzinfo=UTC)
    jul = month_of(date(2026, 7, 1))
    assert jul.since.astimezone(UTC) == datetime(2026, 7, 1, 4, 0, tzinfo=UTC)


def test_last_second_of_the_last_day_is_in_and_next_midnight_is_out():
    p = Period(date(2026, 12, 1), date(2026, 12, 31))
    assert p.contains(datetime(2026, 12, 31, 23, 59, 59, tzinfo=TZ))
    assert not p.contains(datetime(2027, 1, 1, 0, 0, 0, tzinfo=TZ))
    assert p.contains(datetime(2026, 12, 1, 0, 0, 0, tzinfo=TZ))
    assert not p.contains(datetime(2026, 12, 1, 0, 0, 0, tzinfo=TZ) - timedelta(microseconds=1))
    # 04:59:59 UTC on 1 January is still 31 December in Montréal
    assert p.contains(datetime(2027, 1, 1, 4, 59, 59, tzinfo=UTC))


def test_day_of_dst_change_is_one_whole_local_day():
    """8 March 2026 (clocks forward) lasts 23 hours, from local midnight to local midnight."""
    p = Period(date(2026, 3, 8), date(2026, 3, 8))
    assert p.until.astimezone(UTC) - p.since.astimezone(UTC) == timedelta(hours=23)


def test_buckets_are_days_weeks_or_months_by_length():
    assert len(month_of(date(2026, 12, 1)).buckets()) == 31
    q = quarter_of(date(2026, 12, 1)).buckets()
    assert q[0] == date(2026, 10, 1) and all(b.weekday() == 0 for b in q[1:]) and len(q) == 14
    year = Period(date(2026, 1, 1), date(2026, 12, 31))
    assert year.buckets() == [date(2026, m, 1) for m in range(1, 13)]


def test_period_ending_before_it_starts_is_refused_in_french():
    with pytest.raises(InvalidInput) as err:
        Period(date(2026, 12, 31), date(2026, 12, 1))
    assert "avant" in err.value.localized()
    with pytest.raises(InvalidInput):
        period_of("decade", date(2026, 1, 1))
    with pytest.raises(InvalidInput):
        Period(date(2000, 1, 1), date(2026, 1, 1))
