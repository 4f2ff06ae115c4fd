"""Small OSM XML files written by tests (synthetic networks with known answers)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr


def write_osm(path: Path, nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict]],
              *, node_tags: dict[int, dict] | None = None) -> Path:
    """Write an OSM XML file: nodes {id: (lat, lon)}, ways [(id, [node ids], tags)]."""
    node_tags = node_tags or {}
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="tests">']
    for nid, (lat, lon) in nodes.items():
        tags = node_tags.get(nid, {})
        if tags:
            out.append(f'<node id="{nid}" lat="{lat}" lon="{lon}">')
            out += [f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
            out.append("</node>")
        else:
            out.append(f'<node id="{nid}" lat="{lat}" lon="{lon}"/>')
    for wid, refs, tags in ways:
        out.append(f'<way id="{wid}">')
        out += [f'<nd ref="{r}"/>' for r in refs]
        out += [f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        out.append("</way>")
    out.append("</osm>")
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def grid(lat0: float = 45.75, lon0: float = -73.60, step: float = 0.002, size: int = 4):
    """Node coordinates of a size x size grid; ids r*100+c+1."""
    return {r * 100 + c + 1: (lat0 + r * step, lon0 + c * step) for r in range(size) for c in range(size)}
