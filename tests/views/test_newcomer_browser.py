"""The newcomer's first hour, in Debian's chromium, on a fresh data directory (issue 21).

A company installs the product: the data directory holds the Mascouche region and nothing else
(no account, no technician, no demo data, no settings file). In the browser, the owner:

1. creates the administrator on the first page and lands on "Mise en route";
2. completes every item of the checklist from the pages it links to (shop address, a
   technician, rates, legal name and tax numbers, policy text, e-mail: pointed at a real SMTP
   server on 127.0.0.1, which receives the test message sent from the page);
3. sends a service request on the public form as a customer would (a real Mascouche address);
4. on "Répartition", books it from the proposed windows (one click on "Réserver") and sees the
   confirmation, then optimises that day and sees the visit in the plan, and publishes it.

At every page: no English word a French user should never see (:data:`LEFTOVERS`), nothing wider
than the screen (the probe of ``test_phone_layout``), and text in the main area soon after the
page was asked for (:data:`BLANK_LIMIT_S`, :data:`PAGE_LOAD_LIMIT_S`). The walk runs at desktop
width (1366×900); at phone width (390×844, touch) the pages the newcomer went through are
visited again. "Vérifier ma couverture" is tested at both widths for addresses in other cities
of the area (Terrebonne, Repentigny), a postal code alone (J7K 3C1) and a postal area alone
(J7K, asked to be completed).
"""

from __future__ import annotations

import os
import re
import time
import warnings
from typing import Any

import pytest

from tests.servers.dashboard import Dashboard, prepare_data_dir, wait_idle
from tests.views.browsing import BROWSER_TEST, click, tab
from tests.views.test_phone_layout import OVERFLOW_JS, PHONE

pytestmark = BROWSER_TEST

DESKTOP = {"width": 1366, "height": 900}
PASSWORD = "une phrase secrète de patron"
ADDRESS = "1015 Avenue Saint-Denis, Mascouche"

#: What Streamlit (or a raw value) shows in English when a page forgets to say it in French:
#: widget instructions and placeholders, upload boxes, status words, raw values and zone keys.
#: Matched as whole words, case-sensitively (``Port`` or ``SMTP`` are French too; ``encore`` is
#: not ``core``).
LEFTOVERS = (
    "Press Enter", "Ctrl+Enter", "⌘+Enter", "to apply", "to submit form", "Choose an option",
    "Choose", "Select", "No options", "No results", "Submit", "Drag and drop", "Browse files",
    "per file", "Loading", "Running", "Error", "Warning", "Traceback", "Exception", "None",
    "null", "undefined", "nan", "NaN", "True", "False", "core", "extended", "outside", "yyyy",
    "YYYY", "MM/DD", "Page not found", "Made with Streamlit", "View less", "none", "starttls",
    "Central", "Extremities", "North", "South", "East", "West", "Northwest", "Northeast",
    "Southwest", "Southeast",  # Canada Post's names of postal areas
)
_LEFTOVER_RE = re.compile(
    r"(?<![\w+])(?:" + "|".join(re.escape(w) for w in LEFTOVERS) + r")(?![\w])"
    r"|\bView \d+ more\b"  # the folded menu
    r"|\b\d+\.\d\d ?\$"  # an amount written the English way (35.00 $, not 35,00 $)
)

#: The text a person sees: the page's visible text, the placeholders of empty fields, the
#: choices select boxes show (an input's value) and the tooltips (``title``). Accessible
#: names (``aria-label``) are left out: Streamlit's own ("Open", "Fullscreen") are read to
#: screen readers only.
TEXTS_JS = """() => {
  const out = [document.body.innerText];
  for (const el of document.querySelectorAll("[placeholder], [title]")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const title = el.getAttribute("title");
    if (title) out.push(title);
    const hint = el.getAttribute("placeholder");
    if (hint && !el.value) out.push(hint);  // shown while the field is empty
  }
  for (const el of document.querySelectorAll('input[role="combobox"]')) {
    const box = el.getBoundingClientRect();
    if (el.value && (box.width || box.height)) out.push(el.value);  // a select box's choice
  }
  return out.join("\\n");
}"""

#: Leftovers whose fix is in a file this test's author does not own (the exact patches are in
#: the report of issue 21): {text seen: where it is fixed}. Tolerated, with a warning; the test
#: fails once one of them is no longer seen, so that the entry is removed.
AWAITING_PATCH: dict[str, str] = {}


#: The main area's text (empty: a blank page).
MAIN_TEXT_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return main ? main.innerText.trim() : "";
}"""


def leftovers(page: Any) -> list[str]:
    """The English leftovers shown on ``page`` (each with a little of the text around it)."""
    text = page.evaluate(TEXTS_JS)
    return sorted({text[max(0, m.start() - 30):m.end() + 30].replace("\n", " ")
                   for m in _LEFTOVER_RE.finditer(text)})


def check(page: Any, where: str, found: dict[str, list[Any]]) -> None:
    """Note the leftovers and overflows of the page shown now under ``where``."""
    page.wait_for_timeout(300)  # maps and grids lay themselves out after the script ends
    for kind, items in (("leftovers", leftovers(page)), ("overflow", page.evaluate(OVERFLOW_JS))):
        if items:
            found.setdefault(f"{where}: {kind}", []).extend(items)


#: Seconds from asking for a page to text in its main area ({page: seconds}, printed).
SHOWN_AFTER: dict[str, float] = {}
#: A page chosen in the menu shows text within this many seconds ("no blank page after 2 s";
#: 0.2-0.5 s measured).
BLANK_LIMIT_S = 2.0
#: An address typed in the browser (a new session: Streamlit's JavaScript is loaded and run
#: first) shows text within this many seconds: 1.0-2.2 s measured on the shared 2-core machine
#: under a load of about 3.5, the first page of a freshly started server 2.2-3.4 s (it imports
#: the product first; README, "first page", measures it). A generous bound, so that a
#: regression shows without the test timing a loaded machine (3.0 failed at 3.07 and 3.37 s
#: with both cores busy).
PAGE_LOAD_LIMIT_S = 6.0


def _shown(page: Any, where: str, asked: float, *, limit: float = BLANK_LIMIT_S) -> None:
    page.wait_for_function(f"() => ({MAIN_TEXT_JS})().length > 0", timeout=30_000, polling=50)
    after = SHOWN_AFTER[where] = round(time.monotonic() - asked, 2)
    assert after <= limit, (where, after)
    wait_idle(page)


def menu(page: Any, label: str) -> None:
    """Open a page from the sidebar (a reload would log out) and wait for its text."""
    nav = page.get_by_test_id("stSidebarNav")
    link = nav.get_by_text(label, exact=True)
    if not link.count():  # a long menu is folded ("View 3 more"): unfold it
        nav.get_by_role("button").last.click()
    asked = time.monotonic()
    link.click()
    page.wait_for_timeout(100)
    _shown(page, label, asked)


def assert_french_and_fitting(found: dict[str, list[Any]], *, expected: set[str] | None = None) -> None:
    """Nothing found but the leftovers :data:`AWAITING_PATCH` names, and each of the
    ``expected`` ones (default: all) seen."""
    pending: set[str] = set()
    left: dict[str, list[Any]] = {}
    for where, items in found.items():
        for shown in items:
            known = [k for k in AWAITING_PATCH if isinstance(shown, str) and re.search(
                r"(?<!\w)" + re.escape(k) + r"(?!\w)", shown)]
            pending.update(known)
            if not known:
                left.setdefault(where, []).append(shown)
    for k in sorted(pending):
        warnings.warn(f"English leftover {k!r}, awaiting {AWAITING_PATCH[k]}", stacklevel=2)
    assert left == {}
    fixed = {k for k in (AWAITING_PATCH if expected is None else expected) if k not in pending}
    assert not fixed, f"no longer seen, remove from AWAITING_PATCH: {sorted(fixed)}"


def goto(page: Any, dash: Any, path: str) -> None:
    """Ask for ``path`` and wait until it has text and Streamlit is idle."""
    asked = time.monotonic()
    page.goto(dash.url + path, wait_until="commit")
    _shown(page, path, asked, limit=PAGE_LOAD_LIMIT_S)


def main_text(page: Any) -> str:
    return str(page.evaluate(MAIN_TEXT_JS))


def item(page: Any, key: str) -> Any:
    """The checklist's box of the item ``key``."""
    return page.locator(f".st-key-setup_{key}")


def item_done(page: Any, key: str) -> bool:
    return "— fait" in item(page, key).inner_text()


@pytest.fixture(scope="module")
def smtp():
    """A real SMTP server on 127.0.0.1 that records what it receives."""
    from tests.messaging.smtp_server import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fresh(tmp_path_factory, regions_data_dir):
    """The dashboard over a fresh data directory: the Mascouche region, no account, no data."""
    d = prepare_data_dir(tmp_path_factory.mktemp("newcomer") / "data", regions_from=regions_data_dir)
    assert not (d / "settings.toml").exists()
    dash = Dashboard(d)
    with pytest.MonkeyPatch.context() as mp:  # the legal numbers tests/conftest.py sets for the
        for name in [n for n in os.environ if n.startswith("OPMS_")]:  # others: not a newcomer's
            mp.delenv(name)
        dash.start()
    try:
        yield dash
    finally:
        dash.stop()


@pytest.fixture()
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture()
def phone(browser):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    pg = context.new_page()
    yield pg
    context.close()


def _create_admin(page: Any, dash: Any, found: dict[str, list[Any]]) -> None:
    goto(page, dash, "/")
    assert "Créez le compte" in main_text(page) or "aucun compte" in main_text(page)
    check(page, "premier administrateur", found)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Mot de passe (encore)").fill(PASSWORD)
    check(page, "premier administrateur (rempli)", found)
    click(page, "Créer le compte administrateur")
    page.get_by_role("heading", name="Mise en route").wait_for(timeout=10_000)
    wait_idle(page)


def _settings_tab(page: Any, key: str, tab_name: str, found: dict[str, list[Any]]) -> None:
    """From the checklist, follow the item's link to Paramètres and open ``tab_name``."""
    link = item(page, key).get_by_role("link")
    assert "Paramètres" in link.inner_text()
    link.click()
    page.wait_for_url("**/parametres")
    page.wait_for_timeout(200)
    wait_idle(page)
    tab(page, tab_name)
    check(page, f"Paramètres › {tab_name}", found)


def _back_to_checklist(page: Any, dash: Any, key: str, found: dict[str, list[Any]]) -> None:
    menu(page, "Mise en route")
    check(page, "Mise en route", found)
    assert item_done(page, key), item(page, key).inner_text()


def _complete_checklist(page: Any, dash: Any, smtp: Any, found: dict[str, list[Any]]) -> None:
    check(page, "Mise en route", found)
    text = main_text(page)
    # the shipped shop address (the default "Mascouche (Québec)") already counts: 0 or 1 done
    assert re.search(r"\b[01] sur 6 faits", text), text

    _settings_tab(page, "region", "Entreprise", found)  # the shop's address
    form = page.get_by_test_id("stForm").first
    form.get_by_label("Nom de l'entreprise").fill("Informatique Mascouche")
    form.get_by_label("Adresse", exact=True).fill("3000 chemin Sainte-Marie, Mascouche QC J7K 1P1")
    form.get_by_label("Téléphone").fill("450 555-0100")
    form.get_by_label("Courriel").fill("bonjour@informatique-mascouche.ca")
    check(page, "Paramètres › Entreprise (rempli)", found)
    form.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Paramètres enregistrés").first.wait_for()
    _back_to_checklist(page, dash, "region", found)

    _settings_tab(page, "technicians", "Techniciens", found)
    form = page.locator('[data-testid="stForm"]').filter(has_text="Ajouter un technicien")
    form.get_by_label("Nom", exact=True).fill("Luc Tremblay")
    check(page, "Paramètres › Techniciens (rempli)", found)
    form.get_by_role("button", name="Ajouter").click()
    page.wait_for_timeout(300)
    wait_idle(page)
    _back_to_checklist(page, dash, "technicians", found)

    _settings_tab(page, "tariff", "Tarifs", found)  # the rates in force, looked at and saved
    form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_label("Taux horaire du diagnostic ($)"))
    form.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Paramètres enregistrés").first.wait_for()
    _back_to_checklist(page, dash, "tariff", found)

    _settings_tab(page, "company", "Entreprise", found)  # legal name, GST/QST, Interac
    form = page.locator('[data-testid="stForm"]').filter(has_text="Raison sociale")
    form.get_by_label("Raison sociale").fill("Informatique Mascouche inc.")
    form.get_by_label("Numéro d'inscription TPS").fill("812345678 RT0001")
    form.get_by_label("Numéro d'inscription TVQ").fill("1212345678 TQ0001")
    form.get_by_label("Adresse Virement Interac").fill("paiement@informatique-mascouche.ca")
    check(page, "Paramètres › Entreprise, mentions légales (rempli)", found)
    form.get_by_role("button", name="Enregistrer les renseignements légaux").click()
    page.get_by_text("Paramètres enregistrés").first.wait_for()
    _back_to_checklist(page, dash, "company", found)

    if item(page, "policy").get_by_role("link").count():  # the policy text, read and saved
        _settings_tab(page, "policy", "Politique", found)
        area = page.get_by_label("La politique (Markdown)")
        area.fill(area.input_value() + "\n\nLes rendez-vous manqués sans préavis sont facturés.")
        check(page, "Paramètres › Politique (rempli)", found)
        click(page, "Enregistrer comme nouvelle version")
        page.get_by_text("Politique enregistrée").first.wait_for()
        _back_to_checklist(page, dash, "policy", found)

    _settings_tab(page, "mail", "Courriel et SMS", found)  # a real SMTP server on 127.0.0.1
    form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_label("Serveur SMTP"))
    form.get_by_label("Serveur SMTP").fill("127.0.0.1")
    form.get_by_label("Port").fill(str(smtp.port))
    form.get_by_label("Sécurité").click()
    page.get_by_role("option", name=re.compile("none|Aucune", re.IGNORECASE)).click()
    form.get_by_label("Adresse de l'expéditeur").fill("rendez-vous@informatique-mascouche.ca")
    check(page, "Paramètres › Courriel et SMS (rempli)", found)
    form.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Paramètres enregistrés").first.wait_for()
    page.get_by_label("Adresse courriel").fill("patron@informatique-mascouche.ca")
    click(page, "Envoyer un message de test")
    page.get_by_text("Message de test envoyé").wait_for()
    (received,) = smtp.recorder.wait_for(1)
    assert "<rendez-vous@informatique-mascouche.ca>" in received["From"], received["From"]
    check(page, "Paramètres › Courriel et SMS (essai envoyé)", found)
    _back_to_checklist(page, dash, "mail", found)
    check(page, "Mise en route (terminée)", found)

    text = main_text(page)
    assert "Tout est réglé" in text, text
    assert all(item_done(page, k) for k in ("region", "technicians", "tariff", "company", "mail"))


def _customer_request(page: Any, dash: Any, found: dict[str, list[Any]]) -> None:
    goto(page, dash, "/demande")
    check(page, "Demande d'intervention", found)
    page.get_by_label("Nom complet *").fill("Mireille Gagnon")
    page.get_by_label("Téléphone").fill("450 555-0199")
    page.get_by_label("Adresse de l'intervention *").fill(ADDRESS)
    page.get_by_label("Votre problème *").fill("L'ordinateur portable ne démarre plus.")
    page.get_by_text("J'accepte que mes renseignements").click()
    check(page, "Demande d'intervention (remplie)", found)
    click(page, "Envoyer la demande")
    page.get_by_text("Merci, Mireille Gagnon").wait_for()
    check(page, "Demande d'intervention (envoyée)", found)


def _book_and_plan(page: Any, dash: Any, found: dict[str, list[Any]]) -> str:
    """Book the request from the proposed windows, optimise that day; the day's label."""
    from dispatch import records
    from dispatch.settings import load_settings
    from views._dates import day_label

    menu(page, "Répartition")
    check(page, "Répartition", found)
    tab(page, "Demandes à contacter")
    assert "Mireille Gagnon" in main_text(page)
    check(page, "Répartition › Demandes à contacter", found)
    click(page, "Proposer les meilleures plages")
    check(page, "Répartition › plages proposées", found)
    click(page, "Réserver")  # the best window: one click
    page.get_by_text("Rendez-vous pris").first.wait_for()
    assert "Mireille Gagnon" in page.get_by_test_id("stAlertContentSuccess").first.inner_text()
    check(page, "Répartition › réservé", found)

    db = records.open_database(settings=load_settings(data_dir=dash.data_dir, env={}))
    try:
        (request,) = records.list_requests(db)
        (appointment,) = records.appointments_of(db, request.id)
    finally:
        db.close()
    from dispatch.settings import TZ

    day = day_label(appointment.window_start.astimezone(TZ).date())

    page.get_by_label("Journée", exact=True).click()
    page.keyboard.type(day)
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    wait_idle(page)
    tab(page, "Journée")
    assert "1 rendez-vous" in main_text(page), main_text(page)
    click(page, "Optimiser la journée")
    page.get_by_text("Visites planifiées").first.wait_for()
    metric = page.get_by_test_id("stMetric").filter(has_text="Visites planifiées")
    assert "1 / 1" in metric.inner_text()
    check(page, "Répartition › journée optimisée", found)
    click(page, "Publier les tournées aux techniciens")
    # booked from a proposed window, the visit already has its technician: nothing changes
    page.get_by_text(re.compile(r"visite\(s\) assignée\(s\)|déjà publiées")).first.wait_for()
    check(page, "Répartition › tournées publiées", found)
    db = records.open_database(settings=load_settings(data_dir=dash.data_dir, env={}))
    try:
        (published,) = records.appointments_of(db, request.id)
        assert published.technician_id is not None
    finally:
        db.close()
    return day


def test_a_newcomer_sets_up_books_and_plans_at_desktop_width(desktop, fresh, smtp):
    """Admin, every checklist item, a request, booked in one click, the day optimised."""
    found: dict[str, list[Any]] = {}
    _create_admin(desktop, fresh, found)
    _complete_checklist(desktop, fresh, smtp, found)
    customer = desktop.context.browser.new_context(viewport=DESKTOP).new_page()
    try:
        _customer_request(customer, fresh, found)
    finally:
        customer.context.close()
    _book_and_plan(desktop, fresh, found)
    print(SHOWN_AFTER)
    assert_french_and_fitting(found)


def _phone_menu(page: Any, label: str) -> None:
    """Open ``label`` from the phone's menu (the sidebar, closed over the page)."""
    nav = page.get_by_test_id("stSidebarNav")
    if not nav.is_visible():
        page.get_by_test_id("stExpandSidebarButton").click()
        nav.wait_for()
    link = nav.get_by_text(label, exact=True)
    if not link.count():
        nav.get_by_role("button").last.click()
    asked = time.monotonic()
    link.click()
    page.wait_for_timeout(100)
    _shown(page, label, asked)
    page.wait_for_timeout(300)  # the menu closes itself


def _login(page: Any, dash: Any) -> None:
    from dispatch import records
    from dispatch.office import auth
    from dispatch.settings import load_settings

    db = records.open_database(settings=load_settings(data_dir=dash.data_dir, env={}))
    try:
        if not auth.list_users(db):  # this test alone: the desktop walk did not create it
            auth.add_user(db, "admin", PASSWORD, role="admin", actor="test")
    finally:
        db.close()
    goto(page, dash, "/")
    page.get_by_label("Nom d'utilisateur").fill("admin")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    click(page, "Se connecter")


def test_the_newcomers_pages_are_french_and_fit_a_phone(phone, fresh):
    """At 390 px (touch): the login, the checklist, every tab of Paramètres, Répartition and
    the public request form: French, nothing wider than the screen, never blank."""
    found: dict[str, list[Any]] = {}
    _login(phone, fresh)
    check(phone, "Accueil (téléphone)", found)
    for label, tabs in (("Mise en route", ()),
                        ("Paramètres", ("Entreprise", "Politique", "Tarifs", "Techniciens",
                                        "Région et carte", "Courriel et SMS")),
                        ("Répartition", ("Journée", "Demandes à contacter", "Confirmations",
                                         "Proposer un rendez-vous"))):
        _phone_menu(phone, label)
        check(phone, f"{label} (téléphone)", found)
        for name in tabs:
            tab(phone, name)
            check(phone, f"{label} › {name} (téléphone)", found)
    goto(phone, fresh, "/demande")
    check(phone, "Demande d'intervention (téléphone)", found)
    assert_french_and_fitting(found, expected=set())


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize(
    ("address", "place", "note"),
    [("1200 boulevard des Seigneurs, Terrebonne", "Terrebonne", "La carte de la région ne va pas"),
     ("500 rue Notre-Dame, Repentigny", "Repentigny", "La carte de la région ne va pas"),
     ("J7K 3C1", "J7K", "Un code postal seul ne situe que son secteur")],
    ids=["terrebonne", "repentigny", "postal-code"],
)
def test_coverage_answers_another_city_and_a_postal_code_alone_by_straight_line(
    browser, fresh, viewport, address, place, note
):
    """"Vérifier ma couverture" for a place beyond the map: the zone by straight line, the
    distance as the crow flies, no road figures, the fee to be confirmed, and a note that says
    so and names the place; in French and within the screen."""
    context = browser.new_context(viewport=viewport, has_touch=viewport is PHONE,
                                  is_mobile=viewport is PHONE)
    page = context.new_page()
    try:
        goto(page, fresh, "/couverture")
        page.get_by_label("Votre adresse").fill(address)
        click(page, "Vérifier")
        page.get_by_text("À vol d'oiseau").first.wait_for()
        shown = main_text(page)
        assert note in shown and place in shown, shown
        assert "non disponible" in shown and "À confirmer" in shown, shown
        assert re.search(r"zone (principale|élargie)|hors de notre territoire", shown, re.IGNORECASE), shown
        assert re.search(r"À vol d'oiseau\s?:\s\d+,\d\skm", shown), shown
        found: dict[str, list[Any]] = {}
        check(page, f"Vérifier ma couverture › {address}", found)
        assert_french_and_fitting(found, expected=set())
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_coverage_asks_for_the_full_postal_code_when_given_its_first_three_characters(
    browser, fresh, viewport
):
    """"J7K" alone (a postal area, not a postal code) is not placed: the page says so in French
    and says what to type, without the command line's advice (``--latlon``)."""
    context = browser.new_context(viewport=viewport, has_touch=viewport is PHONE,
                                  is_mobile=viewport is PHONE)
    page = context.new_page()
    try:
        goto(page, fresh, "/couverture")
        page.get_by_label("Votre adresse").fill("J7K")
        click(page, "Vérifier")
        page.get_by_text("Adresse introuvable").first.wait_for()
        shown = main_text(page)
        assert "code postal complet" in shown and "--latlon" not in shown, shown
        found: dict[str, list[Any]] = {}
        check(page, "Vérifier ma couverture › J7K", found)
        assert_french_and_fitting(found, expected=set())
    finally:
        context.close()
