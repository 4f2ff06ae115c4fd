"""Rendering of "Répartition › Semaine": the week proposed, a map and totals per day, the moves.

Helper of :mod:`views.dispatcher` only. The rules live in :mod:`dispatch.office.week_planning`
(:func:`~dispatch.office.week_planning.propose_week`, :func:`~dispatch.office.week_planning.move_request`);
the maps are drawn by :func:`maps.builders.day_plan_map` like the day plan's (offline basemap,
vendored Leaflet). A request is moved by dragging its card on the board (:mod:`views._week_board`)
or, without a mouse, with the "Déplacer vers …" form. Nothing is saved: the proposal lives in the
session.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.office import week_planning
from dispatch.office.week_planning import WeekProposal, day_label
from maps.builders import RouteView, StopView, day_plan_map, technician_color
from maps.refit import refit_when_shown
from views import _access, _common
from views._week_board import week_board

if TYPE_CHECKING:
    from dispatch.geo import Region
    from dispatch.records import Database

#: Session keys: the proposal, and the message of the last move that worked.
PROPOSAL_KEY = "week_proposal"
MOVED_KEY = "week_moved"


def _stop(proposal: WeekProposal, visit: str, eta: str) -> StopView | None:
    """A visit of a route as drawn: a booked appointment or a request still to book."""
    booked = proposal.booked.get(visit)
    if booked is not None:
        if booked["lat"] is None or booked["lon"] is None:
            return None
        start, end = booked["window"]
        return StopView(lat=booked["lat"], lon=booked["lon"], title=booked["customer"], eta=eta, lines=(
            booked["address"],
            _("Booked appointment: {start} – {end}").format(start=_common.hhmm(start), end=_common.hhmm(end)),
        ))
    info, place = proposal.requests.get(visit), proposal.places.get(visit)
    if info is None or place is None:
        return None
    return StopView(lat=place[0], lon=place[1], title=info["customer"], eta=eta,
                    lines=(info["address"], _("Request to book (proposal)")))


def route_views(proposal: WeekProposal, day: date, colors: dict[str, str]) -> list[RouteView]:
    """The day's routes with at least one visit, one colour per technician (the same all week)."""
    plan = proposal.week.days.get(day)
    views = []
    for r in plan.routes if plan is not None else ():
        stops = [v for s in r.stops if (v := _stop(proposal, s.visit, _common.hhmm(s.arrival))) is not None]
        if not stops:
            continue
        views.append(RouteView(
            technician=proposal.technicians.get(r.technician, r.technician), stops=tuple(stops),
            path=tuple(proposal.paths.get(day, {}).get(r.technician, ())), color=colors[r.technician],
            summary=_("{km}, {count} visits").format(km=_common.km(r.km), count=len(r.stops)),
        ))
    return views


def _day(s: Any, region: Region, proposal: WeekProposal, day: date, colors: dict[str, str]) -> None:
    """One day: totals, the map of its routes, the requests placed on it."""
    totals = proposal.totals(day)
    m1, m2, m3 = st.columns(3)
    m1.metric(_("Requests placed"), totals.placed)
    m2.metric(_("Booked visits"), totals.booked)
    m3.metric(_("Driving time"), _common.minutes(totals.travel_min))
    if totals.technicians:
        st.dataframe(pd.DataFrame([{
            _("Technician"): t.technician, _("Visits"): t.visits, _("Requests placed"): t.requests,
            _("Distance"): _common.km(t.km), _("Driving"): _common.minutes(t.travel_min)}
            for t in totals.technicians]), hide_index=True, width="stretch")
    m = day_plan_map(region, route_views(proposal, day, colors), tile_url=s.online.tile_url,
                     base_url=_common.static_base_url())
    _common.show_map(refit_when_shown(m), key=f"week_map_{day.isoformat()}", height=420)
    rows = [r for r in proposal.placed_rows() if r["day"] == day]
    if not rows:
        st.caption(_("No request placed on this day."))
        return
    st.dataframe(pd.DataFrame([{
        _("Request"): r["request_id"], _("Customer"): r["customer"], _("Address"): r["address"],
        _("Technician"): r["technician"]} for r in rows]), hide_index=True, width="stretch")


def _move_form(s: Any, region: Region, db: Database, proposal: WeekProposal, time_limit: float) -> None:
    """"Déplacer vers …": a request, a day, optionally a technician; the week planned again."""
    where = {r["request_id"]: day_label(r["day"]) for r in proposal.placed_rows()}
    rows = {r["request_id"]: r for r in [*proposal.placed_rows(), *proposal.unplaced_rows()]}
    if not rows:
        return
    with st.form("week_move", enter_to_submit=False, border=False):
        st.markdown("**" + _("Move a request to another day") + "**")
        c1, c2, c3 = st.columns([3, 2, 2], vertical_alignment="bottom")
        rid = c1.selectbox(
            _("Request"), sorted(rows), key="week_move_request",
            format_func=lambda i: _("{customer} — {address} ({where})").format(
                customer=rows[i]["customer"], address=rows[i]["address"], where=where.get(i, _("not placed"))),
        )
        target = c2.selectbox(_("Move to"), list(proposal.days), format_func=day_label, key="week_move_day")
        who = c3.selectbox(
            _("Technician"), ["", *sorted(proposal.technicians, key=proposal.technicians.__getitem__)],
            format_func=lambda t: _("— free —") if not t else proposal.technicians[t], key="week_move_tech",
        )
        go = st.form_submit_button(_("Move and plan again"), icon=":material/move_down:")
    if go and rid is not None and target is not None:
        _move(s, region, db, proposal, int(rid), target, technician=who or "", time_limit=time_limit)


def _move(s: Any, region: Region, db: Database, proposal: WeekProposal, rid: int, target: date, *,
          technician: str = "", time_limit: float) -> None:
    """The week planned again with request ``rid`` on ``target`` (the form's and the board's move)."""
    try:
        with st.spinner(_("Planning the week…")):
            moved = week_planning.move_request(region, db, proposal, rid, target, technician=technician,
                                               settings=s, time_limit=time_limit)
    except DispatchError as err:
        _common.error_box(err)
        return
    st.session_state[PROPOSAL_KEY] = moved
    if not moved.refused:
        customer = moved.requests.get(f"r{rid}", {}).get("customer", "")
        st.session_state[MOVED_KEY] = _("Request of {customer} moved to {day}; the week was planned again.").format(
            customer=customer, day=day_label(target))
    st.rerun()


def render_week_tab(
    s: Any, user: Any, region: Region, db: Database, *, first: date, time_limit: float
) -> None:
    """The "Semaine" tab of "Répartition".

    Parameters
    ----------
    s, user
        Settings in force; the signed-in user (customers' records seen go to the audit log).
    region, db
        The loaded region and the open database.
    first
        The first day to plan (the chosen day, not before today).
    time_limit
        Search budget of one day, in seconds (the week gets it once per day).
    """
    st.write(_("Which day and which technician for the requests still to book: the next working "
               "days from the chosen day are planned at once (booked appointments stay where they "
               "are). A proposal: nothing is saved; book each request in 'Requests to contact'."))
    c_days, c_go = st.columns([1, 2], vertical_alignment="bottom")
    n_days = int(c_days.number_input(_("Working days to plan"), 1, week_planning.MAX_DAYS, 5, key="week_days"))
    budget = time_limit * n_days
    if c_go.button(_("Propose the week"), key="week_go", icon=":material/calendar_month:"):
        st.session_state.pop(MOVED_KEY, None)
        try:
            with st.spinner(_("Planning the week…")):
                st.session_state[PROPOSAL_KEY] = week_planning.propose_week(
                    region, db, first, days=n_days, settings=s, time_limit=budget, paths=True
                )
        except DispatchError as err:
            _common.error_box(err)
    proposal: WeekProposal | None = st.session_state.get(PROPOSAL_KEY)
    if proposal is None:
        return
    for rid in sorted({r["request_id"] for r in [*proposal.requests.values(), *proposal.booked.values()]}):
        _access.viewed(s, user, "request", rid, page="repartition")  # names and addresses shown
    if proposal.refused:
        st.warning(_common.plain(proposal.refused), icon=":material/block:")
    elif st.session_state.get(MOVED_KEY):
        st.success(_common.plain(st.session_state.pop(MOVED_KEY)))
    placed, unplaced = proposal.placed_rows(), proposal.unplaced_rows()
    st.caption(_("{placed} request(s) placed, {unplaced} not placed; {minutes} of driving over the days.").format(
        placed=len(placed), unplaced=len(unplaced), minutes=_common.minutes(proposal.week.total_travel_min)))
    drop = week_board(proposal)
    if drop is not None:
        _move(s, region, db, proposal, *drop, time_limit=time_limit * len(proposal.days))
    _move_form(s, region, db, proposal, time_limit * len(proposal.days))
    colors = {tid: technician_color(i) for i, tid in enumerate(proposal.technicians)}
    for d, tab in zip(proposal.days, st.tabs([day_label(d, short=True) for d in proposal.days]), strict=True):
        with tab:
            _day(s, region, proposal, d, colors)
    if unplaced:
        st.subheader(_("Not placed"))
        st.dataframe(pd.DataFrame([{
            _("Request"): r["request_id"], _("Customer"): r["customer"], _("Reason"): r["message"]}
            for r in unplaced]), hide_index=True, width="stretch")
