"""Markdown and HTML typed by people stay text on every page, in a real browser (chromium).

Streamlit renders Markdown in alerts, captions, ``st.write``, expander and tab labels: a
customer (or a visitor of the public pages) who types ``[Payez ici](http://…)`` or
``![x](http://…)`` must not get a live link or an image fetched from any host on the
office's screens. Every customer of the day (name, phone, e-mail, address, problem) carries
one of the payloads below, the visitor types them in the public forms, and the staff type
them where an error quotes what they typed; each page is then searched for an element the
page did not put there (see :func:`_injected`), the payload's text must be shown as typed,
no JavaScript dialog may open and no request may leave 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from datetime import datetime, time, timedelta

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
from tests.views.browsing import BROWSER_TEST, click, login, nav, open_path, tab

pytestmark = BROWSER_TEST

LINK = "[Payez ici](http://evil.example/link)"
IMAGE = "![x](http://evil.example/img.png)"
HTML = "<img src=http://evil.example/tag.png><script>alert(1)</script><a href='http://evil.example/a'>a</a>"
AUTOLINKS = "<http://evil.example/auto> http://evil.example/bare www.evil.example pirate@evil.example"
BLOCKS = "# TitrePirate\n> CitePirate\n- ListePirate\n\n| CellPirate | b |\n|---|---|\n| c | d |"
SHORTCODES = ":material/skull: :streamlit: :red[RougePirate] $x^2$ ~~BarrePirate~~ **GrasPirate**"
PAYLOADS = (LINK, IMAGE, HTML, AUTOLINKS, BLOCKS, SHORTCODES)
ALL = " ".join(PAYLOADS)

#: Elements a payload would create (the page's own text never makes them with these words).
_INJECTED_JS = """() => {
  const bad = [];
  const evil = (u) => { try { return new URL(u, location.href).hostname.endsWith('evil.example'); }
                        catch (e) { return false; } };
  for (const a of document.querySelectorAll('a[href]'))
    if (evil(a.href) || /^mailto:.*evil\\.example/i.test(a.getAttribute('href'))) bad.push('a ' + a.href);
  for (const i of document.querySelectorAll('img, source, iframe, video, audio, object, embed'))
    if (evil(i.src || i.data || '') || i.alt === 'Streamlit logo') bad.push(i.tagName + ' ' + (i.src || i.alt));
  for (const s of document.querySelectorAll('script'))
    if (s.textContent.trim() === 'alert(1)') bad.push('script');
  const md = '[data-testid=stMain] [data-testid=stMarkdownContainer] ';
  const marks = {h1: 'TitrePirate', h2: 'TitrePirate', h3: 'TitrePirate', h4: 'TitrePirate',
                 blockquote: 'CitePirate', li: 'ListePirate', table: 'CellPirate', del: 'BarrePirate',
                 strong: 'GrasPirate', span: 'RougePirate'};
  for (const [tag, word] of Object.entries(marks))
    for (const e of document.querySelectorAll(md + tag))
      if (e.textContent.trim().startsWith(word)) bad.push(tag + ' ' + e.textContent.slice(0, 40));
  for (const e of document.querySelectorAll(md + '.katex, ' + md + 'span[role=img]'))
    if (/skull|x\\^?2/.test(e.textContent)) bad.push('icon/formula ' + e.textContent.slice(0, 40));
  return bad;
}"""


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory, mascouche, regions_data_dir):
    """Today's and tomorrow's demo days, every customer's text carrying a payload."""
    from dispatch.office.planning import TZ
    from dispatch.records import appointments

    today = datetime.now(TZ).date()
    with pytest.MonkeyPatch.context() as mp:  # booked as of this morning, even if run at night
        mp.setattr(appointments, "booking_clock", lambda: datetime.combine(today, time(0), tzinfo=TZ))
        d = prepare_data_dir(
            tmp_path_factory.mktemp("dash-md") / "data", regions_from=regions_data_dir,
            demo_day=today, n_technicians=2, n_visits=6,
        )
        _demo(d, today + timedelta(days=1))
    _hostile_customers(d)
    add_staff(d)
    with Dashboard(d) as dash:
        yield dash


def _demo(data_dir, day) -> None:
    """Demo appointments of ``day`` left to confirm (Répartition's "Confirmations" tab)."""
    from dispatch import records
    from dispatch.geo.region import load_region
    from dispatch.office import planning
    from dispatch.settings import load_settings

    settings = load_settings(data_dir=data_dir, env={})
    db = records.open_database(settings=settings)
    try:
        planning.load_demo(load_region("mascouche", settings=settings), settings=settings, db=db,
                           day=day, n_technicians=2, n_visits=3, seed=2)
    finally:
        db.close()
    con = sqlite3.connect(data_dir / "opms.sqlite3")
    try:
        con.execute("UPDATE appointments SET status = 'scheduled' WHERE id IN "
                    "(SELECT id FROM appointments ORDER BY id DESC LIMIT 3)")
        con.commit()
    finally:
        con.close()


def _hostile_customers(data_dir) -> None:
    """Every customer's name, phone, e-mail, address and problem gets a payload appended."""
    con = sqlite3.connect(data_dir / "opms.sqlite3")
    try:
        ids = [r[0] for r in con.execute("SELECT id FROM customers ORDER BY id")]
        for i, cid in enumerate(ids):
            p = PAYLOADS[i % len(PAYLOADS)]
            con.execute("UPDATE customers SET name = name || ' ' || ?, phone = phone || ' ' || ?, "
                        "email = 'pirate@evil.example' WHERE id = ?", (p, p, cid))
            con.execute("UPDATE addresses SET text = text || ' ' || ? WHERE customer_id = ?", (p, cid))
            con.execute("UPDATE requests SET problem = ? WHERE customer_id = ?", (ALL, cid))
        con.commit()
    finally:
        con.close()


def _injected(page) -> list[str]:
    """Links/images to the payloads' host, scripts, headings, lists... made from a payload."""
    found = list(page.evaluate(_INJECTED_JS))
    for frame in page.frames[1:]:  # the maps (st_folium) and components
        with contextlib.suppress(Exception):  # a frame replaced by a rerun
            found += [f"frame: {x}" for x in frame.evaluate(_INJECTED_JS.replace("[data-testid=stMain] ", ""))]
    return found


def _shown(page) -> str:
    """The page's text as people read it (the invisible word joiners removed), lower case.

    Lower case: the geocoder's refusals quote the address with its words capitalised.
    """
    return page.locator("[data-testid=stMain]").inner_text().replace("\u2060", "").lower()


def _assert_clean(page) -> None:
    assert _injected(page) == []
    assert page.dialogs == []
    assert external(page.requests) == []


def test_coverage_error_quoting_the_address_shows_the_payload_as_text(page, dashboard):
    """The geocoder's refusal quotes the visitor's address: no link, no image, shown as typed."""
    open_path(page, dashboard, "/couverture")
    typed = f"12 rue Zorglub {LINK} {IMAGE} {AUTOLINKS}"
    page.get_by_label("Votre adresse").fill(typed)
    click(page, "Vérifier")
    alert = page.get_by_test_id("stAlert").first
    alert.wait_for()
    _assert_clean(page)
    assert "[Payez ici](http://evil.example/link)".lower() in _shown(page)
    assert "![x](http://evil.example/img.png)".lower() in _shown(page)


def test_request_form_thanks_and_refusals_show_the_payloads_as_text(page, dashboard):
    """The thank-you quotes the name; the staff then see the request with every payload as text."""
    open_path(page, dashboard, "/demande")
    page.get_by_label("Nom complet *").fill(f"Julie {LINK} {IMAGE}")
    page.get_by_label("Téléphone").fill("450 555-7777")
    page.get_by_label("Courriel", exact=True).fill("julie@evil.example")
    page.get_by_label("Adresse de l'intervention *").fill("1015 Avenue Saint-Denis, Mascouche")
    page.get_by_label("Votre problème *").fill(ALL)
    page.get_by_text("J'accepte que mes renseignements").click()
    click(page, "Envoyer la demande")
    page.get_by_text("Merci, Julie").wait_for()
    _assert_clean(page)
    assert f"Julie {LINK} {IMAGE}".lower() in _shown(page)

    login(page, dashboard)
    nav(page, "Répartition")
    tab(page, "Demandes à contacter")
    page.get_by_test_id("stExpander").filter(has_text="Julie").first.click()  # label: the name
    page.wait_for_timeout(300)
    wait_idle(page)
    _assert_clean(page)
    assert "julie@evil.example" in _shown(page)
    assert "[Payez ici](http://evil.example/link)".lower() in _shown(page)


def test_dispatcher_day_plan_calls_and_booking_show_customer_text_as_text(page, dashboard):
    """Répartition: table, optimised plan (map, schedule, exports), confirmations, booking error."""
    login(page, dashboard)
    nav(page, "Répartition")
    _assert_clean(page)
    click(page, "Optimiser la journée")
    map_frame(page).locator(".opms-stop-icon").first.wait_for()
    page.get_by_text("Horaire par technicien").wait_for()
    assert _injected(page) == []
    tab(page, "Confirmations")
    _assert_clean(page)
    assert "evil.example" in _shown(page)  # tomorrow's customers, their text shown as text
    tab(page, "Proposer un rendez-vous")
    page.get_by_label("Adresse du client").fill(f"12 rue Zorglub {LINK} {IMAGE}")
    page.get_by_role("button", name="Proposer des plages").click()
    page.wait_for_timeout(300)
    wait_idle(page)
    _assert_clean(page)
    assert "[Payez ici](http://evil.example/link)".lower() in _shown(page)


def test_technician_and_billing_pages_show_customer_text_as_text(page, dashboard):
    """Technicien (stops, details, a refused estimate quoting the input) and Facturation."""
    login(page, dashboard)
    nav(page, "Répartition")
    click(page, "Optimiser la journée")
    click(page, "Publier les tournées aux techniciens")
    page.get_by_text("visite(s) assignée(s)").wait_for()
    nav(page, "Technicien")
    map_frame(page).locator(".opms-stop-icon").first.wait_for()
    assert "evil.example" in _shown(page)  # the first stop is open: its customer's text is shown
    _assert_clean(page)
    first = page.get_by_test_id("stExpander").filter(has_text="(visite, demande ").first
    first.wait_for()
    rid = int(re.search(r"\(visite, demande (\d+)\)", first.inner_text()).group(1))
    vp.press(page, vp.card(page, rid), "Je suis arrivé")
    vp.sign(page, vp.card(page, rid))
    vp.card(page, rid).get_by_label("Nom de la personne qui signe").fill(f"{LINK} {IMAGE}")
    vp.press(page, vp.card(page, rid), "Signer la politique")
    _assert_clean(page)
    vp.press(page, vp.card(page, rid), "Démarrer le diagnostic")
    vp.press(page, vp.card(page, rid), "Arrêter le diagnostic")
    box = vp.card(page, rid)
    box.get_by_label("Description").first.fill(f"{LINK} {IMAGE}")
    box.get_by_label("Montant ($)").first.fill(f"{LINK} {IMAGE}")
    vp.press(page, box, "Enregistrer l'estimation")
    page.get_by_test_id("stAlert").first.wait_for()
    _assert_clean(page)
    assert "[Payez ici](http://evil.example/link)".lower() in _shown(page)
    vp.card(page, rid).get_by_label("Montant ($)").first.fill("180,00")
    vp.press(page, vp.card(page, rid), "Enregistrer l'estimation")
    _assert_clean(page)
    vp.card(page, rid).get_by_text("Estimation refusée", exact=True).click()
    vp.settle(page)
    vp.press(page, vp.card(page, rid), "Enregistrer la réponse")
    vp.press(page, vp.card(page, rid), "Émettre la facture")
    page.get_by_role("button", name="Télécharger la facture (PDF)").first.wait_for()
    _assert_clean(page)

    nav(page, "Facturation")
    page.get_by_text("Enregistrer un paiement").first.wait_for()
    _assert_clean(page)
    page.get_by_label("Montant ($)").fill(f"{LINK} {IMAGE}")
    page.get_by_label("Référence").fill(f"{LINK} {IMAGE}")
    click(page, "Enregistrer le paiement")
    page.get_by_test_id("stAlert").first.wait_for()
    _assert_clean(page)
    assert "[Payez ici](http://evil.example/link)".lower() in _shown(page)
