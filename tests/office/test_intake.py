"""Intake: the e-mail layout, idempotent Maildir intake, coverage and flags at intake."""

from __future__ import annotations

import mailbox
import re
from datetime import date
from decimal import Decimal
from email.message import EmailMessage

import pytest

from dispatch import records as st
from dispatch.errors import InvalidInput
from dispatch.office import intake as it

pytest_plugins = ["tests.storage_support"]

BODY = """Bonjour,

Une nouvelle demande a été envoyée depuis le formulaire « Demande d'interventions ».

Nom : Élise Côté-Ouellet
Téléphone : 450 555-0199
Courriel : elise@example.com
Adresse : {address}
Date souhaitée : 3 décembre 2026
Soutien à distance possible : Oui
Consentement : J'accepte la politique de confidentialité
Description du problème : L'ordinateur portable s'éteint tout seul.
Message d'erreur : « CPU over temperature ».
Ça arrive surtout le soir.

--
Envoyé par le site web OPMS
"""


def make_email(address="2021 10e Avenue, Mascouche", *, msgid="<req-1@opms.example>", body=None, html=False):
    """A website form e-mail as bytes."""
    m = EmailMessage()
    m["From"] = "Site web OPMS <site@opms.example>"
    m["To"] = "bureau@opms.example"
    m["Subject"] = "Demande d'interventions"
    m["Date"] = "Wed, 25 Nov 2026 14:03:00 -0500"
    if msgid:
        m["Message-ID"] = msgid
    text = body if body is not None else BODY.format(address=address)
    if html:
        m.set_content("<p>" + text.replace("\n", "<br>") + "</p>", subtype="html")
    else:
        m.set_content(text)
    return bytes(m)


def test_email_layout_reads_every_field():
    """Name, phone, e-mail, address, date (French), remote yes, consent, multi-line problem."""
    p = it.parse_email(make_email())
    f = p.form
    assert (f.name, f.phone, f.email) == ("Élise Côté-Ouellet", "450 555-0199", "elise@example.com")
    assert f.address == "2021 10e Avenue, Mascouche"
    assert f.desired_date == date(2026, 12, 3)
    assert f.remote_ok is True and f.consent is True
    assert f.problem.splitlines() == [
        "L'ordinateur portable s'éteint tout seul.",
        "Message d'erreur : « CPU over temperature ».",
        "Ça arrive surtout le soir.",
    ]
    assert p.message_id == "<req-1@opms.example>"
    assert p.received_at.isoformat() == "2026-11-25T14:03:00-05:00"


def test_html_only_email_is_read_too():
    """An HTML body (no text part) gives the same fields."""
    f = it.parse_email(make_email(html=True)).form
    assert f.name == "Élise Côté-Ouellet" and f.address == "2021 10e Avenue, Mascouche"


def test_labels_are_matched_without_accents_or_case_and_city_is_appended():
    """'TELEPHONE', 'E-mail', separate 'Ville' and 'Code postal' lines; day-first numeric date."""
    body = "NOM: Paul\nTELEPHONE : 514-555-0000\nE-mail: p@x.ca\nAdresse: 12 rue Dupras\nVille : Terrebonne\nCode postal : J6W 1A1\nDate souhaitee : 05/12/2026\nA distance : non\n"
    f = it.parse_email(make_email(body=body)).form
    assert f.address == "12 rue Dupras, Terrebonne J6W 1A1"
    assert f.desired_date == date(2026, 12, 5) and f.remote_ok is False and f.consent is False


def test_missing_message_id_is_replaced_by_a_content_hash():
    """Without Message-ID the same bytes give the same id (still idempotent)."""
    raw = make_email(msgid=None)
    assert it.parse_email(raw).message_id == it.parse_email(raw).message_id
    assert it.parse_email(raw).message_id.startswith("<sha256-")


def test_email_without_name_or_address_is_refused_with_the_fix():
    """Not a form e-mail: InvalidInput pointing at docs/intake.md."""
    with pytest.raises(InvalidInput, match=r"docs/intake\.md"):
        it.parse_email(make_email(body="Bonjour, pouvez-vous me rappeler?"))
    with pytest.raises(InvalidInput, match="Adresse"):
        it.parse_email(make_email(body="Nom : Paul\nTéléphone : 1\n"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-12-03", date(2026, 12, 3)), ("1er décembre 2026", date(2026, 12, 1)),
     ("dès que possible", None), ("31/02/2026", None), ("", None)],
)  # fmt: skip
def test_desired_date_formats(text, expected):
    """ISO, French long dates, and vague or impossible dates (None: the date is not binding)."""
    assert it.parse_date(text) == expected


def test_public_form_needs_consent(db, settings):
    """The public form stores nothing without consent to the privacy policy."""
    form = it.RequestForm(name="Paul", address="12 rue X", phone="514 555 0000", consent=False)
    with pytest.raises(InvalidInput) as err:
        it.submit(db, form, settings=settings)
    assert re.search("consentement", err.value.localized("fr_CA"))
    assert st.list_requests(db) == []


def maildir_with(tmp_path, *raws):
    """A Maildir holding the given messages."""
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for raw in raws:
        box.add(raw)
    return tmp_path / "Maildir"


def test_maildir_intake_is_idempotent_on_message_id(db, settings, mascouche, tmp_path):
    """Two e-mails with the same Message-ID and a bad one: one request; a second run adds none."""
    path = maildir_with(
        tmp_path, make_email(), make_email(), make_email(body="pas un formulaire", msgid="<x@y>")
    )
    first = it.intake_path(db, path, settings=settings, region=mascouche)
    assert [c["message_id"] for c in first.created] == ["<req-1@opms.example>"]
    assert first.duplicates == ["<req-1@opms.example>"] and len(first.errors) == 1
    second = it.intake_path(db, path, settings=settings, region=mascouche)
    assert (second.created, len(second.duplicates)) == ([], 2)
    (req,) = st.list_requests(db)
    assert req.source == "email" and req.message_id == "<req-1@opms.example>"
    assert req.created_at.isoformat() == "2026-11-25T14:03:00-05:00"


def test_intake_attaches_geocode_and_coverage(db, settings, mascouche, tmp_path):
    """A real Mascouche address: exact point, core zone, road km and the 35.00 travel fee."""
    (tmp_path / "a.eml").write_bytes(make_email())
    report = it.intake_path(db, tmp_path / "a.eml", settings=settings, region=mascouche)
    req = st.get_request(db, report.created[0]["id"])
    a = req.address
    assert (a.zone, a.precision, a.region) == ("core", "exact", "mascouche")
    assert a.lat == pytest.approx(45.7846, abs=1e-3) and a.lon == pytest.approx(-73.6272, abs=1e-3)
    assert 5 < a.road_km < 12 and a.travel_fee == Decimal("35.00")
    assert "par la route" in a.fee_explanation
    assert req.flags == ()


def test_unplaceable_address_is_stored_flagged_not_dropped(db, settings, mascouche, tmp_path):
    """An address the geocoder cannot place is kept, flagged 'adresse à vérifier', no coverage."""
    (tmp_path / "a.eml").write_bytes(make_email("99999 rue Inexistante, Nulle-Part"))
    report = it.intake_path(db, tmp_path, settings=settings, region=mascouche)
    req = st.get_request(db, report.created[0]["id"])
    assert req.flags == (it.FLAG_ADDRESS,) and req.address.zone is None and req.address.lat is None


def test_outside_zone_request_is_flagged_for_the_office(db, settings, shared_data, tmp_path):
    """With a 2 km / 4 km service area, an address 8.7 km away is 'hors zone', fee on quote."""
    from dispatch.geo.point import GeoPoint
    from dispatch.geo.region import build_region

    small = build_region(
        shared_data / "osm" / "mascouche_qc.osm", name="petite", shop=GeoPoint(45.7460, -73.6010),
        core_km=2.0, extended_km=4.0, settings=settings,
    )  # fmt: skip
    (tmp_path / "a.eml").write_bytes(make_email("1593 Rang du Grand-Coteau, Mascouche"))
    report = it.intake_path(db, tmp_path / "a.eml", settings=settings, region=small)
    req = st.get_request(db, report.created[0]["id"])
    assert req.address.zone == "outside"
    assert set(req.flags) == {it.FLAG_OUTSIDE, it.FLAG_ON_QUOTE}
    assert req.address.travel_fee is None


def test_public_form_with_an_unbuilt_region_still_stores_the_request(db, settings):
    """A region that was never built flags the request instead of losing it."""
    form = it.RequestForm(name="Paul", address="12 rue X", phone="514 555 0000", consent=True)
    req = it.submit(db, form, settings=settings, region="jamais-construite")
    assert req.flags == (it.FLAG_NO_REGION,) and req.source == "form" and req.customer.consent_at
