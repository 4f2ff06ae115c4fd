"""Real browser: Répartition › Semaine proposes the week, draws one map per day offline, and a
request moved to another day is planned again on that day.

The dashboard runs over the Mascouche region with two demo technicians and three booked
visits on the first working day from today, and four requests still to book entered
through the intake form (real Mascouche addresses).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, time

import pytest

from tests.servers.dashboard import (
    Dashboard,
    add_staff,
    external,
    prepare_data_dir,
    wait_idle,
)
from tests.views.browsing import BROWSER_TEST, click, login, nav, tab

pytestmark = BROWSER_TEST

ADDRESSES = (
    "1015 Avenue Saint-Denis, Mascouche",
    "1180 Chemin Sainte-Marie, Mascouche",
    "2900 Chemin Sainte-Marie, Mascouche",
    "500 Montée Masson, Mascouche",
)
DAYS = 5
MOVED = "Client Semaine 1"


@pytest.fixture()
def data_dir(tmp_path, mascouche, regions_data_dir):
    """Demo technicians and booked visits on the first working day, four requests to book."""
    from dispatch import records
    from dispatch.office import intake
    from dispatch.office.planning import TZ
    from dispatch.records import appointments
    from dispatch.routing import next_working_days
    from dispatch.settings import load_settings

    first = next_working_days(datetime.now(TZ).date(), 1)[0]
    with pytest.MonkeyPatch.context() as mp:  # booked as of this morning, even if run at night
        mp.setattr(appointments, "booking_clock", lambda: datetime.combine(first, time(0), tzinfo=TZ))
        d = prepare_data_dir(tmp_path / "data", regions_from=regions_data_dir, demo_day=first,
                             n_technicians=2, n_visits=3)
    settings = load_settings(data_dir=d, env={})
    db = records.open_database(settings=settings)
    try:
        for i, address in enumerate(ADDRESSES, start=1):
            intake.submit(db, intake.RequestForm(name=f"Client Semaine {i}", address=address, phone=f"450 555-777{i}",
                                                 problem="Ordinateur lent", consent=True),
                          settings=settings, region=mascouche)
    finally:
        db.close()
    add_staff(d)
    return d


def _pick(page, label: str, option: str | int) -> str:
    """Choose an option of the selectbox ``label`` (the first holding ``option``, or the
    ``option``-th); the option's full text."""
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    options = page.get_by_role("option")
    choice = options.nth(option) if isinstance(option, int) else options.filter(has_text=option).first
    text = choice.inner_text()
    choice.click()
    page.wait_for_timeout(200)
    return text


def _day_map(page, index: int):
    """The Leaflet map of the ``index``-th day tab, once drawn (the iframes in page order: a
    rerun replaces the frames of the maps that changed, so the browser's list of frames is
    not in that order; ``window.map`` is set when the map's whole script has run)."""
    frame = page.locator("iframe[src*='st_folium']").nth(index).element_handle().content_frame()
    frame.wait_for_function("() => !!window.map", timeout=30_000)
    return frame


#: The stops of the map (numbered markers of the routes) and how many lie outside its view.
STOPS_IN_VIEW = """() => {
    const view = window.map.getBounds();
    let stops = 0, outside = 0;
    window.map.eachLayer((layer) => {
        const icon = layer.options && layer.options.icon;
        if (layer.getLatLng && icon && icon.options.className === "opms-stop-icon") {
            stops += 1;
            if (!view.contains(layer.getLatLng())) { outside += 1; }
        }
    });
    return [stops, outside];
}"""


def _shown_day(page, labels, index: int):
    """Open the day tab ``index``: its map, and its metrics (requests placed, booked visits)."""
    tab(page, labels[index])
    frame = _day_map(page, index)
    placed, booked = page.locator("[data-testid='stMetricValue']:visible").all_inner_texts()[:2]
    return frame, int(placed), int(booked)


def _propose(page, dash, go=nav) -> None:
    """Log in as the dispatcher, open Répartition › Semaine and propose the week."""
    login(page, dash, "repartition")
    go(page, "Répartition")
    tab(page, "Semaine")
    click(page, "Proposer la semaine")
    page.get_by_text("demande(s) placée(s)").wait_for(timeout=30_000)


def test_week_view_draws_a_map_per_day_and_moves_a_request(page, data_dir):
    with Dashboard(data_dir) as dash:
        _propose(page, dash)
        days = page.get_by_role("tab", name=re.compile(r"^[^ ]+ \d+ [^ ]+$"))
        assert days.count() == DAYS
        labels = [days.nth(i).inner_text() for i in range(DAYS)]
        for i in range(DAYS):  # each day's map drawn offline, fitted to every stop of its routes
            frame, placed, booked = _shown_day(page, labels, i)
            assert frame.locator(".leaflet-container").count() == 1
            assert frame.locator("canvas").count() >= 1  # the roads basemap
            assert frame.evaluate(STOPS_IN_VIEW) == [placed + booked, 0]
        assert len([f for f in page.frames if "st_folium" in f.url]) == DAYS
        # the request's current day is in its option: move it to another day
        where = re.search(r"\(([^)]+)\)$", _pick(page, "Demande", MOVED)).group(1)
        target = next(i for i, label in enumerate(labels) if label.split()[1] != where.split()[1])
        full = _pick(page, "Déplacer vers", target)
        click(page, "Déplacer et replanifier")
        page.get_by_text(f"Demande de {MOVED} déplacée au {full}").wait_for(timeout=30_000)
        # under that day: on its map (a stop of a route, in view), no longer on the day it was on
        for i, label in enumerate(labels):
            frame, placed, booked = _shown_day(page, labels, i)
            assert frame.evaluate(STOPS_IN_VIEW) == [placed + booked, 0]
            if i == target:
                assert MOVED in frame.content()
            elif label.split()[1] == where.split()[1]:
                assert MOVED not in frame.content()
        page.get_by_test_id("stSelectbox").filter(has_text="Demande").first.click()
        moved = page.get_by_role("option").filter(has_text=MOVED).first.inner_text()
        assert moved.endswith(f"({full})"), moved
        page.keyboard.press("Escape")
    assert external(page.requests) == []


def test_request_dragged_onto_another_day_of_the_board_is_planned_there(page, data_dir):
    """The board above the day tabs: a card dragged with the mouse onto another day's column is
    planned again on that day (the message, the board and that day's map say so)."""
    with Dashboard(data_dir) as dash:
        _propose(page, dash)
        board = page.frame_locator("iframe[title*='week_board']")
        card = board.locator(".card.movable", has_text=MOVED)
        card.wait_for(timeout=30_000)
        days = board.locator(".col[data-day]")
        assert days.count() == DAYS
        assert board.locator(".card.fixed").count() == 3  # the booked visits, not draggable
        assert board.locator(".card.fixed[draggable='true']").count() == 0
        source = card.evaluate("c => c.closest('.col').dataset.day || ''")
        target = next(i for i in range(DAYS) if days.nth(i).get_attribute("data-day") != source)
        day = days.nth(target).get_attribute("data-day")
        label = days.nth(target).locator("h3").text_content()
        card.drag_to(days.nth(target))
        page.get_by_text(f"Demande de {MOVED} déplacée au {label}").wait_for(timeout=30_000)
        wait_idle(page)
        moved = board.locator(f".col[data-day='{day}'] .card.movable", has_text=MOVED)
        moved.wait_for(timeout=10_000)
        assert board.locator(".card.movable", has_text=MOVED).count() == 1
        labels = [page.get_by_role("tab").filter(has_text=re.compile(r"^[^ ]+ \d+ [^ ]+$")).nth(i).inner_text()
                  for i in range(DAYS)]
        frame, placed, booked = _shown_day(page, labels, target)
        assert MOVED in frame.content()
        assert frame.evaluate(STOPS_IN_VIEW) == [placed + booked, 0]
    assert external(page.requests) == []


@contextmanager
def _phone_week(browser, data_dir):
    """A 390 px touch screen on the proposed week: yields the DevTools-capable context, the
    page, the board's frame and the card of the request to move; no request leaves 127.0.0.1."""
    from tests.servers.dashboard import record_requests
    from tests.views import visit_paths as vp

    ctx = browser.new_context(viewport=vp.PHONE, has_touch=True, is_mobile=True)
    phone = ctx.new_page()
    phone.requests = record_requests(phone)
    try:
        with Dashboard(data_dir) as dash:
            _propose(phone, dash, go=vp.go)
            board = phone.frame_locator("iframe[title*='week_board']")
            card = board.locator(".card.movable", has_text=MOVED)
            card.wait_for(timeout=30_000)
            yield ctx, phone, board, card
        assert external(phone.requests) == []
    finally:
        ctx.close()


def _wait_moved(phone, board, day: str | None, label: str | None) -> None:
    """The French confirmation, then the request's card in the chosen day's column."""
    phone.get_by_text(f"Demande de {MOVED} déplacée au {label}").wait_for(timeout=30_000)
    wait_idle(phone)
    board.locator(f".col[data-day='{day}'] .card.movable", has_text=MOVED).wait_for(timeout=10_000)


def test_on_a_phone_a_tapped_card_then_a_tapped_day_moves_the_request(browser, data_dir, tmp_path):
    """At 390 px on a touch screen: the board fits the screen, a tap on a card then a tap on
    another day's column plans the week again with the request on that day."""
    from tests.views import visit_paths as vp

    with _phone_week(browser, data_dir) as (_ctx, phone, board, card):
        frame_box = phone.locator("iframe[title*='week_board']").bounding_box()
        assert frame_box is not None and frame_box["x"] + frame_box["width"] <= vp.PHONE["width"] + 1
        source = card.evaluate("c => c.closest('.col').dataset.day || ''")
        days = board.locator(".col[data-day]")
        target = next(i for i in range(DAYS) if days.nth(i).get_attribute("data-day") != source)
        day = days.nth(target).get_attribute("data-day")
        label = days.nth(target).locator("h3").text_content()
        card.tap()
        days.nth(target).locator("h3").tap()
        _wait_moved(phone, board, day, label)
        phone.screenshot(path=str(tmp_path / "week-board-phone.png"), full_page=True)


def _finger_drag(cdp, start: tuple[float, float], end: tuple[float, float], *, steps: int = 12) -> None:
    """Drag a finger from ``start`` to ``end`` (viewport points of the page) through the
    browser's own touch input (DevTools ``Input.dispatchTouchEvent``): Chromium turns it into
    the pointer events (``pointerType`` "touch") the page's scripts see."""
    (x0, y0), (x1, y1) = start, end
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
    for i in range(1, steps + 1):
        x, y = x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _centre(box: dict[str, float]) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_on_a_phone_a_card_dragged_with_a_finger_to_another_day_moves_the_request(browser, data_dir):
    """At 390 px on a touch screen: a card dragged with a finger (real touch input, not
    scripted events) onto another day's column plans the week again with the request on that day."""
    from tests.views import visit_paths as vp

    with _phone_week(browser, data_dir) as (ctx, phone, board, card):
        source = card.evaluate("c => c.closest('.col').dataset.day || ''")
        days = board.locator(".col[data-day]")
        card.scroll_into_view_if_needed()
        start = _centre(card.bounding_box())
        # the nearest other day's header: on the screen with the card (a finger on a card does not scroll)
        heads = [(i, _centre(days.nth(i).locator("h3").bounding_box())) for i in range(DAYS)
                 if days.nth(i).get_attribute("data-day") != source]
        target, end = min(heads, key=lambda h: abs(h[1][1] - start[1]) + abs(h[1][0] - start[0]))
        assert 0 < end[1] < vp.PHONE["height"], end
        day = days.nth(target).get_attribute("data-day")
        label = days.nth(target).locator("h3").text_content()
        _finger_drag(ctx.new_cdp_session(phone), start, end)
        _wait_moved(phone, board, day, label)
        assert board.locator(".card.movable", has_text=MOVED).count() == 1
