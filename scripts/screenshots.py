"""Screenshots of every dashboard page at desktop and phone widths (``make screenshots``).

Starts the dashboard on 127.0.0.1 over a temporary data directory (the Mascouche region
from ``../shared`` and a demo day of today), drives Debian's chromium through playwright,
and writes ``screenshots/<page>-<desktop|phone>.png`` (not committed). The dispatcher is
shot after "Optimiser la journée" and the coverage page after checking an address, so the
maps show their layers. Then the technician's phone is shot through the steps of a visit
(``visite-<step>-phone.png``: the policy to read and sign, the running diagnostic clock, the
estimate, the workshop receipt) on a second data directory seeded like the visit-path tests.
Any request leaving 127.0.0.1 is reported (and fails the run).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers.dashboard import (  # noqa: E402
    Dashboard,
    add_staff,
    external,
    launch_chromium,
    map_frame,
    prepare_data_dir,
    record_requests,
    wait_idle,
)
from tests.views.browsing import login  # noqa: E402

OUT = ROOT / "screenshots"
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
#: Staff pages are reached by logging in as the admin and clicking the sidebar (a reload
#: would end the session, which lives in the browser tab).
STAFF_LABELS = {
    "/repartition": "Répartition",
    "/technicien": "Technicien",
    "/atelier": "Atelier",
    "/a-distance": "À distance",
    "/facturation": "Facturation",
    "/rapports": "Rapports",
    "/messages": "Messages",
    "/parametres": "Paramètres",
}
PAGES = [
    ("accueil", "/", None),
    ("couverture", "/couverture", None),
    ("couverture-resultat", "/couverture", "coverage"),
    ("demande", "/demande", None),
    ("repartition", "/repartition", "optimise"),
    ("technicien", "/technicien", "publish"),
    ("atelier", "/atelier", None),
    ("a-distance", "/a-distance", None),
    ("facturation", "/facturation", None),
    ("rapports", "/rapports", None),
    ("messages", "/messages", None),
    ("parametres", "/parametres", None),
]


def _full_height(page) -> int:
    """Height of Streamlit's scrolling main area (the document itself does not scroll)."""
    return int(
        page.evaluate(
            "() => { const m = document.querySelector('[data-testid=stMain]') || document.body;"
            " return Math.max(m.scrollHeight, document.body.scrollHeight); }"
        )
    )


def _open(page, url: str, path: str) -> None:
    """Open a page: public ones by address, staff ones through the sidebar after login."""
    label = STAFF_LABELS.get(path)
    if label is None:
        page.goto(url + path)
    else:
        # dispatch the click: on phones the sidebar is collapsed, out of the viewport
        page.get_by_test_id("stSidebarNav").get_by_text(label, exact=True).dispatch_event("click")
        page.wait_for_timeout(300)
    wait_idle(page)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    from dispatch.office.planning import TZ

    leaks: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        data = prepare_data_dir(Path(tmp) / "data", demo_day=datetime.now(TZ).date(), n_visits=20)
        add_staff(data)
        # a month of invoices, payments and trips before today, so that "Rapports" has figures
        from tests.reports.history import bill_history

        bill_history(data, today=datetime.now(TZ).date())
        with Dashboard(data) as dash, launch_chromium() as browser:
            for size, (width, height) in SIZES.items():
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    device_scale_factor=1,
                    is_mobile=size == "phone",
                    has_touch=size == "phone",
                )
                for name, path, action in PAGES:
                    page = context.new_page()
                    urls = record_requests(page)
                    if path in STAFF_LABELS:
                        login(page, dash)
                    if action == "publish":  # the technician sees a published day
                        _open(page, dash.url, "/repartition")
                        page.get_by_role("button", name="Optimiser la journée").click()
                        map_frame(page)
                        wait_idle(page)
                        page.get_by_role("button", name="Publier les tournées aux techniciens").click()
                        page.wait_for_timeout(500)
                        wait_idle(page)
                    _open(page, dash.url, path)
                    if action == "coverage":
                        page.get_by_label("Votre adresse").fill("1015 Avenue Saint-Denis, Mascouche")
                        page.get_by_role("button", name="Vérifier").click()
                        page.get_by_text("Bonne nouvelle").wait_for()
                        wait_idle(page)
                    elif action == "optimise":
                        page.get_by_role("button", name="Optimiser la journée").click()
                        map_frame(page)
                        wait_idle(page)
                    if name in ("couverture", "couverture-resultat", "technicien", "rapports"):
                        map_frame(page)
                    page.wait_for_timeout(800)
                    page.set_viewport_size({"width": width, "height": min(_full_height(page) + 40, 6000)})
                    page.wait_for_timeout(400)
                    target = OUT / f"{name}-{size}.png"
                    page.screenshot(path=str(target), full_page=True)
                    page.set_viewport_size({"width": width, "height": height})
                    leaks.update(external(urls))
                    print(target.relative_to(ROOT))
                    page.close()
                context.close()
        leaks.update(_visit_steps(Path(tmp) / "visit", regions_from=data))
    if leaks:
        print("Requests that left 127.0.0.1:", *sorted(leaks), sep="\n  ")
        return 1
    print("No request left 127.0.0.1.")
    return 0


def _shoot(page, name: str) -> None:
    """A full-height phone screenshot ``screenshots/visite-<name>-phone.png``."""
    width, height = SIZES["phone"]
    page.wait_for_timeout(500)
    page.set_viewport_size({"width": width, "height": min(_full_height(page) + 40, 6000)})
    page.wait_for_timeout(400)
    target = OUT / f"visite-{name}-phone.png"
    page.screenshot(path=str(target), full_page=True)
    page.set_viewport_size({"width": width, "height": height})
    print(target.relative_to(ROOT))


def _visit_steps(data_dir: Path, *, regions_from: Path) -> set[str]:
    """Shoot the technician's phone through a visit's steps; returns the requests that left."""
    from dispatch.office.planning import TZ
    from tests.views import visit_paths as vp

    data = prepare_data_dir(data_dir, regions_from=regions_from)
    ids = vp.seed_paths(data, datetime.now(TZ).date())
    add_staff(data)
    with Dashboard(data) as dash, launch_chromium() as browser:
        context = browser.new_context(viewport=vp.PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        urls = record_requests(page)
        login(page, dash, "tech1")
        vp.go(page, "Technicien")
        rid = ids["b"]
        vp.press(page, vp.card(page, rid), "Je suis arrivé")
        box = vp.card(page, rid)
        vp.sign(page, box)
        box.get_by_label("Nom de la personne qui signe").fill("Bruno Atelier")
        _shoot(page, "politique")
        vp.press(page, box, "Signer la politique")
        vp.press(page, vp.card(page, rid), "Démarrer le diagnostic")
        page.wait_for_timeout(2500)
        _shoot(page, "diagnostic")
        vp.press(page, vp.card(page, rid), "Arrêter le diagnostic")
        box = vp.card(page, rid)
        box.get_by_label("Description").first.fill("Carte mère")
        box.get_by_label("Montant ($)").first.fill("250,00")
        vp.press(page, box, "Enregistrer l'estimation")
        _shoot(page, "estimation")
        vp.card(page, rid).get_by_text("Accepté : équipement apporté à l'atelier", exact=True).click()
        vp.settle(page)
        box = vp.card(page, rid)
        box.get_by_label("Appareil").fill("Portable Lenovo T14")
        box.get_by_label("Numéro de série").fill("PF-3X9K2")
        box.get_by_label("Accessoires pris").fill("Chargeur")
        vp.sign(page, box)
        box.get_by_label("Nom de la personne qui signe").fill("Bruno Atelier")
        _shoot(page, "atelier")
        leaks = external(urls)
        context.close()
    return set(leaks)


if __name__ == "__main__":
    sys.exit(main())
