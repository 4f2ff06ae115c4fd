"""Staff page "À distance": remote-support sessions, from the office.

A request marked "à distance" (or any open request converted on the phone call) is served
without travel: the customer's consent is recorded (the wording below), the session is timed
on the server like a diagnostic, and it ends by the technician or "interrompue par le client".
The invoice (no travel line, no compensation) is then shown for confirmation, issued and paid.
The one-time password of the remote-control tool is never asked for here.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dispatch import records
from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.office import billing_desk, remote_support, visits
from views import _access, _common
from views import _visit_widgets as w

s = _common.settings()
user = _access.require(s, "views/remote.py")
st.title(_("Remote support"))
db = _common.database(s)
actor = f"user:{user.username}"


def _open_requests() -> list[Any]:
    """Requests that can start a remote session (not yet on site), the remote ones first."""
    out = [r for state in ("requested", "contacted") for r in records.list_requests(db, state=state)]
    return sorted(out, key=lambda r: (not r.remote_ok, r.id))


def _of(state: str) -> list[Any]:
    return records.list_requests(db, state=state)


def _show_clock(rid: int) -> None:
    reading = visits.clock_reading(db, rid)
    st.metric(_("Session time"), w.clock_text(reading.elapsed_s))


st.subheader(_("Start a session"))
candidates = _open_requests()
if not candidates:
    st.info(_("No open request. A request marked « remote » comes from the form or a call."))
else:
    def _label(r: Any) -> str:
        tag = _("remote") if r.remote_ok else _("to convert")
        return _("Request {rid} — {name} ({tag})").format(rid=r.id, name=r.customer.name, tag=tag)

    pick = st.selectbox(_("Request"), candidates, format_func=_label, key="remote_pick")
    st.caption(_common.plain(pick.problem or "—"))
    st.info(_(remote_support.CONSENT_TEXT))
    consent = st.checkbox(_("The customer agrees (consent recorded)"), key=f"remote_consent_{pick.id}")
    if st.button(_("Start the remote session"), key="remote_start", type="primary"):
        try:
            remote_support.start_session(db, pick.id, consent=consent, actor=actor)
        except DispatchError as err:
            _common.error_box(err)
        else:
            st.rerun()

running = _of("remote_session")
if running:
    st.subheader(_("Sessions in progress"))
for req in running:
    with st.container(border=True, key=f"remote_run_{req.id}"):
        _access.viewed(s, user, "request", req.id, page="a-distance")
        st.write(_("**Request {rid}** — {name}").format(rid=req.id, name=_common.plain(req.customer.name)))
        st.fragment(_show_clock, run_every=3)(req.id)
        c1, c2 = st.columns(2)
        stop = c1.button(_("End the session"), key=f"remote_stop_{req.id}", type="primary")
        cut = c2.button(_("Interrupted by the customer"), key=f"remote_cut_{req.id}")
        if stop or cut:
            try:
                remote_support.stop_request_session(db, req.id, interrupted=cut, actor=actor)
            except DispatchError as err:
                _common.error_box(err)
            else:
                st.rerun()

ended = _of("remote_completed") + _of("remote_interrupted")
if ended:
    st.subheader(_("Sessions to invoice"))
for req in ended:
    with st.container(border=True, key=f"remote_end_{req.id}"):
        st.write(_("**Request {rid}** — {name}: {state}").format(
            rid=req.id, name=_common.plain(req.customer.name), state=visits.state_label(req.state)))
        w.invoice_step(db, s, req.id, actor=actor, key=f"remote_inv_{req.id}", on_done=st.rerun)

open_invoices = [
    inv for req in _of("invoiced") if any(v.kind == "remote" for v in records.visits_of(db, req.id))
    for inv in billing_desk.request_invoices(db, req.id) if inv.balance > 0
]
if open_invoices:
    st.subheader(_("Payments"))
for inv in open_invoices:
    with st.container(border=True, key=f"remote_pay_{inv.number}"):
        w.invoice_block(db, s, inv, actor=actor, key=f"remote_pay_{inv.number}", on_done=st.rerun)
