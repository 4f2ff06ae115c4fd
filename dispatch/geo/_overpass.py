"""Downloading an area from OpenStreetMap through the Overpass API.

Modelled on osmnx's ``_overpass.py``: one query, paced, answered as OSM XML that the
region builder reads like any file. The answer is streamed to a ``.part`` file and renamed
only when complete, so an interrupted download never leaves a half file behind.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable
from pathlib import Path

from dispatch.errors import OfflineError, RateLimited, ServiceError, ServiceTimeout
from dispatch.geo.geodesy import decimal_text
from dispatch.geo.point import GeoPoint
from dispatch.i18n import N_, _
from dispatch.settings import Settings

Progress = Callable[[str, float | None], None]


def bbox_around(center: GeoPoint, radius_km: float) -> tuple[float, float, float, float]:
    """(south, west, north, east) of a square of half-side ``radius_km`` around a point."""
    dlat = radius_km / 111.32
    dlon = radius_km / (111.32 * max(math.cos(math.radians(center.lat)), 1e-6))
    return (center.lat - dlat, center.lon - dlon, center.lat + dlat, center.lon + dlon)


def build_query(bbox: tuple[float, float, float, float], *, timeout_s: float = 180) -> str:
    """Overpass QL for the roads and address points of a box, answered as OSM XML."""
    s, w, n, e = (f"{v:.6f}" for v in bbox)
    return (
        f"[out:xml][timeout:{int(timeout_s)}][bbox:{s},{w},{n},{e}];\n"
        '(way["highway"];node["addr:housenumber"];way["addr:housenumber"];);\n'
        "(._;>;);\nout body;\n"
    )


def download_area(
    center: GeoPoint,
    *,
    radius_km: float,
    settings: Settings,
    progress: Progress | None = None,
) -> Path:
    """Download roads and addresses around ``center``; returns the saved OSM XML file.

    Raises
    ------
    OfflineError, ServiceTimeout, RateLimited, ServiceError
        When Overpass cannot be reached or answers with an error; nothing is kept.
    """
    import requests  # lazy: requests costs about 50 ms at import (measured); only downloads need it

    say = progress or (lambda stage, frac: None)
    url = settings.online.overpass_url
    if not url:
        msg = N_("No Overpass URL is configured (settings [online] overpass_url); build from an OSM file instead.")
        raise OfflineError(msg)
    query = build_query(bbox_around(center, radius_km), timeout_s=settings.online.overpass_timeout_s)
    key = hashlib.sha256(f"{url}\n{query}".encode()).hexdigest()[:20]
    folder = settings.cache_dir / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"overpass-{key}.osm"
    part = target.with_suffix(".osm.part")
    say(_("Downloading from OpenStreetMap ({url})").format(url=url), None)
    try:
        with requests.post(
            url,
            data={"data": query},
            timeout=(10, settings.online.overpass_timeout_s),
            stream=True,
            headers={"User-Agent": settings.geocoding.user_agent or "opms-dispatch"},
        ) as resp:
            if resp.status_code == 429:
                msg = N_(
                    "Overpass refused the request (HTTP 429, too many requests). Wait a minute, then retry."
                    " Check the connection (or the Overpass URL in settings) and run the same command again."
                )
                raise RateLimited(msg)
            if resp.status_code >= 400:
                msg = N_("Overpass answered HTTP {status}. Check the connection (or the Overpass URL in settings) and run the same command again.")
                raise ServiceError(msg, status=resp.status_code)
            expected = int(resp.headers.get("Content-Length") or 0)
            got = 0
            with part.open("wb") as fh:
                for chunk in resp.iter_content(chunk_size=1 << 16):
                    fh.write(chunk)
                    got += len(chunk)
                    mb = decimal_text(got / 1e6)
                    say(_("Downloaded {mb} MB").format(mb=mb), (got / expected) if expected else None)
            if expected and got < expected:
                msg = N_("The download was interrupted ({got} of {expected} bytes); nothing was built. Check the connection (or the Overpass URL in settings) and run the same command again.")
                raise ServiceError(msg, got=got, expected=expected)
    except requests.Timeout as err:
        part.unlink(missing_ok=True)
        msg = N_("Overpass did not answer in time. Check the connection (or the Overpass URL in settings) and run the same command again.")
        raise ServiceTimeout(msg) from err
    except requests.ConnectionError as err:
        part.unlink(missing_ok=True)
        msg = N_("Could not reach Overpass at {url} (offline?). Check the connection (or the Overpass URL in settings) and run the same command again.")
        raise OfflineError(msg, url=url) from err
    except requests.RequestException as err:
        part.unlink(missing_ok=True)
        msg = N_("The download from Overpass failed ({reason}). Check the connection (or the Overpass URL in settings) and run the same command again.")
        raise ServiceError(msg, reason=str(err)) from err
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    with part.open("rb") as fh:
        head = fh.read(2048)
    tail_ok = _ends_with_osm(part)
    if b"<osm" not in head or not tail_ok:
        part.unlink(missing_ok=True)
        msg = N_("Overpass sent an incomplete or invalid answer; nothing was built. Check the connection (or the Overpass URL in settings) and run the same command again.")
        raise ServiceError(msg)
    os.replace(part, target)
    return target


def _ends_with_osm(path: Path) -> bool:
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - 256))
        return b"</osm>" in fh.read()
