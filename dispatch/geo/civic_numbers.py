"""Where a civic number lies on a matched street: exact, interpolated, or on the street.

:func:`locate_number` answers from the street's address points (:mod:`dispatch.geo.indexed_streets`):
the number's own point(s) when it is in the data (``exact``), an estimate between the nearest
known numbers of the same side when it is not (``interpolated``; the method is described in
:class:`dispatch.geo.address_index.AddressIndex`), else a position extrapolated along the
street from the known numbers around (``street``, :func:`beyond_range_point`).

Every placement carries an error radius (metres, :class:`Placement`): the building for an
address point (``EXACT_RADIUS_M``); for an interpolation, a share of the distance between
the known neighbours used (:func:`interpolation_radius`) plus half the disorder of the
numbers around (:func:`numbering_disorder`); for the street alone, its extent from the
position (:func:`street_radius`). An interpolation whose radius is over
``APPROXIMATE_OVER_M`` is labelled ``approximate``. The constants are calibrated so that the
true point lies inside the radius for at least 95 % of held-out Mascouche numbers
(``benchmarks/bench_geocode.py --accuracy``; ``docs/geocoding.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
#: A number beyond its side's known numbers is placed near the known number nearest to it
#: (either side) only when that number is expected within this distance (number difference
#: times the street's usual metres per number); farther (a whole block missing) its place is
#: extrapolated along the street (a local linear fit of arc length against number).
NEAREST_NUMBER_WITHIN_M = 150.0
#: Known numbers (both sides, on the piece) used in that fit.
EXTRAPOLATION_NEIGHBOURS = 6
#: An interpolation uses the known number nearest to ``n`` as its third estimate (and alone
#: in long gaps or where the numbering doubles back) only when it is expected within this
#: distance; farther, the local estimate alone (that number says nothing of the place).
NEAREST_ESTIMATE_WITHIN_M = 300.0

# --- error radius (metres; calibrated on Mascouche, see docs/geocoding.md) --------------------
#: An address point of the number: the building and its lot.
EXACT_RADIUS_M = 20.0
#: A number with a suffix (``12B``) placed at the point of its number (``12``).
SUFFIX_RADIUS_M = 30.0
#: Interpolation: the radius is ``INTERPOLATION_BASE_M + INTERPOLATION_SHARE * gap``, the gap
#: being the distance between the known neighbours used.
INTERPOLATION_BASE_M = 15.0
INTERPOLATION_SHARE = 0.25
#: In gaps wider than ``WIDE_GAP_M`` houses stand in clusters, not evenly: ``WIDE_GAP_SHARE``
#: of the excess is added.
WIDE_GAP_M = 200.0
WIDE_GAP_SHARE = 0.6
#: Known numbers around the one placed that do not follow their order along the street (the
#: largest departure from a straight fit of position against number) add this share of that
#: departure to the radius.
DISORDER_SHARE = 0.5
#: Known numbers (both sides) used to measure that disorder.
DISORDER_NEIGHBOURS = 8
#: An interpolation whose radius exceeds this is labelled ``approximate``, not ``interpolated``.
APPROXIMATE_OVER_M = 120.0
#: The smallest radius of a position on the street alone.
STREET_MIN_RADIUS_M = 50.0


@dataclass(frozen=True)
class Placement:
    """Where a civic number was placed on its street (plane metres) and how surely.

    Attributes
    ----------
    x, y
        Position in the index's metric plane.
    precision
        ``exact``, ``interpolated``, ``approximate`` or ``street``.
    notes
        Warnings for the person (number not in the data, long gap...).
    radius_m
        Error radius (metres): the true point lies within it for about 95 % of answers.
    """

    x: float
    y: float
    precision: str
    notes: tuple[str, ...]
    radius_m: float


def locate_number(st: IndexedStreet, number: int, tag: str) -> Placement:
    """Where a civic number lies on a matched street, with its precision and error radius."""
    notes: list[str] = []
    if st.has_numbers:
        same_tag = [i for i, t in enumerate(st.tag) if t == tag] if tag != str(number) else []
        rows = same_tag or np.flatnonzero(st.num == number).tolist()
        if rows:
            x, y = float(st.x[rows].mean()), float(st.y[rows].mean())
            spread = float(np.hypot(st.x[rows] - x, st.y[rows] - y).max())
            if tag != str(number) and not same_tag:
                notes.append(
                    _("Number {tag} is not in the data; position of {number}.").format(tag=tag, number=number)
                )
                return Placement(x, y, "interpolated", tuple(notes), spread + SUFFIX_RADIUS_M)
            return Placement(x, y, "exact", tuple(notes), spread + EXACT_RADIUS_M)
        same = st.num % 2 == number % 2
        below = same & (st.num < number)
        above = same & (st.num > number)
        if below.any() and above.any():
            lo = int(st.num[below].max())
            hi = int(st.num[above].min())
            x, y, gap = _interpolate(st, number, lo, hi)
            usual = st.spacing * (hi - lo)
            radius = interpolation_radius(max(gap, usual) if math.isfinite(usual) else gap)
            radius += DISORDER_SHARE * numbering_disorder(st, number)
            precision = "interpolated" if radius <= APPROXIMATE_OVER_M else "approximate"
            if precision == "approximate":
                notes.append(
                    _(
                        "Number {number} lies in a long gap between known numbers ({low} and {high}, "
                        "{gap:.0f} m apart): approximate position, within about {radius:.0f} m."
                    ).format(number=number, low=lo, high=hi, gap=gap, radius=radius)
                )
            return Placement(x, y, precision, tuple(notes), radius)
    x, y = beyond_range_point(st, number)
    radius = street_radius(st, x, y)
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
    return Placement(x, y, "street", tuple(notes), radius)


def interpolation_radius(gap_m: float) -> float:
    """Error radius of an interpolated number whose known neighbours are ``gap_m`` apart:
    ``INTERPOLATION_BASE_M + INTERPOLATION_SHARE * gap_m``, plus ``WIDE_GAP_SHARE`` of what
    exceeds ``WIDE_GAP_M`` (houses cluster in wide gaps), and the whole gap beyond
    ``LONG_GAP_M`` (where the number is put at the nearest known one and may lie anywhere in
    the gap)."""
    gap = max(float(gap_m), 0.0)
    if gap > LONG_GAP_M:
        return INTERPOLATION_BASE_M + gap
    wide = max(gap - WIDE_GAP_M, 0.0)
    return INTERPOLATION_BASE_M + INTERPOLATION_SHARE * gap + WIDE_GAP_SHARE * wide


def numbering_disorder(st: IndexedStreet, number: int) -> float:
    """How far (metres along the street) the known numbers nearest to ``number`` stray from
    their order: the largest residual of a straight fit of arc length against number over the
    ``DISORDER_NEIGHBOURS`` nearest known numbers on the piece of the nearest one (0 when
    fewer than three, or no geometry)."""
    if not st.has_numbers:
        return 0.0
    d = np.abs(st.num - number)
    j = int(np.argmin(d))
    if st.line[j] < 0:
        return 0.0
    rows = np.flatnonzero(st.line == st.line[j])
    rows = rows[np.argsort(d[rows], kind="stable")[:DISORDER_NEIGHBOURS]]
    if len(rows) < 3 or np.ptp(st.num[rows]) == 0:
        return 0.0
    n = st.num[rows].astype(float)
    coef = np.polyfit(n, st.s[rows], 1)
    return float(np.abs(st.s[rows] - np.polyval(coef, n)).max())


def beyond_range_point(st: IndexedStreet, number: int) -> tuple[float, float]:
    """Position of a number with no known same-side neighbour below or above it.

    On the piece of the known number nearest to ``number`` (either side): the arc length is
    that of the house across (opposite-parity number within ``ACROSS_NUMBERS``) or a local
    linear fit of arc length against number over the ``EXTRAPOLATION_NEIGHBOURS`` nearest
    known numbers (extrapolating beyond the last one), and the setback that of the nearest
    known numbers of the same side (the opposite of the other side's when it has none). When
    the nearest known number is close (within ``NEAREST_NUMBER_WITHIN_M`` at the street's usual
    metres per number, or that measure unknown) the answer is the geometric median of that point, the same setback at
    the nearest number's arc length, and the street's point nearest to that number
    (:func:`street_point`; it stands between both sides, which wins at a dead end's turning
    circle); otherwise the extrapolated point. A number past every known number of the
    street (either side) with no house across gets the extrapolated point alone: it is the
    street's last house, a lot further along, and the median would pull it back towards the
    known one (leave-one-out 70.4 -> 71.1 %, held-out blocks 30.3 -> 33.4 % within 25 m).
    Without numbers measured on the street: :func:`street_point`.
    """
    if not st.has_numbers:
        return street_point(st, number)
    d = np.abs(st.num - number)
    j = int(np.argmin(d))
    if st.line[j] < 0:
        return street_point(st, number)
    li = int(st.line[j])
    g = st.lines[li]
    on = np.flatnonzero(st.line == li)
    across = on[(st.num[on] % 2 != number % 2) & (d[on] <= ACROSS_NUMBERS)]
    # beyond every known number of the street (either side): the street's last house, a lot
    # further along; the median with the nearest known number would pull it back there
    past_the_end = bool(number > st.num.max() or number < st.num.min())
    if len(across):
        past_the_end = False
        s = float(st.s[across].mean())
    else:
        rows = on[np.argsort(d[on], kind="stable")[:EXTRAPOLATION_NEIGHBOURS]]
        n_rel = (st.num[rows] - number).astype(float)
        s = float(st.s[j])
        if len(rows) >= 2 and np.ptp(n_rel) > 0:
            w = np.sqrt(1.0 / np.maximum(np.abs(n_rel), 1.0))
            a = np.column_stack([np.ones_like(n_rel), n_rel]) * w[:, None]
            coef, *_ = np.linalg.lstsq(a, st.s[rows] * w, rcond=None)
            s = float(coef[0])
    s = min(max(s, 0.0), g.length)
    same = on[st.num[on] % 2 == number % 2]
    if len(same):
        off = float(np.median(st.off[same[np.argsort(d[same], kind="stable")[:3]]]))
    else:
        off = -float(np.median(st.off[on[np.argsort(d[on], kind="stable")[:3]]]))
    px, py, nx, ny = frame(g, s)
    fitted = (px + off * nx, py + off * ny)
    if not past_the_end and _nearest_is_near(st, float(d[j])):
        qx, qy, mx, my = frame(g, float(st.s[j]))
        return geometric_median((fitted, (qx + off * mx, qy + off * my), (qx, qy)))
    return fitted


def street_radius(st: IndexedStreet, x: float, y: float) -> float:
    """Error radius of a position on the street alone: the farthest point of the street's
    geometry (or of its address points) from ``(x, y)``, plus the street's median setback
    (a house across the far end), at least ``STREET_MIN_RADIUS_M``."""
    far = 0.0
    for g in st.lines:
        xy = shapely.get_coordinates(g)
        if len(xy):
            far = max(far, float(np.hypot(xy[:, 0] - x, xy[:, 1] - y).max()))
    if st.has_numbers:
        far = max(far, float(np.hypot(st.x - x, st.y - y).max()))
        measured = st.line >= 0
        if measured.any():
            far += float(np.median(np.abs(st.off[measured])))
    return max(far + EXACT_RADIUS_M, STREET_MIN_RADIUS_M) if math.isfinite(far) else STREET_MIN_RADIUS_M


def _interpolate(st: IndexedStreet, n: int, lo: int, hi: int) -> tuple[float, float, float]:
    """Position of ``n`` absent from the data, between same-side neighbours ``lo < n < hi``,
    and the distance between those neighbours (metres, along the street when measured on it).

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
    x, y = _combine(st, n, lo, hi, smax - smin, at(s), anchored)
    return x, y, smax - smin

def _combine(st: IndexedStreet, n: int, lo: int, hi: int, gap: float, local: tuple[float, float],
             anchored: tuple[float, float]) -> tuple[float, float]:
    """The geometric median of the local, anchored and nearest-number estimates; the
    nearest known number alone when the neighbours ``lo``, ``hi`` (``gap`` metres apart)
    cannot be trusted: a long gap, or numbers doubling back; the local estimate alone when
    the nearest known number is far in numbers (beyond ``NEAREST_ESTIMATE_WITHIN_M`` at the
    street's usual metres per number: a whole block missing)."""
    d = np.abs(st.num - n)
    if not _nearest_is_near(st, float(d.min()), within_m=NEAREST_ESTIMATE_WITHIN_M):
        return local
    near = np.flatnonzero(d == d.min())
    nearest = (float(st.x[near].mean()), float(st.y[near].mean()))
    usual = st.spacing * (hi - lo)
    if gap > LONG_GAP_M or (usual > 0 and gap < DOUBLING_BACK * usual):
        return nearest
    return geometric_median((local, anchored, nearest))


def _nearest_is_near(
    st: IndexedStreet, number_gap: float, *, within_m: float = NEAREST_NUMBER_WITHIN_M
) -> bool:
    """Whether a known number ``number_gap`` numbers away is expected within ``within_m``
    at the street's usual metres per number (yes when the street has no such measure: too
    few numbers to tell)."""
    return not math.isfinite(st.spacing) or number_gap * st.spacing <= within_m


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
) -> tuple[float, float, float]:
    """The same estimate along the straight line from ``lo`` to ``hi`` (no geometry)."""
    p0 = np.array([st.x[lo_rows].mean(), st.y[lo_rows].mean()])
    p1 = np.array([st.x[hi_rows].mean(), st.y[hi_rows].mean()])
    v = p1 - p0
    l2 = float(v @ v)
    if l2 < 1e-6:
        return float(p0[0]), float(p0[1]), 0.0
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
    x, y = _combine(st, n, lo, hi, math.sqrt(l2), (float(p[0]), float(p[1])), (float(q[0]), float(q[1])))
    return x, y, math.sqrt(l2)


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


__all__ = [
    "ACROSS_NUMBERS",
    "APPROXIMATE_OVER_M",
    "DISORDER_NEIGHBOURS",
    "DISORDER_SHARE",
    "DOUBLING_BACK",
    "EXACT_RADIUS_M",
    "EXTRAPOLATION_NEIGHBOURS",
    "FIT_NEIGHBOURS",
    "INTERPOLATION_BASE_M",
    "INTERPOLATION_SHARE",
    "LONG_GAP_M",
    "NEAREST_ESTIMATE_WITHIN_M",
    "NEAREST_NUMBER_WITHIN_M",
    "STREET_MIN_RADIUS_M",
    "SUFFIX_RADIUS_M",
    "WIDE_GAP_M",
    "WIDE_GAP_SHARE",
    "Placement",
    "beyond_range_point",
    "interpolation_radius",
    "locate_number",
    "numbering_disorder",
    "street_point",
    "street_radius",
]
