"""The short "Messages sent" list of one request, shown where the office looks at a request
(the call list of Répartition); the whole outbox is on the "Messages" page."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dispatch.i18n import _
from dispatch.office import messages_desk
from dispatch.settings import TZ
from views import _common


def request_messages(db: Any, request_id: int) -> None:
    """One caption line per message of the request (newest first); nothing when none."""
    lines = messages_desk.request_messages(db, request_id)
    if not lines:
        return
    text = "  \n".join(
        f"{m.created_at.astimezone(TZ):%Y-%m-%d %H:%M} · {m.event_label} ({m.channel_label}) · {m.state_label}"
        + (f" — {_common.plain(m.last_error)}" if m.last_error and m.state != "sent" else "")
        for m in lines[:8]
    )
    st.caption(_("**Messages sent**  \n{lines}").format(lines=text))
