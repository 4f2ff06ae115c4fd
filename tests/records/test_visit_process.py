"""The company's visit process on record: signed policy, server clock, estimate, workshop, remote."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from dispatch import records as st
from dispatch.billing import invoices as iv
from dispatch.errors import InvalidInput, InvalidTransition
from dispatch.records import TZ
from tests.signing import blank_png, sign_policy, signature_png
from tests.storage_data import CORE_COVERAGE, make_request

pytest_plugins = ["tests.storage_support"]

DAY = datetime(2026, 12, 3, 9, 0, tzinfo=TZ)


def at(hh: int, mm: int = 0, *, day: int = 3) -> datetime:
    return datetime(2026, 12, day, hh, mm, tzinfo=TZ)


def on_site(db, **kw):
    """A request booked on 3 December 9-11 h (not confirmed), technician arrived at 9:10."""
    req = make_request(db, coverage=CORE_COVERAGE, **kw)
    st.book_appointment(db, req.id, start=DAY, end=DAY + timedelta(hours=2), actor="bureau")
    st.record_arrival(db, req.id, actor="tech", at=at(9, 10))
    return req.id


def diagnosed(db, *, minutes_from=(9, 20), minutes_to=(10, 5)):
    rid = on_site(db)
    sign_policy(db, rid, at=at(9, 15))
    st.diagnostic_clock(db, rid, "start", actor="tech", at=at(*minutes_from))
    st.diagnostic_clock(db, rid, "stop", actor="tech", at=at(*minutes_to))
    return rid


def test_diagnostic_cannot_start_before_the_policy_is_signed(db):
    """On site without a signature: the clock refuses to start, in French, and nothing is stored."""
    rid = on_site(db)
    with pytest.raises(InvalidTransition) as err:
        st.diagnostic_clock(db, rid, "start", actor="tech", at=at(9, 20))
    assert "signé la politique" in err.value.localized()
    assert st.clock_of(db, rid, at=at(10)).state == "idle"
    assert st.get_request(db, rid).state == "on_site"


def test_a_blank_canvas_or_a_non_png_is_not_a_signature(db):
    """An empty canvas, a JPEG-like blob or no name are refused; the request stays on site."""
    rid = on_site(db)
    policy = st.store_policy(db, "# Politique\n\nTexte.", actor="admin")
    for png, name, words in ((blank_png(), "Marie", "vide"), (b"\xff\xd8\xff", "Marie", "PNG"),
                             (signature_png(), "  ", "nom")):
        with pytest.raises(InvalidInput) as err:
            st.record_policy_signed(db, rid, policy=policy, signer_name=name, signature_png=png, actor="t")
        assert words in err.value.localized()
    assert st.get_request(db, rid).state == "on_site"
    assert st.signatures_of(db, rid) == []


def test_the_signature_keeps_the_policy_version_and_its_sha256(db):
    """Two versions stored; the signature names the one in force, with its hash and the drawing."""
    st.store_policy(db, "# Politique v1", actor="admin")
    v2 = st.store_policy(db, "# Politique v2\n\nNouveau tarif.", actor="admin")
    assert st.store_policy(db, "# Politique v2\n\nNouveau tarif.\n", actor="admin").version == 2  # same text
    rid = on_site(db)
    st.record_policy_signed(db, rid, policy=st.current_policy(db), signer_name="Marie Tremblay",
                            signature_png=signature_png(), actor="t", at=at(9, 15))
    (sig,) = st.signatures_of(db, rid, purpose="policy")
    assert (sig.document_version, sig.document_sha256, sig.signer_name) == (2, v2.sha256, "Marie Tremblay")
    assert sig.png == signature_png()
    import hashlib

    assert v2.sha256 == hashlib.sha256(v2.text.encode()).hexdigest()


def test_the_clock_counts_running_time_only_and_survives_a_new_connection(db, db_url):
    """9:20 start, 9:40 pause, 9:50 resume, 10:05 stop: 35 min recorded, read back from the database."""
    rid = on_site(db)
    sign_policy(db, rid, at=at(9, 15))
    st.diagnostic_clock(db, rid, "start", actor="t", at=at(9, 20))
    st.diagnostic_clock(db, rid, "pause", actor="t", at=at(9, 40))
    other = st.open_database(db_url)  # a second device / a reload
    try:
        reading = st.clock_of(other, rid, at=at(9, 45))
        assert (reading.state, reading.elapsed_s) == ("paused", 20 * 60)
        st.diagnostic_clock(other, rid, "resume", actor="t", at=at(9, 50))
        assert st.clock_of(other, rid, at=at(10)).elapsed_s == 30 * 60
    finally:
        other.close()
    reading = st.diagnostic_clock(db, rid, "stop", actor="t", at=at(10, 5))
    assert (reading.state, reading.minutes) == ("stopped", 35)
    assert st.get_request(db, rid).state == "diagnosed"
    assert st.visits_of(db, rid)[-1].diagnostic_min == 35


def test_clock_actions_out_of_order_or_off_the_appointment_day_are_refused(db):
    """Pause before start, resume while running, a time on another day or before the last change."""
    rid = on_site(db)
    sign_policy(db, rid, at=at(9, 15))
    with pytest.raises(InvalidTransition):
        st.diagnostic_clock(db, rid, "pause", actor="t", at=at(9, 20))
    with pytest.raises(InvalidInput, match="not on the day"):
        st.diagnostic_clock(db, rid, "start", actor="t", at=at(9, 20, day=4))
    st.diagnostic_clock(db, rid, "start", actor="t", at=at(9, 20))
    with pytest.raises(InvalidTransition):
        st.diagnostic_clock(db, rid, "resume", actor="t", at=at(9, 30))
    with pytest.raises(InvalidTransition, match="before the clock's last change"):
        st.diagnostic_clock(db, rid, "stop", actor="t", at=at(9, 10))


def test_accepted_estimate_becomes_the_repair_lines_of_the_invoice(db, settings):
    """Estimate of two lines stored before the answer; accepted on site, the invoice bills them."""
    rid = diagnosed(db)
    st.record_estimate(db, rid, [("labour", "Remplacement de l'écran", "120,00"), ("parts", "Écran 15 po", "89.50")],
                       actor="t", at=at(10, 10))
    assert [ln[2] for ln in st.estimate_lines_of(db, rid)] == [Decimal("120.00"), Decimal("89.50")]
    st.record_outcome(db, rid, "accepted_on_site", actor="t", at=at(10, 15))
    inv = iv.issue_invoice(db, rid, settings=settings, actor="t")
    repairs = [(ln.label, ln.amount) for ln in inv.lines if ln.kind == "repair"]
    assert repairs == [("Remplacement de l'écran", Decimal("120.00")), ("Écran 15 po", Decimal("89.50"))]
    # 45 min of clock (9:20-10:05) billed as 45 min at 85 $/h = 63.75; travel 35.00
    assert inv.subtotal == Decimal("35.00") + Decimal("63.75") + Decimal("209.50")


def test_an_accepted_estimate_without_lines_or_with_a_zero_line_is_refused(db):
    """No estimate, or a line at 0,00 $: the answer is refused and the request stays diagnosed."""
    rid = diagnosed(db)
    with pytest.raises(InvalidInput, match="no estimate"):
        st.record_outcome(db, rid, "accepted_on_site", actor="t")
    st.record_estimate(db, rid, [("Réparation", "0,00")], actor="t")
    with pytest.raises(InvalidInput, match="0,00"):
        st.record_outcome(db, rid, "accepted_on_site", actor="t")
    assert st.get_request(db, rid).state == "diagnosed"


def test_refused_workshop_adds_20_percent_of_diagnostic(db, settings):
    """Workshop refused after 45 min: travel + diagnostic (63.75) + 20 % of it (12.75)."""
    rid = diagnosed(db)
    st.record_estimate(db, rid, [("Carte mère", "350,00")], actor="t")
    st.record_outcome(db, rid, "workshop_refused", actor="t")
    inv = iv.issue_invoice(db, rid, settings=settings, actor="t")
    assert inv.subtotal == Decimal("35.00") + Decimal("63.75") + Decimal("12.75")
    assert not [ln for ln in inv.lines if ln.kind == "repair"]


def test_workshop_track_from_receipt_to_the_test_at_home(db, settings):
    """Taken with a signed receipt -> repairing -> ready (call list) -> return booked -> test passed -> invoice."""
    from dispatch.office.calls import record_call, requests_to_contact

    rid = diagnosed(db)
    st.record_estimate(db, rid, [("Remplacement du disque", "150,00")], actor="t")
    st.receive_device(db, rid, actor="t", device="Portable HP 15", serial="5CD1234", accessories="chargeur",
                      signer_name="Marie Tremblay", signature_png=signature_png(), at=at(10, 20))
    item = st.workshop_item(db, rid)
    assert (item.state, item.device, item.serial) == ("received", "Portable HP 15", "5CD1234")
    assert [s.purpose for s in st.signatures_of(db, rid)] == ["policy", "workshop_receipt"]
    st.advance_workshop(db, rid, "repairing", actor="atelier")
    assert rid not in [c.request_id for c in requests_to_contact(db)]
    st.advance_workshop(db, rid, "ready", actor="atelier")
    (call,) = [c for c in requests_to_contact(db) if c.request_id == rid]
    assert call.purpose == "return"
    back = at(13, day=8)
    record_call(db, rid, "reached", kind="contact", actor="bureau", window=(back, back + timedelta(hours=2)))
    assert st.get_request(db, rid).state == "return_scheduled"
    assert [a.appointment.kind for a in st.appointments_for_day(db, back.date())] == ["return"]
    st.record_arrival(db, rid, actor="t", at=at(13, 20, day=8))
    st.record_test(db, rid, passed=True, attended_by="Jean Tremblay (conjoint)", actor="t", at=at(13, 40, day=8))
    assert st.get_request(db, rid).state == "returned"
    assert [e.state for e in st.workshop_item(db, rid).history] == ["received", "repairing", "ready", "returned"]
    inv = iv.issue_invoice(db, rid, settings=settings, actor="t")
    assert [(ln.label, ln.amount) for ln in inv.lines if ln.kind == "repair"] == [("Remplacement du disque", Decimal("150.00"))]
    assert "Jean Tremblay (conjoint)" in inv.visit_summary


def test_a_failed_test_at_home_sends_the_device_back_to_the_workshop(db):
    """Test failed: request in_workshop again, device repairing, no invoice possible yet."""
    rid = diagnosed(db)
    st.record_estimate(db, rid, [("Disque", "150,00")], actor="t")
    st.record_outcome(db, rid, "accepted_workshop", actor="t")
    st.advance_workshop(db, rid, "ready", actor="atelier")
    back = at(13, day=8)
    st.book_appointment(db, rid, start=back, end=back + timedelta(hours=2), kind="return", actor="bureau")
    st.record_test(db, rid, passed=False, attended_by="Marie Tremblay", actor="t", at=at(13, 30, day=8))
    assert st.get_request(db, rid).state == "in_workshop"
    assert st.workshop_item(db, rid).state == "repairing"


def test_remote_session_needs_consent_and_bills_its_clock_without_travel(db, settings):
    """No consent: refused. Started 14:00, interrupted 14:20: 20 min billed (no minimum), no travel line."""
    req = make_request(db, coverage=CORE_COVERAGE)
    with pytest.raises(InvalidInput, match="consent"):
        st.start_remote_session(db, req.id, actor="t", at=at(14))
    session = st.start_remote_session(db, req.id, actor="t", consent=True, at=at(14))
    assert session.consent_at == at(14) and session.kind == "remote"
    st.end_remote_session(db, req.id, interrupted=True, actor="t", at=at(14, 20))
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="t")
    assert [ln.kind for ln in inv.lines] == ["diagnostic"]
    assert inv.subtotal == Decimal("85.00") * 30 / 60  # 20 min rounded up to the 15-min block: 30 min


def test_an_invoice_is_refused_while_the_legal_numbers_are_placeholders(db, settings):
    """The shipped GST/QST numbers and Interac address: issuing refused in French, no number used."""
    from dataclasses import replace

    from dispatch.settings import BillingSettings

    rid = diagnosed(db)
    st.record_outcome(db, rid, "refused", actor="t")
    fresh = replace(settings, billing=BillingSettings())
    with pytest.raises(InvalidInput) as err:
        iv.issue_invoice(db, rid, settings=fresh, actor="t")
    assert "Paramètres" in err.value.localized()
    assert iv.list_invoices(db) == []
    assert iv.issue_invoice(db, rid, settings=settings, actor="t").number.endswith("00001")
