"""Messages to customers go out through a real SMTP server and an SMS API stand-in, once."""

from __future__ import annotations

from datetime import datetime, timedelta

import icalendar
import pytest

from dispatch import records as st
from dispatch.messaging import consent, events, outbox
from dispatch.messaging.delivery import send_due, send_test
from dispatch.records import TZ
from tests.messaging.helpers import request_with_consent

NINE = datetime(2026, 12, 9, 13, 0, tzinfo=TZ)


def _received(db, settings, **kw):
    with db.write() as s:
        return events.request_received(s, kw.pop("request_id"), settings=settings)


def test_request_received_is_emailed_in_french_with_its_number_and_the_company(db, mail_settings, smtp, sms_api):
    req = request_with_consent(db)
    ids = _received(db, mail_settings, request_id=req.id)
    assert len(ids) == 2  # one e-mail, one SMS
    report = send_due(db, mail_settings)
    assert (report.sent, report.failed) == (2, 0)
    [msg] = smtp.recorder.wait_for(1)
    assert msg["To"] == "marie@example.com"
    assert msg["From"] == "OPMS Informatique <rv@opms.example>"
    assert msg["Subject"] == f"OPMS Informatique : demande n° {req.id} reçue"
    stored = outbox.get_message(db, ids[0])
    assert msg["Message-ID"] == stored.message_id and stored.state == "sent"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert f"Nous avons bien reçu votre demande d'intervention n° {req.id}" in text
    assert "Bonjour Marie Tremblay" in text and "450 555-0000" in text and "bureau@opms.example" in html
    assert "https://rv.opms.example/desabonnement?jeton=" in text
    [sms] = sms_api.messages
    assert sms["To"] == "+14505551234" and sms["From"] == "+14505550000"
    assert sms["Body"].startswith(f"OPMS Informatique : demande n° {req.id} reçue.")


def test_html_part_escapes_what_the_customer_typed(db, mail_settings, smtp):
    req = request_with_consent(db, channels=("email",), name="<script>alert(1)</script>", problem="<b>écran</b>")
    _received(db, mail_settings, request_id=req.id)
    send_due(db, mail_settings)
    [msg] = smtp.recorder.wait_for(1)
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;écran&lt;/b&gt;" in html
    assert "<script>alert(1)</script>" in msg.get_body(("plain",)).get_content()


def test_same_event_twice_gives_one_message(db, mail_settings, smtp):
    req = request_with_consent(db, channels=("email",))
    first = _received(db, mail_settings, request_id=req.id)
    again = _received(db, mail_settings, request_id=req.id)
    assert first == again
    send_due(db, mail_settings)
    send_due(db, mail_settings)
    assert len(smtp.recorder.wait_for(1)) == 1
    assert outbox.state_counts(db)["sent"] == 1


def test_confirmation_carries_the_window_and_an_ics_invitation(db, mail_settings, smtp):
    req = request_with_consent(db, channels=("email",))
    appt = st.book_appointment(db, req.id, start=NINE, end=NINE + timedelta(hours=2), actor="lea", force=True)
    with db.write() as s:
        events.appointment_confirmed(s, appt.id, settings=mail_settings)
    send_due(db, mail_settings)
    [msg] = smtp.recorder.wait_for(1)
    assert msg["Subject"] == "OPMS Informatique : rendez-vous du mercredi 9 décembre, entre 13 h et 15 h"
    assert "fixé au mercredi 9 décembre, entre 13 h et 15 h" in msg.get_body(("plain",)).get_content()
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == "rendez-vous.ics" and att.get_content_type() == "text/calendar"
    cal = icalendar.Calendar.from_ical(att.get_payload(decode=True))
    [ev] = cal.walk("VEVENT")
    assert ev.decoded("dtstart") == NINE and ev.decoded("dtend") == NINE + timedelta(hours=2)
    assert str(ev["location"]) == "1234 chemin Sainte-Marie, Mascouche"
    assert str(ev["uid"]).startswith(f"appointment-{appt.id}@")


def test_invoice_email_attaches_the_pdf_and_says_how_to_pay(db, mail_settings, smtp):
    from dispatch.billing import invoices
    from tests.storage_data import diagnosed

    req = diagnosed(db)
    with db.write() as s:
        consent.record_consent(s, req.customer.id, ["email"], wording="oui", source="form", actor="t")
    inv = invoices.issue_invoice(db, req.id, settings=mail_settings, actor="t")
    with db.write() as s:
        events.invoice_issued(s, inv.number, settings=mail_settings)
    send_due(db, mail_settings)
    [msg] = smtp.recorder.wait_for(1)
    text = msg.get_body(("plain",)).get_content()
    assert f"Voici votre facture {inv.number}" in text
    interac = mail_settings.billing.interac_email
    assert f"Virement Interac à {interac}, en inscrivant la référence {inv.interac_ref}" in text
    assert "PayPal" in text
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == f"{inv.number}.pdf"
    pdf = att.get_payload(decode=True)
    assert pdf.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader

    assert inv.number in PdfReader(BytesIO(pdf)).pages[0].extract_text()


def test_late_cancellation_says_late_and_the_fee(db, mail_settings, smtp):
    s2 = mail_settings.with_section("tariff", late_cancellation_fee="25.00")
    req = request_with_consent(db, channels=("email",))
    st.book_appointment(db, req.id, start=NINE, end=NINE + timedelta(hours=2), actor="lea", force=True)
    st.cancel_request(db, req.id, settings=s2, actor="client", at=NINE - timedelta(hours=23))
    with db.write() as s:
        events.cancellation_acknowledged(s, req.id, settings=s2)
    send_due(db, s2)
    [msg] = smtp.recorder.wait_for(1)
    text = msg.get_body(("plain",)).get_content()
    assert "annulation tardive, qui entraîne des frais de 25,00" in text


def test_customer_without_consent_gets_a_cancelled_trace_and_nothing_sent(db, mail_settings, smtp, sms_api):
    from tests.storage_data import make_request

    req = make_request(db)
    ids = _received(db, mail_settings, request_id=req.id)
    report = send_due(db, mail_settings)
    assert report.sent == 0 and smtp.recorder.messages == [] and sms_api.messages == []
    msgs = [outbox.get_message(db, i) for i in ids]
    assert {m.state for m in msgs} == {"cancelled"}
    assert msgs[0].last_error == "Aucun consentement du client pour ce canal."


def test_withdrawn_consent_cancels_queued_messages(db, mail_settings, smtp):
    req = request_with_consent(db, channels=("email",))
    [mid] = _received(db, mail_settings, request_id=req.id)
    with db.read() as s:
        token = consent.unsubscribe_token(s, req.customer.id)
    assert consent.unsubscribe(db, token) == req.customer.id
    send_due(db, mail_settings)
    assert smtp.recorder.messages == []
    assert outbox.get_message(db, mid).state == "cancelled"
    # later events are not sent either
    appt = st.book_appointment(db, req.id, start=NINE, end=NINE + timedelta(hours=2), actor="x", force=True)
    with db.write() as s:
        later = events.appointment_confirmed(s, appt.id, settings=mail_settings)
    assert later and {outbox.get_message(db, i).state for i in later} == {"cancelled"}
    assert send_due(db, mail_settings).sent == 0 and smtp.recorder.messages == []


def test_refused_recipient_fails_at_once_with_the_server_reason(db, mail_settings, smtp):
    smtp.recorder.refuse["marie@example.com"] = "550 5.1.1 Utilisateur inconnu"
    req = request_with_consent(db, channels=("email",))
    [mid] = _received(db, mail_settings, request_id=req.id)
    report = send_due(db, mail_settings)
    assert report.failed == 1
    m = outbox.get_message(db, mid)
    assert m.state == "failed" and "550" in m.last_error and "Utilisateur inconnu" in m.last_error


def test_sms_api_error_500_is_retried_and_a_bad_number_fails(db, mail_settings, sms_api):
    sms_api.mode = "500"
    req = request_with_consent(db, channels=("sms",))
    [mid] = _received(db, mail_settings, request_id=req.id)
    report = send_due(db, mail_settings, channels=["sms"])
    m = outbox.get_message(db, mid)
    assert (report.retried, m.state, m.attempts) == (1, "queued", 1)
    assert m.next_attempt_at > datetime.now(TZ)
    sms_api.mode = "ok"
    outbox.retry(db, mid, actor="bureau")
    assert send_due(db, mail_settings, channels=["sms"]).sent == 1
    assert len(sms_api.messages) == 1


def test_wrong_sms_token_keeps_the_messages_waiting(db, mail_settings, sms_api):
    bad = mail_settings.with_section("sms", token="wrong")
    req = request_with_consent(db, channels=("sms",))
    [mid] = _received(db, bad, request_id=req.id)
    report = send_due(db, bad, channels=["sms"])
    assert "sms" in report.down and outbox.get_message(db, mid).state == "queued"
    assert "jeton" in outbox.get_message(db, mid).last_error


def test_test_message_reaches_the_server(mail_settings, smtp, sms_api):
    send_test(mail_settings, "email", "patron@opms.example")
    [msg] = smtp.recorder.wait_for(1)
    assert msg["Subject"] == "OPMS Informatique : message d'essai"
    send_test(mail_settings, "sms", "450 555 9999")
    assert sms_api.messages[0]["To"] == "+14505559999"


@pytest.mark.parametrize(
    ("phone", "number"),
    [("450 555-1234", "+14505551234"), ("1 (514) 555-0001 poste 22", "+15145550001"), ("555-1234", None)],
)
def test_sms_numbers_are_e164(phone, number):
    assert events.sms_number(phone) == number
