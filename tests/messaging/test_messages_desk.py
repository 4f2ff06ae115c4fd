"""The office's "Messages" page and the mail part of Paramètres, through their use cases."""

from __future__ import annotations

import pytest

from dispatch.errors import InvalidInput, InvalidTransition
from dispatch.messaging.worker import Worker
from dispatch.office import intake, messages_desk

FORM = intake.RequestForm(
    name="Marie Tremblay", address="1234 chemin Sainte-Marie, Mascouche", phone="450 555-1234",
    email="marie@example.com", problem="Écran noir", consent=True, channels=("email",),
)  # fmt: skip


def test_board_lists_the_queued_acknowledgement_with_counts_and_filters(db, mail_settings):
    req = intake.submit(db, FORM, settings=mail_settings)
    other = intake.submit(db, FORM.__class__(**{**FORM.to_dict(), "channels": (), "desired_date": None,
                                              "email": "jean@example.com", "phone": ""}),
                          settings=mail_settings)  # fmt: skip
    board = messages_desk.outbox_board(db, mail_settings)
    assert (board.counts["queued"], board.counts["cancelled"]) == (1, 1)
    assert [m.request_id for m in board.messages] == [other.id, req.id]
    [queued] = messages_desk.outbox_board(db, mail_settings, state="queued").messages
    assert (queued.request_id, queued.state_label, queued.event_label) == (req.id, "En file d'attente", "Demande reçue")
    assert [m.id for m in messages_desk.outbox_board(db, mail_settings, request_id=other.id).messages] != [queued.id]
    assert board.channels == ("email", "sms") and board.waiting_channels == ()
    bare = mail_settings.with_section("mail", smtp_host="")
    assert "email" in messages_desk.outbox_board(db, bare).waiting_channels


def test_office_cancels_then_retries_a_message_and_the_request_list_shows_it(db, mail_settings, smtp):
    req = intake.submit(db, FORM, settings=mail_settings)
    [line] = messages_desk.request_messages(db, req.id)
    assert line.can_cancel and not line.can_retry
    cancelled = messages_desk.cancel_message(db, line.id, actor="user:lea")
    assert (cancelled.state, cancelled.last_error) == ("cancelled", "Annulé par le bureau.")
    again = messages_desk.retry_message(db, line.id, actor="user:lea")
    assert again.state == "queued" and again.last_error == ""
    assert [m.state for m in messages_desk.request_messages(db, req.id)] == ["queued"]
    with pytest.raises(InvalidTransition):  # a message already sent cannot be cancelled
        messages_desk.cancel_message(db, _sent(db, mail_settings, req.id), actor="user:lea")


def _sent(db, settings, request_id):
    from dispatch.messaging.delivery import send_due

    send_due(db, settings)
    [line] = messages_desk.request_messages(db, request_id)
    assert line.state == "sent"
    return line.id


def test_worker_health_is_read_after_a_pass(db, mail_settings, smtp):
    intake.submit(db, FORM, settings=mail_settings)
    worker = Worker(db, mail_settings)
    worker.jobs = [j for j in worker.jobs if j.name == "outbox"]
    worker.run_once()
    h = messages_desk.worker_health(db, mail_settings)
    assert h.alive and h.pid is not None
    [job] = h.jobs
    assert (job.name, job.runs, job.last_error, job.last_result["sent"]) == ("outbox", 1, "", 1)
    assert messages_desk.job_label("outbox") == "Envoi des messages"


def test_settings_in_force_mask_the_secrets_and_name_the_variables(mail_settings):
    s = mail_settings.with_section("mail", smtp_password="hunter2")
    lines = {(ln.section, ln.name): ln for ln in messages_desk.messaging_settings(s)}
    assert lines[("mail", "smtp_password")].value == messages_desk.MASK
    assert lines[("sms", "token")].value == messages_desk.MASK
    assert lines[("mail", "smtp_host")].value == "127.0.0.1"
    assert lines[("mail", "smtp_host")].env == "OPMS_MAIL__SMTP_HOST"
    assert "hunter2" not in repr([ln.value for ln in lines.values()])


def test_mail_settings_typed_in_parametres_keep_the_password_when_left_empty(mail_settings):
    s = mail_settings.with_section("mail", smtp_password="hunter2")
    new = messages_desk.update_mail_settings(
        s, smtp_host=" smtp.opms.example ", smtp_port="587", smtp_user="rv", smtp_security="starttls",
        from_address="rv@opms.example", public_url="https://rv.opms.example/",
    )  # fmt: skip
    assert (new.mail.smtp_host, new.mail.smtp_port, new.mail.smtp_password) == ("smtp.opms.example", 587, "hunter2")
    assert new.mail.public_url == "https://rv.opms.example"
    with pytest.raises(InvalidInput, match="port"):
        messages_desk.update_mail_settings(s, smtp_host="h", smtp_port="abc", smtp_user="", smtp_security="ssl",
                                           from_address="", public_url="")  # fmt: skip


def test_test_message_of_parametres_reaches_the_server(mail_settings, smtp):
    ref = messages_desk.send_test_message(mail_settings, "patron@opms.example")
    [msg] = smtp.recorder.wait_for(1)
    assert msg["Message-ID"] == ref and msg["To"] == "patron@opms.example"
    with pytest.raises(InvalidInput, match="SMTP"):
        messages_desk.send_test_message(mail_settings.with_section("mail", smtp_host=""), "patron@opms.example")
