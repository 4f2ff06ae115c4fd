"""Staff page "Répartition": the day's calendar, "Optimiser la journée", calls, bookings."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.office import booking, calls, labels, planning
from maps.builders import day_plan_map, technician_color
from maps.timeline import timeline_html
from views import _access, _booking, _common, _dates, _day_plan, _live, _week

s = _common.settings()
user = _access.require(s, "views/dispatcher.py")
st.title(_("Dispatch"))
region = _common.require_region(s)
db = _common.database(s)

tz = planning.TZ
today = datetime.now(tz).date()
c_day, c_effort = st.columns([2, 1])
st.session_state.setdefault("dispatch_day", today)
day = _dates.day_picker(
    _("Workday"), _dates.days_around(today, before=400, after=400), key="dispatch_day", default=today,
    container=c_day,
) or today
efforts = {
    "fast": _("Fast (0.5 s)"),
    "deep": _("Thorough ({seconds:g} s)").format(seconds=s.routing.time_limit_s),
}
effort = c_effort.selectbox(_("Search"), list(efforts), format_func=efforts.get, key="dispatch_effort")
time_limit = 0.5 if effort == "fast" else float(s.routing.time_limit_s)

tab_day, tab_contact, tab_confirm, tab_book, tab_week = st.tabs(
    [_("Workday"), _("Requests to contact"), _("Confirmations"), _("Propose an appointment"), _("Week")]
)

plans: dict[str, planning.DayPlan] = st.session_state.setdefault("day_plans", {})
pins: dict[str, str] = st.session_state.setdefault("pins", {})
plan_key = day.isoformat()


def _optimise() -> None:
    try:
        with st.spinner(_("Optimising the day…")):
            plans[plan_key] = planning.plan_day(
                region, db, day, settings=s, time_limit=time_limit, pins=pins
            )
    except DispatchError as err:
        plans.pop(plan_key, None)
        st.session_state["dispatch_error"] = _common.error_text(err)


with tab_day:
    agenda = planning.day_agenda(db, day)
    appts = agenda.appointments
    long_day = _common.long_date(day)
    st.caption(
        _("{day}: {appointments} appointments, {technicians} active technician(s).").format(
            day=long_day[:1].upper() + long_day[1:], appointments=len(appts),
            technicians=len(agenda.technicians),
        )
    )
    if not appts:
        st.info(
            _(
                'No appointment that day. Appointments are made in "Requests to contact"; to try '
                "it out, load the demo data from the Home page."
            )
        )
    else:
        with st.expander(_("The day's appointments"), expanded=plan_key not in plans):
            for a in appts:  # the table shows each customer's name and address
                _access.viewed(s, user, "request", a.request_id, page="repartition")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            _("Window"): f"{_common.hhmm(a.appointment.window_start)} – "
                            f"{_common.hhmm(a.appointment.window_end)}",
                            _("Customer"): a.customer_name,
                            _("Address"): a.address,
                            _("Duration (min)"): a.appointment.duration_min,
                            _("Skills"): labels.skills_text(a.appointment.skills),
                            _("Status"): planning.state_label(a.request_state),
                        }
                        for a in appts
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
        if st.button(_("Optimise the day"), type="primary", key="optimize", icon=":material/route:"):
            st.session_state.pop("dispatch_error", None)
            _optimise()
    if st.session_state.get("dispatch_error"):
        st.error(_common.plain(st.session_state["dispatch_error"]))
    live_rows = _live.technicians_live(region, db, day, s)
    _live.positions_caption(live_rows)
    _live.late_list(live_rows)

    day_plan = plans.get(plan_key)
    if day_plan is not None:
        plan = day_plan.plan
        m1, m2, m3, m4 = st.columns(4)
        m1.metric(_("Visits planned"), f"{len(plan.served)} / {len(day_plan.visits)}")
        m2.metric(_("Total distance"), _common.km(plan.total_km))
        m3.metric(_("Driving time"), _common.minutes(plan.total_travel_min))
        m4.metric(_("Unassigned"), len(plan.unassigned) + len(day_plan.skipped))
        if not plan.feasible:
            st.warning(_("The checker found problems: {problems}").format(
                problems=_common.plain(" ; ".join(plan.violations))
            ))

        order = [r.technician for r in plan.routes]
        colors = {tid: technician_color(i) for i, tid in enumerate(order)}
        views, left = _day_plan.route_views(day_plan, colors)
        m = day_plan_map(
            region, views, unassigned=left, positions=_live.position_views(live_rows, colors),
            tile_url=s.online.tile_url, base_url=_common.static_base_url(),
        )
        _common.show_map(m, key=f"plan_map_{plan_key}", height=520)

        st.subheader(_("Schedule by technician"))
        bars = _day_plan.timeline_bars(day_plan)
        if bars:
            st.html(timeline_html(bars, [(day_plan.name(t), colors[t]) for t in order]))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        _("Technician"): day_plan.name(r.technician),
                        _("Departure"): _common.hhmm(r.departure),
                        _("Return"): _common.hhmm(r.return_time),
                        _("Visits"): len(r.stops),
                        _("Distance"): _common.km(r.km),
                        _("Driving"): _common.minutes(r.travel_min),
                    }
                    for r in plan.routes
                ]
            ),
            hide_index=True,
            width="stretch",
        )

        if day == datetime.now(tz).date() and st.button(
            _("Re-optimise the rest of the day"), key="replan", icon=":material/update:",
            help=_(
                "Starts again from the progress noted by the technicians and from the positions "
                "their phones shared: visits done stay done, the others may change technician."
            ),
        ):
            try:
                with st.spinner(_("Re-optimising…")):
                    plans[plan_key] = planning.replan_from_now(
                        region, db, day_plan, now=datetime.now(tz), time_limit=time_limit
                    )
            except DispatchError as err:
                _common.error_box(err)
            else:
                st.rerun()
        if st.button(_("Publish the routes to the technicians"), key="publish", icon=":material/send:"):
            try:
                n = planning.publish(db, day_plan, actor="répartition")
            except DispatchError as err:
                _common.error_box(err)
            else:
                _live.forget_published(day)
                st.success(_("{count} visit(s) assigned: each technician sees their route.").format(count=n)
                           if n else _("Routes already published: each technician sees their route."))

        if plan.unassigned or day_plan.skipped:
            st.subheader(_("Unassigned visits"))
            st.markdown(
                "\n".join(
                    [f"- **{_common.plain(day_plan.label(u.visit))}** — {_common.plain(u.message)}" for u in plan.unassigned]
                    + [f"- **{_common.plain(day_plan.label(v))}** — {_common.plain(msg)}" for v, msg in day_plan.skipped.items()]
                )
            )

        st.subheader(_("Pin a visit and re-optimise"))
        visit_ids = list(day_plan.visits)
        tech_ids = list(day_plan.technicians)
        c1, c2, c3 = st.columns([3, 2, 1], vertical_alignment="bottom")
        pick = c1.selectbox(
            _("Visit"), visit_ids, format_func=day_plan.label, key="pin_visit"
        )
        who = c2.selectbox(
            _("Technician"), ["", *tech_ids],
            format_func=lambda t: _("— free —") if not t else day_plan.name(t), key="pin_tech",
        )
        if c3.button(_("Apply"), key="pin_apply"):
            if who:
                pins[pick] = who
            else:
                pins.pop(pick, None)
            _optimise()
            st.rerun()
        if pins:
            st.caption(
                _("Pinned: {pins}").format(
                    pins=" ; ".join(
                        f"{_common.plain(day_plan.label(v))} → {_common.plain(day_plan.name(t))}"
                        for v, t in pins.items()
                    )
                )
            )

        st.subheader(_("Export a technician's day"))
        _day_plan.technician_exports(s, day_plan, day)


with tab_contact:
    _booking.requests_to_book(s, user, db, region, day=day)

with tab_confirm:
    tomorrow = day + timedelta(days=1)
    items = calls.confirmation_calls(db, tomorrow)
    st.caption(_("Appointments to confirm for {day}.").format(day=_common.long_date(tomorrow)))
    if not items:
        st.success(_("No confirmation call to make."))
    for item in items:
        c1, c2, c3 = st.columns([3, 2, 1])
        c1.write(f"**{_common.plain(item.name)}** — {_common.plain(item.address)}  \n"
                 f"{_common.hhmm(item.window_start)} – {_common.hhmm(item.window_end)} · "
                 f"{_common.plain(item.phone)}")
        notes = [calls.reminder_label(item.reminder)] if item.reminder else []
        if item.confirmed_by_link:
            notes.append(_("confirmed by the customer (link)"))
        if notes:
            c1.caption(" · ".join(notes))
        outcome = c2.selectbox(_("Outcome"), ["reached", "message_left"], format_func=calls.outcome_label,
                               key=f"cf_out_{item.appointment_id}", label_visibility="collapsed")
        if c3.button(_("Note"), key=f"cf_save_{item.appointment_id}"):
            calls.record_call(db, item.request_id, outcome, kind="confirmation",
                              actor="répartition", settings=s, appointment_id=item.appointment_id)
            st.rerun()

with tab_book:
    st.write(_("During the call: enter the customer's address to see the best windows from the "
               "chosen day on (the least added driving). Once the request is recorded, book it in "
               "one click in 'Requests to contact'."))
    with st.form("booking_form", enter_to_submit=False):
        addr = st.text_input(_("Customer's address"), key="book_address")
        dur = st.number_input(_("Expected duration (min)"), 15, 480, 60, step=15, key="book_duration")
        go = st.form_submit_button(_("Propose windows"))
    if go and addr.strip():
        try:
            with st.spinner(_("Computing the windows…")):
                options = booking.propose_bookings(
                    db, region, s, addr, duration_min=float(dur), start=max(day, today)
                )
        except DispatchError as err:
            _common.error_box(err)
        else:
            if not options:
                st.warning(_("No free window found in the next 5 business days."))
            else:
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                _("Day"): _common.long_date(x.day),
                                _("Window"): f"{_common.hhmm(x.window_start)} – {_common.hhmm(x.window_end)}",
                                _("Technician"): x.technician,
                                _("Added driving"): _common.minutes(x.added_travel_min),
                            }
                            for x in options
                        ]
                    ),
                    hide_index=True,
                    width="stretch",
                )

with tab_week:
    _week.render_week_tab(s, user, region, db, first=max(day, today), time_limit=time_limit)
