"""Command line: ``slots REQUEST --json``, ``slots REQUEST --pick N`` and ``intake --imap``."""

from __future__ import annotations

import json
import os
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from dispatch import records as st
from dispatch.cli.main import main
from dispatch.office import customer_link, intake, slots
from tests.office.demo_data import DAY, open_demo
from tests.servers.imap import ImapServer, dovecot_available

ADDRESS = "1015 Avenue Saint-Denis, Mascouche"
#: The Monday before the demo day: the windows start on DAY (a Tuesday).
MONDAY = "2026-06-01T14:00"


@pytest.fixture()
def demo(tmp_path, mascouche, regions_data_dir, monkeypatch):
    """A data folder with the demo day and one new request; the clock on MONDAY: (settings, id)."""
    monkeypatch.setenv(slots.NOW_ENV, MONDAY)
    monkeypatch.delenv("OPMS_CONFIG", raising=False)
    settings, db = open_demo(tmp_path, regions_data_dir)
    req = intake.submit(
        db, intake.RequestForm(name="Julie Gagnon", address=ADDRESS, phone="450 555-7777",
                               problem="Imprimante", consent=True),
        settings=settings, region=mascouche,
    )  # fmt: skip
    db.close()
    return settings, req.id


def run(capsys, settings, *argv):
    """Run opms-dispatch on the demo's data folder: (exit code, JSON or None, stderr)."""
    code = main([*argv, "--data-dir", str(settings.data_dir)])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_slots_json_lists_the_ranked_windows(capsys, demo):
    """One JSON document: 3-5 windows numbered from 1, least added driving first, labelled in French."""
    settings, rid = demo
    code, out, _ = run(capsys, settings, "slots", str(rid), "--json")
    assert code == 0 and out["request_id"] == rid
    found = out["slots"]
    assert 3 <= len(found) <= 5
    assert [s["number"] for s in found] == list(range(1, len(found) + 1))
    added = [s["added_travel_min"] for s in found]
    assert added == sorted(added)
    assert all(s["day"] >= DAY.isoformat() for s in found)
    assert ", entre " in found[0]["label"] and " h et " in found[0]["label"]


def test_slots_pick_books_the_window_as_tentative_with_the_customer_link(capsys, demo):
    """--pick 1: the window held as tentative, first on the call list, the signed link printed."""
    settings, rid = demo
    code, out, _ = run(capsys, settings, "slots", str(rid), "--pick", "1", "--json")
    assert code == 0 and out["status"] == "tentative"
    db = st.open_database(settings=settings)
    try:
        appt = st.get_appointment(db, out["appointment_id"])
        assert appt.window_start == datetime.fromisoformat(out["picked"]["window_start"])
        assert st.get_request(db, rid).state == "requested"
        assert slots.call_list(db)[0].request_id == rid
    finally:
        db.close()
    token = parse_qs(urlsplit(out["link"]).query)["t"][0]
    assert customer_link.read_token(settings, token) == rid


def test_slots_refuses_a_window_not_offered_and_an_unknown_request(capsys, demo):
    """--pick 9: exit 2 with a French message; request 999: exit 3; nothing on stdout."""
    settings, rid = demo
    code, out, err = run(capsys, settings, "slots", str(rid), "--pick", "9", "--json")
    assert (code, out) == (2, None) and "n'est pas offerte" in err
    code, out, err = run(capsys, settings, "slots", "999", "--json")
    assert (code, out) == (3, None) and "999" in err


@pytest.mark.skipif(not dovecot_available() and not os.environ.get("CI"),
                    reason="Debian dovecot-imapd is not installed (make test installs it)")
def test_intake_imap_reads_the_mailbox_of_the_settings_once(capsys, demo, monkeypatch):
    """OPMS_MAIL__IMAP_* name the mailbox; a free-text e-mail becomes a request à vérifier, moved."""
    from tests.office.test_mailbox import FREE_BODY, message

    settings, _ = demo
    with ImapServer() as server:
        server.append(message(FREE_BODY, message_id="<cli-1@mail.example>",
                              sender="Jean Lapointe <jean@mail.example>"))
        for k, v in {"HOST": server.host, "PORT": str(server.port), "USER": server.user,
                     "PASSWORD": server.password}.items():
            monkeypatch.setenv(f"OPMS_MAIL__IMAP_{k}", v)
        code, out, _ = run(capsys, settings, "intake", "--imap", "--region", "mascouche", "--json")
        assert code == 0
        assert out["counts"]["created"] == 1 and out["counts"]["moved"] == 1
        assert "à vérifier" in out["created"][0]["flags"]
        code, out, _ = run(capsys, settings, "intake", "--imap", "--region", "mascouche", "--json")
        assert code == 0 and out["counts"]["created"] == 0  # nothing unseen left
        assert server.messages()["INBOX"] == []


def test_intake_needs_a_path_or_imap(capsys, demo):
    """Neither (or both): exit 2 saying what to give."""
    settings, _ = demo
    code, out, err = run(capsys, settings, "intake", "--json")
    assert (code, out) == (2, None) and "--imap" in err
