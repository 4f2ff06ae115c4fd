"""Booking a request in one screen (dispatch.office.booking_screen): the best free windows of
the page's day and the next ones, ranked by added drive time, booked with one click."""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time

import pytest

from dispatch import records
from dispatch.errors import InvalidInput
from dispatch.i18n import set_language
from dispatch.office import booking, booking_screen, calls, intake
from dispatch.settings import TZ
from tests.office.demo_data import DAY, open_demo

ADDRESS = "1015 Avenue Saint-Denis, Mascouche"


@pytest.fixture()
def demo(tmp_path, mascouche, regions_data_dir):
    """The Mascouche region with 8 demo visits on DAY (a Tuesday) for 3 technicians."""
    settings, db = open_demo(tmp_path, regions_data_dir)
    yield settings, db
    db.close()


def _request(db, settings, region, address=ADDRESS, name="Luc Roy"):
    form = intake.RequestForm(name=name, address=address, phone="450 555-2222", consent=True)
    return intake.submit(db, form, settings=settings, region=region)


def test_candidate_windows_start_every_half_hour_not_only_at_four_slots():
    wins = booking_screen.candidate_windows()
    assert wins[0] == ("08:00", "10:00") and wins[1] == ("08:30", "10:30") and wins[-1] == ("15:00", "17:00")
    assert len(wins) == 15
    assert len(wins) > len(booking.CALL_WINDOWS)


def test_the_best_windows_start_on_the_pages_day_ranked_by_added_drive_time(demo, mascouche):
    """3 to 5 windows from the page's day on, cheapest first, each with its technician and the
    minutes it adds; never two overlapping windows of the same technician on a day."""
    settings, db = demo
    req = _request(db, settings, mascouche)
    started = clock.perf_counter()
    screen = booking_screen.booking_options(db, mascouche, settings, req.id, start=DAY)
    seconds = clock.perf_counter() - started
    assert screen.placed and screen.request.name == "Luc Roy"
    assert screen.days[0] == DAY and len(screen.days) == booking_screen.DAYS
    opts = screen.options
    assert 3 <= len(opts) <= 5
    assert [o.rank for o in opts] == list(range(1, len(opts) + 1))
    added = [o.added_min for o in opts]
    assert added == sorted(added) and all(a >= 0 for a in added)
    names = {t.name: t.id for t in records.technicians(db)}
    assert all(names[o.technician] == o.technician_id for o in opts)
    for a in opts:
        assert a.day in screen.days and a.window_end - a.window_start == booking_screen.WINDOW_LENGTH
        for b in opts:
            if a is not b and a.technician_id == b.technician_id and a.day == b.day:
                assert a.window_end <= b.window_start or b.window_end <= a.window_start
    # windows are not limited to the four fixed slots
    assert seconds < 30


def test_windows_already_started_are_not_offered(demo, mascouche):
    """At 11:10 on the page's day only windows from 11:30 on are offered that day."""
    settings, db = demo
    req = _request(db, settings, mascouche)
    now = datetime.combine(DAY, time(11, 10), tzinfo=TZ)
    screen = booking_screen.booking_options(db, mascouche, settings, req.id, start=DAY, now=now)
    assert screen.options and all(o.window_start >= now for o in screen.options)
    # a page's day already over starts from today
    later = booking_screen.booking_options(db, mascouche, settings, req.id, start=date(2026, 5, 1),
                                           now=now)
    assert later.days[0] == DAY


def test_booking_one_option_books_the_window_and_says_so_in_french(demo, mascouche):
    """One click: the call is logged as reached, the appointment has the window and the
    technician, the request leaves the call list, the confirmation names all three."""
    settings, db = demo
    req = _request(db, settings, mascouche)
    best = booking_screen.booking_options(db, mascouche, settings, req.id, start=DAY).options[0]
    done = booking_screen.book_option(db, req.id, best, actor="test", settings=settings)
    (appt,) = records.appointments_of(db, req.id)
    assert (appt.window_start, appt.window_end) == (best.window_start, best.window_end)
    assert appt.technician_id == best.technician_id and done.appointment_id == appt.id
    assert records.get_request(db, req.id).state == "contacted"
    assert req.id not in {i.request_id for i in calls.requests_to_contact(db)}
    assert [c.outcome for c in calls.calls_of(db, req.id)] == ["reached"]
    set_language("fr_CA")
    try:
        text = done.message()
    finally:
        set_language(None)
    assert text.startswith("Rendez-vous pris") and best.technician in text
    assert best.window_start.strftime("%H:%M") in text
    # booked twice: refused with a clear error, nothing more stored
    with pytest.raises(InvalidInput):
        booking_screen.booking_options(db, mascouche, settings, req.id, start=DAY)


def test_a_request_without_a_position_offers_no_window_but_says_why(demo, mascouche):
    """An address beyond the map (Terrebonne) has no position: nothing to rank, placed False."""
    settings, db = demo
    req = _request(db, settings, mascouche, address="1200 boulevard des Seigneurs, Terrebonne")
    screen = booking_screen.booking_options(db, mascouche, settings, req.id, start=DAY)
    assert not screen.placed and screen.options == ()
