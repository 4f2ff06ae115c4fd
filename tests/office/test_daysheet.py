"""A technician's day for the road: printable sheet, .ics calendar, navigation links."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

from icalendar import Calendar

from dispatch.office.daysheet import SheetStop, day_ics, day_sheet_html, navigation_links

TZ = ZoneInfo("America/Montreal")


def _stop(rank: int = 1, **kw) -> SheetStop:
    base = dict(
        rank=rank,
        eta=datetime(2026, 6, 2, 9, 5, tzinfo=TZ),
        start=datetime(2026, 6, 2, 9, 5, tzinfo=TZ),
        end=datetime(2026, 6, 2, 10, 5, tzinfo=TZ),
        window_start=datetime(2026, 6, 2, 9, 0, tzinfo=TZ),
        window_end=datetime(2026, 6, 2, 11, 0, tzinfo=TZ),
        customer="Marie Côté",
        phone="450 555-1234",
        address="1015 Avenue Saint-Denis, Mascouche",
        lat=45.743915,
        lon=-73.588771,
        problem="Écran bleu",
        travel_min=4.2,
        km=1.4,
    )
    base.update(kw)
    return SheetStop(**base)


def test_navigation_links_open_the_destination_in_each_app():
    """Google Maps, Waze and geo: links all carry the destination coordinates."""
    links = navigation_links(45.743915, -73.588771, label="1015 Avenue Saint-Denis")
    g = parse_qs(urlparse(links["google"]).query)
    assert g["destination"] == ["45.743915,-73.588771"] and g["api"] == ["1"]
    w = parse_qs(urlparse(links["waze"]).query)
    assert w["ll"] == ["45.743915,-73.588771"] and w["navigate"] == ["yes"]
    assert links["geo"].startswith("geo:45.743915,-73.588771?q=45.743915,-73.588771(")


def test_day_sheet_is_french_printable_and_escapes_customer_text():
    """The sheet lists stops with times in Québec style and shows hostile text as text."""
    html = day_sheet_html(
        [_stop(), _stop(2, customer="<script>alert(1)</script>")],
        technician="Alex", day=date(2026, 6, 2), company="OPMS",
    )
    assert "mardi 2 juin 2026" in html
    assert "9 h 05" in html and "plage 9 h 00 – 11 h 00" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "@media print" in html
    assert 'lang="fr-CA"' in html


def test_day_ics_has_one_event_per_stop_at_the_service_times():
    """The calendar file parses and holds each stop's start, end, place and position."""
    data = day_ics([_stop(), _stop(2)], technician="Alex")
    cal = Calendar.from_ical(data)
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == 2
    ev = events[0]
    assert ev.decoded("dtstart") == datetime(2026, 6, 2, 9, 5, tzinfo=TZ)
    assert ev.decoded("dtend") == datetime(2026, 6, 2, 10, 5, tzinfo=TZ)
    assert str(ev["location"]) == "1015 Avenue Saint-Denis, Mascouche"
    assert str(ev["summary"]).startswith("1. Marie Côté")
    assert len({str(e["uid"]) for e in events}) == 2


def test_day_ics_is_stable_across_runs():
    """The same day gives the same file (stable UIDs, no random part)."""
    assert day_ics([_stop()], technician="Alex") == day_ics([_stop()], technician="Alex")
