"""Staff page "Messages": what the company wrote to its customers, and whether it went out.

The outbox (e-mails and text messages) with each message's state — waiting, sent, failed and
why, cancelled — filtered by state and by request number; "Retry" and "Cancel" on a message;
the counts per state and the health of the worker that sends them (``opms-dispatch worker``,
started by ``make run``). Every section calls one use case of :mod:`dispatch.office.messages_desk`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.messaging.outbox import STATE_LABELS, STATES
from dispatch.office import messages_desk
from dispatch.settings import TZ
from views import _access, _common, _messages

s = _common.settings()
user = _access.require(s, "views/messages.py")
st.title(_("Messages"))
db = _common.database(s)
actor = f"user:{user.username}"

notice = st.session_state.pop("messages_notice", None)
if notice:
    st.success(notice)

c1, c2 = st.columns(2)
state = c1.selectbox(_("State"), ["", *STATES], key="msg_state",
                     format_func=lambda v: _(STATE_LABELS[v]) if v else _("All"))  # fmt: skip
number = c2.text_input(_("Request number"), key="msg_request", placeholder="42")
request_id: int | None = None
if number.strip():
    if number.strip().isdigit():
        request_id = int(number.strip())
    else:
        st.warning(_("The request number is made of digits only."))

board = messages_desk.outbox_board(db, s, state=state or None, request_id=request_id)

# -- counts and the worker --------------------------------------------------------------
cols = st.columns(len(STATES))
for col, name in zip(cols, STATES, strict=True):
    col.metric(_(STATE_LABELS[name]), board.counts.get(name, 0))
for channel in board.waiting_channels:
    if channel == "email" and board.counts.get("queued"):
        st.info(_("No SMTP server is set (Settings → E-mail and SMS): e-mails wait, queued."))
h = board.health
_messages.worker_state(h)
if h.jobs:
    with st.expander(_("Worker jobs"), expanded=any(j.last_error for j in h.jobs)):
        for j in h.jobs:
            line = _("**{job}**: {runs} run(s), last {last}, last success {ok}").format(
                job=messages_desk.job_label(j.name), runs=j.runs, last=messages_desk.ago(j.last_started_at),
                ok=messages_desk.ago(j.last_ok_at),
            )  # fmt: skip
            st.markdown(line)
            if j.last_error:
                st.error(_common.plain(j.last_error))

# -- the messages -------------------------------------------------------------------------
if not board.messages:
    st.info(_("No message in this selection."))
    st.stop()

st.dataframe(
    pd.DataFrame(
        [
            {
                _("No."): m.id, _("Request"): m.request_id, _("Message"): m.event_label,
                _("Channel"): m.channel_label, _("To"): m.recipient, _("State"): m.state_label,
                _("Attempts"): m.attempts, _("Reason"): m.last_error,
                _("Created"): m.created_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M"),
            }
            for m in board.messages
        ]
    ),
    hide_index=True,
    width="stretch",
)  # fmt: skip

actionable = [m for m in board.messages if m.can_retry or m.can_cancel]
if actionable:
    st.subheader(_("Retry or cancel a message"))
    chosen = st.selectbox(
        _("Message"), actionable, key="msg_pick",
        format_func=lambda m: f"{m.id} · {m.event_label} · {m.recipient} · {m.state_label}",
    )  # fmt: skip
    b1, b2 = st.columns(2)
    try:
        if chosen.can_retry and b1.button(_("Retry"), key=f"msg_retry_{chosen.id}", type="primary"):
            messages_desk.retry_message(db, chosen.id, actor=actor)
            st.session_state["messages_notice"] = _("Message {id} queued again.").format(id=chosen.id)
            st.rerun()
        if chosen.can_cancel and b2.button(_("Cancel the message"), key=f"msg_cancel_{chosen.id}"):
            messages_desk.cancel_message(db, chosen.id, actor=actor)
            st.session_state["messages_notice"] = _("Message {id} cancelled.").format(id=chosen.id)
            st.rerun()
    except DispatchError as err:
        _common.error_box(err)
