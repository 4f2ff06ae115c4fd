"""The office's use cases write the customer's messages to the outbox, in their own transaction.

Each test drives the office function (intake, call, invoice, cancellation, workshop, departure),
never :mod:`dispatch.messaging.events` directly: one message per channel with the event's key,
none when the use case is refused (rolled back), none more when it is repeated.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from dispatch import records as st
from dispatch.errors import InvalidInput, InvalidTransition, NotFound
from dispatch.messaging import outbox
from dispatch.office import billing_desk, customer_link, intake, messages_desk, workshop_desk
from dispatch.office import calls as cl
from dispatch.records import TZ
from dispatch.records.schema import OutboxRow, RequestRow
from tests.messaging.helpers import request_with_consent
from tests.signing import sign_policy, signature_png

NINE = datetime(2026, 12, 9, 13, 0, tzinfo=TZ)
WINDOW = (NINE, NINE + timedelta(hours=2))

FORM = intake.RequestForm(
    name="Marie Tremblay", address="1234 chemin Sainte-Marie, Mascouche", phone="450 555-1234",
    email="marie@example.com", problem="L'ordinateur ne démarre plus", consent=True,
    channels=("email", "sms"),
)  # fmt: skip


def keys(db) -> list[str]:
    """Every idempotency key of the outbox, sorted."""
    with db.read() as s:
        return sorted(s.scalars(sa.select(OutboxRow.idempotency_key)).all())


def of_event(db, event: str) -> list[outbox.OutboxMessage]:
    return [m for m in outbox.list_messages(db) if m.event == event]


def test_intake_submit_queues_one_acknowledgement_per_channel_with_the_request_key(db, mail_settings):
    req = intake.submit(db, FORM, settings=mail_settings)
    assert keys(db) == [f"request_received:{req.id}:email", f"request_received:{req.id}:sms"]
    msgs = outbox.list_messages(db)
    assert {m.state for m in msgs} == {"queued"}
    email = next(m for m in msgs if m.channel == "email")
    assert email.recipient == "marie@example.com" and email.request_id == req.id
    assert email.subject == f"OPMS Informatique : demande n° {req.id} reçue"


def test_intake_without_a_channel_chosen_leaves_cancelled_traces_for_the_office(db, mail_settings):
    from dataclasses import replace

    req = intake.submit(db, replace(FORM, channels=()), settings=mail_settings)
    msgs = outbox.list_messages(db, request_id=req.id)
    assert len(msgs) == 2 and {m.state for m in msgs} == {"cancelled"}


def test_intake_refused_inside_its_transaction_stores_neither_request_nor_message(db, mail_settings):
    from dataclasses import replace

    with pytest.raises(InvalidInput):
        intake.submit(db, replace(FORM, channels=("fax",)), settings=mail_settings)
    with db.read() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(RequestRow)) == 0
    assert keys(db) == []


def test_same_website_email_taken_in_twice_queues_one_acknowledgement(db, mail_settings, tmp_path):
    from tests.office.test_intake import make_email

    (tmp_path / "a.eml").write_bytes(make_email())
    first = intake.intake_path(db, tmp_path, settings=mail_settings)
    again = intake.intake_path(db, tmp_path, settings=mail_settings)
    assert (len(first.created), len(again.duplicates)) == (1, 1)
    rid = first.created[0]["id"]
    assert keys(db) == [f"request_received:{rid}:email", f"request_received:{rid}:sms"]


def test_contact_call_agreeing_a_time_queues_the_confirmation_with_its_invitation(db, mail_settings):
    req = request_with_consent(db)
    call = cl.record_call(db, req.id, "reached", kind="contact", window=WINDOW, actor="lea", settings=mail_settings)
    start = NINE.isoformat()
    assert keys(db) == [
        f"appointment_confirmed:{call.appointment_id}:{start}:email",
        f"appointment_confirmed:{call.appointment_id}:{start}:sms",
    ]
    email = next(m for m in outbox.list_messages(db) if m.channel == "email")
    assert [a.name for a in email.attachments] == ["rendez-vous.ics"]
    assert "mercredi 9 décembre, entre 13 h et 15 h" in email.subject


def test_confirmation_call_of_the_same_window_writes_no_second_confirmation(db, mail_settings):
    req = request_with_consent(db, channels=("email",))
    cl.record_call(db, req.id, "reached", kind="contact", window=WINDOW, actor="lea", settings=mail_settings)
    cl.record_call(db, req.id, "reached", kind="confirmation", actor="lea", settings=mail_settings)
    assert len(of_event(db, "appointment_confirmed")) == 1


def test_moved_appointment_sends_a_new_confirmation(db, mail_settings):
    req = request_with_consent(db, channels=("email",))
    cl.record_call(db, req.id, "reached", kind="contact", window=WINDOW, actor="lea", settings=mail_settings)
    later = (NINE + timedelta(days=1), NINE + timedelta(days=1, hours=2))
    cl.record_call(db, req.id, "rescheduled", kind="confirmation", window=later, actor="lea", settings=mail_settings)
    assert len(of_event(db, "appointment_confirmed")) == 2


def test_call_on_a_missing_request_writes_no_message(db, mail_settings):
    with pytest.raises(NotFound):
        cl.record_call(db, 9999, "reached", kind="contact", window=WINDOW, actor="lea", settings=mail_settings)
    assert keys(db) == []


def test_message_left_writes_no_message(db, mail_settings):
    req = request_with_consent(db)
    cl.record_call(db, req.id, "message_left", kind="contact", actor="lea", settings=mail_settings)
    assert keys(db) == []


def test_late_cancellation_call_queues_the_acknowledgement_with_the_fee(db, mail_settings):
    s2 = mail_settings.with_section("tariff", late_cancellation_fee="25.00")
    req = request_with_consent(db, channels=("email",))
    st.book_appointment(db, req.id, start=NINE, end=NINE + timedelta(hours=2), actor="lea", force=True)
    cl.record_call(db, req.id, "cancelled", kind="confirmation", actor="lea", settings=s2,
                   at=NINE - timedelta(hours=23))  # fmt: skip
    [msg] = of_event(db, "cancellation")
    assert msg.key.startswith(f"cancellation:{req.id}:") and msg.key.endswith(":email")
    assert "annulation tardive, qui entraîne des frais de 25,00" in msg.body


def test_cancellation_by_the_customer_link_queues_one_acknowledgement(db, mail_settings):
    req = request_with_consent(db, channels=("email",))
    st.book_appointment(db, req.id, start=NINE, end=NINE + timedelta(hours=2), actor="lea", force=True)
    token = customer_link.make_token(mail_settings, req.id)
    customer_link.cancel_by_link(db, mail_settings, token, now=NINE - timedelta(days=3))
    with pytest.raises(InvalidTransition):  # a second cancellation is refused: nothing more
        customer_link.cancel_by_link(db, mail_settings, token, now=NINE - timedelta(days=3))
    [msg] = of_event(db, "cancellation")
    assert "tardive" not in msg.body


def _finished_visit(db, mail_settings):
    req = request_with_consent(db, channels=("email",))
    cl.record_call(db, req.id, "reached", kind="contact", window=WINDOW, actor="lea", settings=mail_settings)
    st.record_arrival(db, req.id, actor="tech", at=NINE + timedelta(minutes=20))
    sign_policy(db, req.id, at=NINE + timedelta(minutes=25))
    st.record_diagnosis(db, req.id, minutes=45, actor="tech")
    return req


def test_issued_invoice_queues_the_email_with_its_pdf_once(db, mail_settings):
    req = _finished_visit(db, mail_settings)
    st.record_outcome(db, req.id, "estimate_refused", actor="tech")
    inv = billing_desk.issue_invoice(db, req.id, settings=mail_settings, actor="lea")
    with pytest.raises(InvalidTransition):
        billing_desk.issue_invoice(db, req.id, settings=mail_settings, actor="lea")
    [msg] = of_event(db, "invoice_issued")
    assert msg.key == f"invoice_issued:{inv.number}:email"
    [pdf] = outbox.get_message(db, msg.id).attachments
    assert pdf.name == f"{inv.number}.pdf" and pdf.data.startswith(b"%PDF")


def test_refused_invoice_writes_no_message(db, mail_settings):
    req = _finished_visit(db, mail_settings)  # no outcome yet: nothing to invoice
    with pytest.raises(InvalidTransition):
        billing_desk.issue_invoice(db, req.id, settings=mail_settings, actor="lea")
    assert of_event(db, "invoice_issued") == []


def test_device_ready_in_the_workshop_queues_one_message(db, mail_settings):
    req = _finished_visit(db, mail_settings)
    st.record_estimate(db, req.id, [("Remplacement du disque", "150,00")], actor="t")
    st.receive_device(db, req.id, actor="t", device="Portable HP 15", serial="5CD1234", accessories="chargeur",
                      signer_name="Marie Tremblay", signature_png=signature_png(), at=NINE + timedelta(hours=1))  # fmt: skip
    workshop_desk.advance(db, req.id, "repairing", actor="atelier", settings=mail_settings)
    assert of_event(db, "workshop_ready") == []
    workshop_desk.advance(db, req.id, "ready", actor="atelier", settings=mail_settings)
    with pytest.raises(InvalidTransition):
        workshop_desk.advance(db, req.id, "ready", actor="atelier", settings=mail_settings)
    [msg] = of_event(db, "workshop_ready")
    assert msg.key.startswith(f"workshop_ready:{req.id}:") and "Portable HP 15" in msg.body


def test_technician_leaving_queues_on_the_way_with_the_plan_eta_once(db, mail_settings):
    req = request_with_consent(db, channels=("email",))
    call = cl.record_call(db, req.id, "reached", kind="contact", window=WINDOW, actor="lea", settings=mail_settings)
    eta = NINE + timedelta(minutes=25)
    first = messages_desk.announce_departure(db, call.appointment_id, eta=eta, settings=mail_settings, actor="tech:Luc")
    again = messages_desk.announce_departure(db, call.appointment_id, eta=eta, settings=mail_settings, actor="tech:Luc")
    assert first == again and len(first) == 1
    [msg] = of_event(db, "en_route")
    assert msg.key == f"en_route:{call.appointment_id}:2026-12-09:email" and "13 h 25" in msg.body


def test_departure_after_the_arrival_is_refused_and_writes_nothing(db, mail_settings):
    req = request_with_consent(db, channels=("email",))
    call = cl.record_call(db, req.id, "reached", kind="contact", window=WINDOW, actor="lea", settings=mail_settings)
    st.record_arrival(db, req.id, actor="tech", at=NINE + timedelta(minutes=20))
    with pytest.raises(InvalidTransition):
        messages_desk.announce_departure(db, call.appointment_id, eta=NINE, settings=mail_settings, actor="t")
    assert of_event(db, "en_route") == []


def test_erased_customer_messages_are_emptied_and_the_unsent_cancelled(db, mail_settings):
    from dispatch.office import privacy

    req = intake.submit(db, FORM, settings=mail_settings)
    cl.record_call(db, req.id, "cancelled", kind="contact", actor="lea", settings=mail_settings)
    privacy.erase_customer(db, req.customer.id, actor="dpo", settings=mail_settings)
    msgs = outbox.list_messages(db, request_id=req.id)
    assert len(msgs) == 4 and {m.state for m in msgs} == {"cancelled"}
    assert {(m.recipient, m.subject, m.body) for m in msgs} == {("", "", "")}
    assert "Marie" not in repr([m.to_dict(content=True) for m in msgs])


def test_the_day_before_call_list_shows_who_was_reminded_and_who_confirmed_by_link(db, mail_settings):
    """The reminder e-mail complements the office's day-before call: the list says which
    appointments got it and which customers already confirmed through their link."""
    from dispatch.messaging.events import day_before_reminders

    reminded = request_with_consent(db, channels=("email",))
    silent = request_with_consent(db, channels=(), name="Paul Roy", email="paul@example.com",
                                  phone="450 555-9876")  # agreed to no message
    for req in (reminded, silent):
        cl.record_call(db, req.id, "reached", kind="contact", window=WINDOW, actor="lea", settings=mail_settings)
    items = {i.request_id: i for i in cl.confirmation_calls(db, NINE.date())}
    assert (items[reminded.id].reminder, items[silent.id].reminder) == ("", "")
    with db.write() as s:
        day_before_reminders(s, NINE.date(), settings=mail_settings, at=NINE - timedelta(hours=20))
    customer_link.confirm_by_link(db, mail_settings, customer_link.make_token(mail_settings, reminded.id),
                                  now=NINE - timedelta(hours=19))
    items = {i.request_id: i for i in cl.confirmation_calls(db, NINE.date())}
    assert items[reminded.id].reminder == "queued" and items[silent.id].reminder == "cancelled"
    assert items[reminded.id].confirmed_by_link and not items[silent.id].confirmed_by_link
    assert cl.reminder_label("cancelled") == "aucun rappel (le client n'a pas accepté les messages)"
    assert items[reminded.id].to_dict()["confirmed_by_link"] is True
