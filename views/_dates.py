"""A day picker in French: Streamlit's own date input speaks English.

Streamlit 1.67's ``st.date_input`` draws its calendar in English (month and day names, the
"Choose date" label read aloud) and shows its format (``YYYY/MM/DD``) as placeholder, whatever
the page's language. The pages of this project pick days from a short list instead: a select
box of days written out in the active language (``mardi 8 décembre 2026``), which also works
better on a phone. :func:`day_picker` is that widget.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import streamlit as st

from dispatch.i18n import _
from views import _common


def days_around(center: date, *, before: int = 0, after: int = 60, weekends: bool = True) -> list[date]:
    """The days from ``center - before`` to ``center + after`` (weekends left out if asked)."""
    out = [center + timedelta(days=i) for i in range(-before, after + 1)]
    return [d for d in out if weekends or d.weekday() < 5]


def day_label(d: date | None) -> str:
    """``mardi 8 décembre 2026`` (capitalised), or "No preference" for ``None``."""
    if d is None:
        return _("No preference")
    text = _common.long_date(d)
    return text[:1].upper() + text[1:]


def day_picker(
    label: str,
    days: Sequence[date | None],
    *,
    key: str,
    default: date | None = None,
    container: object = None,
    help: str | None = None,
) -> date | None:
    """A select box of ``days`` written in the active language; returns the day chosen.

    ``default`` is selected at first (the first day when it is not in the list); ``None`` may
    be one of the days (an optional date: "No preference"). The choice is kept in
    ``st.session_state[key]`` like any widget.
    """
    options = list(days)
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]  # a day kept from another list
    index = options.index(default) if default in options else 0
    where = container if container is not None else st
    chosen: date | None = where.selectbox(  # type: ignore[attr-defined]
        label, options, index=index, format_func=day_label, key=key, help=help,
    )
    return chosen
