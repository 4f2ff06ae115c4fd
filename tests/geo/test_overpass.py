"""Building a region by download, against a local Overpass stand-in on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest

from dispatch.errors import OfflineError, RateLimited, ServiceError
from dispatch.geo.point import GeoPoint
from dispatch.geo.region import build_region
from tests.conftest import MASCOUCHE_OSM, MASCOUCHE_SHOP
from tests.servers.overpass import OverpassStandIn


def _settings(settings, url):
    return settings.with_section("online", overpass_url=url, overpass_timeout_s=5)


def test_download_builds_the_region_around_the_shop(settings):
    """'download' fetches roads and addresses around the shop through Overpass and builds them."""
    with OverpassStandIn(MASCOUCHE_OSM) as server:
        r = build_region("download", name="dl", shop=GeoPoint(*MASCOUCHE_SHOP), core_km=2,
                         extended_km=3, settings=_settings(settings, server.url))
    assert "[bbox:" in server.queries[0] and 'way["highway"]' in server.queries[0]
    assert r.summary()["source"] == "download"
    assert r.summary()["addresses"] > 1000 and r.summary()["nodes"] > 500
    s, w, n, e = r.bbox
    assert s < MASCOUCHE_SHOP[0] < n and w < MASCOUCHE_SHOP[1] < e


def test_interrupted_download_builds_nothing(settings):
    """A connection dropped mid-answer raises a retry message and leaves no file or region."""
    st = _settings(settings, "")
    with OverpassStandIn(MASCOUCHE_OSM, mode="interrupt") as server:
        st = _settings(settings, server.url)
        with pytest.raises(ServiceError, match=r"retry|again"):
            build_region("download", name="dl", shop=GeoPoint(*MASCOUCHE_SHOP), settings=st)
    assert not (st.regions_dir / "dl").exists()
    assert not list((st.cache_dir / "downloads").glob("*"))


def test_rate_limited_download_says_to_wait(settings):
    """HTTP 429 from Overpass becomes RateLimited with a clear message."""
    with OverpassStandIn(MASCOUCHE_OSM, mode="429") as server, pytest.raises(RateLimited, match="429"):
        build_region("download", name="dl", shop=GeoPoint(*MASCOUCHE_SHOP), settings=_settings(settings, server.url))


def test_unreachable_overpass_is_reported_as_offline(settings):
    """No server listening: OfflineError, not a traceback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(OfflineError, match="offline"):
        build_region("download", name="dl", shop=GeoPoint(*MASCOUCHE_SHOP),
                     settings=_settings(settings, f"http://127.0.0.1:{port}/api/interpreter"))
