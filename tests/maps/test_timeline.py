"""The day's Gantt chart: one lane per technician, escaped text, lighter lunches, hourly axis."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from maps.timeline import TimelineBar, timeline_html

TZ = ZoneInfo("America/Montreal")
XSS = "<img src=x onerror=alert(1)>"


def _at(h: int, m: int = 0) -> datetime:
    return datetime(2026, 6, 2, h, m, tzinfo=TZ)


BARS = [
    TimelineBar("Alex", _at(8, 30), _at(9, 30), "Visite", XSS),
    TimelineBar("Alex", _at(12), _at(12, 30), "Dîner", "Pause"),
    TimelineBar("Béa", _at(10), _at(11, 15), "Visite", "12 rue Dupras"),
    TimelineBar("Nobody", _at(10), _at(11), "Visite", "hors voie"),
]


def test_one_lane_per_technician_in_order_with_its_colour():
    """Lanes follow the order given; bars of a technician without a lane are left out."""
    html = timeline_html(BARS, [("Béa", "#d62728"), ("Alex", "#1f77b4")])
    assert html.index(">Béa<") < html.index(">Alex<")
    assert html.count('class="opms-bar"') == 3
    assert html.count("background:#1f77b4") == 2 and html.count("background:#d62728") == 1
    assert "hors voie" not in html


def test_customer_text_is_escaped_in_tooltips():
    """An address holding HTML shows as text in the bar's title."""
    html = timeline_html(BARS, [("Alex", "#1f77b4")])
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Visite 8\u00a0h\u00a030–9\u00a0h\u00a030 : " in html


def test_lunch_is_lighter_and_the_axis_covers_the_day():
    """A lunch bar has opacity 0.35; the axis has one tick per hour from the first hour."""
    html = timeline_html(BARS[:2], [("Alex", "#1f77b4")])
    assert "opacity:0.35" in html and "opacity:1" in html
    ticks = [f">{h} h</span>" for h in range(8, 13)]
    assert all(t in html for t in ticks) and ">13 h</span>" not in html
    assert 'class="opms-tick opms-odd"' in html  # odd hours hide on narrow screens
    assert html.startswith("<style>@media (max-width: 640px)")


def test_positions_are_percentages_of_the_span():
    """The first bar starts at the hour (left 0 %...) and a short bar keeps a minimum width."""
    short = [TimelineBar("Alex", _at(8), _at(8, 0), "Visite", "x"), TimelineBar("Alex", _at(9), _at(10), "Visite", "y")]
    html = timeline_html(short, [("Alex", "#000")])
    assert "left:0.00%;width:0.40%" in html
    assert "left:50.00%;width:50.00%" in html


def test_no_bar_is_an_error():
    """The page draws the chart only when a route has bars."""
    with pytest.raises(ValueError, match="at least one bar"):
        timeline_html([], [("Alex", "#000")])
