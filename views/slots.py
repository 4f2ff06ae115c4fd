"""Public page "Choisir une plage" (``/creneau?t=TOKEN``): the customer's own link, no login.

Opened after the request form (its button carries the signed token) or from the link of an
e-mail: without a time set, it offers the best windows of the next working days and books the
one picked as tentative (the office's call makes it final); with a time set, it shows it and
lets the customer confirm it, ask to move it (another window) or cancel it: before the
cancellation is confirmed, the page says whether it is late (inside the notice) and the fee.
Everything is done by :mod:`dispatch.office.customer_link` and :mod:`dispatch.office.slots`;
the token names one request only.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.office import customer_link, slots
from views import _common

s = _common.settings()
st.title(_("Choose the time of the visit"))
db = _common.database(s)
token = str(st.query_params.get(customer_link.TOKEN_PARAM, "") or "")
if not token:
    st.info(_("Open this page with the link received after your request (or in our e-mail)."))
    st.page_link("views/request.py", label=_("Make a service request"), icon=":material/edit_note:",
                 query_params=_common.public_params())
    st.stop()

try:
    view = customer_link.link_view(db, s, token)
except DispatchError as err:
    _common.error_box(err)
    st.stop()

SLOTS_KEY = f"slots_{view.request_id}"
MOVE_KEY = f"slots_move_{view.request_id}"
CANCEL_KEY = f"slots_cancel_{view.request_id}"
DONE_KEY = f"slots_done_{view.request_id}"

done = st.session_state.pop(DONE_KEY, None)
if done:
    st.success(_common.plain(done))


def _offered() -> list[Any]:
    """The windows offered (computed once per visit of the page, kept in the session)."""
    if SLOTS_KEY not in st.session_state:
        region = _common.require_region(s)
        with st.spinner(_("Looking for the best times…")):
            st.session_state[SLOTS_KEY] = slots.slots_for_request(db, region, s, view.request_id)
    found: list[Any] = st.session_state[SLOTS_KEY]
    return found


def _choose(*, move: bool) -> None:
    """The windows as buttons; a click books (or moves to) that window."""
    try:
        found = _offered()
    except DispatchError as err:
        _common.error_box(err)
        return
    if not found:
        st.info(_("No free time found in the next days: we will call you to agree on one."))
        return
    st.write(_("Our best times (the office confirms it by phone):"))
    for slot in found:
        if st.button(slot.label, key=f"slot_{view.request_id}_{slot.number}", icon=":material/event:"):
            try:
                if move:
                    customer_link.ask_to_move(db, s, token, slot=slot)
                else:
                    region = _common.require_region(s)
                    slots.pick_slot(db, region, s, view.request_id, slot.number, slots=found)
            except DispatchError as err:
                _common.error_box(err)
                st.session_state.pop(SLOTS_KEY, None)  # taken meanwhile: offer fresh ones
                return
            st.session_state.pop(SLOTS_KEY, None)
            st.session_state.pop(MOVE_KEY, None)
            st.session_state[DONE_KEY] = _("Chosen: {label}. We will call you to confirm it.").format(
                label=slot.label)
            st.rerun()


st.write(_("Request no. {id} — {name}").format(id=view.request_id, name=_common.plain(view.name)))

if view.state == "cancelled":
    st.warning(_("This request is cancelled."))
    st.stop()
if not view.cancellable:
    st.info(_("The visit has started or is done: call us for any change."))
    st.stop()

if view.appointment_id is None:
    _choose(move=False)
    st.stop()

status = {
    slots.TENTATIVE: _("chosen, to be confirmed by our call"),
    "scheduled": _("agreed with the office"),
    "confirmed": _("confirmed"),
}.get(view.status or "", view.status or "")
st.subheader(_("Your appointment: {label}").format(label=view.label))
st.caption(_("Status: {status}").format(status=status))
if view.confirmed_by_customer:
    st.caption(_("You confirmed this time. Thank you!"))
if view.move_asked:
    st.caption(_("You asked to move this appointment: we will call you."))

c1, c2, c3 = st.columns(3)
if c1.button(_("I confirm this time"), key="link_confirm", icon=":material/check:",
             disabled=view.confirmed_by_customer):
    try:
        customer_link.confirm_by_link(db, s, token)
    except DispatchError as err:
        _common.error_box(err)
    else:
        st.session_state[DONE_KEY] = _("Thank you, your confirmation is noted.")
        st.rerun()
if c2.button(_("Change the time"), key="link_move", icon=":material/edit_calendar:"):
    st.session_state[MOVE_KEY] = True
    st.session_state.pop(CANCEL_KEY, None)
if c3.button(_("Cancel the appointment"), key="link_cancel", icon=":material/event_busy:"):
    st.session_state[CANCEL_KEY] = True
    st.session_state.pop(MOVE_KEY, None)

if st.session_state.get(MOVE_KEY):
    _choose(move=True)

if st.session_state.get(CANCEL_KEY):
    if view.cancellation == "late":
        fee = _common.money(view.late_fee) if view.late_fee is not None else None
        text = (
            _("Cancelling now is a late cancellation (less than {hours} h before the visit): a fee "
              "of {fee} applies.").format(hours=view.notice_h, fee=fee)
            if fee else
            _("Cancelling now is a late cancellation (less than {hours} h before the visit).").format(
                hours=view.notice_h)
        )  # fmt: skip
        st.warning(text)
    else:
        st.info(_("Cancelling now is free of charge (more than {hours} h before the visit).").format(
            hours=view.notice_h))
    if st.button(_("Confirm the cancellation"), key="link_cancel_confirm", type="primary"):
        try:
            req = customer_link.cancel_by_link(db, s, token)
        except DispatchError as err:
            _common.error_box(err)
        else:
            st.session_state.pop(CANCEL_KEY, None)
            if req.cancellation == "late" and req.cancellation_fee is not None:
                st.session_state[DONE_KEY] = _("Your appointment is cancelled (late cancellation, fee "
                                               "{fee}).").format(fee=_common.money(req.cancellation_fee))
            else:
                st.session_state[DONE_KEY] = _("Your appointment is cancelled.")
            st.rerun()
