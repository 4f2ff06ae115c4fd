"""The technicians' live positions on the day map: a dot of their colour, the time, offline."""

from __future__ import annotations

from maps import assets, builders
from maps.builders import PositionView

XSS = "<img src=x onerror=alert(1)>"


def test_day_map_shows_each_technicians_position_in_their_colour_with_the_time(mascouche):
    views = [
        PositionView(45.74, -73.60, "Alex", "9 h 05", color="#d62728", late="en retard de 20 min"),
        PositionView(45.75, -73.61, XSS, "9 h 07"),
    ]
    m = builders.day_plan_map(mascouche, [], positions=views)
    html = m.get_root().render()
    assert html.count("opms-position-icon") == 2
    assert "background:#d62728" in html and "9 h 05" in html and "en retard de 20 min" in html
    assert XSS not in html and "&lt;img src=x" in html
    assert assets.external_links(m) == []
