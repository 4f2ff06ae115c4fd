"""A slot the customer picks: ranked windows, plain labels, tentative booking, the call list."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from dispatch import records as st
from dispatch.errors import InvalidInput, InvalidTransition
from dispatch.i18n import set_language
from dispatch.office import calls, intake, slots
from dispatch.records import TZ
from tests.office.demo_data import DAY, open_demo
from tests.storage_data import make_request

pytest_plugins = ["tests.storage_support"]

ADDRESS = "1015 Avenue Saint-Denis, Mascouche"
#: The Monday before the demo day (DAY, a Tuesday): the slots start on DAY.
MONDAY = datetime(2026, 6, 1, 14, 0, tzinfo=TZ)
WINDOW = (datetime(2026, 12, 8, 13, 0, tzinfo=TZ), datetime(2026, 12, 8, 15, 0, tzinfo=TZ))
BEFORE = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)


@pytest.fixture()
def demo(tmp_path, mascouche, regions_data_dir):
    """Mascouche with 8 demo visits on DAY (3 technicians) and one new request: (settings, db, id)."""
    settings, db = open_demo(tmp_path, regions_data_dir)
    req = intake.submit(
        db, intake.RequestForm(name="Julie Gagnon", address=ADDRESS, phone="450 555-7777",
                               problem="Imprimante", consent=True),
        settings=settings, region=mascouche,
    )  # fmt: skip
    yield settings, db, req.id
    db.close()


def test_slot_label_says_the_day_and_the_window_plainly():
    """French: « mardi 8 décembre, entre 13 h et 15 h »; minutes shown only when not on the hour."""
    set_language("fr_CA")
    try:
        assert slots.slot_label(*WINDOW) == "mardi 8 décembre, entre 13 h et 15 h"
        half = (WINDOW[0].replace(hour=8, minute=30), WINDOW[1].replace(hour=10, minute=30))
        assert slots.slot_label(*half) == "mardi 8 décembre, entre 8 h 30 et 10 h 30"
    finally:
        set_language(None)


def test_slots_are_ranked_by_added_drive_time_from_tomorrow(demo, mascouche):
    """3-5 windows on working days from tomorrow, least added driving first, numbered from 1."""
    settings, db, rid = demo
    found = slots.slots_for_request(db, mascouche, settings, rid, now=MONDAY)
    assert 3 <= len(found) <= 5
    assert [s.number for s in found] == list(range(1, len(found) + 1))
    added = [s.added_travel_min for s in found]
    assert added == sorted(added)
    working = {DAY, date(2026, 6, 3), date(2026, 6, 4), date(2026, 6, 5), date(2026, 6, 8)}
    assert {s.day for s in found} <= working
    for s in found:
        assert s.window_start.date() == s.day and s.window_start < s.window_end
        assert s.to_dict()["label"] == s.label


def test_picking_a_slot_books_it_tentative_and_keeps_the_request_to_contact(demo, mascouche):
    """The request stays 'requested', flagged; the window is held in that day's appointments."""
    settings, db, rid = demo
    offered = slots.slots_for_request(db, mascouche, settings, rid, now=MONDAY)
    appt = slots.pick_slot(db, mascouche, settings, rid, 2, now=MONDAY, slots=offered)
    assert appt.status == slots.TENTATIVE
    assert (appt.window_start, appt.window_end) == (offered[1].window_start, offered[1].window_end)
    req = st.get_request(db, rid)
    assert req.state == "requested" and slots.FLAG_TENTATIVE in req.flags
    held = [a.appointment.id for a in st.appointments_for_day(db, offered[1].day)]
    assert appt.id in held  # the planner counts it: the window is not offered twice
    with pytest.raises(InvalidInput):
        slots.pick_slot(db, mascouche, settings, rid, len(offered) + 1, now=MONDAY, slots=offered)


def test_a_second_pick_moves_the_tentative_window(db):
    """One tentative window per request: choosing again moves it."""
    req = make_request(db)
    first = slots.book_tentative(db, req.id, start=WINDOW[0], end=WINDOW[1], now=BEFORE)
    later = (WINDOW[0] + timedelta(days=1), WINDOW[1] + timedelta(days=1))
    second = slots.book_tentative(db, req.id, start=later[0], end=later[1], now=BEFORE)
    assert second.id == first.id and second.window_start == later[0]
    assert [a.status for a in st.appointments_of(db, req.id)] == [slots.TENTATIVE]


def test_a_window_already_over_cannot_be_picked(db):
    """The customer's clock is the rule's: a window ended before now is refused."""
    req = make_request(db)
    with pytest.raises(InvalidInput):
        slots.book_tentative(db, req.id, start=WINDOW[0], end=WINDOW[1], now=WINDOW[1])


def test_call_list_puts_the_picked_windows_first_with_their_window(db):
    """Oldest-first requests to contact, except the customers' picks, which come first."""
    old = make_request(db, at=datetime(2026, 11, 20, 8, tzinfo=TZ))
    new = make_request(db, email="b@example.com", phone="514 555 0001", at=datetime(2026, 11, 25, 8, tzinfo=TZ))
    assert [i.request_id for i in calls.requests_to_contact(db)] == [old.id, new.id]
    appt = slots.book_tentative(db, new.id, start=WINDOW[0], end=WINDOW[1], now=BEFORE)
    items = slots.call_list(db)
    assert [i.request_id for i in items] == [new.id, old.id]
    top = items[0]
    assert (top.appointment_id, top.window_start, top.window_end) == (appt.id, *WINDOW)
    assert slots.FLAG_TENTATIVE in top.flags
    assert items[1].window_start is None


def test_the_office_call_settles_the_tentative_window(db):
    """accept_tentative: appointment scheduled, request contacted, flag gone, off the contact list."""
    req = make_request(db)
    appt = slots.book_tentative(db, req.id, start=WINDOW[0], end=WINDOW[1], now=BEFORE)
    settled = slots.accept_tentative(db, req.id, actor="bureau")
    assert settled is not None and settled.id == appt.id and settled.status == "scheduled"
    after = st.get_request(db, req.id)
    assert after.state == "contacted" and slots.FLAG_TENTATIVE not in after.flags
    assert slots.call_list(db) == []
    assert [c.appointment_id for c in calls.confirmation_calls(db, WINDOW[0].date())] == [appt.id]
    assert slots.accept_tentative(db, req.id, actor="bureau") is None
    with pytest.raises(InvalidTransition):  # a time is agreed: the customer asks to move instead
        slots.book_tentative(db, req.id, start=WINDOW[0], end=WINDOW[1], now=BEFORE)


def test_a_request_without_a_position_gets_no_slots(demo, mascouche):
    """An address the map could not place: the office calls instead (a clear error)."""
    settings, db, _ = demo
    lost = make_request(db, email="x@example.com", phone="514 555 0009", coverage=None)
    with pytest.raises(InvalidInput) as err:
        slots.slots_for_request(db, mascouche, settings, lost.id, now=MONDAY)
    assert "appel" in err.value.localized() or "call" in str(err.value)


def test_clock_reads_opms_now(monkeypatch):
    """$OPMS_NOW sets the clock (Montréal time without an offset); a bad value is refused."""
    monkeypatch.setenv(slots.NOW_ENV, "2026-12-07T09:00")
    assert slots.clock() == datetime(2026, 12, 7, 9, 0, tzinfo=TZ)
    monkeypatch.setenv(slots.NOW_ENV, "demain")
    with pytest.raises(InvalidInput):
        slots.clock()
