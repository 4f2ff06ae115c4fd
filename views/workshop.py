"""Staff page "Atelier": the devices taken to the workshop, their state and history.

Each device is received (with a receipt signed at the customer's), then being repaired, then
ready: the return visit then appears in the office's call list (Répartition), is booked and
routed like any visit, and the device is returned once tested at the customer's home
(Technicien page). The buttons here move a device to "being repaired" or "ready".
"""

from __future__ import annotations

import streamlit as st

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.office import planning, visit_papers, workshop_desk
from views import _access, _common

s = _common.settings()
user = _access.require(s, "views/workshop.py")
st.title(_("Workshop"))
db = _common.database(s)
actor = f"user:{user.username}"

states = ["received", "repairing", "ready", "returned"]
shown = st.multiselect(_("States shown"), states, default=["received", "repairing", "ready"],
                       format_func=workshop_desk.state_label, key="ws_states")
items = workshop_desk.workshop_board(db, states=shown)
if not items:
    st.info(_("No device in the workshop in these states. A device comes in when a customer "
              "accepts the estimate with the workshop (Technician page)."))
    st.stop()

_NEXT = {"received": ("repairing", "ready"), "repairing": ("ready",)}
_BUTTONS = {"repairing": _("Start the repair"), "ready": _("Ready: book the return visit")}

for item in items:
    _access.viewed(s, user, "request", item.request_id, page="atelier")
    title = _("Request {rid} — {name} — {device}: {state}").format(
        rid=item.request_id, name=_common.plain(item.customer_name),
        device=_common.plain(item.device or _("device")), state=workshop_desk.state_label(item.state),
    )
    with st.expander(title, expanded=item.state != "returned", key=f"ws_item_{item.id}"):
        st.write(_("Serial: {serial}  \nAccessories: {accessories}").format(
            serial=_common.plain(item.serial or "—"), accessories=_common.plain(item.accessories or "—")))
        st.markdown("\n".join(
            f"- {e.at.astimezone(planning.TZ):%Y-%m-%d %H:%M} · {workshop_desk.state_label(e.state)}"
            f" · {_common.plain(e.actor)}" + (f" · {_common.plain(e.note)}" if e.note else "")
            for e in item.history
        ))
        note = ""
        if item.state in _NEXT:
            note = st.text_input(_("Note (optional)"), key=f"ws_note_{item.id}")
        for target in _NEXT.get(item.state, ()):
            if st.button(_BUTTONS[target], key=f"ws_{target}_{item.id}", type="primary"):
                try:
                    workshop_desk.advance(db, item.request_id, target, actor=actor, note=note, settings=s)
                except DispatchError as err:
                    _common.error_box(err)
                else:
                    st.rerun()
        if item.state == "ready":
            st.caption(_("The return visit is in the call list of the Dispatch page: book it there."))
        st.download_button(_("Download the workshop receipt (PDF)"),
                           lambda rid=item.request_id: visit_papers.workshop_receipt_pdf(db, rid, settings=s),
                           file_name=f"recu-atelier-{item.request_id}.pdf", mime="application/pdf",
                           key=f"ws_pdf_{item.id}")
