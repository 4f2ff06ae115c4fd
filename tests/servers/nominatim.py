"""A local Nominatim stand-in on 127.0.0.1, answering ``/search`` from the Mascouche address points.

It speaks the part of Nominatim's API that geopy uses: ``GET /search?q=...&format=json``
(also ``jsonv2``) with ``limit``, ``addressdetails``, ``viewbox=lon1,lat1,lon2,lat2`` and
``bounded``, answered as Nominatim's JSON list of places (``place_id``, ``lat``/``lon`` as
strings, ``display_name``, ``class``, ``type``, ``addresstype``, ``boundingbox``, and
``address`` with ``house_number``, ``road``, ``city``, ``state``, ``country_code``).

Matching is deliberately simple and independent of the product's parser: lower case, no
accents, hyphens as spaces, abbreviations of a few generics expanded; a query matches an
address point when its civic number and the street's words are in the query; a street
alone (no number) answers the street's middle address point with class ``highway``.

``mode`` simulates faults: ``ok``, ``timeout`` (answers after ``delay`` seconds), ``429``
(rate limited), ``500`` and ``503``. Every request is recorded in ``requests`` (path,
query parameters, user agent, time) so tests can check pacing, viewbox and user agent.

Run by hand: ``python tests/servers/nominatim.py --port 8088 [--mode ok]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import threading
import time
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import osmium

_ABBREV = {
    "r": "rue", "boul": "boulevard", "bd": "boulevard", "av": "avenue", "ch": "chemin",
    "mtee": "montee", "mnt": "montee", "pl": "place", "crois": "croissant", "terr": "terrasse",
    "st": "saint", "ste": "sainte", "rg": "rang", "rte": "route",
}


def _norm(text: str) -> list[str]:
    t = unicodedata.normalize("NFKD", text.lower())
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = re.sub(r"[-'’.,]", " ", t)
    return [_ABBREV.get(w, w) for w in t.split()]


class _Data:
    def __init__(self, path: Path) -> None:
        self.points: list[tuple[str, str, str, float, float, int]] = []
        for obj in osmium.FileProcessor(str(path)):
            if obj.is_node() and "addr:housenumber" in obj.tags and "addr:street" in obj.tags:
                t = obj.tags
                self.points.append(
                    (t["addr:housenumber"], t["addr:street"], t.get("addr:city", ""),
                     obj.location.lat, obj.location.lon, obj.id)
                )
        self.by_street: dict[tuple[str, ...], list[int]] = {}
        for i, (_, street, *_rest) in enumerate(self.points):
            self.by_street.setdefault(tuple(_norm(street)), []).append(i)

    def search(self, q: str) -> list[dict]:
        words = _norm(q)
        numbers = [w for w in words if w.isdigit()]
        best = None
        for key in self.by_street:
            n = len(key)
            for i in range(len(words) - n + 1):
                if tuple(words[i : i + n]) == key and (best is None or n > len(best)):
                    best = key
        if best is None:
            return []
        rows = self.by_street[best]
        if numbers:
            hits = [r for r in rows if self.points[r][0] == numbers[0]]
            if hits:
                return [self._place(hits[0], house=True)]
        mid = sorted(rows, key=lambda r: int(re.sub(r"\D", "", self.points[r][0]) or 0))[len(rows) // 2]
        return [self._place(mid, house=False)]

    def _place(self, r: int, *, house: bool) -> dict:
        hn, street, city, lat, lon, nid = self.points[r]
        address = {"road": street, "city": city, "state": "Québec", "country": "Canada", "country_code": "ca"}
        if house:
            address = {"house_number": hn, **address}
        name = f"{hn}, {street}" if house else street
        return {
            "place_id": nid,
            "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
            "osm_type": "node",
            "osm_id": nid,
            "lat": f"{lat:.7f}",
            "lon": f"{lon:.7f}",
            "class": "place" if house else "highway",
            "type": "house" if house else "residential",
            "addresstype": "place" if house else "road",
            "place_rank": 30 if house else 26,
            "importance": 0.00001,
            "name": "" if house else street,
            "display_name": f"{name}, {city}, Québec, Canada",
            "address": address,
            "boundingbox": [f"{lat - 1e-4:.7f}", f"{lat + 1e-4:.7f}", f"{lon - 1e-4:.7f}", f"{lon + 1e-4:.7f}"],
        }


class NominatimStandIn:
    """Start with ``with NominatimStandIn(osm_path) as server: server.domain``."""

    def __init__(self, path: Path, *, mode: str = "ok", delay: float = 2.0, port: int = 0) -> None:
        self.data = _Data(Path(path))
        self.mode = mode
        self.delay = delay
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, body: bytes, ctype: str = "application/json; charset=utf-8"):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                outer.requests.append(
                    {"path": url.path, "params": params, "user_agent": self.headers.get("User-Agent", ""),
                     "time": time.monotonic()}
                )
                if url.path.rstrip("/") not in ("/search", "/search.php"):
                    self._send(404, b'{"error": "not found"}')
                    return
                if outer.mode == "timeout":
                    time.sleep(outer.delay)
                elif outer.mode == "429":
                    self._send(429, b'{"error": "Too Many Requests"}')
                    return
                elif outer.mode in ("500", "503"):
                    self._send(int(outer.mode), b"<html><body>Service unavailable</body></html>", "text/html")
                    return
                q = params.get("q", "")
                places = outer.data.search(q)
                vb = params.get("viewbox")
                if vb and params.get("bounded") in ("1", "true"):
                    x1, y1, x2, y2 = (float(v) for v in vb.split(","))
                    w, e = min(x1, x2), max(x1, x2)
                    s, n = min(y1, y2), max(y1, y2)
                    places = [p for p in places if s <= float(p["lat"]) <= n and w <= float(p["lon"]) <= e]
                if params.get("addressdetails") not in ("1", "true"):
                    places = [{k: v for k, v in p.items() if k != "address"} for p in places]
                limit = int(params.get("limit", "10") or 10)
                body = json.dumps(places[:limit], ensure_ascii=False).encode("utf-8")
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._send(200, body)  # the client may have given up (timeout)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def domain(self) -> str:
        """``host:port``, as geopy's ``domain`` wants it."""
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    @property
    def url(self) -> str:
        """Base URL (``http://127.0.0.1:PORT``), as ``geocoding.nominatim_url`` wants it."""
        return f"http://{self.domain}"

    def __enter__(self) -> NominatimStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:  # pragma: no cover - manual use
    here = Path(__file__).resolve()
    default = here.parents[3] / "shared" / "data" / "osm" / "mascouche_qc.osm"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--osm", default=str(default))
    ap.add_argument("--port", type=int, default=8088)
    ap.add_argument("--mode", default="ok", choices=["ok", "timeout", "429", "500", "503"])
    args = ap.parse_args()
    with NominatimStandIn(Path(args.osm), mode=args.mode, port=args.port) as server:
        print(f"Nominatim stand-in on {server.url} (mode {args.mode}); Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":  # pragma: no cover
    main()
