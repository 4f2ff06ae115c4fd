"""Dashboard benchmark in a real browser: "Optimiser la journée" -> routes drawn.

The dashboard runs as users run it (``streamlit run app.py`` with the product's offline
flags) on a data directory holding the Mascouche region (built from ``../shared``) and a demo
day of 40 visits for 4 technicians, with the staff accounts the browser tests use
(``tests.servers.dashboard.add_staff``). Debian's chromium (playwright) opens a fresh session
(new page, new Streamlit session; the browser's cache is kept, as on the dispatcher's own
computer), logs in as ``admin`` on the home page's "Connexion" form (a login lasts as long as
the tab's Streamlit session, so every session logs in), opens Répartition through the
sidebar, clicks "Optimiser la journée" (quick search, 0.5 s budget) and waits until the Leaflet map in the
``st_folium`` iframe shows every route (one ``path.opms-route`` per technician with visits
and one numbered marker per planned visit). The first session warms the server up (imports,
region, caches) and is reported apart; the target is under 3 s after warm-up.

Also reported, for the same click: the server-side part (plan + road paths, measured in
this process with the same function the page calls) and the page's own share
(rendering, transfer, Leaflet drawing).

Run: ``.venv/bin/python benchmarks/bench_browser.py [--runs 5]``. Writes
``benchmarks/results/browser.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers.dashboard import (  # noqa: E402
    STAFF_PASSWORD,
    Dashboard,
    add_staff,
    external,
    launch_chromium,
    map_frame,
    prepare_data_dir,
    record_requests,
    wait_idle,
)

OUT = ROOT / "benchmarks" / "results" / "browser.json"


def login_to_dispatch(page, url: str) -> None:
    """Log in as ``admin`` on the home page, then open Répartition through the sidebar.

    The same steps as ``tests/views/test_browser.py``: a deep link to ``/repartition`` would start
    a new Streamlit session, logged out.
    """
    page.goto(url + "/")
    wait_idle(page, timeout=120)
    page.get_by_label("Nom d'utilisateur").fill("admin")
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Se connecter").first.click()
    page.wait_for_timeout(300)
    wait_idle(page, timeout=120)
    page.get_by_test_id("stSidebarNav").get_by_text("Répartition", exact=True).click()
    page.wait_for_timeout(300)
    wait_idle(page, timeout=120)


def one_session(context, url: str) -> dict:
    """Log in, open the dispatcher page, click "Optimiser la journée", time until routes are drawn."""
    page = context.new_page()
    requests = record_requests(page)
    login_to_dispatch(page, url)
    button = page.get_by_role("button", name="Optimiser la journée")
    t0 = time.perf_counter()
    button.click()
    frame = map_frame(page, timeout=60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        routes = frame.locator("path.opms-route").count()
        if routes:
            stops = frame.locator(".opms-stop-icon").count()
            break
        page.wait_for_timeout(20)
    else:
        raise TimeoutError("routes never drawn")
    seconds = time.perf_counter() - t0
    page.close()
    return {"seconds": seconds, "routes": routes, "stops": stops, "external": external(requests)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed sessions after warm-up")
    parser.add_argument("--visits", type=int, default=40)
    parser.add_argument("--technicians", type=int, default=4)
    args = parser.parse_args()
    from datetime import datetime

    from dispatch.geo.region import load_region
    from dispatch.office.planning import TZ, plan_day
    from dispatch.records import open_database
    from dispatch.settings import load_settings

    day: date = datetime.now(TZ).date()
    with tempfile.TemporaryDirectory() as tmp:
        data = prepare_data_dir(
            Path(tmp) / "data", demo_day=day, n_technicians=args.technicians, n_visits=args.visits
        )
        settings = load_settings(data_dir=data, env={})
        region = load_region("mascouche", settings=settings)
        db = open_database(settings=settings)
        plan_day(region, db, day, settings=settings, time_limit=0.5)  # warm
        server_side = []
        for _ in range(3):
            t = time.perf_counter()
            dp = plan_day(region, db, day, settings=settings, time_limit=0.5)
            server_side.append(time.perf_counter() - t)
        served = len(dp.plan.served)
        db.close()
        add_staff(data)  # the admin account the sessions log in with
        with Dashboard(data) as dash, launch_chromium() as browser:
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            warm = one_session(context, dash.url)
            runs = [one_session(context, dash.url) for _ in range(args.runs)]
            context.close()
    times = [r["seconds"] for r in runs]
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_avg": os.getloadavg()},
        "day": {"visits": args.visits, "technicians": args.technicians, "served": served},
        "warm_up_session_s": round(warm["seconds"], 3),
        "click_to_routes_s": [round(t, 3) for t in times],
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "server_plan_and_paths_s_median": round(statistics.median(server_side), 3),
        "routes_drawn": runs[-1]["routes"],
        "stops_drawn": runs[-1]["stops"],
        "external_requests": sorted({u for r in [warm, *runs] for u in r["external"]}),
        "target_s": 3.0,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"{'what':<48} {'value':>10}")
    print(f"{'day':<48} {args.visits} visits / {args.technicians} technicians, {served} planned")
    print(f"{'warm-up session: click -> routes drawn (s)':<48} {warm['seconds']:>10.2f}")
    print(f"{'after warm-up: click -> routes drawn, median (s)':<48} {result['median_s']:>10.2f}")
    print(f"{'  min / max (s)':<48} {result['min_s']:>5.2f} / {result['max_s']:.2f}")
    print(f"{'  of which server plan + road paths, median (s)':<48} {result['server_plan_and_paths_s_median']:>10.2f}")
    print(f"{'routes / stops drawn':<48} {result['routes_drawn']} / {result['stops_drawn']}")
    print(f"{'requests leaving 127.0.0.1':<48} {len(result['external_requests']):>10}")
    print(f"target < 3 s: {'met' if result['median_s'] < 3.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
