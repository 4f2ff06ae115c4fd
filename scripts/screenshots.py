"""Screenshots of every dashboard page at desktop and phone widths (``make screenshots``).

Starts the dashboard on 127.0.0.1 over a temporary data directory (the Mascouche region
from ``../shared`` and a demo day of today), drives Debian's chromium through playwright,
and writes ``screenshots/<page>-<desktop|phone>.png`` (not committed). The dispatcher is
shot after "Optimiser la journée" and the coverage page after checking an address, so the
maps show their layers. Any request leaving 127.0.0.1 is reported (and fails the run).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers.dashboard import (  # noqa: E402
    STAFF_PASSWORD,
    Dashboard,
    add_staff,
    external,
    launch_chromium,
    map_frame,
    prepare_data_dir,
    record_requests,
    wait_idle,
)

OUT = ROOT / "screenshots"
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
#: Staff pages are reached by logging in as the admin and clicking the sidebar (a reload
#: would end the session, which lives in the browser tab).
STAFF_LABELS = {
    "/repartition": "Répartition",
    "/technicien": "Technicien",
    "/facturation": "Facturation",
    "/rapports": "Rapports",
    "/parametres": "Paramètres",
}
PAGES = [
    ("accueil", "/", None),
    ("couverture", "/couverture", None),
    ("couverture-resultat", "/couverture", "coverage"),
    ("demande", "/demande", None),
    ("repartition", "/repartition", "optimise"),
    ("technicien", "/technicien", "publish"),
    ("facturation", "/facturation", None),
    ("rapports", "/rapports", None),
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


def _login(page, url: str) -> None:
    page.goto(url + "/")
    wait_idle(page)
    page.get_by_label("Nom d'utilisateur").fill("admin")
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Se connecter").first.click()
    page.wait_for_timeout(300)
    wait_idle(page)


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
                        _login(page, dash.url)
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
    if leaks:
        print("Requests that left 127.0.0.1:", *sorted(leaks), sep="\n  ")
        return 1
    print("No request left 127.0.0.1.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
