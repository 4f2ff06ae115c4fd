"""Real browser: the public form -> the windows offered -> one picked -> the office's call list ->
the customer's link cancels 23 h before -> a late cancellation with the tariff's fee.

The dashboard runs as users run it, with its clock set by ``$OPMS_NOW``
(:data:`dispatch.office.slots.NOW_ENV`): first the morning before the first working day
offered, then (a second start of the server) 23 h before the window picked.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from dispatch.office.slots import NOW_ENV, TENTATIVE
from tests.servers.dashboard import Dashboard, add_staff, external, prepare_data_dir, wait_idle
from tests.views.browsing import BROWSER_TEST, click, login, nav, open_path, tab

pytestmark = BROWSER_TEST

ADDRESS = "1015 Avenue Saint-Denis, Mascouche"
FEE_ENV = "OPMS_TARIFF__LATE_CANCELLATION_FEE"


def _first_day() -> datetime:
    """9:00 on the next Monday-Thursday after today: tomorrow is then a working day."""
    from dispatch.settings import TZ

    d = datetime.now(TZ).date() + timedelta(days=1)
    while d.weekday() > 3:
        d += timedelta(days=1)
    return datetime.combine(d, time(9, 0), tzinfo=TZ)


def _db(data_dir):
    from dispatch import records
    from dispatch.settings import load_settings

    return records.open_database(settings=load_settings(data_dir=data_dir, env={}))


@pytest.fixture()
def data_dir_with_demo(tmp_path, mascouche, regions_data_dir):
    """Mascouche, technicians with a demo day, and an older request still to contact."""
    from dispatch import records
    from dispatch.records import appointments

    now = _first_day()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(appointments, "booking_clock", lambda: now.replace(hour=0))
        d = prepare_data_dir(tmp_path / "data", regions_from=regions_data_dir,
                             demo_day=now.date(), n_visits=6)
    db = _db(d)
    try:
        records.create_request(
            db, name="Paul Ancien", phone="450 555-0001", address="1 rue X, Mascouche",
            problem="Écran", consent=True, actor="test", at=now - timedelta(days=2),
        )  # fmt: skip
    finally:
        db.close()
    add_staff(d)
    return d, now


def test_customer_picks_a_slot_then_cancels_late_through_the_link(browser, page, data_dir_with_demo, monkeypatch):
    from dispatch import records

    data_dir, now = data_dir_with_demo
    monkeypatch.setenv(FEE_ENV, "25.00")
    monkeypatch.setenv(NOW_ENV, now.isoformat())
    with Dashboard(data_dir) as dash:
        # 1. the public form, then the windows offered
        open_path(page, dash, "/demande")
        page.get_by_label("Nom complet *").fill("Julie Gagnon")
        page.get_by_label("Téléphone").fill("450 555-7777")
        page.get_by_label("Adresse de l'intervention *").fill(ADDRESS)
        page.get_by_label("Votre problème *").fill("Imprimante réseau introuvable")
        page.get_by_text("J'accepte que mes renseignements").click()
        click(page, "Envoyer la demande")
        page.get_by_text("Merci, Julie Gagnon").wait_for()
        page.get_by_role("link", name="Choisir l'heure de la visite").click()
        page.get_by_text("Nos meilleures plages").wait_for(timeout=60_000)
        wait_idle(page)
        offered = page.get_by_role("button", name=", entre ")
        assert 3 <= offered.count() <= 5, page.get_by_test_id("stMain").inner_text()
        found = re.search(r"(?:lundi|mardi|mercredi|jeudi|vendredi) \d+ \w+, entre \d+ h(?: \d\d)? et \d+ h(?: \d\d)?",
                          offered.first.inner_text())  # the button's text after its icon's name
        assert found, offered.first.inner_text()
        label = found[0]
        # 2. one picked: tentative
        offered.first.click()
        page.get_by_text("Plage choisie").wait_for(timeout=30_000)
        page.get_by_text("choisi, à confirmer par notre appel").wait_for()
        link = page.url
        assert urlsplit(link).path == "/creneau" and "t=" in urlsplit(link).query
        db = _db(data_dir)
        try:
            (req,) = [r for r in records.list_requests(db) if r.customer.name == "Julie Gagnon"]
            (appt,) = records.appointments_of(db, req.id)
        finally:
            db.close()
        assert (req.state, appt.status) == ("requested", TENTATIVE)
        # 3. the office's call list: on top, as tentative
        office = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
        try:
            login(office, dash, "repartition")
            nav(office, "Répartition")
            tab(office, "Demandes à contacter")
            first = office.get_by_test_id("stExpander").first.inner_text()
            assert "Julie Gagnon" in first and "à confirmer" in first
            assert "Paul Ancien" in office.get_by_test_id("stExpander").nth(1).inner_text()
        finally:
            office.context.close()
    # 4. 23 h before the window: the customer's link says late, with the fee, then cancels
    at = appt.window_start - timedelta(hours=23)
    monkeypatch.setenv(NOW_ENV, at.isoformat())
    with Dashboard(data_dir) as dash:
        parts = urlsplit(link)
        open_path(page, dash, f"{parts.path}?{parts.query}")
        page.get_by_text(f"Votre rendez-vous : {label}").wait_for()
        click(page, "Annuler le rendez-vous")
        warning = page.get_by_text("annulation tardive")
        warning.wait_for()
        assert "25,00" in warning.inner_text()
        db = _db(data_dir)
        try:
            assert records.get_request(db, req.id).state == "requested"  # not before the confirmation
        finally:
            db.close()
        click(page, "Confirmer l'annulation")
        page.get_by_text("Votre rendez-vous est annulé (annulation tardive").wait_for()
    db = _db(data_dir)
    try:
        done = records.get_request(db, req.id)
    finally:
        db.close()
    assert (done.state, done.cancellation, done.cancellation_fee) == ("cancelled", "late", Decimal("25.00"))
    assert done.cancelled_at == at
    assert external(page.requests) == []
