"""Glue shared by the dashboard pages: settings, the cached region, maps, French formats.

Pages stay thin: they read widgets, call one use case of :mod:`dispatch.office` per user
action (storage is reached only through them), and render with :mod:`maps` through the
helpers here; product errors are shown translated (:func:`error_box`). Nothing in this module
holds business rules.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import streamlit as st
from babel import UnknownLocaleError
from babel.dates import format_date

from dispatch.errors import DispatchError
from dispatch.i18n import _, active_language
from dispatch.settings import load_settings

# The road network, the maps and the database are imported where they are used (lazily): the
# first page of a fresh server (the login form) then shows in about a second instead of
# waiting for numpy, pandas, shapely and folium (measured: 1.6 s of the 2.3 s import).

PUBLIC_PAGES = ("views/coverage.py", "views/request.py")
WELCOME_PAGE = "views/welcome.py"

_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)
NBSP = "\u00a0"
_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


#: Query parameter of the public (website iframe) mode: ``?embed=true&public=1``.
PUBLIC_PARAM = "public"


def public_mode() -> bool:
    """True when the page is shown in the website's iframe (public pages only, no menu)."""
    return str(st.query_params.get(PUBLIC_PARAM, "")).lower() in {"1", "true", "oui"}


def public_params() -> dict[str, str]:
    """Query parameters that keep the public mode on links between public pages."""
    return {PUBLIC_PARAM: "1"} if public_mode() else {}


def settings() -> Any:
    """The settings in force (``$OPMS_CONFIG`` / ``<data dir>/settings.toml`` / environment)."""
    return load_settings()


def region_names(s: Any) -> list[str]:
    """Names of the regions built in the data directory."""
    from dispatch.geo.region import list_regions

    return [r["name"] for r in list_regions(settings=s) if r.get("name")]


def region_name(s: Any) -> str | None:
    """The region the dashboard works on: the chosen one, the default one, else the first."""
    names = region_names(s)
    chosen = st.session_state.get("region_name")
    if chosen in names:
        return chosen
    if s.general.default_region in names:
        return s.general.default_region
    return names[0] if names else None


@st.cache_resource(show_spinner=False)
def _load_region(name: str, data_dir: str, _settings: Any, built_at: str) -> Any:
    from dispatch.geo.region import load_region

    return load_region(name, settings=_settings)


def region(s: Any) -> Any | None:
    """The loaded region (cached for the process), or ``None`` when none is built."""
    name = region_name(s)
    if name is None:
        return None
    from dispatch.geo.region import list_regions

    built = next((r for r in list_regions(settings=s) if r["name"] == name), {})
    with st.spinner(_("Loading the region…")):  # shown only when loading takes time
        return _load_region(name, str(s.data_dir), s, str(built.get("built_at", "")))


def require_region(s: Any) -> Any:
    """The region, or a French notice pointing to "Premiers pas" and ``st.stop()``."""
    reg = region(s)
    if reg is None and public_mode():
        st.info(_("This service is not available at the moment. Call us, we will answer you."))
        st.stop()
    if reg is None:
        st.info(
            _(
                "No region is built yet. Open **Home** to load the road map of your territory "
                "(OpenStreetMap file `.osm` or `.osm.pbf`)."
            )
        )
        st.page_link(WELCOME_PAGE, label=_("Go to the home page"), icon=":material/flag:")
        st.stop()
    return reg


def database(s: Any) -> Any:
    """The opened, migrated database (cached for the process)."""
    return _database(s.database_url, s)


@st.cache_resource(show_spinner=False)
def _database(url: str, _settings: Any) -> Any:
    from dispatch.office import desk

    return desk.open_database(_settings, url)


def static_base_url() -> str:
    """Where the vendored map assets are served (honours ``server.baseUrlPath``)."""
    from maps.assets import DASHBOARD_BASE_URL  # the maps package imports folium: lazily

    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}{DASHBOARD_BASE_URL}" if base else DASHBOARD_BASE_URL


def show_map(m: Any, *, key: str, height: int = 520) -> None:
    """Render a Folium map (made by :mod:`maps`) with ``st_folium``, no round trips on pan."""
    from streamlit_folium import st_folium

    st_folium(m, key=key, height=height, width="stretch", returned_objects=[])


def money(amount: Any) -> str:
    """``1234.5`` -> ``1 234,50 $`` (Québec format)."""
    d = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if d < 0 else ""
    whole, cents = f"{abs(d):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{NBSP.join(groups)},{cents}{NBSP}$"


def km(value: Any) -> str:
    """``12.345`` -> ``12,3 km``."""
    return f"{float(value):.1f}".replace(".", ",") + "\u00a0km"


def minutes(value: Any) -> str:
    """``75`` -> ``1 h 15``; ``12`` -> ``12 min``."""
    total = round(float(value))
    if total < 60:
        return f"{total}\u00a0min"
    return f"{total // 60}\u00a0h\u00a0{total % 60:02d}"


def long_date(d: date | datetime) -> str:
    """``2026-11-26`` -> ``jeudi 26 novembre 2026`` (``Thursday 26 November 2026`` in ``en``)."""
    language = active_language()
    if language.startswith("fr"):
        return f"{_DAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}"
    try:
        return format_date(d, "EEEE d MMMM y", locale=language)
    except (ValueError, UnknownLocaleError):  # a language Babel does not know: the source's
        return format_date(d, "EEEE d MMMM y", locale="en")


def hhmm(t: datetime | None) -> str:
    """``09:05`` -> ``9 h 05`` (Québec style)."""
    if t is None:
        return "—"
    return f"{t.hour}\u00a0h\u00a0{t.minute:02d}"


#: Every ASCII punctuation character: CommonMark lets each be escaped with a backslash.
_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
#: Line breaks and the other whitespace that could start a Markdown block (list, code, table).
_MD_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")
#: Invisible, not a line break point: splits the patterns Streamlit turns into elements
#: *after* parsing (on the text, where backslash escapes are already resolved).
WORD_JOINER = "\u2060"
_MD_TEXT_PATTERNS = (
    # GFM autolink literals (``http://``, ``www.``, ``x@y.z``, ``mailto:``) and Streamlit's
    # shortcodes (``:material/icon:``, ``:streamlit:``, emoji ``:smile:``, ``:red[...]``):
    # a word joiner after a colon followed by something other than a plain number (10:30)
    (re.compile(r"(?<=:)(?=\S)(?!\d+(?:[^\d:]|$))"), WORD_JOINER),
    (re.compile(r"(?<=www)(?=\.)", re.IGNORECASE), WORD_JOINER),
    (re.compile(r"(?=@)"), WORD_JOINER),
    # Streamlit's typographic symbols (``->`` ``<-`` ``<->`` ``--`` ``>=`` ``<=`` ``~=``
    # between spaces become arrows and dashes)
    (re.compile(r"(?<!\S)([<>~-])(->|[->=])(?!\S)"), r"\1" + WORD_JOINER + r"\2"),
)


def plain(text: object) -> str:
    r"""Text a person typed (or stored data), made inert for Streamlit's Markdown.

    For every Markdown body of Streamlit (``st.markdown``, ``st.write``, ``st.error`` and the
    other alerts, ``st.caption``, and the labels of expanders, tabs and widgets): the text
    shows as typed, never as a link, image, heading, list, table, code, formula, icon, emoji
    or HTML. Every ASCII punctuation character is backslash-escaped; line breaks become
    spaces (one line: no block can start); a word joiner (U+2060, invisible) splits the
    patterns Streamlit links or replaces on the parsed text (``http://``, ``www.``, ``@``,
    ``:shortcode:``, ``->``). Not for ``st.text``, ``st.code``, tables or widget options,
    which show text as it is.

    Examples
    --------
    >>> print(plain("[Payez](http://x.example)").replace(WORD_JOINER, "+"))
    \[Payez\]\(http\:+\/\/x\.example\)
    """
    out = _MD_BREAKS.sub(" ", str(text))
    for pattern, joined in _MD_TEXT_PATTERNS:
        out = pattern.sub(joined, out)
    return _MD_PUNCTUATION.sub(r"\\\1", out)


def error_text(err: Exception) -> str:
    """A product error's message as people read it (translated into ``general.language``)."""
    return err.localized() if isinstance(err, DispatchError) else str(err)


def error_box(err: Exception) -> None:
    """Show a product error (its message says how to fix it) without a traceback.

    The message may quote what a person typed (an address, an amount): it is shown as text
    (:func:`plain`), never as Markdown.
    """
    st.error(plain(error_text(err)))


#: Widths (px) up to which the page is laid out for a phone (Streamlit stacks columns below 640
#: px and shows the sidebar over the page below 768 px).
PHONE_MAX_WIDTH = 768

#: Page CSS for phone widths: nothing wider than the screen, so nothing scrolls sideways.
PHONE_CSS = f"""<style>
/* at every width: Streamlit's keyboard hints under a field being typed in are English
   ("Press Enter to apply", "Press Ctrl+Enter to submit form"); the buttons say what to do */
[data-testid="InputInstructions"] {{ display: none; }}
@media (max-width: {PHONE_MAX_WIDTH}px) {{
  [data-testid="stMainBlockContainer"] {{ padding-left: 0.75rem; padding-right: 0.75rem;
    max-width: 100vw; }}
  [data-testid="stMain"] {{ overflow-x: hidden; }}
  /* tab names wrap onto a second line instead of a strip that scrolls and cuts them */
  [data-testid="stTabs"] [role="tablist"] {{ flex-wrap: wrap; overflow-x: visible !important;
    row-gap: 0.25rem; }}
  [data-testid="stTabs"] [data-testid="stTab"] {{ white-space: normal; flex-shrink: 1; }}
  [data-testid="stTabs"] [data-testid="stTab"][aria-selected="true"] {{
    border-bottom: 2px solid currentColor; }}
  /* tables written in Markdown or with st.table wrap their cells */
  [data-testid="stMarkdownContainer"] table, [data-testid="stTable"] table {{
    table-layout: auto; width: 100%; }}
  [data-testid="stMarkdownContainer"] td, [data-testid="stMarkdownContainer"] th,
  [data-testid="stTable"] td, [data-testid="stTable"] th {{
    white-space: normal; overflow-wrap: anywhere; }}
  [data-testid="stTable"] {{ overflow-x: visible; }}
  /* long words, addresses and code wrap */
  [data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"],
  [data-testid="stAlertContentInfo"], [data-testid="stAlertContentWarning"] {{
    overflow-wrap: anywhere; }}
  [data-testid="stMarkdownContainer"] pre, [data-testid="stCode"] pre {{
    white-space: pre-wrap; overflow-wrap: anywhere; }}
  /* widgets and metrics never wider than the screen */
  [data-testid="stMetric"] {{ min-width: 0; }}
  [data-testid="stDataFrame"], [data-testid="stIFrame"], iframe {{ max-width: 100%; }}
}}
</style>"""

#: Closes the sidebar after a page is chosen in its menu, on phone widths (where the sidebar
#: covers the page). Streamlit changes pages without reloading, so the menu would stay open.
CLOSE_MENU_JS = f"""<script>
(() => {{
  if (window.__opmsCloseMenu) return;
  window.__opmsCloseMenu = true;
  const phone = window.matchMedia("(max-width: {PHONE_MAX_WIDTH}px)");
  document.addEventListener("click", (event) => {{
    const link = event.target.closest && event.target.closest('[data-testid="stSidebarNav"] a');
    if (!link || !phone.matches) return;
    window.setTimeout(() => {{
      const box = document.querySelector('[data-testid="stSidebarCollapseButton"]');
      const button = box && (box.querySelector("button") || box);
      if (button) button.click();
    }}, 0);
  }}, true);
}})();
</script>"""


def phone_layout(*, menu: bool = True) -> None:
    """Lay the page out for phones: :data:`PHONE_CSS`, and (``menu``) :data:`CLOSE_MENU_JS`.

    Called once per run by the router (``app.py``), before the page; the script is our own
    constant text (never anything typed), placed in the sidebar so it takes no room on the page.
    """
    st.html(PHONE_CSS)
    if menu:
        st.sidebar.html(CLOSE_MENU_JS, unsafe_allow_javascript=True)
