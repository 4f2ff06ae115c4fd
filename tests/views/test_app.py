"""Dashboard page logic with Streamlit's AppTest (no browser; maps seen through st_folium's args).

Staff pages are reached after logging in through the "Connexion" form (accounts made by
:func:`tests.servers.dashboard.add_staff`); the access tests at the end check the guard.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.servers.dashboard import STAFF_PASSWORD, add_staff, prepare_data_dir
from tests.signing import sign_policy
from views._common import plain

APP = str(Path(__file__).resolve().parents[2] / "app.py")
DEMO_DAY = date(2026, 6, 2)
TIMEOUT = 120


@pytest.fixture()
def app_dir(tmp_path, monkeypatch, mascouche, regions_data_dir):
    """A data directory with the session's Mascouche region (no requests yet)."""
    d = prepare_data_dir(tmp_path / "data", regions_from=regions_data_dir)
    add_staff(d)
    monkeypatch.setenv("OPMS_DATA_DIR", str(d))
    monkeypatch.delenv("OPMS_CONFIG", raising=False)
    return d


@pytest.fixture()
def demo_dir(tmp_path, monkeypatch, mascouche, regions_data_dir):
    """A data directory with the region and a demo day (4 technicians, 12 visits)."""
    d = prepare_data_dir(
        tmp_path / "data", regions_from=regions_data_dir, demo_day=DEMO_DAY, n_visits=12
    )
    add_staff(d)
    monkeypatch.setenv("OPMS_DATA_DIR", str(d))
    monkeypatch.delenv("OPMS_CONFIG", raising=False)
    return d


def _login(at: AppTest, username: str, password: str = STAFF_PASSWORD) -> AppTest:
    """Fill and submit the "Connexion" form of the home page."""
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button(key="login_submit").click()
    at.run()
    return at


def _home(user: str | None = "admin") -> AppTest:
    """The home page, logged in as ``user`` (``None``: logged out)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if user is not None:
        _login(at, user)
        assert not at.exception, at.exception
    return at


def _page(path: str, user: str | None = "admin") -> AppTest:
    at = _home(user)
    at.switch_page(path)
    at.run()
    assert not at.exception, at.exception
    return at


def _maps(at: AppTest) -> list[dict]:
    return [
        json.loads(c.proto.json_args)
        for c in at.get("component_instance")
        if c.proto.component_name.endswith("st_folium")
    ]


def _texts(at: AppTest) -> str:
    parts = []
    for kind in ("title", "markdown", "caption", "info", "success", "warning", "error"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def test_fresh_machine_home_page_creates_the_first_admin_then_guides_to_build_a_region(data_dir):
    """With no account and no region, the home page creates the admin, then explains the OSM file."""
    from dispatch import records
    from dispatch.office import auth
    from dispatch.settings import load_settings

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Bienvenue" and "aucun compte" in _texts(at)
    at.text_input(key="first_username").input("patron")
    at.text_input(key="first_password").input("une phrase secrète")
    at.text_input(key="first_password2").input("une phrase secrète")
    at.button(key="first_submit").click()
    at.run()
    assert not at.exception, at.exception
    (user,) = auth.list_users(records.open_database(settings=load_settings(data_dir=data_dir, env={})))
    assert (user.username, user.role) == ("patron", "admin")
    assert at.title[0].value == "Bienvenue"
    text = _texts(at)
    assert "OpenStreetMap" in text and ".osm" in text
    assert "Disponible dès qu'une région est construite" in text


def test_staff_page_without_region_shows_a_french_notice(data_dir):
    """A page that needs a region says so and links to the home page instead of failing."""
    add_staff(data_dir)
    at = _page("views/dispatcher.py")
    assert "Aucune région n'est encore construite" in _texts(at)


def test_coverage_page_map_is_offline_with_its_layers(app_dir):
    """The territory map loads only /app/static assets and draws roads, zones and the shop."""
    at = _page("views/coverage.py")
    (args,) = _maps(at)
    links = args["js_links"] + args["css_links"]
    assert links and all(u.startswith("/app/static/") for u in links)
    blob = json.dumps(args)
    assert "http://" not in blob and "https://" not in blob
    assert "L.canvas(" in args["script"]  # the roads basemap
    assert args["script"].count("L.polygon(") == 2  # core and extended zones
    assert "opms-shop" in args["script"]


def test_coverage_of_a_mascouche_address_gives_zone_distance_and_fee(app_dir):
    """A real Mascouche address is in the core zone with a road distance and a flat fee."""
    at = _page("views/coverage.py")
    at.text_input(key="coverage_address").input("1015 Avenue Saint-Denis, Mascouche")
    at.button[0].click()
    at.run()
    assert not at.exception
    assert "zone principale" in at.success[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Zone"] == "Principale"
    assert metrics["Frais de déplacement"].startswith("35,00")
    assert metrics["Par la route"].endswith("km")
    (args,) = _maps(at)
    assert '"className": "opms-path"' in args["script"]
    assert "opms-address" in args["script"]


def test_coverage_of_an_unknown_address_says_so_in_french(app_dir):
    """An address that is not in the region gives a French message, no map of a wrong place."""
    at = _page("views/coverage.py")
    at.text_input(key="coverage_address").input("999 Rue Imaginaire, Nulle-Part")
    at.button[0].click()
    at.run()
    assert not at.exception
    assert at.error and "Adresse introuvable" in at.error[0].value
    assert "coverage_result" not in at.session_state


def test_request_form_stores_nothing_without_consent(app_dir):
    """Without the consent box ticked the request is refused and nothing is stored."""
    from dispatch import records
    from dispatch.settings import load_settings

    at = _page("views/request.py")
    at.text_input(key="req_name").input("Marie Côté")
    at.text_input(key="req_phone").input("450 555-1234")
    at.text_input(key="req_address").input("1015 Avenue Saint-Denis, Mascouche")
    at.text_area(key="req_problem").input("Écran bleu au démarrage")
    at.button[0].click()
    at.run()
    assert "consentement" in at.warning[0].value
    db = records.open_database(settings=load_settings(data_dir=app_dir, env={}))
    assert records.list_requests(db) == []


def test_request_form_stores_the_request_with_its_coverage(app_dir):
    """A consented request is stored once, with its address placed and its zone."""
    from dispatch import records
    from dispatch.settings import load_settings

    at = _page("views/request.py")
    at.text_input(key="req_name").input("Marie Côté")
    at.text_input(key="req_phone").input("450 555-1234")
    at.text_input(key="req_address").input("1015 Avenue Saint-Denis, Mascouche")
    at.text_area(key="req_problem").input("Écran bleu au démarrage")
    at.checkbox(key="req_consent").check()
    at.button[0].click()
    at.run()
    assert not at.exception
    assert "Merci, Marie Côté" in at.success[0].value
    db = records.open_database(settings=load_settings(data_dir=app_dir, env={}))
    (req,) = records.list_requests(db)
    assert req.consent and req.address.zone == "core"


def test_optimise_the_day_draws_one_route_per_technician(demo_dir):
    """"Optimiser la journée" plans the demo day and the map gets the routes and stops."""
    at = _page("views/dispatcher.py")
    at.selectbox(key="dispatch_day").set_value(DEMO_DAY)
    at.run()
    at.button(key="optimize").click()
    at.run()
    assert not at.exception, at.exception
    plan = at.session_state["day_plans"][DEMO_DAY.isoformat()].plan
    (args,) = _maps(at)
    script = args["script"]
    assert script.count('"className": "opms-route"') == len(plan.routes) > 0
    assert script.count("opms-stop-icon") == len(plan.served)
    assert "http://" not in script and "https://" not in script
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Visites planifiées"] == f"{len(plan.served)} / 12"


def test_pinning_a_visit_moves_it_to_that_technician(demo_dir):
    """Pinning a visit to a technician and re-optimising puts it in that technician's route."""
    at = _page("views/dispatcher.py")
    at.selectbox(key="dispatch_day").set_value(DEMO_DAY)
    at.run()
    at.button(key="optimize").click()
    at.run()
    day_plan = at.session_state["day_plans"][DEMO_DAY.isoformat()]
    vid = day_plan.plan.routes[0].stops[0].visit
    other = next(r.technician for r in day_plan.plan.routes[1:])
    at.selectbox(key="pin_visit").set_value(vid)
    at.selectbox(key="pin_tech").set_value(other)
    at.button(key="pin_apply").click()
    at.run()
    assert not at.exception
    replanned = at.session_state["day_plans"][DEMO_DAY.isoformat()].plan
    assert vid in [s.visit for s in replanned.route_of(other).stops]


@pytest.mark.parametrize(
    "page",
    ["views/welcome.py", "views/coverage.py", "views/request.py", "views/dispatcher.py",
     "views/technician.py", "views/billing.py", "views/parametres.py"],
)
def test_every_page_runs_in_french_without_error(demo_dir, page):
    """Each page renders with a region and demo data, without exception, titled in French."""
    at = _page(page)
    title = at.title[0].value
    assert title in {
        "Bienvenue", "Vérifier ma couverture", "Demande d'intervention", "Répartition",
        "Ma tournée", "Facturation", "Paramètres",
    }


def test_demo_data_button_creates_a_day_to_plan(app_dir):
    """On the home page, "Charger les données de démonstration" stores technicians and visits."""
    from dispatch import records
    from dispatch.settings import load_settings

    at = _home()
    at.number_input(key="demo_visits").set_value(6)
    at.date_input(key="demo_day").set_value(DEMO_DAY)
    at.button(key="demo_load").click()
    at.run()
    assert not at.exception, at.exception
    assert "6 rendez-vous créés" in at.success[-1].value
    db = records.open_database(settings=load_settings(data_dir=app_dir, env={}))
    assert len(records.appointments_for_day(db, DEMO_DAY)) == 6


def test_download_without_network_says_to_use_a_file(data_dir, monkeypatch):
    """Asking to download a region with no reachable service gives the French offline advice."""
    monkeypatch.setenv("OPMS_ONLINE__OVERPASS_URL", "http://127.0.0.1:9/api/interpreter")
    monkeypatch.setenv("OPMS_ONLINE__OVERPASS_TIMEOUT_S", "2")
    add_staff(data_dir)
    at = _home()
    at.text_input(key="region_shop_dl").input("45.7460, -73.6010")
    next(b for b in at.button if b.label == "Télécharger et construire").click()
    at.run()
    assert not at.exception, at.exception
    assert "hors ligne" in at.error[0].value and ".osm" in at.error[0].value


def test_booking_suggestions_rank_windows_for_a_caller(demo_dir):
    """While on the phone, an address gives ranked windows over the next working days."""
    at = _page("views/dispatcher.py")
    at.text_input(key="book_address").input("1015 Avenue Saint-Denis, Mascouche")
    next(b for b in at.button if b.label == "Proposer des plages").click()
    at.run()
    assert not at.exception, at.exception
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Jour", "Plage", "Technicien", "Route ajoutée"]
    assert 1 <= len(table) <= 5


def test_contact_call_reached_books_the_visit(app_dir):
    """Recording a reached contact call books the request in the chosen window."""
    from dispatch import records
    from dispatch.office import intake
    from dispatch.settings import load_settings

    settings = load_settings(data_dir=app_dir, env={})
    db = records.open_database(settings=settings)
    req = intake.submit(
        db,
        intake.RequestForm(name="Luc Roy", address="1015 Avenue Saint-Denis, Mascouche",
                           phone="450 555-2222", consent=True),
        settings=settings, region="mascouche",
    )
    at = _page("views/dispatcher.py")
    at.selectbox(key="dispatch_day").set_value(DEMO_DAY)
    at.run()
    assert at.selectbox(key=f"c_day_{req.id}").value == DEMO_DAY  # the page's day, not today
    at.selectbox(key=f"c_out_{req.id}").set_value("reached")
    at.button(key=f"c_save_{req.id}").click()
    at.run()
    assert not at.exception, at.exception
    (appt,) = records.appointments_of(db, req.id)
    assert appt.window_start.date() == DEMO_DAY
    assert records.get_request(db, req.id).state == "contacted"


def test_only_an_administrator_may_record_a_visit_already_made(app_dir):
    """A window in the past is refused to the office; the admin ticks "visite déjà faite"
    and records it (forced, audited)."""
    from datetime import timedelta

    from dispatch import records
    from dispatch.office import intake
    from dispatch.settings import load_settings

    settings = load_settings(data_dir=app_dir, env={})
    db = records.open_database(settings=settings)
    req = intake.submit(
        db, intake.RequestForm(name="Luc Roy", address="1015 Avenue Saint-Denis, Mascouche",
                               phone="450 555-2222", consent=True),
        settings=settings, region="mascouche",
    )
    office = _page("views/dispatcher.py", user="repartition")
    assert not [c for c in office.checkbox if c.key == f"c_past_{req.id}"]
    at = _page("views/dispatcher.py")
    at.checkbox(key=f"c_past_{req.id}").check()
    at.run()
    days = at.selectbox(key=f"c_day_{req.id}_past").options
    today = records.now().date()
    last_week = next(d for d in (today - timedelta(days=k) for k in range(7, 14)) if d.weekday() < 5)
    assert any(last_week.strftime("%-d") in o for o in days)  # past days offered to the admin
    at.selectbox(key=f"c_day_{req.id}_past").set_value(last_week)
    at.selectbox(key=f"c_out_{req.id}").set_value("reached")
    at.button(key=f"c_save_{req.id}").click()
    at.run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    (appt,) = records.appointments_of(db, req.id)
    assert appt.window_start.date() == last_week


def _refused_estimate_invoice(demo_dir):
    """The first demo appointment, diagnosed (45 min) and refused, invoiced: (db, settings, invoice)."""
    from dispatch import records
    from dispatch.billing.invoices import issue_invoice
    from dispatch.settings import load_settings
    from tests.conftest import with_legal_identity

    settings = with_legal_identity(load_settings(data_dir=demo_dir, env={}))
    db = records.open_database(settings=settings)
    rid = records.appointments_for_day(db, DEMO_DAY)[0].request_id
    records.record_arrival(db, rid, actor="test")
    sign_policy(db, rid)
    records.record_diagnosis(db, rid, minutes=45, actor="test")
    records.record_outcome(db, rid, "estimate_refused", actor="test")
    return db, settings, issue_invoice(db, rid, settings=settings, actor="test")


def test_billing_lists_invoices_and_records_a_payment(demo_dir):
    """An issued invoice appears with its balance; recording its payment clears the balance."""
    from dispatch.billing.invoices import list_invoices

    db, _, inv = _refused_estimate_invoice(demo_dir)
    at = _page("views/billing.py")
    assert at.dataframe[0].value["Numéro"].tolist() == [inv.number]
    assert at.metric[1].value == _money(inv.total)
    next(b for b in at.button if b.label == "Enregistrer le paiement").click()
    at.run()
    assert not at.exception, at.exception
    assert list_invoices(db)[0].balance == 0


def _money(amount) -> str:
    from views._common import money

    return money(amount)


def test_settings_change_the_zones_of_the_region(tmp_path, monkeypatch, mascouche):
    """Changing the core radius in Settings rebuilds the region with the new zone."""
    from dispatch.geo.region import load_region
    from dispatch.settings import load_settings

    d = prepare_data_dir(tmp_path / "own")  # its own region: this test rebuilds it
    add_staff(d)
    monkeypatch.setenv("OPMS_DATA_DIR", str(d))
    at = _page("views/parametres.py")
    next(n for n in at.number_input if n.label == "Zone principale (km)").set_value(8.0)
    next(b for b in at.button if b.label.startswith("Appliquer")).click()
    at.run()
    assert not at.exception, at.exception
    assert load_region("mascouche", settings=load_settings(data_dir=d, env={})).core_km == 8.0


# --------------------------------------------------------------------------------------------
# Staff access (issue 7): these fail when the login guard or the role check is removed
# --------------------------------------------------------------------------------------------

STAFF_PAGES = ["views/dispatcher.py", "views/technician.py", "views/billing.py",
               "views/parametres.py"]


def _customer_names(data_dir) -> list[str]:
    from dispatch import records
    from dispatch.settings import load_settings

    db = records.open_database(settings=load_settings(data_dir=data_dir, env={}))
    return [r.customer.name for r in records.list_requests(db)]


def _everything(at: AppTest) -> str:
    parts = [_texts(at)]
    parts += [str(e.proto) for e in at.get("expandable")]
    parts += [json.dumps(m) for m in _maps(at)]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(str(p) for p in parts)


def _direct(page: str, user: str | None = None) -> AppTest:
    """Run a page script by itself (as a deep link that would bypass the navigation)."""
    from dispatch.records import now

    at = AppTest.from_file(str(Path(APP).parent / page), default_timeout=TIMEOUT)
    if user is not None:
        at.session_state["auth_username"] = user
        at.session_state["auth_last_seen"] = now()
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_logged_out_navigation_has_no_staff_page(demo_dir, page):
    """Logged out, the navigation registers only the home and public pages."""
    at = _home(user=None)
    assert at.title[0].value == "Connexion"
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page)


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_page_without_login_shows_the_login_form_and_no_customer_data(demo_dir, page):
    """A staff page script run without login shows "Connexion", no customer, no map."""
    names = _customer_names(demo_dir)
    assert names
    at = _direct(page)
    assert at.title[0].value == "Connexion"
    assert at.text_input(key="login_password") is not None
    shown = _everything(at)
    assert not any(n in shown for n in names)
    assert _maps(at) == [] and not at.dataframe


def test_technician_cannot_open_the_dispatcher_page(demo_dir):
    """A technician has no "Répartition" in the navigation, and the page itself refuses."""
    names = _customer_names(demo_dir)
    at = _home("tech1")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/dispatcher.py")
    at = _direct("views/dispatcher.py", user="tech1")
    assert "Répartition" not in [t.value for t in at.title]
    assert at.error and at.error[0].value.startswith("Accès refusé")
    assert "dispatch_day" not in at.session_state
    shown = _everything(at)
    assert not any(n in shown for n in names)


def test_technician_page_offers_only_the_technicians_own_route(demo_dir):
    """A technician account can pick only its own technician on "Ma tournée"."""
    from dispatch import records
    from dispatch.office import auth
    from dispatch.settings import load_settings

    db = records.open_database(settings=load_settings(data_dir=demo_dir, env={}))
    own = auth.get_user(db, "tech1").technician_id
    at = _page("views/technician.py", user="tech1")
    box = at.selectbox(key="tech_pick")
    assert len(box.options) == 1 and box.value.id == own
    assert len(records.technicians(db)) > 1


def test_billing_account_cannot_open_the_settings_page(demo_dir):
    """A billing account asking for "Paramètres" (admin only) does not get it."""
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        _page("views/parametres.py", user="facturation")
    at = _direct("views/parametres.py", user="facturation")
    assert "Paramètres" not in [t.value for t in at.title]
    assert at.error[0].value.startswith("Accès refusé")


def test_wrong_password_shows_the_french_refusal(app_dir):
    """A wrong password keeps the login form and shows the one French refusal message."""
    from dispatch.i18n import gettext
    from dispatch.office.auth import LOGIN_REFUSED

    at = _login(_home(user=None), "admin", "pas le bon mot de passe")
    assert not at.exception, at.exception
    assert at.title[0].value == "Connexion"
    assert [e.value for e in at.error] == [plain(gettext(LOGIN_REFUSED, language="fr_CA"))]  # as text


def test_idle_session_times_out_to_the_login_form(demo_dir):
    """A session idle longer than security.session_timeout_min is sent back to "Connexion"."""
    from datetime import timedelta

    from dispatch.records import now

    at = _page("views/billing.py")
    assert at.title[0].value == "Facturation"
    at.session_state["auth_last_seen"] = now() - timedelta(hours=12)
    at.run()
    assert at.title[0].value == "Connexion"
    assert "Session expirée" in at.warning[0].value


@pytest.mark.parametrize(("page", "title"), [("views/coverage.py", "Vérifier ma couverture"),
                                             ("views/request.py", "Demande d'intervention")])
def test_public_pages_need_no_login(app_dir, page, title):
    """The coverage and request pages render for a visitor who never logged in."""
    at = _page(page, user=None)
    assert at.title[0].value == title
    assert "auth_username" not in at.session_state
    assert "Connexion" not in [t.value for t in at.title]


def _views(data_dir, entity: str) -> list:
    """The "view" entries of the audit log for ``entity``, oldest first."""
    from dispatch import records
    from dispatch.settings import load_settings

    db = records.open_database(settings=load_settings(data_dir=data_dir, env={}))
    return [e for e in reversed(records.audit_log(db, entity=entity)) if e.action == "view"]


def test_dispatcher_day_table_logs_one_view_per_customer_shown(demo_dir):
    """Opening the demo day audits a view of each appointment's request, once per session."""
    from dispatch import records
    from dispatch.settings import load_settings

    db = records.open_database(settings=load_settings(data_dir=demo_dir, env={}))
    shown = {a.request_id for a in records.appointments_for_day(db, DEMO_DAY)}
    assert len(shown) == 12
    at = _page("views/dispatcher.py")
    at.selectbox(key="dispatch_day").set_value(DEMO_DAY)
    at.run()
    assert not at.exception, at.exception
    views = [e for e in _views(demo_dir, "request") if e.details.get("page") == "repartition"]
    assert {e.entity_id for e in views} == shown
    assert {e.actor for e in views} == {"user:admin"}
    at.run()
    assert len(_views(demo_dir, "request")) == len(views) == 12


def test_billing_page_logs_one_view_per_invoice_shown(demo_dir):
    """Opening "Facturation" audits a view of each listed invoice, not again on a rerun."""
    _, _, inv = _refused_estimate_invoice(demo_dir)
    assert _views(demo_dir, "invoice") == []
    at = _page("views/billing.py", user="facturation")
    (entry,) = _views(demo_dir, "invoice")
    assert (entry.entity_id, entry.actor) == (inv.id, "user:facturation")
    assert entry.details == {"page": "facturation", "customer_id": inv.customer_id}
    at.run()
    assert not at.exception, at.exception
    assert len(_views(demo_dir, "invoice")) == 1


@pytest.fixture(autouse=True)
def _language_reset():
    """app.py sets the process's language from the settings: forget it after each test."""
    from dispatch import i18n

    yield
    i18n.set_language(None)


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", {"title": "Dispatch", "tabs": ["Workday", "Requests to contact", "Confirmations",
                                               "Propose an appointment", "Week"],
                "day": "Workday", "login": "Login", "user": "Username", "button": "Log in",
                "coverage": "Check my coverage", "address": "Your address", "check": "Check"}),
        (None, {"title": "Répartition", "tabs": ["Journée", "Demandes à contacter", "Confirmations",
                                                  "Proposer un rendez-vous", "Semaine"],
                "day": "Journée", "login": "Connexion", "user": "Nom d'utilisateur",
                "button": "Se connecter", "coverage": "Vérifier ma couverture",
                "address": "Votre adresse", "check": "Vérifier"}),
    ],
)
def test_pages_read_in_the_language_of_the_settings(demo_dir, monkeypatch, language, texts):
    """general.language = "en" (here $OPMS_GENERAL__LANGUAGE) shows the pages in English; French by default."""
    if language is None:
        monkeypatch.delenv("OPMS_GENERAL__LANGUAGE", raising=False)
    else:
        monkeypatch.setenv("OPMS_GENERAL__LANGUAGE", language)
    at = _home(None)
    assert at.title[0].value == texts["login"]
    assert at.text_input(key="login_username").label == texts["user"]
    assert at.button(key="login_submit").label == texts["button"]
    _login(at, "admin")
    at.switch_page("views/dispatcher.py")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == texts["title"]
    assert [t.label for t in at.tabs] == texts["tabs"]
    assert at.selectbox(key="dispatch_day").label == texts["day"]
    at.switch_page("views/coverage.py")
    at.run()
    assert at.title[0].value == texts["coverage"]
    assert at.text_input(key="coverage_address").label == texts["address"]
    assert texts["check"] in [b.label for b in at.button]


def test_the_week_tab_places_the_requests_still_to_book(demo_dir):
    """Répartition › Semaine: the requests waiting for a call get a day and a technician."""
    from dispatch import records
    from dispatch.office import intake
    from dispatch.settings import load_settings

    settings = load_settings(data_dir=demo_dir, env={})
    db = records.open_database(settings=settings)
    for name, phone in (("Luc Roy", "450 555-2222"), ("Ana Gil", "450 555-3333")):
        intake.submit(db, intake.RequestForm(name=name, address="1015 Avenue Saint-Denis, Mascouche",
                                             phone=phone, consent=True), settings=settings, region="mascouche")
    at = _page("views/dispatcher.py")
    at.number_input(key="week_days").set_value(2)
    at.button(key="week_go").click()
    at.run(timeout=TIMEOUT)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    captions = " ".join(c.value for c in at.caption)
    assert "2 demande(s) placée(s), 0 non placée(s)" in captions, captions
    shown = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "Luc Roy" in shown and "Ana Gil" in shown
