"""The demand map: hexagons shaded by count over the service-area circles, offline assets only."""

from __future__ import annotations

from dispatch.reports import hexbin
from maps import assets
from maps.demand import DEMAND_COLORS, demand_color, demand_map


def test_darker_hexagons_hold_more_requests():
    assert demand_color(1, 10) == DEMAND_COLORS[0]
    assert demand_color(10, 10) == DEMAND_COLORS[-1]
    shades = [DEMAND_COLORS.index(demand_color(n, 10)) for n in range(1, 11)]
    assert shades == sorted(shades)


def test_demand_map_draws_one_hexagon_per_cell_with_zones_and_no_external_asset(mascouche):
    shop = (mascouche.shop.lat, mascouche.shop.lon)
    points = [(shop[0] + 0.01 * i, shop[1] - 0.01 * i) for i in range(5)] * 2 + [(shop[0] + 0.2, shop[1])]
    cells = hexbin(points, origin=shop, size_km=1.0)
    m = demand_map(mascouche, cells, core_km=10, extended_km=15, shop_name="<b>OPMS</b>")
    html = m.get_root().render()
    assert html.count("opms-demand-hex") == len(cells) == 6
    assert "opms-zone-core" in html and "opms-zone-extended" in html
    assert "2 demande(s)" in html and "&lt;b&gt;OPMS&lt;/b&gt;" in html
    assert assets.external_links(m) == []
