"""A visit cannot be booked in the past, unless an administrator forces it.

The suite's clock of the rule is pinned (tests/conftest.py ``booking_clock``); these tests set
it themselves, or put it back on the real clock.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from dispatch import records as st
from dispatch.cli.main import main
from dispatch.errors import AccessDenied, InvalidInput
from dispatch.office import booking
from dispatch.office.auth import User
from dispatch.records import appointments
from dispatch.records.lifecycle import State
from tests.storage_data import make_request

pytest_plugins = ["tests.storage_support"]

NOON = datetime(2026, 12, 3, 12, 0, tzinfo=st.TZ)


@pytest.fixture()
def clock(monkeypatch):
    """Set the booking rule's clock: ``clock(at)``."""

    def set_clock(at: datetime) -> None:
        monkeypatch.setattr(appointments, "booking_clock", lambda: at)

    return set_clock


def staff(role: str) -> User:
    t = datetime(2026, 1, 1, tzinfo=st.TZ)
    return User(id=1, username=role, role=role, technician_id=None, disabled=False, failed_logins=0,
                locked_until=None, last_login_at=None, password_changed_at=t, created_at=t)


def test_a_window_already_over_is_refused_and_nothing_is_stored(db, clock):
    """At noon, 9:00-11:00 the same morning is refused (French message, --force named); no state change."""
    clock(NOON)
    req = make_request(db)
    with pytest.raises(InvalidInput) as info:
        st.book_appointment(db, req.id, start=NOON - timedelta(hours=3), end=NOON - timedelta(hours=1), actor="b")
    french = info.value.localized("fr_CA")
    assert "passé" in french and "--force" in french and "2026-12-03 09:00" in french
    assert st.appointments_of(db, req.id) == []
    assert st.get_request(db, req.id).state == State.REQUESTED.value


def test_on_the_real_clock_yesterday_is_refused(db, monkeypatch):
    """Not only the test clock: with the product's own clock, yesterday's window is refused."""
    monkeypatch.setattr(appointments, "booking_clock", lambda: appointments.now())
    req = make_request(db)
    start = appointments.now() - timedelta(days=1)
    with pytest.raises(InvalidInput):
        st.book_appointment(db, req.id, start=start, end=start + timedelta(hours=2), actor="b")


def test_a_window_under_way_or_to_come_is_accepted(db, clock):
    """At noon, 11:00-13:00 (the technician can still come) and tomorrow are booked."""
    clock(NOON)
    r1, r2 = make_request(db), make_request(db, email="b@example.com")
    st.book_appointment(db, r1.id, start=NOON - timedelta(hours=1), end=NOON + timedelta(hours=1), actor="b")
    st.book_appointment(db, r2.id, start=NOON + timedelta(days=1), end=NOON + timedelta(days=1, hours=2), actor="b")
    assert len(st.appointments_of(db, r1.id)) == len(st.appointments_of(db, r2.id)) == 1


def test_force_books_a_visit_made_earlier(db, clock):
    """force=True (an administrator recording a visit made earlier) books the past window."""
    clock(NOON)
    req = make_request(db)
    appt = st.book_appointment(db, req.id, start=NOON - timedelta(days=2), end=NOON - timedelta(days=2, hours=-2),
                               actor="admin", force=True)
    assert appt.window_start == NOON - timedelta(days=2)


def test_moving_a_window_into_the_past_is_refused_unless_forced(db, clock):
    """update_appointment: a new window already over is refused; other edits of an old one are not."""
    clock(NOON - timedelta(days=7))
    req = make_request(db)
    appt = st.book_appointment(db, req.id, start=NOON, end=NOON + timedelta(hours=2), actor="b")
    clock(NOON + timedelta(days=1))
    with pytest.raises(InvalidInput):
        st.update_appointment(db, appt.id, expected_version=None, actor="b",
                              window_start=NOON - timedelta(hours=4), window_end=NOON - timedelta(hours=2))
    st.update_appointment(db, appt.id, expected_version=None, actor="b", notes="venu")  # not a new window
    moved = st.update_appointment(db, appt.id, expected_version=None, actor="admin", force=True,
                                  window_start=NOON - timedelta(hours=4), window_end=NOON - timedelta(hours=2))
    assert moved.window_start == NOON - timedelta(hours=4)


def test_only_an_administrator_may_force_a_past_booking_from_the_office(db_settings, db, clock):
    """record_contact_call(force=True): a dispatcher is refused (AccessDenied), an admin books."""
    clock(NOON + timedelta(days=1))
    req = make_request(db)
    day = NOON.date()
    with pytest.raises(InvalidInput):
        booking.record_contact_call(db, req.id, "reached", day=day, window="08:00–10:00", actor="x", settings=db_settings)
    with pytest.raises(AccessDenied):
        booking.record_contact_call(db, req.id, "reached", day=day, window="08:00–10:00", actor="x",
                                    settings=db_settings, force=True, user=staff("dispatcher"))
    with pytest.raises(AccessDenied):
        booking.record_contact_call(db, req.id, "reached", day=day, window="08:00–10:00", actor="x",
                                    settings=db_settings, force=True)
    call = booking.record_contact_call(db, req.id, "reached", day=day, window="08:00–10:00", actor="x",
                                       settings=db_settings, force=True, user=staff("admin"))
    assert call.appointment_id is not None


def test_cli_refuses_a_past_window_with_exit_2_and_books_it_with_force(db_settings, db, clock, capsys, monkeypatch):
    """`calls record ... --start/--end` in the past: exit 2 in French; with --force: booked, exit 0."""
    monkeypatch.setenv("OPMS_DATABASE__URL", db.engine.url.render_as_string(hide_password=False))
    clock(NOON + timedelta(days=1))
    req = make_request(db)
    argv = ["calls", "record", str(req.id), "--kind", "contact", "--outcome", "reached",
            "--start", "2026-12-03T09:00", "--end", "2026-12-03T11:00", "--json"]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and "passé" in err
    assert main([*argv, "--force"]) == 0
    doc = json.loads(capsys.readouterr()[0])
    assert doc["appointment_id"] is not None and doc["request_state"] == State.CONTACTED.value
