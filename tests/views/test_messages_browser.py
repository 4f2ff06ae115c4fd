"""Real browser: the office's "Messages" page shows the confirmation a call queued, cancels it and
queues it again; Paramètres shows the mail settings in force and its test button reaches a
real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.servers.dashboard import Dashboard, add_staff
from tests.views.browsing import BROWSER_TEST, click, login, nav, tab

pytestmark = BROWSER_TEST


def _db(data_dir):
    from dispatch import records
    from dispatch.settings import load_settings

    return records.open_database(settings=load_settings(data_dir=data_dir, env={}))


@pytest.fixture()
def office_data(tmp_path, smtp):
    """A data directory whose [mail] points at the local SMTP server, with one request taken in
    and booked by a call (the acknowledgement and the confirmation queued, no worker running)."""
    from dispatch.office import calls, intake
    from dispatch.settings import TZ, load_settings

    d = tmp_path / "data"
    d.mkdir()
    (d / "settings.toml").write_text(
        "[general]\ncompany_name = \"OPMS Informatique\"\n"
        f"[mail]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {smtp.port}\nsmtp_security = \"none\"\n"
        "smtp_password = \"secret-du-courriel\"\nfrom_address = \"rv@opms.example\"\n",
        encoding="utf-8",
    )
    settings = load_settings(data_dir=d, env={})
    db = _db(d)
    try:
        form = intake.RequestForm(
            name="Julie Gagnon", address="1015 Avenue Saint-Denis, Mascouche", phone="450 555-7777",
            email="julie@example.com", problem="Imprimante introuvable", consent=True, channels=("email",),
        )  # fmt: skip
        req = intake.submit(db, form, settings=settings)
        start = datetime.combine(datetime.now(TZ).date() + timedelta(days=3), datetime.min.time(), tzinfo=TZ)
        start = start.replace(hour=13)
        calls.record_call(db, req.id, "reached", kind="contact", window=(start, start + timedelta(hours=2)),
                          actor="bureau", settings=settings)  # fmt: skip
    finally:
        db.close()
    add_staff(d)
    return d, req.id


def _states(data_dir, request_id):
    from dispatch.messaging import outbox

    db = _db(data_dir)
    try:
        return {m.event: m.state for m in outbox.list_messages(db, request_id=request_id)}
    finally:
        db.close()


def test_office_sees_cancels_and_requeues_a_message_then_sends_a_test(page, office_data, smtp):
    data_dir, rid = office_data
    with Dashboard(data_dir) as dash:
        login(page, dash, "repartition")
        nav(page, "Messages")
        main = page.get_by_test_id("stMain")
        page.get_by_text("Retry or cancel a message").or_(page.get_by_text("Relancer ou annuler un message")).wait_for()
        assert "Le processus d'envoi n'a jamais tourné" in main.inner_text()
        table = page.get_by_test_id("stDataFrame").first
        table.wait_for()
        assert _states(data_dir, rid) == {"request_received": "queued", "appointment_confirmed": "queued"}
        # the newest message (the confirmation) is the one chosen: cancel it, then queue it again
        click(page, "Annuler le message")
        page.get_by_text("annulé.").first.wait_for()
        assert _states(data_dir, rid)["appointment_confirmed"] == "cancelled"
        click(page, "Relancer")
        page.get_by_text("remis en file d'attente").wait_for()
        assert _states(data_dir, rid)["appointment_confirmed"] == "queued"

    with Dashboard(data_dir) as dash:  # Paramètres is the administrator's
        login(page, dash, "admin")
        more = page.get_by_test_id("stSidebarNavViewButton")  # the admin's long menu is folded
        if more.count() and "less" not in more.inner_text():
            more.click()
        nav(page, "Paramètres")
        tab(page, "Courriel et SMS")
        main = page.get_by_test_id("stMain")
        page.get_by_text("OPMS_MAIL__SMTP_HOST").first.wait_for(state="attached")  # a grid cell
        assert page.get_by_text("127.0.0.1").count() >= 1  # the server in force
        assert page.get_by_text("secret-du-courriel").count() == 0 and "secret-du-courriel" not in main.inner_text()
        page.get_by_label("Adresse courriel", exact=True).fill("patron@opms.example")
        click(page, "Envoyer un message de test")
        page.get_by_text("Message de test envoyé à").wait_for(timeout=30_000)
        shown = page.get_by_test_id("stAlertContentSuccess").last.inner_text().replace("\u2060", "")
        assert "patron@opms.example" in shown  # (plain() keeps markdown from making it a link)
    [msg] = smtp.recorder.wait_for(1)
    assert msg["To"] == "patron@opms.example" and msg["Subject"] == "OPMS Informatique : message d'essai"
