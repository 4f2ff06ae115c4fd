"""The five paths of the company's process, walked in Debian's chromium (issue 15).

The technician works at phone width (390×844, touch) on "Technicien"; the office at desktop
width (1366×900) on "Atelier", "À distance" and "Facturation". The office's bookings are
seeded through the office use cases (:mod:`tests.views.visit_paths`). Each path ends on the
invoice: its lines and totals as shown on the screen are checked against the tariff, so a
step left out (no signature, no clock, no estimate, no receipt, no test at home) fails it.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests.servers.dashboard import Dashboard, add_staff, external, prepare_data_dir
from tests.views import visit_paths as vp
from tests.views.browsing import BROWSER_TEST, login

pytestmark = BROWSER_TEST

#: The default tariff: 85,00 $/h, billed by 15 min with a 30-min minimum (a few seconds of
#: diagnostic bill 30 min), 20 % compensation when the workshop is refused.
DIAGNOSTIC_30_MIN = Decimal("42.50")
COMPENSATION = Decimal("8.50")


@pytest.fixture(scope="module")
def world(tmp_path_factory, mascouche, regions_data_dir):
    """The dashboard over Mascouche, one technician, a request per path, today published."""
    from dispatch.office.planning import TZ

    today = datetime.now(TZ).date()
    d = prepare_data_dir(tmp_path_factory.mktemp("paths") / "data", regions_from=regions_data_dir)
    ids = vp.seed_paths(d, today)
    add_staff(d)
    with Dashboard(d) as dash:
        yield dash, ids, today


def _context(browser, size):
    phone = size == vp.PHONE
    ctx = browser.new_context(viewport=size, has_touch=phone, is_mobile=phone, accept_downloads=True)
    pg = ctx.new_page()
    from tests.servers.dashboard import record_requests

    pg.requests = record_requests(pg)
    return ctx, pg


@pytest.fixture()
def phone(browser):
    ctx, pg = _context(browser, vp.PHONE)
    yield pg
    ctx.close()


@pytest.fixture()
def desk(browser):
    ctx, pg = _context(browser, vp.DESKTOP)
    yield pg
    ctx.close()


def _text(box) -> str:
    return box.inner_text().replace("\u00a0", " ").replace("\u202f", " ")


def _m(amount: Decimal) -> str:
    return vp.money(amount).replace("\u00a0", " ")


def _assert_invoice(box, lines: dict[str, Decimal]) -> None:
    """The invoice shown lists each line with its amount, and the taxes and total."""
    shown = _text(box)
    for label, amount in lines.items():
        assert re.search(re.escape(label) + r"[^\n]*: " + re.escape(_m(amount)), shown), (label, amount, shown)
    sub, gst, qst, total = vp.totals(list(lines.values()))
    assert f"Sous-total {_m(sub)} · TPS {_m(gst)} · TVQ {_m(qst)}" in shown, shown
    assert f"Total {_m(total)}" in shown, shown


def _tech(page, dash) -> None:
    login(page, dash, "tech1")
    vp.go(page, "Technicien")


def _arrive_sign_diagnose(page, rid: int, *, name: str) -> None:
    """Arrival (visit not confirmed), the policy read and signed, the clock started and stopped."""
    box = vp.card(page, rid)
    assert "Non confirmée" in _text(box)
    vp.press(page, box, "Je suis arrivé")
    box = vp.card(page, rid)
    assert "Politique de service" in _text(box) or "politique" in _text(box).lower()
    vp.sign(page, box)
    box.get_by_label("Nom de la personne qui signe").fill(name)
    hints = page.get_by_test_id("InputInstructions")  # Streamlit's English "Press Enter to apply"
    assert all(not hints.nth(k).is_visible() for k in range(hints.count()))
    vp.press(page, box, "Signer la politique")
    box = vp.card(page, rid)
    assert "Politique signée" in _text(box)
    vp.press(page, box, "Démarrer le diagnostic")
    page.wait_for_timeout(3000)
    vp.press(page, vp.card(page, rid), "Pause")
    assert "(en pause)" in _text(vp.card(page, rid))
    vp.press(page, vp.card(page, rid), "Reprendre")
    page.wait_for_timeout(29_000)  # 30 s and more count as a minute: billed the 30-min minimum
    vp.press(page, vp.card(page, rid), "Arrêter le diagnostic")
    box = vp.card(page, rid)
    assert "30 min facturées = **" not in _text(box)  # Markdown rendered, not shown raw
    assert f"30 min facturées = {_m(DIAGNOSTIC_30_MIN)}" in _text(box), _text(box)


def _estimate(page, rid: int, lines: list[tuple[str, str, str]]) -> None:
    """Type the estimate's lines (description, amount, kind) and save it."""
    box = vp.card(page, rid)
    for i, (label, amount, kind) in enumerate(lines):
        if i:
            vp.press(page, box, "Ajouter une ligne")
            box = vp.card(page, rid)
        box.get_by_label("Description").nth(i).fill(label)
        box.get_by_label("Montant ($)").nth(i).fill(amount)
        if kind == "parts":
            box.get_by_label("Type").nth(i).click()
            page.get_by_role("option", name="Pièces").click()
            vp.settle(page)
    vp.press(page, box, "Enregistrer l'estimation")
    assert "Estimation présentée" in _text(vp.card(page, rid))


def _answer(page, rid: int, label: str) -> None:
    box = vp.card(page, rid)
    box.get_by_text(label, exact=True).click()
    vp.settle(page)


def _pay(page, rid: int, amount: str | None, method: str, *, kind: str = "visite") -> None:
    box = vp.card(page, rid, kind=kind)
    box.get_by_label("Mode de paiement").click()
    page.get_by_role("option", name=method).click()
    vp.settle(page)
    box = vp.card(page, rid, kind=kind)
    if amount is not None:
        box.get_by_label("Montant ($)").fill(amount)
    if method != "Comptant":
        box.get_by_label("Référence (sauf comptant)").fill("REF-42")
    vp.press(page, box, "Enregistrer le paiement")


def test_a_repaired_on_site_then_paid_in_two_payments(phone, world):
    """(a) signed -> diagnostic -> estimate accepted -> repaired on site -> invoice -> 2 payments."""
    dash, ids, _today = world
    rid = ids["a"]
    _tech(phone, dash)
    _arrive_sign_diagnose(phone, rid, name="Alice Sur-Place")
    _estimate(phone, rid, [("Remplacement de l'écran", "180,00", "parts"), ("Installation", "45,50", "labour")])
    _answer(phone, rid, "Accepté : réparé sur place")
    vp.press(phone, vp.card(phone, rid), "Enregistrer la réponse")
    box = vp.card(phone, rid)
    travel = vp.travel_fee(dash.data_dir, rid)
    lines = {"Déplacement": travel, "Temps de diagnostic": DIAGNOSTIC_30_MIN,
             "Remplacement de l'écran": Decimal("180.00"), "Installation": Decimal("45.50")}
    assert "Facture à émettre" in _text(box)
    _assert_invoice(box, lines)
    vp.press(phone, box, "Émettre la facture")
    box = vp.card(phone, rid)
    _assert_invoice(box, lines)
    total = vp.totals(list(lines.values()))[3]
    _pay(phone, rid, "100,00", "Comptant")
    assert f"solde {_m(total - 100)}" in _text(vp.card(phone, rid)).lower() or \
        f"Solde à payer : {_m(total - 100)}" in _text(vp.card(phone, rid))
    _pay(phone, rid, None, "Virement Interac")  # the amount field holds the balance
    box = vp.card(phone, rid)
    assert "Payée" in _text(box) or "Payé" in _text(box)
    assert vp.request_state(dash.data_dir, rid) == "paid"
    with phone.expect_download() as info:
        box.get_by_role("button", name="Télécharger la politique signée (PDF)").click()
    assert Path(info.value.path()).read_bytes()[:5] == b"%PDF-"
    assert external(phone.requests) == []


def _issue(page, rid: int, lines: dict[str, Decimal], *, kind: str = "visite") -> str:
    """Check the invoice shown for confirmation, issue it; returns its number."""
    box = vp.card(page, rid, kind=kind)
    assert "Facture à émettre" in _text(box)
    _assert_invoice(box, lines)
    vp.press(page, box, "Émettre la facture")
    box = vp.card(page, rid, kind=kind)
    _assert_invoice(box, lines)
    found = re.search(r"Facture (\S+) :", _text(box))
    assert found, _text(box)
    return found.group(1)


def test_b_workshop_receipt_return_visit_test_at_home_then_paid(phone, desk, world):
    """(b) accepted in the workshop -> receipt -> Atelier: repairing, ready -> return booked and
    planned -> test at home passed -> invoice presented and paid."""
    dash, ids, today = world
    rid = ids["b"]
    _tech(phone, dash)
    _arrive_sign_diagnose(phone, rid, name="Bruno Atelier")
    _estimate(phone, rid, [("Carte mère", "250,00", "parts")])
    _answer(phone, rid, "Accepté : équipement apporté à l'atelier")
    box = vp.card(phone, rid)
    box.get_by_label("Appareil").fill("Portable Lenovo T14")
    box.get_by_label("Numéro de série").fill("PF-3X9K2")
    box.get_by_label("Accessoires pris").fill("Chargeur")
    vp.sign(phone, box)
    box.get_by_label("Nom de la personne qui signe").fill("Bruno Atelier")
    vp.press(phone, box, "Enregistrer la réponse")
    box = vp.card(phone, rid)
    assert "Appareil à l'atelier : Reçu" in _text(box), _text(box)
    with phone.expect_download() as info:
        box.get_by_role("button", name="Télécharger le reçu d'atelier (PDF)").click()
    assert Path(info.value.path()).read_bytes()[:5] == b"%PDF-"

    login(desk, dash, "admin")
    vp.go(desk, "Atelier")
    item = desk.get_by_test_id("stExpander").filter(has_text=f"Demande {rid} —").first
    assert "Portable Lenovo T14" in _text(item) and "PF-3X9K2" in _text(item)
    vp.press(desk, item, "Commencer la réparation")
    item = desk.get_by_test_id("stExpander").filter(has_text=f"Demande {rid} —").first
    vp.press(desk, item, "Prêt : fixer la visite de retour")
    item = desk.get_by_test_id("stExpander").filter(has_text=f"Demande {rid} —").first
    history = _text(item)
    assert "Reçu" in history and "En réparation" in history and "Prêt" in history, history

    vp.book_return(dash.data_dir, rid, today)  # the office's call books it; the day is re-published
    vp.press(phone, phone, "Actualiser")
    box = vp.card(phone, rid, kind="visite de retour")
    box.get_by_text("Réussi", exact=True).click()
    box.get_by_label("Qui a assisté au test").fill("Bruno Atelier")
    vp.press(phone, box, "Enregistrer le test")
    travel = vp.travel_fee(dash.data_dir, rid)
    lines = {"Déplacement": travel, "Temps de diagnostic": DIAGNOSTIC_30_MIN,
             "Carte mère": Decimal("250.00"), "Déplacement (visite de retour)": travel}
    _issue(phone, rid, lines, kind="visite de retour")
    _pay(phone, rid, None, "Virement bancaire", kind="visite de retour")
    assert vp.request_state(dash.data_dir, rid) == "paid"


def test_c_workshop_refused_bills_travel_diagnostic_and_20_percent(phone, world):
    """(c) accepted but the workshop refused: travel + diagnostic + 20 % of the diagnostic."""
    dash, ids, _today = world
    rid = ids["c"]
    _tech(phone, dash)
    _arrive_sign_diagnose(phone, rid, name="Carole Sans-Atelier")
    _estimate(phone, rid, [("Réparation en atelier", "300,00", "labour")])
    _answer(phone, rid, "Accepté, mais refuse l'atelier")
    vp.press(phone, vp.card(phone, rid), "Enregistrer la réponse")
    lines = {"Déplacement": vp.travel_fee(dash.data_dir, rid), "Temps de diagnostic": DIAGNOSTIC_30_MIN,
             "Compensation : 20 % du diagnostic": COMPENSATION}
    _issue(phone, rid, lines)
    assert "Réparation en atelier" not in _text(vp.card(phone, rid))
    assert vp.request_state(dash.data_dir, rid) == "invoiced"


def test_d_refused_bills_travel_and_diagnostic_then_a_credit_note(phone, desk, world):
    """(d) estimate refused: travel + diagnostic; the office then credits 10,00 $ with a reason."""
    dash, ids, _today = world
    rid = ids["d"]
    _tech(phone, dash)
    _arrive_sign_diagnose(phone, rid, name="Denis Refus")
    _estimate(phone, rid, [("Disque SSD", "129,99", "parts")])
    _answer(phone, rid, "Estimation refusée")
    vp.press(phone, vp.card(phone, rid), "Enregistrer la réponse")
    lines = {"Déplacement": vp.travel_fee(dash.data_dir, rid), "Temps de diagnostic": DIAGNOSTIC_30_MIN}
    number = _issue(phone, rid, lines)
    assert "Disque SSD" not in _text(vp.card(phone, rid))
    total = vp.totals(list(lines.values()))[3]

    login(desk, dash, "facturation")
    vp.go(desk, "Facturation")
    desk.get_by_label("Facture", exact=True).click()
    desk.get_by_role("option", name=number).click()
    vp.settle(desk)
    desk.get_by_label("Montant avant taxes ($; vide : toute la facture)").fill("10,00")
    desk.get_by_label("Motif").fill("Geste commercial")
    vp.press(desk, desk, "Émettre la note de crédit")
    shown = _text(desk.get_by_test_id("stMain"))
    assert "Note de crédit" in shown
    credited = vp.totals([Decimal("10.00")])[3]
    assert f"solde {_m(total - credited)}" in shown, shown


def test_e_remote_session_interrupted_by_the_customer_has_no_travel_line(desk, world):
    """(e) remote: consent required, session started, interrupted by the customer -> invoice
    with the time done (no travel, no minimum, no compensation), paid."""
    dash, ids, _today = world
    rid = ids["e"]
    login(desk, dash, "repartition")
    vp.go(desk, "À distance")
    desk.get_by_label("Demande", exact=True).click()
    desk.get_by_role("option", name=re.compile(f"^Demande {rid} —")).click()
    vp.settle(desk)
    vp.press(desk, desk, "Démarrer la session à distance")  # no consent yet: refused
    assert "consentement" in _text(desk.get_by_test_id("stMain")).lower()
    desk.get_by_text("Le client accepte (consentement noté)").click()
    vp.settle(desk)
    vp.press(desk, desk, "Démarrer la session à distance")
    assert "Sessions en cours" in _text(desk.get_by_test_id("stMain"))
    desk.wait_for_timeout(31_000)
    session = desk.locator(f".st-key-remote_run_{rid}")
    vp.press(desk, session, "Interrompue par le client")
    main = desk.get_by_test_id("stMain")
    shown = _text(main)
    assert "Déplacement" not in shown and "Compensation" not in shown, shown
    # 1 min done: rounded up to one 15-min block, no 30-min minimum for an interrupted session
    lines = {"Soutien à distance (interrompu par le client)": Decimal("21.25")}
    _assert_invoice(main, lines)
    vp.press(desk, main, "Émettre la facture")
    main = desk.get_by_test_id("stMain")
    _assert_invoice(main, lines)
    main.get_by_label("Mode de paiement").click()
    desk.keyboard.type("PayPal")  # the list is filtered to the one method, then chosen
    desk.keyboard.press("Enter")
    vp.settle(desk)
    main.get_by_label("Référence (sauf comptant)").fill("PP-77")
    vp.press(desk, main, "Enregistrer le paiement")
    assert vp.request_state(dash.data_dir, rid) == "paid"


def test_reload_during_the_diagnostic_keeps_the_running_clock(phone, world):
    """The clock is on the server: after a reload (and a new login) it is still running, later."""
    dash, ids, _today = world
    rid = ids["f"]
    _tech(phone, dash)
    box = vp.card(phone, rid)
    vp.press(phone, box, "Je suis arrivé")
    box = vp.card(phone, rid)
    pad = box.locator("canvas.upper-canvas").first
    pad.scroll_into_view_if_needed()
    right = pad.bounding_box()["x"] + pad.bounding_box()["width"]
    assert right <= vp.PHONE["width"], right  # the signature pad fits the phone's width
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= vp.PHONE["width"]
    vp.sign(phone, box)
    box.get_by_label("Nom de la personne qui signe").fill("Fanny Rechargement")
    vp.press(phone, box, "Signer la politique")
    vp.press(phone, vp.card(phone, rid), "Démarrer le diagnostic")
    phone.wait_for_timeout(4000)
    phone.reload()
    _tech(phone, dash)
    box = vp.card(phone, rid)
    shown = _text(box)
    assert "Temps de diagnostic (en cours)" in shown, shown
    elapsed = re.search(r"(\d+):(\d\d):(\d\d)", shown)
    assert elapsed and int(elapsed.group(2)) * 60 + int(elapsed.group(3)) >= 4, shown
    assert "Arrêter le diagnostic" in shown
