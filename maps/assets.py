"""Offline web assets for Folium maps.

Stock Folium links Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs;
with no internet the map is a white page (inside ``st_folium`` too). Every map of this
product is made by :func:`offline_map`, which points those links at the copies vendored in
``maps/static`` (see ``maps/static/VENDORED.md``):

- in the dashboard they are served by Streamlit's static serving at ``/app/static/``
  (``static`` beside ``app.py`` is a symbolic link to ``maps/static``);
- in exported files they are inlined (:func:`inline_assets`), so one HTML file works alone.

:func:`external_links` lists every ``http(s)://`` link a map would load; tests assert it is
empty (unless a tile URL is configured).
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import branca.element
import folium
from branca.element import MacroElement
from jinja2 import Template

#: Folder of the vendored files (shipped as package data).
STATIC_DIR = Path(__file__).resolve().parent / "static"

#: URL prefix of Streamlit's static serving (``server.enableStaticServing``).
DASHBOARD_BASE_URL = "/app/static/"

#: Scripts, in load order: (folium's name, path under STATIC_DIR).
JS_ASSETS: tuple[tuple[str, str], ...] = (
    ("leaflet", "leaflet/leaflet.js"),
    ("jquery", "jquery/jquery.min.js"),
    ("bootstrap", "bootstrap/bootstrap.bundle.min.js"),
    ("awesome_markers", "awesome-markers/leaflet.awesome-markers.js"),
)
#: Style sheets: (folium's name, path under STATIC_DIR).
CSS_ASSETS: tuple[tuple[str, str], ...] = (
    ("leaflet_css", "leaflet/leaflet.css"),
    ("bootstrap_css", "bootstrap/bootstrap.min.css"),
    ("awesome_markers_font_css", "fontawesome/css/all.min.css"),
    ("awesome_markers_css", "awesome-markers/leaflet.awesome-markers.css"),
)
#: The smaller set used by exported files (Leaflet, and jQuery for Folium's popups).
CORE_JS = ("leaflet", "jquery")
CORE_CSS = ("leaflet_css",)

#: Always shown in the map's attribution control (ODbL).
OSM_ATTRIBUTION = "© OpenStreetMap contributors"

_URL_IN_TEXT = re.compile(r"""https?://[^\s"'`<>)]+""")


def asset_urls(base_url: str = DASHBOARD_BASE_URL, *, core_only: bool = False) -> tuple[
    list[tuple[str, str]], list[tuple[str, str]]
]:
    """The (name, URL) lists to use as a map's ``default_js`` and ``default_css``.

    Parameters
    ----------
    base_url
        Prefix under which ``maps/static`` is reachable (ends with ``/``).
    core_only
        Only Leaflet, jQuery and Leaflet's style sheet (enough for DivIcon markers).

    Returns
    -------
    tuple
        ``(js, css)`` lists of ``(name, url)``.
    """
    if not base_url.endswith("/"):
        base_url += "/"
    js = [(n, base_url + p) for n, p in JS_ASSETS if not core_only or n in CORE_JS]
    css = [(n, base_url + p) for n, p in CSS_ASSETS if not core_only or n in CORE_CSS]
    return js, css


class LeafletSetup(MacroElement):
    """Leaflet fixes run right after the map is created.

    Gives the default marker icon full URLs (Leaflet otherwise prefixes them with a path it
    guesses from its CSS, which fails when the CSS is inlined or served under another path), always adds the OpenStreetMap
    attribution, even when no tile layer is drawn, and adds a metric scale.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.Icon.Default.prototype._getIconUrl = function (name) {
                return L.Icon.prototype._getIconUrl.call(this, name);
            };
            L.Icon.Default.mergeOptions({{ this.icon_options|tojson }});
            {{ this._parent.get_name() }}.attributionControl.setPrefix(false);
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.attribution|tojson }});
            L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, *, image_base: str, attribution: str = OSM_ATTRIBUTION) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca's MacroElement is unannotated
        self._name = "LeafletSetup"
        self.attribution = attribution
        self.icon_options = {
            "imagePath": "",
            "iconUrl": image_base + "marker-icon.png",
            "iconRetinaUrl": image_base + "marker-icon-2x.png",
            "shadowUrl": image_base + "marker-shadow.png",
        }


def offline_map(
    *,
    location: tuple[float, float] | None = None,
    zoom_start: int = 12,
    base_url: str = DASHBOARD_BASE_URL,
    core_only: bool = False,
    height: str | int = "100%",
    **kwargs: Any,
) -> folium.Map:
    """A Folium map whose scripts and style sheets are the local copies.

    Parameters
    ----------
    location, zoom_start
        Initial view.
    base_url
        Where ``maps/static`` is served (default: Streamlit's ``/app/static/``).
    core_only
        Load only Leaflet and jQuery (exports).
    height
        Map height (CSS).

    Returns
    -------
    folium.Map
        The map, with no tiles and no external link: add the basemap with
        :func:`maps.basemap.add_basemap`.
    """
    m = folium.Map(
        location=list(location) if location else None,
        zoom_start=zoom_start,
        tiles=None,
        control_scale=False,
        height=height,
        zoom_snap=0.25,  # fit the view closely (integer zooms leave wide margins)
        zoom_delta=0.5,
        **kwargs,
    )
    js, css = asset_urls(base_url, core_only=core_only)
    m.default_js = js  # instance attributes win over folium's class-level CDN lists
    m.default_css = css
    m.add_child(LeafletSetup(image_base=_join(base_url, "leaflet/images/")))
    return m


def _join(base: str, path: str) -> str:
    return base + path if base.endswith("/") else base + "/" + path


def _walk(element: branca.element.Element) -> Iterator[branca.element.Element]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def external_links(m: folium.Map | branca.element.Element) -> list[str]:
    """Every ``http(s)://`` (or protocol-relative) URL the map would load.

    Looks at the ``default_js``/``default_css`` of every element (what ``st_folium`` loads)
    and at every URL written in the rendered page (what an exported file loads; strict: a
    plain link counts too). Empty for an offline map.
    """
    links: list[str] = []
    for element in _walk(m):
        for _, url in [*getattr(element, "default_js", []), *getattr(element, "default_css", [])]:
            if re.match(r"^(https?:)?//", url):
                links.append(url)
    html = m.get_root().render()
    links.extend(match.group(0) for match in _URL_IN_TEXT.finditer(html))
    return sorted(set(links))


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".woff2":
        mime = "font/woff2"
    elif path.suffix == ".ttf":
        mime = "font/ttf"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _inline_css(path: Path) -> str:
    text = path.read_text(encoding="utf-8")

    def repl(match: re.Match[str]) -> str:
        ref = match.group(1).strip("'\"")
        if ref.startswith(("data:", "#", "http:", "https:")):
            return match.group(0)
        target = (path.parent / ref).resolve()
        if not target.is_file() or STATIC_DIR not in target.parents:
            return match.group(0)
        if target.suffix == ".ttf":  # woff2 is enough for every current browser
            return "url(data:font/ttf;base64,)"
        return f"url({_data_uri(target)})"

    return re.sub(r"url\(([^)]+)\)", repl, text)


_INLINE_PREFIX = "opms-inline-asset:/"


def inline_assets(m: folium.Map) -> str:
    """Render a map made by :func:`offline_map` as one self-contained HTML document.

    Scripts and style sheets are inlined, and the images and fonts they use become data
    URIs, so the file opens with no network at all.
    """
    saved = (m.default_js, m.default_css)
    setups = [e for e in _walk(m) if isinstance(e, LeafletSetup)]
    saved_icons = [dict(s.icon_options) for s in setups]
    m.default_js = [(n, _INLINE_PREFIX + u.rsplit("/static/", 1)[-1]) for n, u in _relative(saved[0])]
    m.default_css = [(n, _INLINE_PREFIX + u.rsplit("/static/", 1)[-1]) for n, u in _relative(saved[1])]
    for s in setups:
        images = STATIC_DIR / "leaflet" / "images"
        s.icon_options = {
            "imagePath": "",
            "iconUrl": _data_uri(images / "marker-icon.png"),
            "iconRetinaUrl": _data_uri(images / "marker-icon-2x.png"),
            "shadowUrl": _data_uri(images / "marker-shadow.png"),
        }
    try:
        html = m.get_root().render()
    finally:
        m.default_js, m.default_css = saved
        for s, icons in zip(setups, saved_icons, strict=True):
            s.icon_options = icons

    def script(match: re.Match[str]) -> str:
        path = STATIC_DIR / match.group(1)
        code = path.read_text(encoding="utf-8").replace("</script", "<\\/script")
        return f"<script>{code}</script>"

    def style(match: re.Match[str]) -> str:
        css = _inline_css(STATIC_DIR / match.group(1)).replace("</style", "<\\/style")
        return f"<style>{css}</style>"

    prefix = re.escape(_INLINE_PREFIX)
    html = re.sub(rf'<script src="{prefix}([^"]+)"></script>', script, html)
    html = re.sub(rf'<link rel="stylesheet" href="{prefix}([^"]+)"\s*/>', style, html)
    return html


def _relative(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for name, url in pairs:
        rel = dict(JS_ASSETS + CSS_ASSETS).get(name)
        if rel is None:
            msg = f"Cannot inline {url!r}: only the vendored assets of maps/static can be inlined."
            raise ValueError(msg)
        out.append((name, "/static/" + rel))
    return out


__all__ = [
    "CSS_ASSETS",
    "DASHBOARD_BASE_URL",
    "JS_ASSETS",
    "OSM_ATTRIBUTION",
    "STATIC_DIR",
    "LeafletSetup",
    "asset_urls",
    "external_links",
    "inline_assets",
    "offline_map",
]
