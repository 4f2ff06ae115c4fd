"""Nominatim glue (geopy): paced, cached, bounded to the region, errors translated.

Only :func:`search` is public to the package. It is used by :func:`dispatch.geo.geocode.geocode`
when the settings opt in (``geocoding.service = "nominatim"``); the address text is then sent
to ``geocoding.nominatim_url``. Requests:

* carry the user agent of ``geocoding.user_agent`` (required: Nominatim's usage policy);
* are paced by geopy's ``RateLimiter`` to one every ``geocoding.min_delay_s`` seconds
  (default 1 s, the policy's limit), across calls of the process;
* are bounded to the region's viewbox (``bounded=1``) and to Canada;
* are cached on disk under ``<data_dir>/cache/nominatim/`` (the SHA-256 of the request),
  so the same address is never sent twice.

geopy errors become the product's: timeout -> :class:`ServiceTimeout`, HTTP 429 ->
:class:`RateLimited`, other HTTP or network errors -> :class:`ServiceError`; the caller
falls back to the offline result.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from dispatch.errors import InvalidInput, RateLimited, ServiceError, ServiceTimeout
from dispatch.geo.geocode_result import GeocodeResult
from dispatch.i18n import N_

if TYPE_CHECKING:
    from pathlib import Path

    from geopy.extra.rate_limiter import RateLimiter

    from dispatch.settings import Settings

_CLIENTS: dict[tuple[str, str, str, str, float, float], RateLimiter] = {}
_LOCK = threading.Lock()


def _client(settings: Settings) -> RateLimiter:
    """geopy Nominatim wrapped in a RateLimiter, one per (URL, user agent, timeout, delay)."""
    # lazy: geopy costs 55-150 ms at import (measured) and only online geocoding needs it
    from geopy.adapters import URLLibAdapter
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import Nominatim

    g = settings.geocoding
    ua = (g.user_agent or "").strip()
    if not ua or ua.lower().startswith("geopy"):
        msg = N_(
            "Online geocoding needs a user agent naming the company (Nominatim's usage policy): "
            "set geocoding.user_agent, e.g. 'opms-dispatch/1.0 (contact@example.com)', or set "
            "geocoding.service = 'offline'."
        )
        raise InvalidInput(msg)
    url = urlparse(g.nominatim_url.strip() or "https://nominatim.openstreetmap.org")
    if url.scheme not in ("http", "https") or not url.netloc:
        msg = N_("geocoding.nominatim_url {url!r} must be an http(s) URL such as https://nominatim.openstreetmap.org.")
        raise InvalidInput(msg, url=g.nominatim_url)
    key = (url.scheme, url.netloc, url.path.rstrip("/"), ua, float(g.timeout_s), float(g.min_delay_s))
    with _LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            geocoder = Nominatim(
                user_agent=ua,
                domain=url.netloc + url.path.rstrip("/"),
                scheme=url.scheme,
                timeout=float(g.timeout_s),
                adapter_factory=URLLibAdapter,  # one request per call: no hidden retries
            )
            client = RateLimiter(
                geocoder.geocode,
                min_delay_seconds=float(g.min_delay_s),
                max_retries=0,
                swallow_exceptions=False,
            )
            _CLIENTS[key] = client
    return client


def _cache_path(settings: Settings, request: dict[str, Any]) -> Path:
    digest = hashlib.sha256(json.dumps(request, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    return settings.cache_dir / "nominatim" / f"{digest}.json"


def _precision(raw: dict[str, Any]) -> str:
    address = raw.get("address") or {}
    if address.get("house_number") or raw.get("type") in ("house", "building") or raw.get("class") == "building":
        return "exact"
    if raw.get("class") == "highway" or raw.get("addresstype") in ("road", "street"):
        return "street"
    return "none"  # a city, a postal code area...: too coarse to be a place to visit


def search(text: str, *, viewbox: tuple[float, float, float, float], settings: Settings) -> GeocodeResult | None:
    """Ask Nominatim for one address inside ``viewbox`` (south, west, north, east).

    Returns
    -------
    GeocodeResult or None
        ``source == "nominatim"``; ``None`` when Nominatim found nothing in the viewbox.

    Raises
    ------
    ServiceTimeout, RateLimited, ServiceError
        The service failed (the caller falls back to the offline result).
    InvalidInput
        The settings do not allow online geocoding (no user agent, bad URL).
    """
    from geopy import exc as gexc  # lazy: geopy import cost, see _client

    south, west, north, east = viewbox
    g = settings.geocoding
    request = {
        "url": g.nominatim_url.rstrip("/"),
        "q": " ".join(str(text).split()),
        "viewbox": [round(v, 5) for v in (south, west, north, east)],
    }
    path = _cache_path(settings, request)
    raw: dict[str, Any] | None
    if path.is_file():
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))["raw"]
        except (OSError, ValueError, KeyError):
            raw = None
            path.unlink(missing_ok=True)
        else:
            return _result(raw, text) if raw else None
    client = _client(settings)
    host = urlparse(g.nominatim_url).netloc or g.nominatim_url
    try:
        location = client(
            request["q"],
            exactly_one=True,
            addressdetails=True,
            viewbox=[(south, west), (north, east)],
            bounded=True,
            country_codes="ca",
            language="fr",
        )
    except (gexc.GeopyError, OSError) as err:
        raise _translate(err, host, g.timeout_s) from err
    raw = location.raw if location is not None else None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_text(json.dumps({"request": request, "raw": raw}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written is not an error
    return _result(raw, text) if raw else None


def _translate(err: Exception, host: str, timeout_s: float) -> ServiceError:
    """geopy's error -> the product's, with a short French message."""
    from geopy import exc as gexc  # lazy: geopy import cost, see _client

    text = str(err)
    code = None
    network = False
    cause: BaseException | None = err
    while cause is not None:  # geopy chains the original error (AdapterHTTPError, URLError)
        code = code or getattr(cause, "status_code", None)
        network = network or isinstance(cause, OSError)
        cause = cause.__cause__ or cause.__context__
    if code is None:
        m = re.search(r"status code (\d{3})", text)
        code = int(m.group(1)) if m else None
    if code == 429 or (code is None and isinstance(err, gexc.GeocoderRateLimited)):
        return RateLimited(
            N_("Nominatim ({host}) refuses requests for now (too many requests, HTTP 429)."), host=host
        )
    if code is not None:
        template = {
            500: N_("Nominatim ({host}) answered HTTP {code} (internal error)."),
            502: N_("Nominatim ({host}) answered HTTP {code} (gateway error)."),
            503: N_("Nominatim ({host}) answered HTTP {code} (service unavailable)."),
            504: N_("Nominatim ({host}) answered HTTP {code} (gateway timeout)."),
        }.get(code, N_("Nominatim ({host}) answered HTTP {code} (error)."))
        return ServiceError(template, host=host, code=code)
    if isinstance(err, gexc.GeocoderTimedOut) or "timed out" in text.lower():
        return ServiceTimeout(N_("Nominatim ({host}) did not answer within {timeout_s:g} s."), host=host, timeout_s=timeout_s)
    if network or isinstance(err, gexc.GeocoderUnavailable):
        return ServiceError(N_("Nominatim ({host}) is unreachable (network or server down)."), host=host)
    return ServiceError(N_("Nominatim ({host}) failed ({error})."), host=host, error=type(err).__name__)


def _result(raw: dict[str, Any], text: str) -> GeocodeResult:
    precision = _precision(raw)
    if precision == "none":
        return GeocodeResult(None, None, "none", "", "nominatim", (), "", (), text)
    return GeocodeResult(
        float(raw["lat"]),
        float(raw["lon"]),
        precision,
        str(raw.get("display_name", "")),
        "nominatim",
        (),
        "",
        (),
        text,
        str((raw.get("address") or {}).get("road", "")),
        radius_m=_radius(raw, precision),
    )


#: Error radius of a Nominatim answer without a bounding box: a house, a street.
_DEFAULT_RADIUS_M = {"exact": 25.0, "street": 500.0}


def _radius(raw: dict[str, Any], precision: str) -> float:
    """Error radius (metres) of a Nominatim answer: half the diagonal of its bounding box
    (``boundingbox``: south, north, west, east), at least that of its class."""
    floor = _DEFAULT_RADIUS_M.get(precision, 500.0)
    try:
        south, north, west, east = (float(v) for v in raw["boundingbox"])
    except (KeyError, TypeError, ValueError):
        return floor
    mid = math.radians((south + north) / 2)
    dy = (north - south) * 111_320.0
    dx = (east - west) * 111_320.0 * math.cos(mid)
    return round(max(math.hypot(dx, dy) / 2, floor if precision != "exact" else 15.0), 1)


__all__ = ["search"]
