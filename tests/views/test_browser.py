"""Real-browser tests: Debian's chromium (playwright) on the dashboard served on 127.0.0.1.

The dashboard runs as users run it (``streamlit run app.py`` with the product's flags) over a
data directory holding the Mascouche region and a demo day of today. Every test records all
the requests the page makes and asserts that none leaves 127.0.0.1, and checks that the
Leaflet map shows its layers (paths and markers inside the map's iframe), not only that the
page loaded. Staff pages are reached by logging in on the home page ("Connexion") and
following the sidebar navigation (a Streamlit login lasts as long as the tab's session).
"""

from __future__ import annotations

import re
from datetime import datetime, time

import pytest

from tests.servers.dashboard import (
    Dashboard,
    add_staff,
    external,
    map_frame,
    prepare_data_dir,
    wait_idle,
)
from tests.views import visit_paths as vp
from tests.views.browsing import BROWSER_TEST, click, login, nav, open_path

pytestmark = BROWSER_TEST

ADDRESS = "1015 Avenue Saint-Denis, Mascouche"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory, mascouche, regions_data_dir):
    """The dashboard over the Mascouche region with today's demo day (4 technicians, 16 visits)."""
    from dispatch.office.planning import TZ
    from dispatch.records import appointments

    today = datetime.now(TZ).date()
    with pytest.MonkeyPatch.context() as mp:  # booked as of this morning, even if run at night
        mp.setattr(appointments, "booking_clock", lambda: datetime.combine(today, time(0), tzinfo=TZ))
        d = prepare_data_dir(
            tmp_path_factory.mktemp("dash") / "data", regions_from=regions_data_dir,
            demo_day=today, n_visits=16,
        )
    add_staff(d)
    with Dashboard(d) as dash:
        yield dash


def _staff_page(page, dash, label: str, *, username: str = "admin") -> None:
    """Log in, then open a staff page through the sidebar navigation."""
    login(page, dash, username)
    nav(page, label)


def test_coverage_check_draws_the_road_path_offline(page, dashboard):
    """Checking a Mascouche address shows the zone, the fee and the path on the map."""
    open_path(page, dashboard, "/couverture")
    frame = map_frame(page)
    assert frame.locator("path.opms-zone-core").count() == 1
    assert frame.locator("canvas").count() >= 1  # the roads basemap
    page.get_by_label("Votre adresse").fill(ADDRESS)
    click(page, "Vérifier")
    page.get_by_text("Bonne nouvelle").wait_for()
    frame = map_frame(page)
    frame.locator("path.opms-path").wait_for()
    assert frame.locator(".opms-address-icon").count() == 1
    assert "OpenStreetMap contributors" in frame.locator(".leaflet-control-attribution").inner_text()
    assert external(page.requests) == []


def test_request_form_submission_is_stored(page, dashboard):
    """A customer fills the request form with consent and gets a request number."""
    open_path(page, dashboard, "/demande")
    page.get_by_label("Nom complet *").fill("Julie Gagnon")
    page.get_by_label("Téléphone").fill("450 555-7777")
    page.get_by_label("Adresse de l'intervention *").fill(ADDRESS)
    page.get_by_label("Votre problème *").fill("Imprimante réseau introuvable")
    page.get_by_text("J'accepte que mes renseignements").click()
    click(page, "Envoyer la demande")
    page.get_by_text("Merci, Julie Gagnon").wait_for()
    from dispatch import records
    from dispatch.settings import load_settings

    db = records.open_database(settings=load_settings(data_dir=dashboard.data_dir, env={}))
    assert any(r.customer.name == "Julie Gagnon" for r in records.list_requests(db))
    assert external(page.requests) == []


def test_optimise_the_day_draws_every_route(page, dashboard):
    """"Optimiser la journée" draws one road path per technician and a marker per visit."""
    _staff_page(page, dashboard, "Répartition")
    click(page, "Optimiser la journée")
    frame = map_frame(page)
    frame.locator("path.opms-route").first.wait_for()
    routes = frame.locator("path.opms-route").count()
    stops = frame.locator(".opms-stop-icon").count()
    planned = page.get_by_test_id("stMetricValue").first.inner_text()  # "n / 16"
    assert 1 <= routes <= 4
    assert stops == int(planned.split("/")[0])
    assert frame.locator(".opms-shop-icon").count() == 1
    assert page.get_by_text("Horaire par technicien").count() == 1
    assert external(page.requests) == []


def test_technician_records_a_visit_and_downloads_the_invoice(page, dashboard):
    """Published plan -> technician: arrival, policy, diagnostic, refusal, invoice PDF."""
    _staff_page(page, dashboard, "Répartition")
    click(page, "Optimiser la journée")
    click(page, "Publier les tournées aux techniciens")
    page.get_by_text("visite(s) assignée(s)").wait_for()
    page.get_by_test_id("stSidebarNav").get_by_text("Technicien", exact=True).click()
    page.wait_for_timeout(300)
    wait_idle(page)
    frame = map_frame(page)
    assert frame.locator(".opms-stop-icon").count() >= 1
    first = page.get_by_test_id("stExpander").filter(has_text="(visite, demande ").first
    first.wait_for()
    rid = int(re.search(r"\(visite, demande (\d+)\)", first.inner_text()).group(1))
    vp.press(page, vp.card(page, rid), "Je suis arrivé")
    vp.sign(page, vp.card(page, rid))
    vp.card(page, rid).get_by_label("Nom de la personne qui signe").fill("Client Présent")
    vp.press(page, vp.card(page, rid), "Signer la politique")
    vp.press(page, vp.card(page, rid), "Démarrer le diagnostic")
    vp.press(page, vp.card(page, rid), "Arrêter le diagnostic")
    box = vp.card(page, rid)
    box.get_by_label("Description").first.fill("Remplacement du disque")
    box.get_by_label("Montant ($)").first.fill("120,00")
    vp.press(page, box, "Enregistrer l'estimation")
    vp.card(page, rid).get_by_text("Estimation refusée", exact=True).click()
    vp.settle(page)
    vp.press(page, vp.card(page, rid), "Enregistrer la réponse")
    vp.press(page, vp.card(page, rid), "Émettre la facture")
    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger la facture (PDF)").first.click()
    path = info.value.path()
    with open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert external(page.requests) == []


def test_hostile_customer_name_shows_as_text_in_the_map_popup(page, mascouche, tmp_path):
    """A customer named like an HTML tag appears verbatim in the popup; no script runs."""
    from dispatch.geo.point import GeoPoint
    from maps.assets import inline_assets
    from maps.builders import RouteView, StopView, day_plan_map

    r = mascouche.addresses.iloc[42]
    p = GeoPoint(float(r.lat), float(r.lon))
    m = day_plan_map(mascouche, [RouteView("Alex", (StopView(p.lat, p.lon, XSS, "9 h 00"),))])
    html = tmp_path / "plan.html"
    html.write_text(inline_assets(m), encoding="utf-8")
    page.goto(html.as_uri())
    page.locator(".opms-stop-icon").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert XSS in popup.inner_text()
    assert popup.locator("img").count() == 0
    assert page.dialogs == []
    assert [u for u in page.requests if not u.startswith("file://")] == []


def test_public_coverage_page_embeds_without_staff_navigation(page, dashboard):
    """``/couverture?embed=true&public=1`` (the website's iframe) shows the page, no staff menu."""
    open_path(page, dashboard, "/couverture?embed=true&public=1")
    assert page.get_by_text("Vérifier ma couverture").first.is_visible()
    assert page.get_by_test_id("stSidebar").count() == 0
    assert page.get_by_text("Répartition").count() == 0
    assert map_frame(page).locator("path.opms-zone-extended").count() == 1
    assert external(page.requests) == []


def _first_run_upload(page, dash, osm_file) -> None:
    """On a fresh machine: create the first admin, upload ``osm_file``, ask for the region."""
    open_path(page, dash, "/")
    page.get_by_label("Nom d'utilisateur").fill("patron")
    page.get_by_label("Mot de passe", exact=True).fill("une phrase secrète")
    page.get_by_label("Mot de passe (encore)").fill("une phrase secrète")
    click(page, "Créer le compte administrateur")
    page.get_by_text("Tout fonctionne hors ligne").wait_for()
    page.locator("input[type=file]").first.set_input_files(str(osm_file))
    page.get_by_text(osm_file.name).first.wait_for()
    click(page, "Construire la région")


def test_first_run_builds_the_region_from_an_uploaded_osm_file(page, tmp_path):
    """On a fresh machine the home page creates the first admin, then builds the region."""
    from tests.servers.dashboard import MASCOUCHE_OSM

    empty = tmp_path / "fresh"
    empty.mkdir()
    with Dashboard(empty) as dash:
        _first_run_upload(page, dash, MASCOUCHE_OSM)
        page.get_by_text("Région prête").wait_for(timeout=120_000)
        open_path(page, dash, "/couverture")
        assert map_frame(page).locator("canvas").count() >= 1
    assert (empty / "regions" / "mascouche").is_dir()
    assert external(page.requests) == []


def test_refused_upload_is_explained_in_french_without_the_server_path(page, tmp_path):
    """A file named .osm that is not OSM: a French refusal, no server path, nothing kept."""
    fake = tmp_path / "carte.osm"
    fake.write_bytes(b"<html><body>pas une carte</body></html>")
    empty = tmp_path / "fresh"
    empty.mkdir()
    with Dashboard(empty) as dash:
        _first_run_upload(page, dash, fake)
        page.get_by_text("Ce fichier ne permet pas de construire la région").wait_for(timeout=60_000)
        text = page.locator("body").inner_text()
        assert str(empty) not in text and "uploads" not in text
        assert "le fichier téléversé n'est pas un fichier OpenStreetMap" in text  # the detail, path-free
    assert not any((empty / "uploads").glob("*"))
    assert external(page.requests) == []


def test_staff_page_deep_link_without_login_shows_the_login_form(page, dashboard):
    """``/repartition`` opened logged out shows "Connexion", no customer and no map."""
    open_path(page, dashboard, "/repartition")
    page.get_by_role("heading", name="Connexion").wait_for()
    assert page.get_by_text("Optimiser la journée").count() == 0
    assert not [f for f in page.frames if "st_folium" in f.url]
    assert page.get_by_test_id("stSidebarNav").get_by_text("Répartition").count() == 0
    assert external(page.requests) == []


def test_wrong_password_in_the_browser_shows_the_french_refusal(page, dashboard):
    """A wrong password shows the French refusal and no staff navigation."""
    login(page, dashboard, "admin", "pas le bon mot de passe")
    page.get_by_text("Nom d'utilisateur ou mot de passe incorrect").wait_for()
    assert page.get_by_text("Se déconnecter").count() == 0


def test_technician_sees_only_the_technician_page_and_can_log_out(page, dashboard):
    """A technician's navigation has "Technicien" but not "Répartition"; logout ends the session."""
    login(page, dashboard, "tech1")
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_text("Technicien", exact=True).wait_for()
    assert nav.get_by_text("Répartition", exact=True).count() == 0
    assert nav.get_by_text("Facturation", exact=True).count() == 0
    click(page, "Se déconnecter")
    page.get_by_role("heading", name="Connexion").wait_for()
