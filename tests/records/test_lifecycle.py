"""Lifecycle: every allowed transition, every refusal, the 24 h cancellation boundary, stored flows."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from dispatch import records as st
from dispatch.errors import InvalidInput, InvalidTransition
from dispatch.records import TZ
from dispatch.records.lifecycle import (
    TRANSITIONS,
    State,
    allowed_next,
    cancellation_timing,
    check_transition,
)
from tests.signing import sign_policy
from tests.storage_data import make_request

pytest_plugins = ["tests.storage_support"]

ALLOWED = sorted((a.value, b.value) for a, nexts in TRANSITIONS.items() for b in nexts)
REFUSED = sorted(
    (a.value, b.value) for a in State for b in State if b not in TRANSITIONS[a]
)


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_allowed_transition_passes(current, target):
    """Each transition of the published process is accepted."""
    assert check_transition(current, target) == State(target)


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_other_transitions_are_refused_with_the_allowed_ones_named(current, target):
    """Every transition not in the table raises InvalidTransition listing the allowed next states."""
    with pytest.raises(InvalidTransition, match=f"{current} -> {target} is not allowed"):
        check_transition(current, target)


def test_every_state_is_reachable_from_requested_and_paid_is_final():
    """The graph is connected from 'requested'; 'paid' and 'cancelled' have no way out."""
    seen, todo = {State.REQUESTED}, [State.REQUESTED]
    while todo:
        for n in TRANSITIONS[todo.pop()]:
            if n not in seen:
                seen.add(n)
                todo.append(n)
    assert seen == set(State)
    assert allowed_next("paid") == frozenset() == allowed_next("cancelled")


START = datetime(2026, 12, 3, 9, 0, tzinfo=TZ)


def test_cancellation_exactly_24_hours_before_is_on_time():
    """Cancelled at 09:00 the day before a 09:00 window: on time."""
    assert cancellation_timing(START, START - timedelta(hours=24)) == "on_time"


def test_cancellation_23_h_59_before_is_late():
    """One minute later (08:59 window minus 23 h 59): late."""
    assert cancellation_timing(START, START - timedelta(hours=23, minutes=59)) == "late"
    assert cancellation_timing(START, START - timedelta(hours=24, minutes=-1)) == "late"
    assert cancellation_timing(START, START - timedelta(hours=24, minutes=1)) == "on_time"


def test_cancellation_boundary_is_in_real_hours_across_time_zones():
    """The notice counts elapsed time, whatever zone the cancellation time is written in."""
    from zoneinfo import ZoneInfo

    utc_moment = (START - timedelta(hours=24)).astimezone(ZoneInfo("UTC"))
    assert cancellation_timing(START, utc_moment) == "on_time"


# ---- applied to stored requests -----------------------------------------------------------


def window(day=3, hh=9):
    """A two-hour window on 2026-12-<day>."""
    s = datetime(2026, 12, day, hh, 0, tzinfo=TZ)
    return {"start": s, "end": s + timedelta(hours=2)}


def test_on_site_track_to_invoiceable_outcome(db):
    """requested -> contacted -> confirmed -> on_site -> policy_signed -> diagnosed -> repaired."""
    req = make_request(db)
    appt = st.book_appointment(db, req.id, **window(), actor="bureau")
    assert st.get_request(db, req.id).state == "contacted"
    st.confirm_appointment(db, appt.id, actor="bureau")
    assert st.get_request(db, req.id).state == "confirmed"
    st.record_arrival(db, req.id, actor="tech")
    sign_policy(db, req.id)
    v = st.record_diagnosis(db, req.id, minutes=45, estimate=Decimal("180.00"), actor="tech")
    assert v.diagnostic_min == 45 and v.estimate == Decimal("180.00")
    v = st.record_outcome(db, req.id, "repaired_on_site", repair_lines=[("Nettoyage", "40.00")], actor="tech")
    assert v.repair_lines == ({"label": "Nettoyage", "amount": "40.00"},)
    assert st.get_request(db, req.id).state == "repaired_on_site"
    assert st.get_appointment(db, appt.id).status == "done"
    trail = [e.details.get("after") for e in reversed(st.audit_log(db, entity="request", entity_id=req.id))]
    assert [t for t in trail if t] == [
        "contacted", "confirmed", "on_site", "policy_signed", "diagnosed", "repaired_on_site",
    ]


def test_diagnosis_estimate_typed_as_text_is_read_as_a_quebec_amount(db):
    """An estimate given as typed ("180,50") is read by the billing amount parser; nonsense is
    refused before anything is written."""
    req = make_request(db)
    appt = st.book_appointment(db, req.id, **window(), actor="b")
    st.confirm_appointment(db, appt.id, actor="b")
    st.record_arrival(db, req.id, actor="t")
    sign_policy(db, req.id)
    with pytest.raises(InvalidInput):
        st.record_diagnosis(db, req.id, minutes=30, estimate="cent dollars", actor="t")
    assert st.get_request(db, req.id).state == "policy_signed"
    v = st.record_diagnosis(db, req.id, minutes=30, estimate="180,50", actor="t")
    assert v.estimate == Decimal("180.50")
    assert st.visits_of(db, req.id)[0].estimate == Decimal("180.50")

def test_workshop_track_books_a_return_visit_with_the_designated_person(db):
    """in_workshop -> repaired -> return visit booked (in the day's appointments) -> returned."""
    req = make_request(db)
    appt = st.book_appointment(db, req.id, **window(), actor="b")
    st.confirm_appointment(db, appt.id, actor="b")
    st.record_arrival(db, req.id, actor="t")
    sign_policy(db, req.id)
    st.record_diagnosis(db, req.id, minutes=30, actor="t")
    st.record_outcome(db, req.id, "in_workshop", actor="t")
    st.record_workshop_repair(db, req.id, repair_lines=[("Carte mère", "250.00")], actor="t")
    ret = st.book_appointment(
        db, req.id, **window(day=10, hh=13), kind="return", witness="Paul Tremblay (fils)", actor="b"
    )
    assert st.get_request(db, req.id).state == "return_scheduled"
    day = st.appointments_for_day(db, datetime(2026, 12, 10).date())
    assert [(d.appointment.kind, d.appointment.witness) for d in day] == [("return", "Paul Tremblay (fils)")]
    visit = st.record_return(db, req.id, tested_with="Paul Tremblay (fils)", actor="t")
    assert visit.kind == "return" and visit.tested_with == "Paul Tremblay (fils)"
    assert st.get_appointment(db, ret.id).status == "done"
    assert st.get_request(db, req.id).state == "returned"


def test_remote_track_interrupted_by_customer(db):
    """requested -> remote_session -> remote_interrupted keeps the minutes done so far."""
    req = make_request(db, remote_ok=True)
    st.start_remote_session(db, req.id, actor="t", consent=True)
    v = st.end_remote_session(db, req.id, minutes=10, interrupted=True, actor="t")
    assert v.kind == "remote" and v.diagnostic_min == 10
    assert st.get_request(db, req.id).state == "remote_interrupted"


def test_skipping_a_step_is_refused_and_changes_nothing(db):
    """Recording the customer's answer before any diagnostic raises and leaves the request as it was."""
    req = make_request(db)
    st.book_appointment(db, req.id, **window(), actor="b")
    st.record_arrival(db, req.id, actor="t")
    before = st.get_request(db, req.id)
    with pytest.raises(InvalidTransition, match="on_site -> repaired_on_site"):
        st.record_outcome(db, req.id, "repaired_on_site", repair_lines=[("Écran", "180,00")], actor="t")
    after = st.get_request(db, req.id)
    assert (after.state, after.version) == (before.state, before.version)


def test_a_booked_visit_not_yet_confirmed_can_be_worked(db):
    """The day-before call confirms, but is not a hidden precondition: contacted -> on_site."""
    req = make_request(db)
    st.book_appointment(db, req.id, **window(), actor="b")
    st.record_arrival(db, req.id, actor="t")
    assert st.get_request(db, req.id).state == "on_site"
    assert [v.kind for v in st.visits_of(db, req.id)] == ["visit"]


def test_customer_cancellation_24_h_before_is_on_time_and_free(db, settings):
    """Cancelled exactly 24 h 00 before the window: on time, no fee, appointment cancelled."""
    s = settings.with_section("tariff", late_cancellation_fee=Decimal("25.00"))
    req = make_request(db)
    appt = st.book_appointment(db, req.id, **window(), actor="b")
    got = st.cancel_request(db, req.id, settings=s, at=START - timedelta(hours=24), actor="b")
    assert (got.state, got.cancellation, got.cancellation_fee) == ("cancelled", "on_time", None)
    assert st.get_appointment(db, appt.id).status == "cancelled"
    assert st.appointments_for_day(db, START.date()) == []


def test_customer_cancellation_23_h_59_before_is_late_with_the_tariff_fee(db, settings):
    """Cancelled 23 h 59 before: late, and the tariff's late-cancellation fee is recorded."""
    s = settings.with_section("tariff", late_cancellation_fee=Decimal("25.00"))
    req = make_request(db)
    st.book_appointment(db, req.id, **window(), actor="b")
    got = st.cancel_request(db, req.id, settings=s, at=START - timedelta(hours=23, minutes=59), actor="b")
    assert (got.cancellation, got.cancellation_fee) == ("late", Decimal("25.00"))


def test_cancellation_after_arrival_is_refused(db, settings):
    """Once the technician is on site the customer cannot cancel (the visit is billed)."""
    req = make_request(db)
    appt = st.book_appointment(db, req.id, **window(), actor="b")
    st.confirm_appointment(db, appt.id, actor="b")
    st.record_arrival(db, req.id, actor="t")
    with pytest.raises(InvalidTransition, match="before the technician is on site"):
        st.cancel_request(db, req.id, settings=settings, actor="b")
