"""Call lists (to contact, day-before confirmations) and call outcomes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from dispatch import records as st
from dispatch.errors import InvalidInput
from dispatch.office import calls as cl
from dispatch.records import TZ
from tests.storage_data import make_request

pytest_plugins = ["tests.storage_support"]

NINE = datetime(2026, 12, 3, 9, 0, tzinfo=TZ)
WINDOW = (NINE, NINE + timedelta(hours=2))


def test_requests_to_contact_oldest_first_with_desired_date_and_coverage(db):
    """Only 'requested' requests, oldest first, with desired date, zone, road km and fee."""
    old = make_request(db, at=datetime(2026, 11, 20, 8, tzinfo=TZ))
    new = make_request(db, email="b@example.com", phone="514 555 0001", at=datetime(2026, 11, 25, 8, tzinfo=TZ))
    booked = make_request(db, email="c@example.com", phone="514 555 0002", at=datetime(2026, 11, 1, tzinfo=TZ))
    st.book_appointment(db, booked.id, start=WINDOW[0], end=WINDOW[1], actor="x")
    items = cl.requests_to_contact(db)
    assert [i.request_id for i in items] == [old.id, new.id]
    first = items[0]
    assert (first.desired_date, first.zone, first.travel_fee) == (date(2026, 12, 3), "extended", Decimal("38.60"))
    assert first.road_km == pytest.approx(12.4) and first.phone == "450 555-1234"


def test_contact_call_reached_with_window_books_the_visit(db):
    """Reached + agreed window: appointment booked, request contacted, call logged, list empties."""
    req = make_request(db)
    call = cl.record_call(db, req.id, "reached", kind="contact", window=WINDOW, actor="lea")
    assert st.get_request(db, req.id).state == "contacted"
    appts = st.appointments_of(db, req.id)
    assert [(a.window_start, a.status) for a in appts] == [(NINE, "scheduled")]
    assert call.appointment_id == appts[0].id
    assert cl.requests_to_contact(db) == []


def test_message_left_is_logged_and_counted_without_changing_the_request(db):
    """Two messages left: still to contact, attempts 2, last outcome message_left."""
    req = make_request(db)
    cl.record_call(db, req.id, "message_left", kind="contact", actor="lea")
    cl.record_call(db, req.id, "message_left", kind="contact", actor="lea", note="boîte vocale")
    (item,) = cl.requests_to_contact(db)
    assert (item.attempts, item.last_outcome) == (2, "message_left")
    assert st.get_request(db, req.id).state == "requested"
    assert [c.note for c in cl.calls_of(db, req.id)] == ["", "boîte vocale"]


def test_tomorrow_confirmation_list_has_name_phone_window_address(db):
    """Day-before list: the day's unconfirmed appointments with name, phone, window and address."""
    req = make_request(db)
    cl.record_call(db, req.id, "reached", kind="contact", window=WINDOW, actor="lea")
    (item,) = cl.confirmation_calls(db, date(2026, 12, 3))
    assert (item.name, item.phone, item.window_start, item.window_end) == (
        "Marie Tremblay", "450 555-1234", WINDOW[0], WINDOW[1],
    )
    assert item.address.startswith("1234 chemin Sainte-Marie")
    assert cl.confirmation_calls(db, date(2026, 12, 4)) == []


def test_confirmation_call_reached_confirms_and_leaves_the_list(db):
    """Reached on the day-before call: appointment and request confirmed; no longer listed."""
    req = make_request(db)
    cl.record_call(db, req.id, "reached", kind="contact", window=WINDOW, actor="lea")
    cl.record_call(db, req.id, "reached", kind="confirmation", actor="lea")
    assert st.get_request(db, req.id).state == "confirmed"
    assert cl.confirmation_calls(db, date(2026, 12, 3)) == []


def test_rescheduled_call_moves_the_window_and_needs_a_new_confirmation(db):
    """Rescheduled to the 5th: the appointment moves, is listed on the 5th, not the 3rd."""
    req = make_request(db)
    cl.record_call(db, req.id, "reached", kind="contact", window=WINDOW, actor="lea")
    later = (WINDOW[0] + timedelta(days=2), WINDOW[1] + timedelta(days=2))
    cl.record_call(db, req.id, "rescheduled", kind="confirmation", window=later, actor="lea")
    assert cl.confirmation_calls(db, date(2026, 12, 3)) == []
    assert [i.window_start for i in cl.confirmation_calls(db, date(2026, 12, 5))] == [later[0]]


def test_cancelled_call_cancels_late_with_the_fee(db, settings):
    """Cancelled on the phone 20 h before: request cancelled, late, fee recorded, call logged."""
    s = settings.with_section("tariff", late_cancellation_fee=Decimal("25.00"))
    req = make_request(db)
    cl.record_call(db, req.id, "reached", kind="contact", window=WINDOW, actor="lea")
    cl.record_call(
        db, req.id, "cancelled", kind="confirmation", settings=s, actor="lea",
        at=NINE - timedelta(hours=20), note="n'en a plus besoin",
    )
    got = st.get_request(db, req.id)
    assert (got.state, got.cancellation, got.cancellation_fee) == ("cancelled", "late", Decimal("25.00"))
    assert [c.outcome for c in cl.calls_of(db, req.id)] == ["reached", "cancelled"]


def test_failed_outcome_logs_no_call(db):
    """Confirming a request that has no appointment fails and logs nothing (one transaction)."""
    req = make_request(db)
    with pytest.raises(InvalidInput, match="no appointment"):
        cl.record_call(db, req.id, "reached", kind="confirmation", actor="lea")
    assert cl.calls_of(db, req.id) == []


def test_rescheduled_without_window_is_refused(db):
    """A reschedule must say the new time."""
    req = make_request(db)
    with pytest.raises(InvalidInput, match="new window"):
        cl.record_call(db, req.id, "rescheduled", kind="contact", actor="lea")
