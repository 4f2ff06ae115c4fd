"""The website's mailbox read by itself, against a real IMAP server (Dovecot) on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import os
from email.message import EmailMessage

import pytest

from dispatch import records as st
from dispatch.errors import ServiceError
from dispatch.office import mailbox as mb
from dispatch.office.intake import FLAG_CONSENT
from tests.servers.imap import ImapServer, dovecot_available, openssl_available

pytest_plugins = ["tests.storage_support"]

pytestmark = pytest.mark.skipif(
    not dovecot_available() and not os.environ.get("CI"),
    reason="Debian dovecot-imapd is not installed (make test installs it)",
)

PROCESSED = mb.imap_utf7(mb.PROCESSED_FOLDER)

FORM_BODY = """Nom : Marie Tremblay
Téléphone : 450 555-1234
Courriel : marie@example.com
Adresse : 1015 Avenue Saint-Denis, Mascouche
Problème : L'ordinateur ne démarre plus.
Consentement : oui
"""

FREE_BODY = """Bonjour,

Mon portable ne s'allume plus depuis hier. J'habite au 1015 avenue Saint-Denis à Mascouche.
Pouvez-vous me rappeler au (450) 555-7777 ?

Merci !
--
Jean Lapointe
"""


def message(body: str, *, message_id: str, sender: str = "Site web <site@opms.example>",
            subject: str = "Demande d'intervention", **headers: str) -> bytes:
    """A raw e-mail as the mail server would deliver it."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "demandes@opms.example"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = "Thu, 03 Dec 2026 09:15:00 -0500"
    for k, v in headers.items():
        msg[k.replace("_", "-")] = v
    msg.set_content(body)
    return msg.as_bytes()


@pytest.fixture()
def imap():
    """A fresh Dovecot with an empty mailbox."""
    with ImapServer() as server:
        yield server


def account(server: ImapServer, **kw) -> mb.MailboxAccount:
    return mb.MailboxAccount(host=server.host, port=server.port, user=server.user,
                             password=server.password, **kw)


def ids(raws) -> list[str]:
    return [str(email.message_from_bytes(r, policy=email.policy.default)["Message-ID"]) for r, _f in raws]


def test_a_message_read_twice_makes_one_request(imap, db, settings, mascouche):
    """The same Message-ID delivered twice (or read by two readings): one request, both moved."""
    raw = message(FORM_BODY, message_id="<form-1@opms.example>")
    imap.append(raw)
    first = mb.poll_mailbox(db, settings, account=account(imap), region=mascouche)
    assert first.to_dict()["counts"]["created"] == 1 and first.errors == []
    imap.append(raw)  # delivered again
    second = mb.poll_mailbox(db, settings, account=account(imap), region=mascouche)
    assert (second.created, second.duplicates) == ([], ["<form-1@opms.example>"])
    reqs = st.list_requests(db)
    assert len(reqs) == 1
    req = reqs[0]
    assert (req.customer.name, req.source, req.message_id) == ("Marie Tremblay", "email", "<form-1@opms.example>")
    assert req.address.zone in {"core", "extended"} and req.consent
    boxes = imap.messages()
    assert boxes["INBOX"] == [] and len(boxes[PROCESSED]) == 2


def test_a_free_text_email_becomes_a_request_to_check(imap, db, settings, mascouche):
    """Name from From, phone and address found in the text, the text as the problem, « à vérifier »."""
    imap.append(message(FREE_BODY, message_id="<free-1@mail.example>",
                        sender="Jean Lapointe <jean.lapointe@mail.example>", subject="Portable en panne"))
    report = mb.poll_mailbox(db, settings, account=account(imap), region=mascouche)
    assert report.errors == [] and len(report.created) == 1
    req = st.get_request(db, report.created[0]["id"])
    assert report.free_text == [req.id]
    assert (req.customer.name, req.customer.email, req.customer.phone) == (
        "Jean Lapointe", "jean.lapointe@mail.example", "450 555-7777")
    assert req.address.text == "1015 avenue Saint-Denis, Mascouche"
    assert req.address.lat is not None and req.address.zone in {"core", "extended"}
    assert mb.FLAG_CHECK in req.flags and FLAG_CONSENT in req.flags
    assert req.problem.startswith("Portable en panne\n\nBonjour,")
    assert "Jean Lapointe" not in req.problem.split("Merci")[-1]  # the signature is left out
    assert not req.consent


def test_processed_messages_are_moved_never_deleted(imap, db, settings, mascouche):
    """After a reading the inbox is empty and the folder « Traités » holds the message, intact."""
    raw = message(FORM_BODY, message_id="<form-2@opms.example>")
    imap.append(raw)
    report = mb.poll_mailbox(db, settings, account=account(imap), region=mascouche)
    assert report.moved == ["<form-2@opms.example>"]
    boxes = imap.messages()
    assert boxes["INBOX"] == []
    assert ids(boxes[PROCESSED]) == ["<form-2@opms.example>"]
    body, flags = boxes[PROCESSED][0]
    assert body.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert "\\Deleted" not in flags


def test_a_crash_before_the_move_only_moves_the_message_next_time(imap, db, settings, mascouche):
    """Request stored, then the process died before moving: the next reading moves it, no double."""
    raw = message(FORM_BODY, message_id="<form-3@opms.example>")
    imap.append(raw)
    outcome, req, _mid = mb.take_in(db, raw, settings=settings, region=mascouche)  # then "crash"
    assert outcome == "created" and req is not None
    report = mb.poll_mailbox(db, settings, account=account(imap), region=mascouche)
    assert (report.created, report.duplicates) == ([], ["<form-3@opms.example>"])
    assert len(st.list_requests(db)) == 1 and imap.messages()["INBOX"] == []


def test_automatic_messages_are_moved_without_a_request(imap, db, settings, mascouche):
    """An auto-reply or a delivery report is not a customer: moved, no request."""
    imap.append(message("Je suis absent.", message_id="<auto@x.example>", Auto_Submitted="auto-replied"))
    report = mb.poll_mailbox(db, settings, account=account(imap), region=mascouche)
    assert report.automatic == ["<auto@x.example>"] and report.created == []
    assert st.list_requests(db) == [] and imap.messages()["INBOX"] == []


def test_a_message_nobody_can_answer_stays_flagged_in_the_inbox(imap, db, settings, mascouche):
    """No sender address and no phone: reported once, flagged for a person, left in the inbox."""
    imap.append(message("Allo", message_id="<anon@x.example>", sender="Inconnu <>"))
    report = mb.poll_mailbox(db, settings, account=account(imap), region=mascouche)
    assert len(report.errors) == 1 and "rappeler" in report.errors[0]["error"]
    assert mb.poll_mailbox(db, settings, account=account(imap), region=mascouche).errors == []
    (kept,) = imap.messages()["INBOX"]
    assert "\\Flagged" in kept[1] and "\\Seen" in kept[1]
    assert st.list_requests(db) == []


def test_a_wrong_password_is_a_clear_error(imap, db, settings):
    """The server refuses the login: a ServiceError in French, nothing taken in."""
    bad = mb.MailboxAccount(host=imap.host, port=imap.port, user=imap.user, password="mauvais")
    with pytest.raises(ServiceError) as err:
        mb.poll_mailbox(db, settings, account=bad)
    assert "boîte" in err.value.localized()


@pytest.mark.skipif(not openssl_available() and not os.environ.get("CI"),
                    reason="the openssl command makes the test certificate (make test installs it)")
def test_imaps_checks_the_server_certificate(db, settings, mascouche):
    """Implicit TLS: read with the server's authority; an unknown certificate is refused."""
    with ImapServer(tls=True) as server:
        server.append(message(FORM_BODY, message_id="<tls@opms.example>"))
        with pytest.raises(ServiceError):
            mb.poll_mailbox(db, settings, account=account(server, security="ssl"), region=mascouche)
        trusted = account(server, security="ssl", cafile=str(server.cafile))
        report = mb.poll_mailbox(db, settings, account=trusted, region=mascouche)
        assert len(report.created) == 1


def test_settings_without_a_mailbox_say_what_to_set(settings):
    """No imap_host: an InvalidInput naming the settings to write."""
    from dispatch.errors import InvalidInput

    with pytest.raises(InvalidInput) as err:
        mb.account_from_settings(settings)
    assert "imap_host" in str(err.value)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("J'habite au 1015 avenue Saint-Denis à Mascouche. Merci", "1015 avenue Saint-Denis, Mascouche"),
        ("Adresse: 4-123 boul. St-Henri, Mascouche QC J7K 3B5 merci", "4-123 boul. St-Henri, Mascouche QC J7K 3B5"),
        ("je suis au 12, 10e Avenue, Terrebonne", "12, 10e Avenue, Terrebonne"),
        ("Venez au 123 MONTÉE MASSON svp", "123 MONTÉE MASSON"),
        ("Le 3 décembre 2026, 2 ordinateurs", ""),
        ("> 99 rue Citée, Laval\nrien d'autre", ""),
    ],
)
def test_find_address_reads_the_address_written_in_free_text(text, address):
    """The civic address of a sentence, up to where the sentence goes on; quoted replies skipped."""
    assert mb.find_address(text) == address


def test_find_phone_formats_north_american_numbers():
    """(450) 555-7777, 450.555.7777, +1 450 555 7777 -> 450 555-7777; a postal code is not one."""
    for text in ("(450) 555-7777", "450.555.7777", "+1 450 555 7777", "tél: 4505557777"):
        assert mb.find_phone(text) == "450 555-7777"
    assert mb.find_phone("J7K 3B5, 123 rue X") == ""


def test_imap_folder_names_use_modified_utf7():
    """RFC 3501: « Traités » is Trait&AOk-s, « & » is &-."""
    assert mb.imap_utf7("Traités") == "Trait&AOk-s"
    assert mb.imap_utf7("A&B") == "A&-B"


def test_the_worker_reads_the_mailbox_on_its_schedule(imap, db, settings):
    """``make run`` starts the worker; with ``[mail] imap_*`` set, its "mailbox" job takes
    the website's e-mails in (no command to run), and moves them."""
    from dataclasses import replace

    from dispatch.messaging.worker import Worker

    assert mb.worker_jobs(settings) == []  # no mailbox configured: no job
    mail = replace(settings.mail, imap_host=imap.host, imap_port=imap.port, imap_user=imap.user,
                   imap_password=imap.password, poll_interval_s=60.0)
    configured = replace(settings, mail=mail)
    assert [j.name for j in mb.worker_jobs(configured)] == ["mailbox"]
    imap.append(message(FORM_BODY, message_id="<form-w@opms.example>"))
    results = Worker(db, configured, jobs=mb.worker_jobs(configured)).run_once()
    assert results["mailbox"]["created"] == 1, results
    assert [r.message_id for r in st.list_requests(db)] == ["<form-w@opms.example>"]
    assert imap.messages()["INBOX"] == []
