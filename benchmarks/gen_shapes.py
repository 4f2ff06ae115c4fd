"""A second day generator: field-service days of other shapes, written as Solomon files.

The first generator (:func:`dispatch.routing.demo.generate_day`) draws Mascouche days at real
address points. This one draws the shapes a small field-service company meets on other
days, in the Solomon text format that ``opms-dispatch vrptw FILE --fleet K`` reads, so any
solver can be given exactly the same day:

``clusters``
    three to six neighbourhoods (Gaussian clusters), the shop off-centre;
``fringe``
    a dense town core and a sparse rural ring two to four times farther out;
``short``
    many short visits (10-30 min) with 1-2 h windows, spread evenly;
``long``
    fewer long visits (90-180 min) with half-day windows;
``mixed``
    a core and clusters, short and long visits, some all-day customers.

Units: coordinates in km, travel time = distance in minutes (60 km/h), times in minutes of
an 8:00-17:00 day (``0``-``540``). Demand 1 per visit, capacity far above a day's visits
(technicians carry no load that binds). The fleet cap ``K`` is chosen per day from a
quick estimate of the vehicles needed: ``tight`` about 70 % of it (visits must be left
out), ``loose`` about 110 %. Deterministic for a seed.

Usage::

    .venv/bin/python benchmarks/gen_shapes.py --out /tmp/shapes      # writes 16 files + fleets.json
"""

from __future__ import annotations

import argparse
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

SHAPES = ("clusters", "fringe", "short", "long", "mixed")
DAY_END = 540.0
AREA_KM = 20.0


@dataclass(frozen=True)
class ShapeDay:
    """One generated day: its file text and its fleet cap."""

    name: str
    shape: str
    fleet: int
    text: str


def _clamp(v: float) -> float:
    return min(AREA_KM, max(0.0, v))


def _points(rng: random.Random, shape: str, n: int) -> list[tuple[float, float]]:
    c = AREA_KM / 2
    pts: list[tuple[float, float]] = []
    if shape in ("clusters", "mixed"):
        k = rng.randint(3, 6)
        centres = [(rng.uniform(2, AREA_KM - 2), rng.uniform(2, AREA_KM - 2)) for _ in range(k)]
        for _ in range(n if shape == "clusters" else n // 2):
            cx, cy = rng.choice(centres)
            pts.append((_clamp(rng.gauss(cx, 0.9)), _clamp(rng.gauss(cy, 0.9))))
    if shape in ("fringe", "mixed"):
        core_share = 0.75 if shape == "fringe" else 0.6
        remaining = n - len(pts)
        for i in range(remaining):
            if i < core_share * remaining:
                r, a = abs(rng.gauss(0, 2.0)), rng.uniform(0, 2 * math.pi)
            else:
                r, a = rng.uniform(6.5, 9.8), rng.uniform(0, 2 * math.pi)
            pts.append((_clamp(c + r * math.cos(a)), _clamp(c + r * math.sin(a))))
    if shape in ("short", "long"):
        pts = [(rng.uniform(0, AREA_KM), rng.uniform(0, AREA_KM)) for _ in range(n)]
    return pts


def _visit(rng: random.Random, shape: str) -> tuple[float, float, float]:
    """(service, window length, share of all-day customers) for one visit of a shape."""
    if shape == "short":
        return rng.choice((10.0, 15.0, 20.0, 30.0)), rng.choice((60.0, 120.0)), 0.05
    if shape == "long":
        return rng.choice((90.0, 120.0, 150.0, 180.0)), rng.choice((240.0, 270.0)), 0.2
    if shape == "mixed":
        if rng.random() < 0.5:
            return rng.choice((15.0, 30.0)), rng.choice((120.0, 180.0)), 0.25
        return rng.choice((60.0, 90.0, 120.0)), rng.choice((180.0, 240.0)), 0.25
    return rng.choice((30.0, 45.0, 60.0, 90.0)), rng.choice((120.0, 180.0, 240.0)), 0.15


def _vehicles_needed(pts: list[tuple[float, float]], depot: tuple[float, float], services: list[float]) -> float:
    """A rough count of full days of work: service plus a share of travel per visit."""
    n = len(pts)
    density = n / (AREA_KM * AREA_KM)
    hop = 0.7 / math.sqrt(density) if density > 0 else AREA_KM
    reach = sum(math.dist(p, depot) for p in pts) / max(1, n)
    work = sum(services) + n * hop + 2 * reach * max(1.0, n / 12)
    return work / DAY_END


def generate(shape: str, n: int, *, seed: int, fleet: str = "tight") -> ShapeDay:
    """Generate one day of ``n`` visits of a shape; ``fleet`` is ``tight`` or ``loose``."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; use one of {SHAPES}")
    rng = random.Random(f"{shape}-{n}-{seed}-{fleet}")
    depot = (rng.uniform(6, 14), rng.uniform(6, 14)) if shape != "clusters" else (rng.uniform(3, 17), rng.uniform(3, 17))
    pts = _points(rng, shape, n)
    rows = [(0, depot[0], depot[1], 0, 0.0, DAY_END, 0.0)]
    services: list[float] = []
    for i, (x, y) in enumerate(pts, start=1):
        service, window, all_day = _visit(rng, shape)
        services.append(service)
        back = math.dist((x, y), depot)
        latest_start = DAY_END - service - back
        if latest_start < back:  # unreachable: move it closer to the shop
            x, y = (depot[0] + (x - depot[0]) / 2, depot[1] + (y - depot[1]) / 2)
            back = math.dist((x, y), depot)
            latest_start = DAY_END - service - back
        if rng.random() < all_day:
            ready, due = 0.0, latest_start
        else:
            ready = rng.uniform(0, max(0.0, latest_start - window / 2))
            due = min(latest_start, ready + window)
            ready = max(0.0, min(ready, due))
        rows.append((i, x, y, 1, round(ready), math.floor(due), service))
    need = _vehicles_needed(pts, depot, services)
    k = max(1, round(need * (0.7 if fleet == "tight" else 1.1)))
    name = f"{shape}_{n}_{fleet}_{seed}"
    lines = [name, "", "VEHICLE", "NUMBER     CAPACITY", f"  {k:>3}        1000", "", "CUSTOMER",
             "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME", ""]
    for cid, x, y, d, ready, due, service in rows:
        lines.append(f"{cid:5d} {x:10.3f} {y:10.3f} {d:8d} {ready:10.0f} {due:10.0f} {service:10.0f}")
    return ShapeDay(name=name, shape=shape, fleet=k, text="\n".join(lines) + "\n")


#: The benchmark's days: every shape at two sizes, tight and loose fleets (16 days).
DAYS: tuple[tuple[str, int, str, int], ...] = (
    ("clusters", 60, "tight", 1), ("clusters", 120, "loose", 2),
    ("fringe", 60, "loose", 3), ("fringe", 100, "tight", 4),
    ("short", 80, "tight", 5), ("short", 150, "loose", 6),
    ("long", 40, "tight", 7), ("long", 60, "loose", 8),
    ("mixed", 80, "tight", 9), ("mixed", 120, "tight", 10),
    ("clusters", 90, "tight", 11), ("fringe", 140, "loose", 12),
    ("short", 120, "tight", 13), ("long", 50, "tight", 14),
    ("mixed", 60, "loose", 15), ("mixed", 150, "loose", 16),
)


def write_days(out: Path, days: tuple[tuple[str, int, str, int], ...] = DAYS) -> list[tuple[Path, int]]:
    """Write the days to ``out`` (one ``.txt`` each and ``fleets.json``); return (path, fleet)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    fleets = {}
    for shape, n, fleet, seed in days:
        day = generate(shape, n, seed=seed, fleet=fleet)
        path = out / f"{day.name}.txt"
        path.write_text(day.text, encoding="utf-8")
        written.append((path, day.fleet))
        fleets[day.name] = day.fleet
    (out / "fleets.json").write_text(json.dumps(fleets, indent=1), encoding="utf-8")
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for the .txt files")
    args = ap.parse_args()
    for path, k in write_days(args.out):
        print(f"{path}  --fleet {k}")


if __name__ == "__main__":
    main()
