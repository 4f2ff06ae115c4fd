"""Booking a request in one screen, on "Répartition › Demandes à contacter".

Helpers of :mod:`views.dispatcher` only. For each request waiting for its first call the
office sees who, where, the zone and the fee, the problem; one button ranks the best windows
from the page's day on (:func:`dispatch.office.booking_screen.booking_options`: free two-hour
windows, by the drive time they add, with the technician), and each window is booked with one
click; the confirmation stays on screen after the page reloads. The other outcomes of a call
(message left, moved, cancelled), or a window chosen by hand, are recorded below.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.office import booking, booking_screen, calls, labels, slots
from views import _access, _common, _dates, _messages

#: Session key of the confirmation shown after a booking (kept across the rerun).
DONE_KEY = "booking_done"


def _options_key(request_id: int) -> str:
    return f"b_opts_{request_id}"


def _window_text(o: booking_screen.WindowOption) -> str:
    return _("{day}, {start} – {end}").format(
        day=_dates.day_label(o.day), start=_common.hhmm(o.window_start), end=_common.hhmm(o.window_end)
    )


def _suggestions(s: Any, db: Any, region: Any, item: calls.CallItem, *, day: date) -> None:
    key = _options_key(item.request_id)
    if st.button(
        _("Propose the best windows"), key=f"b_go_{item.request_id}", type="primary",
        icon=":material/event_available:",
        help=_("The windows from the chosen day on where this visit adds the least driving."),
    ):
        try:
            with st.spinner(_("Computing the windows…")):
                st.session_state[key] = (day, booking_screen.booking_options(db, region, s, item.request_id, start=day))
        except DispatchError as err:
            _common.error_box(err)
    stored = st.session_state.get(key)
    if stored is None or stored[0] != day:
        return
    screen: booking_screen.RequestBooking = stored[1]
    if not screen.placed:
        st.warning(_("This address has no position on the map: choose a window by hand below and "
                     "check the address with the customer."))
        return
    if not screen.options:
        st.warning(_("No free window from {day} over {count} working days.").format(
            day=_common.long_date(screen.days[0]), count=len(screen.days)))
        return
    for o in screen.options:
        with st.container(border=True):
            c1, c2 = st.columns([4, 1], vertical_alignment="center")
            c1.markdown(
                _("**{rank}.** {window} · {technician} · +{added} of driving").format(
                    rank=o.rank, window=_window_text(o), technician=_common.plain(o.technician),
                    added=_common.minutes(o.added_min),
                )
            )
            if c2.button(_("Book"), key=f"b_book_{item.request_id}_{o.key}", icon=":material/check:"):
                try:
                    done = booking_screen.book_option(db, item.request_id, o, actor="répartition", settings=s)
                except DispatchError as err:
                    _common.error_box(err)
                else:
                    st.session_state.pop(key, None)
                    st.session_state[DONE_KEY] = _("{customer}: {message}").format(
                        customer=item.name, message=done.message()
                    )
                    st.rerun()


def _by_hand(s: Any, db: Any, item: calls.CallItem, *, day: date, user: Any = None) -> None:
    rid = item.request_id
    st.caption(_("Or record the call by hand:"))
    admin = getattr(user, "role", "") == "admin"
    # an administrator may record a visit already made (a window in the past: forced, audited)
    past = admin and st.checkbox(_("Record a visit already made (past date, administrator)"),
                                 key=f"c_past_{rid}")
    c1, c2, c3 = st.columns(3)
    d = _dates.day_picker(
        _("Day"), _dates.days_around(day, before=60 if past else 0, after=60, weekends=False),
        key=f"c_day_{rid}_past" if past else f"c_day_{rid}", default=day, container=c1,
    )
    h = c2.selectbox(_("Window"), list(booking.CALL_WINDOWS), key=f"c_win_{rid}")
    outcome = c3.selectbox(_("Outcome"), list(calls.OUTCOMES), format_func=calls.outcome_label,
                           key=f"c_out_{rid}")
    if st.button(_("Record the call"), key=f"c_save_{rid}"):
        try:
            booking.record_contact_call(db, rid, outcome, day=d or day, window=h, actor="répartition", settings=s,
                                        force=bool(past), user=user)
        except DispatchError as err:
            _common.error_box(err)
        else:
            if outcome in ("reached", "rescheduled"):
                text = _("Appointment booked: {day}, {window}.").format(day=_common.long_date(d or day), window=h)
            else:
                text = _("Call recorded: {outcome}.").format(outcome=calls.outcome_label(outcome))
            st.session_state[DONE_KEY] = _("{customer}: {message}").format(customer=item.name, message=text)
            st.rerun()


def requests_to_book(s: Any, user: Any, db: Any, region: Any, *, day: date) -> None:
    """The "Demandes à contacter" tab: each request, its best windows, one click to book."""
    done = st.session_state.pop(DONE_KEY, None)
    if done:
        st.success(_common.plain(done), icon=":material/event_available:")
    items = slots.call_list(db)  # the windows picked by customers first, as tentative
    if not items:
        st.info(_("No request to call back."))
        return
    st.caption(_("Windows proposed from {day} (the day chosen above).").format(day=_common.long_date(day)))
    for item in items:
        fee = _("on estimate") if item.travel_fee is None else _common.money(item.travel_fee)
        title = f"{_common.plain(item.name)} — {_common.plain(item.address)}"
        if item.window_start is not None and item.window_end is not None:
            picked = _("window picked by the customer, to be confirmed: {window}")
            title += " — " + picked.format(window=slots.slot_label(item.window_start, item.window_end))
        with st.expander(title, expanded=len(items) == 1):
            _access.viewed(s, user, "request", item.request_id, page="repartition")
            st.write(
                _("Phone: {phone} · Email: {email} · Zone: {zone} · Travel: {fee}").format(
                    phone=_common.plain(item.phone or "—"), email=_common.plain(item.email or "—"),
                    zone=labels.zone_label(item.zone), fee=fee,
                )
            )
            st.write(_("Problem: {problem}").format(problem=_common.plain(item.problem or "—")))
            if item.desired_date:
                st.caption(_("Desired date: {day}").format(day=_dates.day_label(item.desired_date)))
            _messages.request_messages(db, item.request_id)
            _suggestions(s, db, region, item, day=day)
            _by_hand(s, db, item, day=day, user=user)
