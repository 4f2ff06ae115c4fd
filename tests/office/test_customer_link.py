"""The customer's signed link: tokens, confirm, cancel (late inside 24 h, with the fee), move."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from dispatch import records as st
from dispatch.errors import InvalidInput, InvalidTransition
from dispatch.office import customer_link as cl
from dispatch.office import slots
from dispatch.records import TZ
from tests.storage_data import make_request

pytest_plugins = ["tests.storage_support"]

START = datetime(2026, 12, 8, 13, 0, tzinfo=TZ)
WINDOW = (START, START + timedelta(hours=2))
EARLY = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)


@pytest.fixture()
def fee_settings(db_settings):
    """Settings with a late-cancellation fee of 25,00 $ and the usual 24 h notice."""
    return db_settings.with_section("tariff", late_cancellation_fee=Decimal("25.00"))


def test_token_names_its_request_and_refuses_any_change(settings):
    """A token reads back its request; a changed id, expiry or signature is refused."""
    token = cl.make_token(settings, 42, now=EARLY)
    assert cl.read_token(settings, token, now=EARLY) == 42
    rid, expiry, sig = token.split(".")
    for forged in (f"43.{expiry}.{sig}", f"{rid}.{int(expiry) + 86400}.{sig}", f"{rid}.{expiry}.{sig[:-2]}AA",
                   "42", "", "a.b.c"):
        with pytest.raises(InvalidInput):
            cl.read_token(settings, forged, now=EARLY)


def test_token_expires_after_link_days(settings):
    """Valid until LINK_DAYS days after it was made, refused after."""
    token = cl.make_token(settings, 7, now=EARLY)
    assert cl.read_token(settings, token, now=EARLY + timedelta(days=cl.LINK_DAYS - 1)) == 7
    with pytest.raises(InvalidInput) as err:
        cl.read_token(settings, token, now=EARLY + timedelta(days=cl.LINK_DAYS, seconds=1))
    assert "expiré" in err.value.localized()


def test_key_is_private_and_per_installation(settings, tmp_path):
    """The key file is 0600 in a 0700 folder; another installation's key refuses the token."""
    from dispatch.settings import load_settings

    token = cl.make_token(settings, 5, now=EARLY)
    path = cl.key_path(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    other = load_settings(data_dir=tmp_path / "other", env={})
    with pytest.raises(InvalidInput):
        cl.read_token(other, token, now=EARLY)


def test_customer_url_opens_the_slot_page_with_the_token(settings):
    """``{base}/creneau?t=TOKEN``."""
    url = cl.customer_url(settings, 9, base_url="https://opms.example/", now=EARLY)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "opms.example", "/creneau")
    assert cl.read_token(settings, parse_qs(parts.query)["t"][0], now=EARLY) == 9


def test_link_says_late_with_the_fee_before_cancelling_23_h_ahead(db, fee_settings):
    """23 h before a tentative window: the page says late, 25,00 $; cancelling records exactly that."""
    req = make_request(db)
    slots.book_tentative(db, req.id, start=WINDOW[0], end=WINDOW[1], now=EARLY)
    token = cl.make_token(fee_settings, req.id, now=EARLY)
    at = START - timedelta(hours=23)
    view = cl.link_view(db, fee_settings, token, now=at)
    assert (view.status, view.cancellation, view.late_fee, view.notice_h) == (
        slots.TENTATIVE, "late", Decimal("25.00"), 24)
    assert st.get_request(db, req.id).state == "requested"  # looking changes nothing
    done = cl.cancel_by_link(db, fee_settings, token, now=at)
    assert (done.state, done.cancellation, done.cancellation_fee) == ("cancelled", "late", Decimal("25.00"))
    assert done.cancelled_at == at
    assert [a.status for a in st.appointments_of(db, req.id)] == ["cancelled"]
    assert any(e.actor == cl.ACTOR for e in st.audit_log(db, entity="request", entity_id=req.id))


def test_link_cancellation_25_h_ahead_is_on_time_without_fee(db, fee_settings):
    """Outside the notice: on time, no fee, and the page said so."""
    req = make_request(db)
    st.book_appointment(db, req.id, start=WINDOW[0], end=WINDOW[1], actor="bureau")
    token = cl.make_token(fee_settings, req.id, now=EARLY)
    at = START - timedelta(hours=25)
    view = cl.link_view(db, fee_settings, token, now=at)
    assert (view.status, view.cancellation, view.late_fee) == ("scheduled", "on_time", None)
    done = cl.cancel_by_link(db, fee_settings, token, now=at)
    assert (done.cancellation, done.cancellation_fee) == ("on_time", None)


def test_confirm_by_link_flags_the_request_for_the_office(db, fee_settings):
    """Confirming flags the request (the office still makes its call); without a time: refused."""
    req = make_request(db)
    token = cl.make_token(fee_settings, req.id, now=EARLY)
    with pytest.raises(InvalidTransition):
        cl.confirm_by_link(db, fee_settings, token, now=EARLY)
    st.book_appointment(db, req.id, start=WINDOW[0], end=WINDOW[1], actor="bureau")
    view = cl.confirm_by_link(db, fee_settings, token, now=EARLY)
    assert view.confirmed_by_customer
    assert cl.FLAG_CONFIRMED in st.get_request(db, req.id).flags
    assert st.get_request(db, req.id).state == "contacted"


def test_ask_to_move_moves_a_tentative_window_and_flags_an_agreed_one(db, fee_settings):
    """Tentative: moved at once to the chosen window. Agreed time: flagged for the office's call."""
    later = slots.Slot(1, START.date() + timedelta(days=1), WINDOW[0] + timedelta(days=1),
                       WINDOW[1] + timedelta(days=1), "t1", 3.0)
    picked = make_request(db)
    slots.book_tentative(db, picked.id, start=WINDOW[0], end=WINDOW[1], now=EARLY)
    view = cl.ask_to_move(db, fee_settings, cl.make_token(fee_settings, picked.id, now=EARLY), slot=later, now=EARLY)
    assert (view.status, view.window_start) == (slots.TENTATIVE, later.window_start)

    agreed = make_request(db, email="b@example.com", phone="514 555 0001")
    st.book_appointment(db, agreed.id, start=WINDOW[0], end=WINDOW[1], actor="bureau")
    view = cl.ask_to_move(db, fee_settings, cl.make_token(fee_settings, agreed.id, now=EARLY), slot=later, now=EARLY)
    assert view.move_asked and view.window_start == WINDOW[0]
    entry = next(e for e in st.audit_log(db, entity="request", entity_id=agreed.id) if e.action == "customer_move")
    assert entry.details["wished_start"] == later.window_start.isoformat()


def test_a_cancelled_request_cannot_be_moved(db, fee_settings):
    """After a cancellation the link still opens but nothing can be moved."""
    req = make_request(db)
    token = cl.make_token(fee_settings, req.id, now=EARLY)
    cl.cancel_by_link(db, fee_settings, token, now=EARLY)
    assert not cl.link_view(db, fee_settings, token, now=EARLY).cancellable
    with pytest.raises(InvalidTransition):
        cl.ask_to_move(db, fee_settings, token, now=EARLY)
