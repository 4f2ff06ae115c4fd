"""Live positions in Debian's chromium: the phone shares its position, the dispatcher sees it.

The technician's phone (390×844, geolocation allowed and set near Mascouche by playwright)
turns on "Partager ma position pendant la tournée" on "Technicien": the local geolocation
component reads the position and the page stores it. The dispatcher's "Répartition" then
lists the position and, once the day is optimised, shows its marker on the map.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from tests.servers.dashboard import Dashboard, add_staff, external, map_frame, prepare_data_dir
from tests.views import visit_paths as vp
from tests.views.browsing import BROWSER_TEST, click, login

pytestmark = BROWSER_TEST

HERE = {"latitude": 45.7391, "longitude": -73.6152, "accuracy": 25}


@pytest.fixture(scope="module")
def world(tmp_path_factory, mascouche, regions_data_dir):
    """The dashboard over Mascouche, one technician with today's route published."""
    from dispatch.office.planning import TZ

    today = datetime.now(TZ).date()
    d = prepare_data_dir(tmp_path_factory.mktemp("live") / "data", regions_from=regions_data_dir)
    vp.seed_paths(d, today)
    add_staff(d)
    with Dashboard(d) as dash:
        yield dash, d, today


def _stored_positions(data_dir, day):
    from dispatch import records
    from dispatch.records.positions import latest_positions
    from dispatch.settings import load_settings

    db = records.open_database(settings=load_settings(data_dir=data_dir, env={}))
    try:
        return latest_positions(db, day)
    finally:
        db.close()


def test_phone_shares_its_position_and_the_dispatcher_sees_it(browser, world):
    dash, data_dir, today = world
    ctx = browser.new_context(viewport=vp.PHONE, has_touch=True, is_mobile=True,
                              permissions=["geolocation"], geolocation=HERE)
    phone = ctx.new_page()
    from tests.servers.dashboard import record_requests

    phone.requests = record_requests(phone)
    try:
        login(phone, dash, "tech1")
        vp.go(phone, "Technicien")
        phone.get_by_text("Partager ma position pendant la tournée").click()
        vp.settle(phone)
        deadline = time.monotonic() + 30
        stored = {}
        while time.monotonic() < deadline and not stored:
            phone.wait_for_timeout(500)
            stored = _stored_positions(data_dir, today)
        [position] = stored.values()
        assert (position.lat, position.lon) == pytest.approx((HERE["latitude"], HERE["longitude"]))
        assert position.accuracy_m == pytest.approx(25)
        [component] = [f for f in phone.frames if "opms_geolocation" in f.url]
        assert "Position envoyée à" in component.locator("#status").inner_text()
        assert external(phone.requests) == []
    finally:
        ctx.close()

    desk = browser.new_context(viewport=vp.DESKTOP).new_page()
    desk.requests = record_requests(desk)
    try:
        login(desk, dash, "repartition")
        vp.go(desk, "Répartition")
        desk.get_by_text("Positions partagées").first.wait_for()
        assert "Théo Technicien à" in desk.get_by_text("Positions partagées").first.inner_text()
        click(desk, "Optimiser la journée")
        frame = map_frame(desk)
        frame.locator(".opms-position").first.wait_for()
        assert frame.locator(".opms-position").count() == 1
        assert external(desk.requests) == []
    finally:
        desk.context.close()
