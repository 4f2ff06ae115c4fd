"""Start the real dashboard (``streamlit run app.py``) on 127.0.0.1 and drive it with chromium.

Used by the real-browser tests, the browser benchmark and ``scripts/screenshots.py``:

- :func:`prepare_data_dir` makes a data directory holding a built Mascouche region (a link
  to an already built bundle, or built from ``../shared``) and, optionally, demo data;
- :class:`Dashboard` runs Streamlit with the product's offline flags on a free port,
  waits until it answers, and stops it (by its process id) at the end;
- :func:`launch_chromium` starts Debian's ``/usr/bin/chromium`` through playwright with the
  flags measured to be reliable here; :func:`record_requests` keeps every URL a page asks for;
- :func:`wait_idle` waits until Streamlit has finished running the page script.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from tests.servers import _process

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("OPMS_SHARED_DIR", ROOT.parent / "shared")).resolve()
MASCOUCHE_OSM = SHARED / "data" / "osm" / "mascouche_qc.osm"
MASCOUCHE_SHOP = (45.7460, -73.6010)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_PREFIXES = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:", "file://")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_data_dir(
    target: Path,
    *,
    regions_from: Path | None = None,
    demo_day: date | None = None,
    n_technicians: int = 4,
    n_visits: int = 20,
) -> Path:
    """A data directory with the Mascouche region (and demo data of ``demo_day`` if given).

    ``regions_from`` is a data directory where the region is already built (its
    ``regions`` folder is linked, read-only use); otherwise the region is built here.
    """
    from dispatch.geo.point import GeoPoint
    from dispatch.geo.region import build_region, load_region
    from dispatch.settings import load_settings

    target.mkdir(parents=True, exist_ok=True)
    settings = load_settings(data_dir=target, env={})
    if regions_from is not None and (regions_from / "regions" / "mascouche").is_dir():
        # link the Mascouche bundle only: other regions built in the session (Vancouver)
        # would make the region ambiguous for commands that pick the only one
        (target / "regions").mkdir(exist_ok=True)
        link = target / "regions" / "mascouche"
        if not link.exists():
            link.symlink_to(regions_from / "regions" / "mascouche", target_is_directory=True)
        region = load_region("mascouche", settings=settings)
    else:
        region = build_region(
            MASCOUCHE_OSM, name="mascouche", shop=GeoPoint(*MASCOUCHE_SHOP), settings=settings
        )
    if demo_day is not None:
        from dispatch import records
        from dispatch.office import planning

        db = records.open_database(settings=settings)
        try:
            planning.load_demo(
                region, settings=settings, db=db, day=demo_day, n_technicians=n_technicians,
                n_visits=n_visits,
            )
        finally:
            db.close()
    return target


#: Password of the staff accounts made by :func:`add_staff` (tests and demos only).
STAFF_PASSWORD = "mot de passe de test 42"


def add_staff(data_dir: Path) -> dict[str, str]:
    """Create one account per role in ``data_dir``'s database; ``{role: username}``.

    The accounts are ``admin``, ``repartition`` (dispatcher), ``facturation`` (billing) and,
    when technicians exist (demo data), ``tech1`` linked to the first technician; all use
    :data:`STAFF_PASSWORD`.
    """
    from dispatch import records
    from dispatch.office import auth
    from dispatch.settings import load_settings

    settings = load_settings(data_dir=data_dir, env={})
    db = records.open_database(settings=settings)
    try:
        names = {"admin": "admin", "dispatcher": "repartition", "billing": "facturation"}
        for role, name in names.items():
            auth.add_user(db, name, STAFF_PASSWORD, role=role, actor="test")
        techs = records.technicians(db)
        if techs:
            auth.add_user(db, "tech1", STAFF_PASSWORD, role="technician",
                          technician_id=techs[0].id, actor="test")
            names["technician"] = "tech1"
    finally:
        db.close()
    return names


class Dashboard:
    """The dashboard served by Streamlit on 127.0.0.1 (a context manager)."""

    def __init__(self, data_dir: Path, *, port: int | None = None, log: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log or (self.data_dir / "streamlit.log")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 60.0) -> Dashboard:
        from dispatch.cli.commands.serve import streamlit_command

        env = dict(os.environ)
        env["OPMS_DATA_DIR"] = str(self.data_dir)
        env.pop("OPMS_CONFIG", None)
        env["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] = "full"
        self.proc = _process.spawn(streamlit_command("127.0.0.1", self.port), log=self.log, env=env, cwd=ROOT)

        def answers() -> bool:
            with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                return bool(r.status == 200)

        _process.wait_until_ready(self.proc, answers, name=f"streamlit on {self.url}", timeout=timeout,
                                  log_tail=self.log.read_text, poll_s=0.3)
        return self

    def stop(self) -> None:
        _process.stop(self.proc)  # its own session: streamlit only
        self.proc = None

    def __enter__(self) -> Dashboard:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def chromium_available() -> bool:
    return Path(CHROMIUM).is_file() and shutil.which(CHROMIUM) is not None


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """A playwright Browser on Debian's chromium (never ``playwright install``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def record_requests(page: Any) -> list[str]:
    """Every URL the page (and its frames, workers) requests, appended as they happen."""
    urls: list[str] = []
    page.on("request", lambda req: urls.append(req.url))
    page.on("websocket", lambda ws: urls.append(ws.url))
    return urls


def external(urls: list[str]) -> list[str]:
    """The URLs that leave 127.0.0.1."""
    return [u for u in urls if not u.startswith(LOCAL_PREFIXES)]


def wait_idle(page: Any, *, timeout: float = 60.0) -> None:
    """Wait until Streamlit has finished running the page script (no "running" status)."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        running = page.evaluate(
            "() => !!document.querySelector(\"[data-testid='stStatusWidget'] "
            "[data-testid='stStatusWidgetRunningIcon'], [data-testid='stStatusWidgetRunningManIcon']\")"
            " || document.querySelector(\"[data-testid='stApp']\").getAttribute('data-test-script-state') === 'running'"
        )
        quiet = 0 if running else quiet + 1
        if quiet >= 3:
            return
        page.wait_for_timeout(200)
    msg = "the dashboard kept running its script"
    raise TimeoutError(msg)


def map_frame(page: Any, *, timeout: float = 30.0, index: int = 0) -> Any:
    """The ``st_folium`` iframe (the Leaflet map), once Leaflet has created its map."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frames = [f for f in page.frames if "st_folium" in f.url]
        if len(frames) > index:
            frame = frames[index]
            try:
                if frame.locator(".leaflet-container").count() > 0:
                    return frame
            except Exception:  # the frame is being replaced by a rerun
                pass
        page.wait_for_timeout(50)  # not time.sleep: playwright must keep processing events
    msg = "no Leaflet map appeared"
    raise TimeoutError(msg)


if __name__ == "__main__":  # python tests/servers/dashboard.py DATA_DIR [PORT]
    d = prepare_data_dir(Path(sys.argv[1]))
    with Dashboard(d, port=int(sys.argv[2]) if len(sys.argv) > 2 else None) as dash:
        print(dash.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
