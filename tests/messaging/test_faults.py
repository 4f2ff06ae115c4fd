"""Faults: the SMTP server down then up, a worker killed in the middle of a send.

No message is lost and none is delivered twice: a message is marked sent only after the
server accepted it, and a worker killed before that leaves it claimed until its lease ends,
then another pass sends it (the server, which never acknowledged the first copy, dropped it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from dispatch.messaging import events, outbox
from dispatch.messaging.delivery import send_due
from dispatch.records import now
from tests.messaging.helpers import request_with_consent
from tests.messaging.smtp_server import SmtpServer, _free_port

ROOT = Path(__file__).resolve().parents[2]


def _queue(db, settings, n):
    ids = []
    for i in range(n):
        req = request_with_consent(db, channels=("email",), email=f"client{i}@example.com", phone=f"450 555 10{i:02d}")
        with db.write() as s:
            ids += events.request_received(s, req.id, settings=settings)
    return ids


def test_smtp_down_then_up_sends_every_queued_message_once(db, mail_settings):
    port = _free_port()
    settings = mail_settings.with_section("mail", smtp_port=port)
    ids = _queue(db, settings, 5)
    report = send_due(db, settings, channels=["email"])
    assert report.sent == 0 and "email" in report.down
    assert (report.retried, report.released) == (1, 4)  # one attempt, the others given back
    assert "ne répond pas" in outbox.get_message(db, ids[0]).last_error
    assert {outbox.get_message(db, i).state for i in ids} == {"queued"}

    server = SmtpServer(port).start()
    try:
        later = now() + timedelta(minutes=2)  # past the first backoff (1 min)
        report = send_due(db, settings, channels=["email"], clock=lambda: later)
        assert report.sent == 5
        send_due(db, settings, channels=["email"], clock=lambda: later + timedelta(hours=2))
        received = server.recorder.wait_for(5)
        time.sleep(0.2)
        assert len(server.recorder.messages) == 5
        assert sorted(server.recorder.message_ids()) == sorted(outbox.get_message(db, i).message_id for i in ids)
        assert {m["To"] for m in received} == {f"client{i}@example.com" for i in range(5)}
    finally:
        server.stop()


def _worker(db_url, settings, data_dir):
    env = dict(os.environ)
    env.pop("OPMS_CONFIG", None)
    env.update(
        OPMS_DATA_DIR=str(data_dir),
        OPMS_DATABASE__URL=db_url,
        OPMS_MAIL__SMTP_HOST="127.0.0.1",
        OPMS_MAIL__SMTP_PORT=str(settings.mail.smtp_port),  # the environment form of every setting
        OPMS_MAIL__SMTP_SECURITY="none",
        OPMS_MAIL__FROM_ADDRESS=settings.mail.from_address,
        OPMS_MAIL__LEASE_S="3",
        OPMS_MAIL__SEND_INTERVAL_S="0.2",
        OPMS_MAIL__REMINDER_HOUR="24",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "dispatch", "worker", "--tick", "0.2", "--quiet"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def test_worker_killed_during_a_send_loses_nothing_and_sends_nothing_twice(db, db_url, mail_settings, smtp, tmp_path):
    ids = _queue(db, mail_settings, 3)
    smtp.recorder.delay_s = 5.0  # the server is slow to accept the first message
    proc = _worker(db_url, mail_settings, tmp_path)
    try:
        assert smtp.recorder.data_started.wait(30), proc.stderr.read().decode() if proc.poll() is not None else ""
        os.kill(proc.pid, signal.SIGKILL)  # killed while the server has not answered yet
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    claimed = [outbox.get_message(db, i) for i in ids]
    assert [m.state for m in claimed].count("sending") == 1  # held by the dead worker's lease
    smtp.recorder.delay_s = 0.0
    time.sleep(0.5)
    assert smtp.recorder.messages == []  # the server dropped the unacknowledged copy

    proc = _worker(db_url, mail_settings, tmp_path)  # a restarted worker, after the lease (3 s)
    try:
        smtp.recorder.wait_for(3, timeout=30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(outbox.get_message(db, i).state != "sent" for i in ids):
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    time.sleep(0.3)
    assert sorted(smtp.recorder.message_ids()) == sorted(outbox.get_message(db, i).message_id for i in ids)
    assert len(smtp.recorder.messages) == 3
    assert {outbox.get_message(db, i).state for i in ids} == {"sent"}
    retried = [outbox.get_message(db, i) for i in ids if outbox.get_message(db, i).attempts == 2]
    assert len(retried) == 1  # the message of the killed attempt, sent on its second attempt


def test_a_copy_sent_again_after_a_lost_mark_keeps_its_message_id(db, mail_settings, smtp):
    """The one window left (accepted by the server, worker dead before marking it sent): the
    second copy is recognisable, with the same Message-ID."""
    from dispatch.messaging._smtp import SmtpTransport

    [mid] = _queue(db, mail_settings, 1)
    [c] = outbox.claim(db, lease_s=3)
    with SmtpTransport(mail_settings) as t:
        t.send(c.message)  # accepted ... and the worker dies before mark_sent
    later = now() + timedelta(seconds=4)
    assert send_due(db, mail_settings, channels=["email"], clock=lambda: later).sent == 1
    first, second = smtp.recorder.wait_for(2)
    assert first["Message-ID"] == second["Message-ID"] == outbox.get_message(db, mid).message_id
    assert not outbox.mark_sent(db, c)  # the dead attempt can no longer record anything
