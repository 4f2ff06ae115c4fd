"""Booking during a call: ranked windows of the next working days, the contact call."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from dispatch import records
from dispatch.errors import DispatchError, InvalidInput
from dispatch.office import booking, intake, planning
from dispatch.settings import load_settings
from tests.office.demo_data import DAY, open_demo
from tests.servers.dashboard import prepare_data_dir

ADDRESS = "1015 Avenue Saint-Denis, Mascouche"


@pytest.fixture()
def demo(tmp_path, mascouche, regions_data_dir):
    """The Mascouche region with 8 demo visits on DAY for 3 technicians: (settings, db)."""
    settings, db = open_demo(tmp_path, regions_data_dir)
    yield settings, db
    db.close()


def test_propose_bookings_ranks_windows_by_added_road_time(demo, mascouche):
    """Windows come from working days from the start, cheapest first, named after a technician."""
    settings, db = demo
    options = booking.propose_bookings(db, mascouche, settings, ADDRESS, duration_min=60, start=DAY)
    assert 1 <= len(options) <= 5
    added = [o.added_travel_min for o in options]
    assert added == sorted(added)
    names = {t.name for t in records.technicians(db)}
    assert {o.technician for o in options} <= names
    working = {DAY, date(2026, 6, 3), date(2026, 6, 4), date(2026, 6, 5), date(2026, 6, 8)}
    assert {o.day for o in options} <= working
    for o in options:
        assert o.window_start.date() == o.day and o.window_start < o.window_end
        assert o.window_start.utcoffset() is not None


def test_propose_bookings_looks_only_at_the_days_asked(demo, mascouche):
    """``days=1`` from a Saturday looks at the Monday only."""
    settings, db = demo
    options = booking.propose_bookings(
        db, mascouche, settings, ADDRESS, duration_min=30, start=date(2026, 6, 6), days=1
    )
    assert options and {o.day for o in options} == {date(2026, 6, 8)}


def test_propose_bookings_without_technicians_offers_nothing(tmp_path, mascouche, regions_data_dir):
    """No active technician: no day can take the visit, the list is empty (the page says so)."""
    d = prepare_data_dir(tmp_path / "empty", regions_from=regions_data_dir)
    settings = load_settings(data_dir=d, env={})
    db = records.open_database(settings=settings)
    try:
        assert booking.propose_bookings(db, mascouche, settings, ADDRESS, duration_min=60, start=DAY) == []
    finally:
        db.close()


def test_propose_bookings_of_an_unknown_address_raises_a_product_error(demo, mascouche):
    """An address off the map is a DispatchError (shown by the page), not a crash."""
    settings, db = demo
    with pytest.raises(DispatchError):
        booking.propose_bookings(db, mascouche, settings, "zzzz qqqq, Nulle-Part", duration_min=60, start=DAY)


def test_technician_names_join_stored_technicians_to_routing_ids(demo):
    """Routing ids ``t<id>`` map to the stored names."""
    _, db = demo
    names = booking.technician_names(db)
    assert names == {planning.technician_id(t.id): t.name for t in records.technicians(db)}
    assert len(names) == 3


def test_call_window_is_the_labelled_window_in_montreal_time():
    """"10:00–12:00" on a day is 10 h to 12 h, Montréal time; an unknown label is refused."""
    start, end = booking.call_window(DAY, "10:00–12:00")
    assert (start, end) == (datetime(2026, 6, 2, 10, tzinfo=planning.TZ), datetime(2026, 6, 2, 12, tzinfo=planning.TZ))
    assert next(iter(booking.CALL_WINDOWS)) == "08:00–10:00"
    with pytest.raises(InvalidInput, match="midi"):
        booking.call_window(DAY, "midi")


def test_contact_call_reached_books_the_chosen_window(demo, mascouche):
    """A reached contact call books the request in the window; a message left books nothing."""
    settings, db = demo
    form = intake.RequestForm(name="Luc Roy", address=ADDRESS, phone="450 555-2222", consent=True)
    reached = intake.submit(db, form, settings=settings, region=mascouche)
    other = intake.submit(db, intake.RequestForm(name="Ève Roy", address=ADDRESS, phone="450 555-3333",
                                                 consent=True), settings=settings, region=mascouche)
    booking.record_contact_call(db, reached.id, "reached", day=DAY, window="13:00–15:00",
                                actor="test", settings=settings)
    booking.record_contact_call(db, other.id, "message_left", day=DAY, window="13:00–15:00",
                                actor="test", settings=settings)
    (appt,) = records.appointments_of(db, reached.id)
    assert appt.window_start == datetime(2026, 6, 2, 13, tzinfo=planning.TZ)
    assert records.get_request(db, reached.id).state == "contacted"
    assert records.appointments_of(db, other.id) == []
