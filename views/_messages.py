"""Pieces of the messaging shown on several pages: the short "Messages sent" list of one
request (the call list of Répartition; the whole outbox is on the "Messages" page) and the
worker's state (Messages and Paramètres)."""

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


def worker_state(h: Any, *, running: Any = st.caption) -> None:
    """Whether the worker runs (``running`` shows the good news: a caption or a success box),
    or a warning that messages wait."""
    if h.heartbeat_at is None:
        st.warning(_("The worker has never run: messages wait until `opms-dispatch worker` is started "
                     "(`make run` starts it)."))  # fmt: skip
    elif not h.alive:
        st.warning(_("The worker is stopped (last sign of life {ago}): messages wait.").format(
            ago=messages_desk.ago(h.heartbeat_at)))  # fmt: skip
    else:
        running(_("Worker running (pid {pid} on {host}), last sign of life {ago}.").format(
            pid=h.pid, host=_common.plain(h.host), ago=messages_desk.ago(h.heartbeat_at)))  # fmt: skip
