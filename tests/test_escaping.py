"""Hostile customer text (HTML/JS, formulas) is shown as text in invoices, exports and CSV files.

Already covered elsewhere (not repeated here): invoice name with ``<script>``
(tests/test_documents.py), day sheet customer ``<script>`` (tests/test_exports.py), map popups
with ``<img onerror>`` and template-literal breakouts (tests/maps/test_maps.py::
test_customer_text_in_popups_is_escaped, test_esc_neutralises_html_and_template_literal_breakouts),
CSV cells (tests/test_csvsafe.py). This file adds every payload in every customer field.
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from dispatch.billing import documents as dc
from dispatch.billing import invoices as iv
from dispatch.geo.geocode_csv import write_csv_rows
from dispatch.office.daysheet import SheetStop, day_ics, day_sheet_html
from dispatch.records import TZ
from tests.storage_data import CORE_COVERAGE, diagnosed
from views._common import WORD_JOINER, plain

pytest_plugins = ["tests.storage_support"]

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
PAYLOADS = (IMG, SCRIPT)
MTL = ZoneInfo("America/Montreal")


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_invoice_html_shows_hostile_name_address_and_problem_as_text(payload, db, settings):
    """A customer whose name, address and problem are HTML gets an invoice with no live tag."""
    req = diagnosed(
        db, minutes=45, outcome="workshop_refused", coverage=CORE_COVERAGE,
        name=f"N {payload}", address=f"A {payload}", problem=f"P {payload}",
    )  # fmt: skip
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="x", at=datetime(2026, 12, 3, 15, tzinfo=TZ))
    page = dc.invoice_html(inv, settings=settings)
    assert payload not in page
    assert "<img" not in page and "<script" not in page
    assert _escaped(f"N {payload}") in page and _escaped(f"A {payload}") in page


def _stop(payload: str) -> SheetStop:
    t = datetime(2026, 6, 2, 9, 5, tzinfo=MTL)
    return SheetStop(
        rank=1, eta=t, start=t, end=t.replace(hour=10), window_start=t, window_end=t.replace(hour=11),
        customer=f"C {payload}", phone=f"T {payload}", address=f"A {payload}",
        lat=45.743915, lon=-73.588771, problem=f"P {payload}", travel_min=4.0, km=1.4,
    )  # fmt: skip


@pytest.mark.parametrize("payload", PAYLOADS)
def test_day_sheet_shows_hostile_text_in_every_column_as_text(payload):
    """Customer, phone, address (also in navigation links), problem and technician are escaped."""
    html = day_sheet_html([_stop(payload)], technician=f"Tech {payload}", day=date(2026, 6, 2), company=payload)
    assert payload not in html
    assert "<img" not in html and "<script" not in html
    for prefix in ("C", "T", "A", "P", "Tech"):
        assert _escaped(f"{prefix} {payload}") in html


@pytest.mark.parametrize("payload", [*PAYLOADS, "X\r\nBEGIN:VEVENT\r\nSUMMARY:faux"])
def test_day_ics_keeps_hostile_text_as_one_event_property(payload):
    """The .ics is plain text: payloads (even CRLF + BEGIN:VEVENT) stay inside one property."""
    cal = Calendar.from_ical(day_ics([_stop(payload)], technician="Alex"))
    events = cal.walk("VEVENT")
    assert len(events) == 1
    text = payload.replace("\r\n", "\n")  # line breaks survive as escaped \n inside the value
    assert str(events[0]["summary"]) == f"1. C {text} — A {text}"
    assert str(events[0]["location"]) == f"A {text}"


def test_geocode_csv_writer_neutralises_formulas_in_customer_text(tmp_path):
    """Names/addresses starting with =, +, -, @ are written with a leading apostrophe; numbers stay."""
    out = tmp_path / "out.csv"
    hostile = ['=HYPERLINK("http://x/?"&A1)', "+1+1", "-2+3", "@SUM(A1)", IMG]
    write_csv_rows(out, ["name", "lon"], [{"name": h, "lon": "-73.6"} for h in hostile])
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == ["'" + h for h in hostile[:4]] + [IMG]
    assert {r["lon"] for r in rows} == {"-73.6"}


# --- the dashboard's Markdown (views._common.plain) ------------------------------------------

MARKDOWN_PAYLOADS = {
    "link": "12 rue [Payez ici](http://evil.example/pay)",
    "image": "![x](http://evil.example/x.png)",
    "html": "<img src=x onerror=alert(1)><script>alert(1)</script><a href='http://evil.example'>a</a>",
    "autolink": "<http://evil.example/auto> <pirate@evil.example>",
    "bare urls": "http://evil.example/a HTTPS://evil.example/b www.evil.example WWW.evil.example",
    "e-mail": "pirate@evil.example mailto:pirate@evil.example",
    "heading": "# Titre\n## Sous-titre",
    "setext heading": "Titre\n=====",
    "blocks": "> cite\n- liste\n+ liste\n* liste\n1. liste\n2) liste\n    code\n\tcode\n***\n```\ncode\n```",
    "table": "| a | b |\n|---|---|\n| c | d |",
    "reference link": "[x][1]\n\n[1]: http://evil.example/ref",
    "inline": "**gras** *it* _it_ ~~barré~~ `code` $x^2$ $$y$$ [^1] \\[x](http://evil.example/esc)",
    "streamlit shortcodes": ":material/home: :streamlit: :smile: :100: :red[rouge] :blue-background[b]",
    "typography": "a -> b <- c <-> d -- e >= f <= g ~= h",
    "entities": "&lt;b&gt; &amp; &#60;script&#62; &#x3C;",
    "line separators": "a\r\nb\u2028c\u2029d\x85e\x0bf\x0cg",
}
#: The patterns Streamlit's Markdown turns into elements on the *parsed* text (escapes resolved):
#: GFM autolink literals (mdast-util-gfm-autolink-literal) and Streamlit's own plugins.
_AFTER_PARSING = (
    re.compile(r"(https?://|www(?=\.))", re.IGNORECASE),
    re.compile(r"[-.\w+]@[-\w]"),
    re.compile(r":material/|:streamlit:|:[\w+-][\w+-]*:"),
    re.compile(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)"),
)


def _parsed(escaped: str) -> str:
    """The text CommonMark makes of ``escaped`` (every backslash escape resolved)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", escaped)


@pytest.mark.parametrize("payload", list(MARKDOWN_PAYLOADS.values()), ids=list(MARKDOWN_PAYLOADS))
def test_plain_escapes_every_markdown_and_html_character_of_typed_text(payload):
    """Each ASCII punctuation character is backslash-escaped and the text stays on one line."""
    out = plain(payload)
    unescaped = re.sub(r"\\[!-/:-@\[-`{-~]", "", out)
    assert re.search(r"[!-/:-@\[-`{-~]", unescaped) is None
    assert not any(c in out for c in "\r\n\t\v\f\x85\u2028\u2029")


@pytest.mark.parametrize("payload", list(MARKDOWN_PAYLOADS.values()), ids=list(MARKDOWN_PAYLOADS))
def test_plain_text_shows_as_typed_and_leaves_nothing_to_link_after_parsing(payload):
    """Parsed, the text is the typed one (word joiners aside); no autolink, shortcode, arrow."""
    parsed = _parsed(plain(payload))
    assert parsed.replace(WORD_JOINER, "") == " ".join(re.split(r"[\r\n\t\v\f\x85\u2028\u2029]+", payload))
    for pattern in _AFTER_PARSING:
        assert pattern.search(parsed) is None, pattern.pattern


def test_plain_leaves_ordinary_french_text_and_times_readable():
    """Accents, times and amounts are unchanged once parsed, with no word joiner in 10:30."""
    text = "Mme Côté, 450 555-1234, rendez-vous à 10:30 — 125,50 $ (écran brisé)"
    assert _parsed(plain(text)) == text
    assert plain(7) == "7"
