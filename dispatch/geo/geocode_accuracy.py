"""Measuring the offline geocoder against its own data: leave-one-out and held-out blocks.

Each address point of a region is a known answer. :func:`leave_one_out` geocodes every
(sampled) number with its own point left out of the index, as when that house is missing
from OpenStreetMap; :func:`held_out_blocks` leaves out every number of a block (one street's
numbers of one hundred: ``1200-1299``), the harsher case of a whole stretch missing. Both
give, per answer, the error (metres from the true point), the stated error radius and the
precision; :func:`summarise` turns them into the figures of ``BENCHMARKS.md``: share within
25 m and 100 m, answers placed more than 300 m away with a radius under 300 m, and the
calibration (share of answers whose true point lies inside the stated radius).

Used by ``benchmarks/bench_geocode.py``, ``tests/geo/test_geocode_radius.py`` and
``tests/geo/test_geocode_blocks.py``.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dispatch.geo.geodesy import geodesic_m
from dispatch.geo.point import GeoPoint
from dispatch.geo.street_names import street_key

if TYPE_CHECKING:
    from dispatch.geo.address_index import AddressIndex


@dataclass(frozen=True)
class Trial:
    """One held-out address: where it is, where the geocoder put it, and what it claimed."""

    street: str
    number: int
    error_m: float
    radius_m: float
    precision: str


def _table(index: AddressIndex, addresses: Any) -> list[tuple[str, str, int, float, float]]:
    """(compact key, street, number, lat, lon) of the numbers found once on their street."""
    a = addresses.reset_index(drop=True)
    rows = []
    for street, hn, lat, lon in zip(a["street"], a["housenumber"], a["lat"], a["lon"], strict=True):
        text = str(hn).strip()
        if not text.isdigit():
            continue
        rows.append((street_key(str(street)).compact, str(street), int(text), float(lat), float(lon)))
    once = Counter((k, n) for k, _, n, _, _ in rows)
    return [r for r in rows if once[(r[0], r[2])] == 1 and _indexed(index, r[0])]


def _indexed(index: AddressIndex, key: str) -> bool:
    try:
        index.street(key)
    except KeyError:
        return False
    return True


def _trial(index: AddressIndex, key: str, street: str, number: int, lat: float, lon: float) -> Trial | None:
    res = index.geocode(f"{number} {street}")
    if not res.found or street_key(res.street).compact != key:
        return None
    assert res.lat is not None and res.lon is not None
    err = float(geodesic_m(GeoPoint(lat, lon), np.array([res.lat]), np.array([res.lon]))[0])
    return Trial(street, number, err, float(res.radius_m or 0.0), res.precision)


def leave_one_out(index: AddressIndex, addresses: Any, *, sample: int | None = None, seed: int = 2026) -> list[Trial]:
    """Geocode each number (or a ``sample`` of them, drawn with ``seed``) with its own point
    left out of the index.

    Parameters
    ----------
    index
        The index built on all of ``addresses``.
    addresses
        The region's address points (``street``, ``housenumber``, ``lat``, ``lon``).
    sample
        How many numbers to try (``None``: all of them).
    seed
        Seed of the sample.
    """
    rows = _table(index, addresses)
    if sample is not None and sample < len(rows):
        rows = random.Random(seed).sample(rows, sample)
    out = []
    for key, street, n, lat, lon in rows:
        with index.holding_out(key, n):
            t = _trial(index, key, street, n, lat, lon)
        if t is not None:
            out.append(t)
    return out


def held_out_blocks(index: AddressIndex, addresses: Any, *, block: int = 100) -> list[Trial]:
    """Geocode every number with all the numbers of its block (same street, same hundred)
    left out of the index together."""
    blocks: dict[tuple[str, int], list[tuple[str, str, int, float, float]]] = defaultdict(list)
    for row in _table(index, addresses):
        blocks[(row[0], row[2] // block)].append(row)
    out = []
    for (key, _), rows in blocks.items():
        with index.holding_out(key, [r[2] for r in rows]):
            for _, street, n, lat, lon in rows:
                t = _trial(index, key, street, n, lat, lon)
                if t is not None:
                    out.append(t)
    return out


def summarise(trials: list[Trial]) -> dict[str, Any]:
    """The figures of a measurement: shares within 25 m and 100 m, misplaced with a small
    radius (more than 300 m away, radius under 300 m), calibration, median error and radius,
    counts per precision."""
    err = np.array([t.error_m for t in trials])
    rad = np.array([t.radius_m for t in trials])
    if not len(err):
        return {"answers": 0}
    return {
        "answers": len(err),
        "within_25m": round(float(np.mean(err <= 25)), 4),
        "within_100m": round(float(np.mean(err <= 100)), 4),
        "over_300m_with_radius_under_300m": int(np.sum((err > 300) & (rad < 300))),
        "calibration": round(float(np.mean(err <= rad)), 4),
        "median_error_m": round(float(np.median(err)), 1),
        "median_radius_m": round(float(np.median(rad)), 1),
        "precision": dict(Counter(t.precision for t in trials)),
    }


__all__ = ["Trial", "held_out_blocks", "leave_one_out", "summarise"]
