"""Where a civic number lies on a matched street: exact, interpolated, or on the street.

:func:`locate_number` answers from the street's address points (:mod:`dispatch.geo.indexed_streets`):
the number's own point(s) when it is in the data (``exact``), an estimate between the nearest
known numbers of the same side when it is not (``interpolated``; the method is described in
:class:`dispatch.geo.address_index.AddressIndex`), else the street's nearest point to the
nearest known number (``street``).
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from dispatch.geo.geometric_median import geometric_median
from dispatch.geo.indexed_streets import IndexedStreet, frame
from dispatch.i18n import _

#: The house across the street: opposite-parity numbers this close give the position.
ACROSS_NUMBERS = 5
#: Numbers (both sides) used in the local linear fit of position against number.
FIT_NEIGHBOURS = 6
#: Same-side neighbours farther apart than this along the street: a long (rural) gap, where
#: the numbers do not follow the distance and houses stand in clusters; the number is placed
#: at the known number nearest to it (either side) instead of inside the gap.
LONG_GAP_M = 600.0
#: Same-side neighbours closer than this share of the street's usual metres per number for
#: their number gap: the numbering doubles back there and the interval says nothing; the
#: number is placed at the known number nearest to it (either side).
DOUBLING_BACK = 0.2


def locate_number(st: IndexedStreet, number: int, tag: str) -> tuple[float, float, str, list[str]]:
    """(x, y, precision, warnings) of a civic number on a matched street."""
    notes: list[str] = []
    if st.has_numbers:
        same_tag = [i for i, t in enumerate(st.tag) if t == tag] if tag != str(number) else []
        rows = same_tag or np.flatnonzero(st.num == number).tolist()
        if rows:
            if tag != str(number) and not same_tag:
                notes.append(
                    _("Number {tag} is not in the data; position of {number}.").format(tag=tag, number=number)
                )
                return float(st.x[rows].mean()), float(st.y[rows].mean()), "interpolated", notes
            return float(st.x[rows].mean()), float(st.y[rows].mean()), "exact", notes
        same = st.num % 2 == number % 2
        below = same & (st.num < number)
        above = same & (st.num > number)
        if below.any() and above.any():
            lo = int(st.num[below].max())
            hi = int(st.num[above].min())
            x, y = _interpolate(st, number, lo, hi)
            return x, y, "interpolated", notes
    x, y = street_point(st, number)
    if st.has_numbers:
        notes.append(
            _(
                "Number {number} is outside the known numbers of {street} ({low} to {high}): "
                "approximate position on the street."
            ).format(number=number, street=st.name, low=int(st.num.min()), high=int(st.num.max()))
        )
    else:
        notes.append(
            _("No known civic number on {street}: position in the middle of the street.").format(street=st.name)
        )
    return x, y, "street", notes

def _interpolate(st: IndexedStreet, n: int, lo: int, hi: int) -> tuple[float, float]:
    """Position of ``n`` absent from the data, between same-side neighbours ``lo < n < hi``.

    Three estimates (see the class notes): the local one (house across the street or
    local fit), the anchored one (linear between the nearest known numbers of either side
    inside the interval) and the known number nearest to ``n`` (either side). Their
    geometric median is the answer, unless the neighbours cannot be trusted (a gap longer
    than ``LONG_GAP_M``, or numbering doubling back, ``DOUBLING_BACK``): then the nearest
    known number.
    """
    lo_rows = np.flatnonzero(st.num == lo)
    hi_rows = np.flatnonzero(st.num == hi)
    # a number may stand at several points of a street (several entrances): take the
    # pair of instances on one centreline closest along it
    best: tuple[float, int, int] | None = None
    for ra in lo_rows:
        for rb in hi_rows:
            if st.line[ra] < 0 or st.line[ra] != st.line[rb]:
                continue
            gap = abs(st.s[ra] - st.s[rb])
            if best is None or gap < best[0]:
                best = (gap, int(ra), int(rb))
    if best is None:
        dx = st.x[lo_rows][:, None] - st.x[hi_rows][None, :]
        dy = st.y[lo_rows][:, None] - st.y[hi_rows][None, :]
        ia, ib = np.unravel_index(int(np.argmin(np.hypot(dx, dy))), dx.shape)
        return _interpolate_straight(st, n, lo, hi, lo_rows[[ia]], hi_rows[[ib]])
    _, a, b = best
    li = int(st.line[a])
    sa, sb = float(st.s[a]), float(st.s[b])
    on_line = st.line == li
    smin, smax = min(sa, sb), max(sa, sb)
    across = on_line & (st.num % 2 != n % 2) & (np.abs(st.num - n) <= ACROSS_NUMBERS)
    across &= (st.s >= smin - 5.0) & (st.s <= smax + 5.0)
    if across.any():
        s = float(st.s[across].mean())
    else:
        s = _fit(st, n, lo, hi, sa, sb, on_line, st.s)
    s = min(max(s, smin), smax)

    def at(s: float) -> tuple[float, float]:
        t = (s - sa) / (sb - sa) if sb != sa else 0.5
        off = float(st.off[a] + (st.off[b] - st.off[a]) * t)
        px, py, nx, ny = frame(st.lines[li], s)
        return px + off * nx, py + off * ny

    # anchors: lo, hi and the known numbers of either side between them, on the piece
    inside = on_line & (st.num > lo) & (st.num < hi) & (st.s >= smin - 5.0) & (st.s <= smax + 5.0)
    rows = np.concatenate([[a, b], np.flatnonzero(inside)])
    nums, pos = st.num[rows], st.s[rows]
    below, above = int(nums[nums < n].max()), int(nums[nums > n].min())
    s0, s1 = float(pos[nums == below].mean()), float(pos[nums == above].mean())
    anchored = at(s0 + (s1 - s0) * (n - below) / (above - below))
    return _combine(st, n, lo, hi, smax - smin, at(s), anchored)

def _combine(st: IndexedStreet, n: int, lo: int, hi: int, gap: float, local: tuple[float, float],
             anchored: tuple[float, float]) -> tuple[float, float]:
    """The geometric median of the local, anchored and nearest-number estimates; the
    nearest known number alone when the neighbours ``lo``, ``hi`` (``gap`` metres apart)
    cannot be trusted: a long gap, or numbers doubling back."""
    d = np.abs(st.num - n)
    near = np.flatnonzero(d == d.min())
    nearest = (float(st.x[near].mean()), float(st.y[near].mean()))
    usual = st.spacing * (hi - lo)
    if gap > LONG_GAP_M or (usual > 0 and gap < DOUBLING_BACK * usual):
        return nearest
    return geometric_median((local, anchored, nearest))

def _fit(st: IndexedStreet, n: int, lo: int, hi: int, sa: float, sb: float, mask: np.ndarray,
         pos: np.ndarray) -> float:
    """Local linear fit of position against number, weighted by 1/|number - n|."""
    cand = np.flatnonzero(mask & ~(((st.num == lo) | (st.num == hi)) & (st.num % 2 == n % 2)))
    if len(cand):
        order = np.argsort(np.abs(st.num[cand] - n), kind="stable")[:FIT_NEIGHBOURS]
        cand = cand[order]
    N = np.concatenate([[lo - n, hi - n], st.num[cand] - n]).astype(float)
    S = np.concatenate([[sa, sb], pos[cand]])
    W = np.sqrt(1.0 / np.abs(N))
    A = np.column_stack([np.ones_like(N), N]) * W[:, None]
    coef, *_ = np.linalg.lstsq(A, S * W, rcond=None)
    return float(coef[0])

def _interpolate_straight(
    st: IndexedStreet, n: int, lo: int, hi: int, lo_rows: np.ndarray, hi_rows: np.ndarray
) -> tuple[float, float]:
    """The same estimate along the straight line from ``lo`` to ``hi`` (no geometry)."""
    p0 = np.array([st.x[lo_rows].mean(), st.y[lo_rows].mean()])
    p1 = np.array([st.x[hi_rows].mean(), st.y[hi_rows].mean()])
    v = p1 - p0
    l2 = float(v @ v)
    if l2 < 1e-6:
        return float(p0[0]), float(p0[1])
    t_all = ((st.x - p0[0]) * v[0] + (st.y - p0[1]) * v[1]) / l2
    across = (st.num % 2 != n % 2) & (np.abs(st.num - n) <= ACROSS_NUMBERS) & (t_all >= -0.05) & (
        t_all <= 1.05
    )
    if across.any():
        t = float(t_all[across].mean())
    else:
        t = _fit(st, n, lo, hi, 0.0, 1.0, np.ones(len(st.num), dtype=bool), t_all)
    t = min(max(t, 0.0), 1.0)
    p = p0 + t * v
    q = p0 + v * (n - lo) / (hi - lo)
    return _combine(st, n, lo, hi, math.sqrt(l2), (float(p[0]), float(p[1])), (float(q[0]), float(q[1])))


def street_point(st: IndexedStreet, number: int | None) -> tuple[float, float]:
    """Nearest point of the street to the nearest known number, or the street's middle."""
    if number is not None and st.has_numbers:
        j = int(np.argmin(np.abs(st.num - number)))
        if st.line[j] >= 0:
            px, py, _, _ = frame(st.lines[int(st.line[j])], float(st.s[j]))
            return px, py
        if st.lines:
            p = shapely.Point(st.x[j], st.y[j])
            g = min(st.lines, key=lambda ln: ln.distance(p))
            q = g.interpolate(g.project(p))
            return q.x, q.y
        return float(st.x[j]), float(st.y[j])
    if st.lines:
        g = max(st.lines, key=lambda ln: ln.length)
        q = g.interpolate(g.length / 2)
        return q.x, q.y
    if st.has_numbers:
        mid = len(st.num) // 2
        return float(st.x[mid]), float(st.y[mid])
    return float("nan"), float("nan")


__all__ = ["ACROSS_NUMBERS", "DOUBLING_BACK", "FIT_NEIGHBOURS", "LONG_GAP_M", "locate_number", "street_point"]
