"""The week's board of "Répartition › Semaine": a column per day, cards dragged from day to day.

Helper of :mod:`views._week` only. The board is a small local Streamlit component
(``views/components/week_board/index.html``: HTML5 drag and drop for the mouse, pointer events
for a finger, a card then a day by tap or keyboard; Streamlit's component protocol written by
hand, no npm, no outside request). Its data is :func:`dispatch.office.week_planning.board_columns`;
every text it shows is translated here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from dispatch.i18n import _
from dispatch.office.week_planning import BoardColumn, WeekProposal, board_columns, day_label
from maps.builders import technician_color
from views import _common

_COMPONENT_DIR = Path(__file__).resolve().parent / "components" / "week_board"
_board = components.declare_component("opms_week_board", path=str(_COMPONENT_DIR))

#: Session key: the nonce of the last drop acted on.
HANDLED_KEY = "week_board_nonce"


def _column(column: BoardColumn, colors: dict[str, str]) -> dict[str, Any]:
    totals = column.totals
    return {
        "day": column.day.isoformat() if column.day is not None else None,
        "label": day_label(column.day) if column.day is not None else _("Not placed"),
        "totals": "" if totals is None else _("{placed} placed, {booked} booked, {minutes} of driving").format(
            placed=totals.placed, booked=totals.booked, minutes=_common.minutes(totals.travel_min)),
        "cards": [{"request_id": c.request_id, "customer": c.customer, "address": c.address,
                   "technician": c.technician, "color": colors.get(c.technician, ""), "fixed": c.fixed}
                  for c in column.cards],
    }


def board_args(proposal: WeekProposal) -> dict[str, Any]:
    """The component's arguments: the columns and the board's texts, in the active language."""
    colors = {name: technician_color(i) for i, name in enumerate(proposal.technicians.values())}
    return {
        "columns": [_column(c, colors) for c in board_columns(proposal)],
        "labels": {
            "hint": _("Drag a request onto another day to plan the week again (or tap the request, then the day)."),
            "armed": _("{customer}: now tap the day to move it to (Escape to cancel)."),
            "fixed": _("Booked appointment"),
            "empty": _("No visit"),
            "moving": _("Planning the week…"),
        },
    }


def week_board(proposal: WeekProposal, *, key: str = "week_board") -> tuple[int, date] | None:
    """Draw the board; the request dropped on a day since the last call, ``(request id, day)``.

    A drop is given once: its nonce is kept in the session (:data:`HANDLED_KEY`).
    """
    handled = st.session_state.get(HANDLED_KEY)
    value = _board(**board_args(proposal), handled=handled, key=key, default=None)
    if not isinstance(value, dict) or value.get("nonce") in (None, handled):
        return None
    st.session_state[HANDLED_KEY] = value["nonce"]
    try:
        return int(value["request_id"]), date.fromisoformat(str(value["day"]))
    except (KeyError, TypeError, ValueError):
        return None  # a malformed value: nothing moved
