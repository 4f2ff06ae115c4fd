"""Real browser: the "Rapports" page opened by the billing account on the demo data with a month of
billed history (Debian chromium, dashboard on 127.0.0.1): the charts are drawn by the Vega copy
bundled in Streamlit, the demand map by the offline Leaflet, no request leaves 127.0.0.1, and the
accounting export downloaded from the page has the totals the page shows."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time

import pytest

from dispatch.money import parse_amount
from tests.servers.dashboard import Dashboard, add_staff, external, map_frame, prepare_data_dir
from tests.views.browsing import BROWSER_TEST, login, nav

pytestmark = BROWSER_TEST


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory, mascouche, regions_data_dir):
    """Mascouche, today's demo day, and this month's billed history (invoices, payments, a credit)."""
    from dispatch.office.planning import TZ
    from dispatch.records import appointments
    from tests.reports.history import bill_history

    today = datetime.now(TZ).date()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(appointments, "booking_clock", lambda: datetime.combine(today, time(0), tzinfo=TZ))
        d = prepare_data_dir(
            tmp_path_factory.mktemp("dash-reports") / "data", regions_from=regions_data_dir,
            demo_day=today, n_visits=12,
        )  # fmt: skip
        bill_history(d, today=today, n=18)
    add_staff(d)
    with Dashboard(d) as dash:
        yield dash


def _metric(page, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True)).first
    return box.get_by_test_id("stMetricValue").inner_text().strip()


def _download(page, label: str) -> str:
    with page.expect_download() as info:
        page.get_by_test_id("stDownloadButton").filter(has_text=label).get_by_role("button").click()
    return info.value.path().read_text(encoding="utf-8")


def test_billing_user_sees_the_reports_charts_map_and_a_matching_export(page, dashboard):
    login(page, dashboard, "facturation")
    nav(page, "Rapports")
    page.get_by_role("heading", name="TPS et TVQ").wait_for()

    charts = page.get_by_test_id("stVegaLiteChart")
    charts.first.locator("canvas, svg").first.wait_for()
    drawn = page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg.marks")
    assert charts.count() >= 7
    assert drawn.count() >= charts.count()
    assert drawn.first.bounding_box()["height"] > 50
    assert page.locator("[data-testid='stVegaLiteChart'] .mark-rect path, [data-testid='stVegaLiteChart'] .mark-rect").count() > 0

    frame = map_frame(page)
    frame.locator("path.opms-demand-hex").first.wait_for()
    assert frame.locator("path.opms-demand-hex").count() >= 3
    assert frame.locator("path.opms-zone-core").count() == 1
    assert frame.locator("path.opms-zone-extended").count() == 1
    assert frame.locator(".opms-shop-icon").count() == 1

    gst, qst = parse_amount(_metric(page, "TPS facturée")), parse_amount(_metric(page, "TVQ facturée"))
    collected = parse_amount(_metric(page, "Encaissé"))
    assert gst > 0 and qst > 0 and collected > 0

    journal = list(csv.DictReader(io.StringIO(_download(page, "Export comptable (CSV)"))))
    assert sum(parse_amount(r["tps"]) for r in journal if r["tps"]) == gst
    assert sum(parse_amount(r["tvq"]) for r in journal if r["tvq"]) == qst
    assert sum(parse_amount(r["montant_paye"]) for r in journal if r["montant_paye"]) == collected
    assert {r["type"] for r in journal} == {"facture", "note_de_credit", "paiement"}

    taxes = _download(page, "Rapport de taxes (CSV)").splitlines()
    total = taxes[-1].split(",")
    assert total[1] == "TOTAL" and (parse_amount(total[6]), parse_amount(total[7])) == (gst, qst)

    assert page.get_by_text("Exception").count() == 0
    assert external(page.requests) == []


def test_reports_is_not_offered_to_the_dispatcher(page, dashboard):
    login(page, dashboard, "repartition")
    assert page.get_by_test_id("stSidebarNav").get_by_text("Rapports", exact=True).count() == 0
