"""Load test on 127.0.0.1: coverage checks at a fixed rate, then 20 browsers.

Phase 1, domain API: ``--rate`` (default 200) coverage checks per second for ``--seconds``
(default 60) through :func:`dispatch.geo.service_area.check_address` (Mascouche address texts
built from ``region.addresses`` in varied forms) and :func:`~dispatch.geo.service_area.check_point`,
plus a few deliberately bad addresses that must raise ``AddressNotFound``. The schedule is
open-loop: check *i* is due at ``t0 + i / rate`` and is handed at that time to a pool of a few
worker threads; its latency runs from the *scheduled* time to the end of the check, so a
backlog shows up as latency instead of being hidden by a slower pace. Any exception other
than the expected ``AddressNotFound`` (and any success on a bad address) is an error.

Phase 2, browsers: the dashboard (``streamlit run app.py``, harness ``tests/servers/dashboard.py``)
over the Mascouche region built from ``../shared/data/osm/mascouche_qc.osm``; one chromium
with ``--sessions`` (default 20) browser contexts working at the same time. Each session, for
``--rounds`` rounds (default 3), opens ``/couverture`` (a new Streamlit session), types an
address and clicks "Vérifier", and waits for the result ("Bonne nouvelle", or the extended
zone / outside text). Latency per check runs from the click to the result. Every request is
recorded; none may leave 127.0.0.1. Each wait is bounded (``--timeout``), the whole phase too.

Run: ``.venv/bin/python benchmarks/bench_load.py [--seconds 60] [--rounds 3]``. Writes
``benchmarks/results/load.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers.dashboard import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    Dashboard,
    external,
    prepare_data_dir,
)

OUT = ROOT / "benchmarks" / "results" / "load.json"
RESULT_TEXTS = ("Bonne nouvelle", "des frais au kilomètre s'ajoutent", "hors de notre zone de service")
BAD_ADDRESSES = (
    "12 rue Xyzzyquux, Mascouche",
    "4 boulevard Inexistantissime, Mascouche",
    "88 chemin Qwertzuiop, Terrebonne",
)


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)) * 1000, 2) if values else None


def _stats_ms(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": _pct(values, 50),
        "p95_ms": _pct(values, 95),
        "p99_ms": _pct(values, 99),
        "max_ms": round(max(values) * 1000, 2) if values else None,
    }


def build_inputs(region, *, n: int, seed: int = 7) -> list[tuple[str, object]]:
    """``n`` varied inputs: ("address", text), ("point", GeoPoint) or ("bad", text)."""
    from dispatch.geo.point import GeoPoint

    rng = random.Random(seed)
    df = region.addresses
    df = df[(df["housenumber"].astype(str).str.len() > 0) & (df["street"].astype(str).str.len() > 0)]
    rows = df.sample(n=min(len(df), 3000), random_state=seed).to_dict("records")
    forms = (
        lambda r: f"{r['housenumber']} {r['street']}, Mascouche",
        lambda r: f"{r['housenumber']}, {r['street']}, Mascouche, QC",
        lambda r: f"{r['housenumber']} {str(r['street']).lower()}",
        lambda r: f"{r['housenumber']} {r['street']} {r['city'] or 'Mascouche'} {r['postcode'] or ''}".strip(),
        lambda r: f"  {r['housenumber']}   {str(r['street']).upper()} , mascouche (québec) ",
    )
    inputs: list[tuple[str, object]] = []
    for i in range(n):
        u = rng.random()
        r = rows[i % len(rows)]
        if u < 0.05:
            inputs.append(("bad", BAD_ADDRESSES[i % len(BAD_ADDRESSES)]))
        elif u < 0.15:
            inputs.append(("point", GeoPoint(float(r["lat"]) + rng.uniform(-0.01, 0.01),
                                             float(r["lon"]) + rng.uniform(-0.01, 0.01))))
        else:
            inputs.append(("address", rng.choice(forms)(r)))
    return inputs


def domain_phase(region, settings, *, rate: float, seconds: float, workers: int) -> dict:
    """Open-loop schedule of coverage checks; latency from the scheduled time."""
    from dispatch.errors import AddressNotFound
    from dispatch.geo.service_area import check_address, check_point

    n = int(rate * seconds)
    inputs = build_inputs(region, n=n)
    # warm-up (imports, caches, snapper) outside the timed window
    for kind, value in inputs[:50]:
        try:
            if kind == "point":
                check_point(region, value, settings=settings)
            else:
                check_address(region, value, settings=settings)
        except AddressNotFound:
            pass

    lock = threading.Lock()
    latencies: list[float] = []
    service: list[float] = []
    by_kind: dict[str, list[float]] = {"address": [], "point": [], "bad": []}
    errors: list[str] = []
    zones: dict[str, int] = {}

    def task(i: int, due: float) -> None:
        kind, value = inputs[i]
        start = time.perf_counter()
        err = None
        zone = None
        try:
            if kind == "point":
                zone = check_point(region, value, settings=settings).zone
            elif kind == "address":
                zone = check_address(region, value, settings=settings).zone
            else:
                try:
                    check_address(region, value, settings=settings)
                    err = f"bad address accepted: {value!r}"
                except AddressNotFound:
                    zone = "not-found (expected)"
        except Exception as exc:  # every other exception is a load-test error
            err = f"{kind} {value!r}: {type(exc).__name__}: {exc}"[:300]
        end = time.perf_counter()
        with lock:
            latencies.append(end - due)
            service.append(end - start)
            by_kind[kind].append(end - due)
            if err:
                errors.append(err)
            else:
                zones[str(zone)] = zones.get(str(zone), 0) + 1

    t0 = time.perf_counter() + 0.2
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i in range(n):
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(task, i, due)
        submitted_end = time.perf_counter()
    finished = time.perf_counter()
    wall = finished - t0
    return {
        "scheduled": n,
        "target_rate_per_s": rate,
        "workers": workers,
        "completed": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:10],
        "submit_window_s": round(submitted_end - t0, 3),
        "wall_s": round(wall, 3),
        "achieved_rate_per_s": round(len(latencies) / wall, 1),
        "latency_from_schedule": _stats_ms(latencies),
        "service_time": _stats_ms(service),
        "latency_by_kind": {k: _stats_ms(v) for k, v in by_kind.items()},
        "outcomes": zones,
    }


def browser_addresses(region, settings, *, n: int) -> list[str]:
    """``n`` address texts that the domain API places (so a browser error is the page's)."""
    from dispatch.errors import DispatchError
    from dispatch.geo.service_area import check_address

    out: list[str] = []
    for kind, text in build_inputs(region, n=4 * n, seed=11):
        if kind != "address":
            continue
        try:
            check_address(region, text, settings=settings)
        except DispatchError:
            continue
        out.append(text)
        if len(out) >= n:
            break
    return out


async def _session(browser, url: str, idx: int, addresses: list[str], *, rounds: int,
                   timeout: float, deadline: float) -> dict:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    urls: list[str] = []
    page.on("request", lambda req: urls.append(req.url))
    page.on("websocket", lambda ws: urls.append(ws.url))
    checks: list[float] = []
    loads: list[float] = []
    errors: list[str] = []
    result_re = "|".join(RESULT_TEXTS)
    try:
        for r in range(rounds):
            if time.monotonic() > deadline:
                errors.append(f"session {idx}: phase deadline reached before round {r}")
                break
            address = addresses[(idx * rounds + r) % len(addresses)]
            try:
                t = time.perf_counter()
                await page.goto(url + "/couverture", timeout=timeout * 1000)
                box = page.get_by_label("Votre adresse")
                await box.wait_for(timeout=timeout * 1000)
                loads.append(time.perf_counter() - t)
                await box.fill(address)
                t = time.perf_counter()
                await page.get_by_role("button", name="Vérifier").first.click(timeout=timeout * 1000)
                result = page.locator("[data-testid='stAlert']").filter(
                    has_text=re.compile(result_re)
                )
                failure = page.get_by_text("Adresse introuvable")
                await result.or_(failure).first.wait_for(timeout=timeout * 1000)
                elapsed = time.perf_counter() - t
                if await failure.count():
                    errors.append(f"session {idx}: not found: {address!r}")
                else:
                    checks.append(elapsed)
            except Exception as exc:  # counted, the session goes on
                errors.append(f"session {idx} round {r} {address!r}: {type(exc).__name__}: {exc}"[:300])
    finally:
        await context.close()
    return {"checks": checks, "loads": loads, "errors": errors, "urls": urls}


async def _browser_phase_async(url: str, addresses: list[str], *, sessions: int, rounds: int,
                               timeout: float, budget: float) -> dict:
    from playwright.async_api import async_playwright

    deadline = time.monotonic() + budget
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            t0 = time.perf_counter()
            results = await asyncio.wait_for(
                asyncio.gather(*[
                    _session(browser, url, i, addresses, rounds=rounds, timeout=timeout, deadline=deadline)
                    for i in range(sessions)
                ]),
                timeout=budget + 2 * timeout,
            )
            wall = time.perf_counter() - t0
        finally:
            await browser.close()
    checks = [c for r in results for c in r["checks"]]
    loads = [c for r in results for c in r["loads"]]
    errors = [e for r in results for e in r["errors"]]
    urls = [u for r in results for u in r["urls"]]
    return {
        "sessions": sessions,
        "rounds": rounds,
        "checks_planned": sessions * rounds,
        "checks_ok": len(checks),
        "errors": len(errors),
        "error_samples": errors[:10],
        "wall_s": round(wall, 2),
        "click_to_result": _stats_ms(checks),
        "page_open_to_form": _stats_ms(loads),
        "requests": len(urls),
        "external_requests": sorted(set(external(urls))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="domain phase duration")
    parser.add_argument("--rate", type=float, default=200.0, help="coverage checks per second")
    parser.add_argument("--workers", type=int, default=4, help="worker threads of the domain phase")
    parser.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions")
    parser.add_argument("--rounds", type=int, default=3, help="checks per browser session")
    parser.add_argument("--timeout", type=float, default=90.0, help="bound on each browser wait (s)")
    parser.add_argument("--budget", type=float, default=600.0, help="bound on the browser phase (s)")
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()

    from dispatch.geo.region import load_region
    from dispatch.settings import load_settings

    started = datetime.now(UTC).isoformat(timespec="seconds")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        data = prepare_data_dir(Path(tmp) / "data")
        settings = load_settings(data_dir=data, env={})
        region = load_region("mascouche", settings=settings)
        domain = domain_phase(region, settings, rate=args.rate, seconds=args.seconds, workers=args.workers)
        load_after_domain = os.getloadavg()
        browser = None
        if not args.skip_browser:
            addresses = browser_addresses(region, settings, n=max(args.sessions * args.rounds, 1))
            with Dashboard(data) as dash:
                browser = asyncio.run(_browser_phase_async(
                    dash.url, addresses, sessions=args.sessions, rounds=args.rounds,
                    timeout=args.timeout, budget=args.budget,
                ))
    result = {
        "started_utc": started,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_avg_before": load_before, "load_avg_after_domain": load_after_domain,
                    "load_avg_end": os.getloadavg()},
        "command": "benchmarks/bench_load.py " + " ".join(sys.argv[1:]),
        "domain": domain,
        "browser": browser,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")

    d = domain
    lat = d["latency_from_schedule"]
    svc = d["service_time"]
    print(f"{'domain API (open loop)':<44} {'value':>24}")
    print(f"{'  scheduled / completed / errors':<44} {d['scheduled']:>10} / {d['completed']} / {d['errors']}")
    print(f"{'  target / achieved rate (per s)':<44} {d['target_rate_per_s']:>10.0f} / {d['achieved_rate_per_s']}")
    print(f"{'  latency from schedule p50/p95/p99/max ms':<44} {lat['p50_ms']} / {lat['p95_ms']} / {lat['p99_ms']} / {lat['max_ms']}")
    print(f"{'  service time p50/p95/p99/max ms':<44} {svc['p50_ms']} / {svc['p95_ms']} / {svc['p99_ms']} / {svc['max_ms']}")
    if browser:
        b = browser
        c = b["click_to_result"]
        o = b["page_open_to_form"]
        print(f"{'browsers':<44}")
        print(f"{'  sessions x rounds / checks ok / errors':<44} {b['sessions']} x {b['rounds']} / {b['checks_ok']} / {b['errors']}")
        print(f"{'  click -> result p50/p95/max ms':<44} {c['p50_ms']} / {c['p95_ms']} / {c['max_ms']}")
        print(f"{'  open page -> form p50/p95/max ms':<44} {o['p50_ms']} / {o['p95_ms']} / {o['max_ms']}")
        print(f"{'  wall (s) / requests / leaving 127.0.0.1':<44} {b['wall_s']} / {b['requests']} / {len(b['external_requests'])}")
    for e in d["error_samples"] + (browser["error_samples"] if browser else []):
        print("error:", e)


if __name__ == "__main__":
    main()
