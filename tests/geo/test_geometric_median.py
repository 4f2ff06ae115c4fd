"""The geometric median of a handful of points (dispatch.geo.geometric_median), the consensus
of the geocoder's three estimates of a missing civic number."""

from __future__ import annotations

from dispatch.geo.geometric_median import geometric_median


def test_geometric_median_of_three_estimates():
    """The consensus point: a vertex when two estimates agree or an angle is >= 120 degrees,
    else the interior point where the three directions meet at 120 degrees."""
    assert geometric_median([(0.0, 0.0), (0.0, 0.0), (300.0, 40.0)]) == (0.0, 0.0)
    assert geometric_median([(0.0, 0.0), (100.0, 0.0), (-100.0, 10.0)]) == (0.0, 0.0)
    x, y = geometric_median([(0.0, 0.0), (100.0, 0.0), (50.0, 50.0 * 3**0.5)])
    assert abs(x - 50.0) < 0.01 and abs(y - 50.0 / 3**0.5) < 0.01
