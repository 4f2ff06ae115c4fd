"""The geometric median of a handful of points: the consensus of several position estimates.

The geocoder's interpolation (:mod:`dispatch.geo.civic_numbers`) takes the geometric median
of three estimates of where a civic number lies: two that agree outvote the third.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def geometric_median(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The point minimising the sum of distances to ``points`` (a handful of them).

    A point is the answer when the unit vectors towards the others sum to no more than the
    number of points standing on it (with three points: an angle of 120 degrees or more, or
    two points together); otherwise Weiszfeld's iterations from the centroid.
    """
    pts = [(float(x), float(y)) for x, y in points]
    for xi, yi in pts:
        ux = uy = 0.0
        here = 0
        for xj, yj in pts:
            d = math.hypot(xj - xi, yj - yi)
            if d < 1e-9:
                here += 1
            else:
                ux += (xj - xi) / d
                uy += (yj - yi) / d
        if math.hypot(ux, uy) <= here:
            return xi, yi
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    for _ in range(200):
        sw = sx = sy = 0.0
        for x, y in pts:
            w = 1.0 / max(math.hypot(x - mx, y - my), 1e-9)
            sw += w
            sx += w * x
            sy += w * y
        nx, ny = sx / sw, sy / sw
        done = math.hypot(nx - mx, ny - my) < 1e-3
        mx, my = nx, ny
        if done:
            break
    return mx, my


__all__ = ["geometric_median"]
