"""Street names on the offline basemap (maps.labels), from the real Mascouche region."""

from __future__ import annotations

import math

from maps import builders, labels


def test_every_named_street_of_the_map_gets_a_label_turned_along_it(mascouche):
    found = labels.region_labels(mascouche)
    names = {lb.name for lb in found}
    named = {n for _, _, n in mascouche.road_lines(simplify_m=4.0) if n}
    assert len(names) > 0.8 * len(named) > 100  # all but the shortest streets
    assert "Montée Masson" in names
    assert all(-90 <= lb.angle <= 90 for lb in found)
    assert {lb.min_zoom for lb in found} == {labels.MAJOR_MIN_ZOOM, labels.ALL_MIN_ZOOM}


def test_labels_of_one_street_keep_their_distance():
    """A straight 3 km street cut in 300 m pieces gets a label every 600 m or more, not ten."""
    pieces = [([(45.70 + i * 0.0027, -73.6), (45.70 + (i + 1) * 0.0027, -73.6)], "residential", "Rue Longue")
              for i in range(10)]
    found = labels.street_labels(pieces)
    assert 3 <= len(found) <= 5
    # a north-south street is written vertically
    assert all(math.isclose(abs(lb.angle), 90, abs_tol=1) for lb in found)
    assert labels.street_labels([([(45.7, -73.6), (45.7001, -73.6)], "residential", "Rue Courte")]) == []


def test_maps_drawn_offline_carry_the_labels_escaped_and_online_maps_do_not(mascouche):
    m = builders.service_area_map(mascouche, core_km=10, extended_km=15)
    page = m.get_root().render()
    assert ("opms-street-label" in page and "Mont\\u00e9e Masson" in page) or "Montée Masson" in page
    hostile = labels.StreetLabelLayer([labels.StreetLabel(45.7, -73.6, "<img src=x onerror=alert(1)>", 0, 16)])
    assert "<img" not in hostile.data_json and "onerror=alert" in hostile.data_json
    online = builders.service_area_map(mascouche, core_km=10, extended_km=15, tile_url="http://127.0.0.1:9/{z}/{x}/{y}.png")
    assert "opms-street-label" not in online.get_root().render()
