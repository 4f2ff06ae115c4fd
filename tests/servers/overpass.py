"""A local Overpass API stand-in on 127.0.0.1, answering from a real OSM file.

It speaks the part of the protocol the product uses: ``POST /api/interpreter`` with a form
field ``data`` holding Overpass QL with a global ``[bbox:s,w,n,e]``, answered as OSM XML with
the ``highway`` ways touching the box (and all their nodes) and the address points in it.
``mode`` simulates faults: ``ok``, ``429``, ``504``, ``interrupt`` (drops the connection
mid-answer) and ``slow`` (answers after ``delay`` seconds).
"""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs
from xml.sax.saxutils import quoteattr

import osmium


class _Data:
    def __init__(self, path: Path) -> None:
        self.nodes: dict[int, tuple[float, float, dict]] = {}
        self.ways: list[tuple[int, list[int], dict]] = []
        for obj in osmium.FileProcessor(str(path)):
            if obj.is_node():
                self.nodes[obj.id] = (obj.location.lat, obj.location.lon, dict(obj.tags))
            elif obj.is_way():
                self.ways.append((obj.id, [n.ref for n in obj.nodes], dict(obj.tags)))

    def answer(self, s: float, w: float, n: float, e: float) -> bytes:
        def inside(nid: int) -> bool:
            lat, lon, _ = self.nodes.get(nid, (999, 999, None))
            return s <= lat <= n and w <= lon <= e

        keep_nodes: set[int] = set()
        out_ways = []
        for wid, refs, tags in self.ways:
            if ("highway" in tags or "addr:housenumber" in tags) and any(inside(r) for r in refs):
                out_ways.append((wid, refs, tags))
                keep_nodes.update(refs)
        for nid, (_, _, tags) in self.nodes.items():
            if "addr:housenumber" in tags and inside(nid):
                keep_nodes.add(nid)
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="Overpass API stand-in">']
        for nid in sorted(keep_nodes):
            lat, lon, tags = self.nodes[nid]
            if tags:
                lines.append(f'<node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}">')
                lines += [f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
                lines.append("</node>")
            else:
                lines.append(f'<node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}"/>')
        for wid, refs, tags in out_ways:
            lines.append(f'<way id="{wid}">')
            lines += [f'<nd ref="{r}"/>' for r in refs]
            lines += [f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
            lines.append("</way>")
        lines.append("</osm>")
        return ("\n".join(lines) + "\n").encode("utf-8")


class OverpassStandIn:
    """Start with ``with OverpassStandIn(path) as server: server.url``."""

    def __init__(self, path: Path, *, mode: str = "ok", delay: float = 0.0) -> None:
        self.data = _Data(Path(path))
        self.mode = mode
        self.delay = delay
        self.queries: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                query = parse_qs(body).get("data", [""])[0]
                outer.queries.append(query)
                if outer.mode == "429":
                    self.send_response(429)
                    self.end_headers()
                    return
                if outer.mode == "504":
                    self.send_response(504)
                    self.end_headers()
                    self.wfile.write(b"Gateway Timeout")
                    return
                if outer.mode == "slow":
                    time.sleep(outer.delay)
                m = re.search(r"\[bbox:([-\d.]+),([-\d.]+),([-\d.]+),([-\d.]+)\]", query)
                if not m:
                    self.send_response(400)
                    self.end_headers()
                    self.wfile.write(b"Error: line 1: parse error: no bbox")
                    return
                payload = outer.data.answer(*(float(g) for g in m.groups()))
                self.send_response(200)
                self.send_header("Content-Type", "application/osm3s+xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if outer.mode == "interrupt":
                    self.wfile.write(payload[: len(payload) // 3])
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/api/interpreter"

    def __enter__(self) -> OverpassStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
