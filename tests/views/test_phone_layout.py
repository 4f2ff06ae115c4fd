"""Phone width (390×844) in Debian's chromium: nothing scrolls sideways, the menu closes itself.

Every page is visited: the public ones logged out, then every page of the admin's menu
(read from the sidebar itself, so a new page is covered without editing this test). A page
overflows when the document, or the page's main area, or any scrolling box inside it is wider
than the screen. Data grids (``st.dataframe``, a canvas that scrolls inside its own frame)
and map iframes are left out of the check: they scroll within themselves by design.
"""

from __future__ import annotations

from datetime import datetime, time

import pytest

from tests.servers.dashboard import Dashboard, add_staff, prepare_data_dir, wait_idle
from tests.views.browsing import BROWSER_TEST, login, open_path

pytestmark = BROWSER_TEST

PHONE = {"width": 390, "height": 844}

#: What is wider than the screen: ``[where, scrollWidth, clientWidth]`` for each offender.
OVERFLOW_JS = """() => {
  const out = [];
  const doc = document.scrollingElement;
  if (doc.scrollWidth > doc.clientWidth) out.push(["document", doc.scrollWidth, doc.clientWidth]);
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return out;
  for (const el of [main, ...main.querySelectorAll("*")]) {
    if (el.closest('[data-testid="stDataFrame"], [data-testid="stIFrame"], iframe')) continue;
    if (el.scrollWidth <= el.clientWidth + 1) continue;
    const style = getComputedStyle(el);
    if (el === main || style.overflowX === "auto" || style.overflowX === "scroll") {
      out.push([el.getAttribute("data-testid") || el.tagName.toLowerCase(),
                el.scrollWidth, el.clientWidth]);
    }
  }
  return out;
}"""

#: Where the sidebar is: its right edge (<= 0 when it is closed, off the screen).
SIDEBAR_RIGHT_JS = """() => {
  const bar = document.querySelector('[data-testid="stSidebar"]');
  return bar ? bar.getBoundingClientRect().right : 0;
}"""


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory, mascouche, regions_data_dir):
    """The dashboard over the Mascouche region with today's demo day and one account per role."""
    from dispatch.office.planning import TZ
    from dispatch.records import appointments

    today = datetime.now(TZ).date()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(appointments, "booking_clock", lambda: datetime.combine(today, time(0), tzinfo=TZ))
        d = prepare_data_dir(
            tmp_path_factory.mktemp("phone") / "data", regions_from=regions_data_dir,
            demo_day=today, n_visits=12,
        )
    add_staff(d)
    with Dashboard(d) as dash:
        yield dash


@pytest.fixture()
def phone(browser):
    """A page the size of a phone screen (390×844, touch)."""
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    pg = context.new_page()
    yield pg
    context.close()


def _settle(page) -> None:
    page.wait_for_timeout(300)
    wait_idle(page)
    page.wait_for_timeout(500)  # maps and grids lay themselves out after the script ends


def _open_menu(page) -> None:
    page.get_by_test_id("stExpandSidebarButton").click()
    page.wait_for_function(f"() => ({SIDEBAR_RIGHT_JS})() > 0")


def _menu_pages(page) -> dict[str, str]:
    """``{address: text}`` of the menu's links (the text holds the icon's name too)."""
    return dict(page.get_by_test_id("stSidebarNav").locator("a").evaluate_all(
        "links => links.map(a => [a.getAttribute('href'), a.textContent.trim()])"))


def _choose(page, href: str) -> None:
    _open_menu(page)
    page.get_by_test_id("stSidebarNav").locator(f'a[href="{href}"]').first.click()
    _settle(page)


@pytest.mark.parametrize("path", ["/couverture", "/demande", "/"])
def test_public_pages_do_not_scroll_sideways_on_a_phone(phone, dashboard, path):
    """The customers' pages and the login form fit 390 px."""
    open_path(phone, dashboard, path)
    _settle(phone)
    assert phone.evaluate(OVERFLOW_JS) == []


def test_every_staff_page_fits_a_phone_screen(phone, dashboard):
    """Every page of the admin's menu, chosen in the menu, fits 390 px."""
    login(phone, dashboard)
    _open_menu(phone)
    pages = _menu_pages(phone)
    for label in ("Répartition", "Technicien", "Facturation", "Paramètres", "Mise en route"):
        assert any(label in text for text in pages.values()), (label, pages)
    phone.get_by_test_id("stSidebarCollapseButton").locator("button").first.click()
    overflowing = {}
    for href, text in pages.items():
        _choose(phone, href)
        found = phone.evaluate(OVERFLOW_JS)
        if found:
            overflowing[text] = found
    assert overflowing == {}


def test_the_menu_closes_after_a_page_is_chosen(phone, dashboard):
    """On a phone the sidebar covers the page: choosing a page closes it."""
    login(phone, dashboard)
    for label in ("Paramètres", "Vérifier ma couverture", "Accueil"):
        _open_menu(phone)
        assert phone.evaluate(SIDEBAR_RIGHT_JS) > 0
        phone.get_by_test_id("stSidebarNav").locator("a").filter(has_text=label).first.click()
        phone.wait_for_function(f"() => ({SIDEBAR_RIGHT_JS})() <= 0", timeout=5000)
        _settle(phone)
        assert phone.evaluate(SIDEBAR_RIGHT_JS) <= 0


def test_the_overflow_check_sees_a_box_wider_than_the_screen(phone, dashboard):
    """The check can fail: a 1000-px wide box added to the page is reported."""
    open_path(phone, dashboard, "/couverture")
    phone.evaluate("""() => {
      const box = document.createElement("div");
      box.style.width = "1000px"; box.style.height = "4px";
      document.querySelector('[data-testid="stMainBlockContainer"]').appendChild(box);
    }""")
    assert phone.evaluate(OVERFLOW_JS) != []
