"""Data and steps of the visit-path browser tests (tests/views/test_visit_paths_browser.py).

The office's part is seeded in Python through the office use cases (a request from the form,
the contact call that books it, the day planned and published) against the dashboard's data
directory; the technician's part is done in the browser at phone width.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.servers.dashboard import wait_idle

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

#: Addresses of Mascouche (real address points) for the customers of the paths.
ADDRESSES = {
    "a": "1015 Avenue Saint-Denis, Mascouche",
    "b": "1015 Avenue Saint-Denis, Mascouche",
    "c": "1015 Avenue Saint-Denis, Mascouche",
    "d": "1015 Avenue Saint-Denis, Mascouche",
    "e": "1015 Avenue Saint-Denis, Mascouche",
    "f": "1015 Avenue Saint-Denis, Mascouche",
}
NAMES = {
    "a": "Alice Sur-Place",
    "b": "Bruno Atelier",
    "c": "Carole Sans-Atelier",
    "d": "Denis Refus",
    "e": "Émile Distance",
    "f": "Fanny Rechargement",
}


def _open(data_dir: Path) -> tuple[Any, Any]:
    from dispatch import records
    from dispatch.settings import load_settings

    s = load_settings(data_dir=data_dir)
    return s, records.open_database(settings=s)


def seed_paths(data_dir: Path, day: date) -> dict[str, int]:
    """One technician, a request per path; all but (e) booked on ``day`` (not confirmed), published.

    Returns ``{path letter: request id}``.
    """
    from dispatch.office import administration, calls, intake
    from dispatch.office.planning import TZ

    s, db = _open(data_dir)
    try:
        administration.add_technician(db, name="Théo Technicien", shift_start=time(8, 0),
                                      shift_end=time(17, 0), skills=["pc"], actor="test")
        ids = {}
        for letter, name in NAMES.items():
            form = intake.RequestForm(name=name, address=ADDRESSES[letter], phone="450 555-0199",
                                      problem="Ordinateur lent", remote_ok=letter == "e", consent=True)
            ids[letter] = intake.submit(db, form, settings=s, region="mascouche").id
        for letter in "abcdf":
            window = (datetime.combine(day, time(8, 0), tzinfo=TZ), datetime.combine(day, time(16, 0), tzinfo=TZ))
            calls.record_call(db, ids[letter], "reached", kind="contact", actor="test", window=window,
                              duration_min=45, force=True)
    finally:
        db.close()
    publish_day(data_dir, day)
    return ids


def publish_day(data_dir: Path, day: date) -> None:
    """Plan ``day`` and publish the routes (the office's "Publier")."""
    from dispatch.geo.region import load_region
    from dispatch.office import planning

    s, db = _open(data_dir)
    try:
        region = load_region("mascouche", settings=s)
        plan = planning.plan_day(region, db, day, settings=s, time_limit=1.0, paths=False)
        planning.publish(db, plan, actor="test")
    finally:
        db.close()


def book_return(data_dir: Path, request_id: int, day: date) -> None:
    """The office books the return visit of a device ready in the workshop (a contact call)."""
    from dispatch.office import calls
    from dispatch.office.planning import TZ

    _s, db = _open(data_dir)
    try:
        window = (datetime.combine(day, time(8, 0), tzinfo=TZ), datetime.combine(day, time(16, 30), tzinfo=TZ))
        calls.record_call(db, request_id, "reached", kind="contact", actor="test", window=window,
                          duration_min=30, force=True)
    finally:
        db.close()
    publish_day(data_dir, day)


def travel_fee(data_dir: Path, request_id: int) -> Decimal:
    """The travel fee stored with the request's address."""
    from dispatch import records

    _s, db = _open(data_dir)
    try:
        fee = records.get_request(db, request_id).address.travel_fee
    finally:
        db.close()
    assert fee is not None
    return Decimal(fee)


def request_state(data_dir: Path, request_id: int) -> str:
    from dispatch import records

    _s, db = _open(data_dir)
    try:
        return records.get_request(db, request_id).state
    finally:
        db.close()


def money(amount: Decimal) -> str:
    """``1234.5`` as the pages show it: ``1 234,50 $`` (non-breaking spaces)."""
    from views._common import money as fmt

    return fmt(amount)


def totals(lines: list[Decimal]) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Subtotal, GST, QST and total of ``lines`` under the default rates."""
    from dispatch.billing import rules

    sub = sum(lines, Decimal("0.00"))
    gst, qst = rules.taxes(sub, gst_rate=Decimal("0.05"), qst_rate=Decimal("0.09975"))
    return sub, gst, qst, sub + gst + qst


# --------------------------------------------------------------------------------------------
# Steps in the browser
# --------------------------------------------------------------------------------------------


def settle(page: Any) -> None:
    page.wait_for_timeout(300)
    wait_idle(page)


def go(page: Any, label: str) -> None:
    """Open a staff page by its menu entry (dispatched: on a phone the menu is collapsed)."""
    page.get_by_test_id("stSidebarNav").get_by_text(label, exact=True).dispatch_event("click")
    settle(page)


def card(page: Any, request_id: int, *, kind: str = "visite") -> Any:
    """The card (expander) of request ``request_id`` on the Technicien page, opened."""
    box = page.get_by_test_id("stExpander").filter(has_text=f"({kind}, demande {request_id})").first
    box.wait_for()
    details = box.locator("details")
    if details.count() and details.first.get_attribute("open") is None:
        box.locator("summary").first.click()
        settle(page)
    return box


def press(page: Any, scope: Any, name: str) -> None:
    """Click the button ``name`` inside ``scope`` and wait for the rerun."""
    scope.get_by_role("button", name=name, exact=True).first.click()
    settle(page)


def sign(page: Any, scope: Any, index: int = 0) -> None:
    """Draw a signature with the mouse on the ``index``-th signature pad of ``scope``."""
    canvas = scope.locator("canvas.upper-canvas").nth(index)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    x0, y0 = box["x"] + 30, box["y"] + box["height"] * 0.6
    page.mouse.move(x0, y0)
    page.mouse.down()
    for k in range(1, 25):
        page.mouse.move(x0 + k * 9, y0 - 30 * ((k % 6) / 6), steps=2)
    page.mouse.up()
    settle(page)
