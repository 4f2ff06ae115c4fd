"""Staff page "Technicien" (phone-sized): today's route, navigation, the visit form, invoice.

One visit follows the lifecycle: arrival -> policy signed -> diagnostic (timer) -> the
customer's answer to the estimate -> invoice -> payment, each step one button.
"""

from __future__ import annotations

import time as _time
from datetime import datetime

import streamlit as st

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.office import billing_desk, daysheet, planning, visits
from dispatch.office.visits import State
from maps.builders import RouteView, StopView, technician_route_map
from views import _access, _common

s = _common.settings()
user = _access.require(s, "views/technician.py")
st.title(_("My route"))
region = _common.require_region(s)
db = _common.database(s)

techs = visits.technicians_for(db, user)
if not techs:
    st.info(_("No technician is registered: add some in Settings."))
    st.stop()
tz = planning.TZ
c1, c2 = st.columns(2)
tech = c1.selectbox(_("Technician"), techs, format_func=lambda t: t.name, key="tech_pick")
st.session_state.setdefault("tech_day", datetime.now(tz).date())
day = c2.date_input(_("Day"), key="tech_day", format="YYYY-MM-DD")

cache_key = f"tech_plan_{tech.id}_{day}"
if cache_key not in st.session_state or st.button(_("Refresh"), key="tech_refresh"):
    with st.spinner(_("Computing the route…")):
        st.session_state[cache_key] = visits.technician_route(region, db, day, tech.id, user=user, settings=s)
mine: visits.TechnicianRoute = st.session_state[cache_key]
route, stops = mine.route, mine.stops
if not stops:
    st.info(_("No visit published for you that day. Dispatch publishes the routes."))
    st.stop()

st.caption(
    _("Departure {departure} · return {return_time} · {count} visit(s) · {km}").format(
        departure=_common.hhmm(route.departure), return_time=_common.hhmm(route.return_time),
        count=len(stops), km=_common.km(route.km),
    )
)
stops_view = []
for stop in stops:
    a = mine.visit(stop)
    stops_view.append(
        StopView(lat=a.lat, lon=a.lon, title=a.customer_name, eta=_common.hhmm(stop.arrival),
                 lines=(a.address,))
    )
m = technician_route_map(
    region,
    RouteView(technician=tech.name, stops=tuple(stops_view), path=mine.path),
    tile_url=s.online.tile_url,
    base_url=_common.static_base_url(),
)
_common.show_map(m, key=f"tech_map_{tech.id}_{day}", height=360)
actor = f"tech:{tech.name}"


def _refresh() -> None:
    st.session_state.pop(cache_key, None)
    st.rerun()


def _invoices(rid: int) -> None:
    for inv in billing_desk.request_invoices(db, rid):
        st.write(
            _("Invoice **{number}**: {total} — {status}, balance {balance}").format(
                number=inv.number, total=_common.money(inv.total), status=inv.status_label,
                balance=_common.money(inv.balance),
            )
        )
        _html, pdf = billing_desk.invoice_files(db, inv.number, settings=s)
        st.download_button(_("Download the invoice (PDF)"), pdf, file_name=f"{inv.number}.pdf",
                           mime="application/pdf", key=f"pdf_{inv.number}")
        if inv.balance > 0:
            method = st.selectbox(_("Payment method"), list(billing_desk.PAYMENT_LABELS),
                                  format_func=billing_desk.method_label, key=f"pay_m_{inv.number}")
            ref = st.text_input(_("Reference (except cash)"), key=f"pay_r_{inv.number}")
            if st.button(_("Collect {amount}").format(amount=_common.money(inv.balance)), key=f"pay_{inv.number}"):
                try:
                    billing_desk.record_payment(db, inv.number, method=str(method), amount=inv.balance,
                                                reference=ref, actor=actor)
                except DispatchError as err:
                    _common.error_box(err)
                else:
                    _refresh()


def _visit_form(rid: int) -> None:
    step = visits.visit_step(db, rid)
    state = step.state
    st.write(_("**Status:** {label}").format(label=step.label))
    if state == State.CONFIRMED:
        if st.button(_("I have arrived"), key=f"arrive_{rid}", type="primary"):
            visits.record_arrival(db, rid, actor=actor)
            st.session_state[f"timer_{rid}"] = _time.time()
            _refresh()
    elif state == State.ON_SITE:
        st.write(_("Have the service policy signed (diagnostic billed by the time spent, travel fee)."))
        if st.button(_("Policy signed"), key=f"policy_{rid}", type="primary"):
            visits.record_policy_signed(db, rid, actor=actor)
            st.session_state.setdefault(f"timer_{rid}", _time.time())
            _refresh()
    elif state == State.POLICY_SIGNED:
        started = st.session_state.get(f"timer_{rid}")
        if started is None:
            if st.button(_("Start the diagnostic timer"), key=f"start_{rid}"):
                st.session_state[f"timer_{rid}"] = _time.time()
                st.rerun()
            elapsed = 0
        else:
            elapsed = max(1, round((_time.time() - started) / 60))
            st.write(_("Diagnostic under way for **{minutes} min**.").format(minutes=elapsed))
        minutes = st.number_input(_("Diagnostic minutes"), 1, 600, max(elapsed, 30), key=f"min_{rid}")
        estimate = st.text_input(_("Estimate given to the customer ($)"), key=f"est_{rid}", placeholder=_("e.g. 180.00"))
        if st.button(_("Record the diagnostic"), key=f"diag_{rid}", type="primary"):
            try:
                visits.record_diagnosis(db, rid, minutes=int(minutes), estimate=estimate, actor=actor)
            except DispatchError as err:
                st.error(_("Invalid estimate: {reason}").format(reason=_common.plain(_common.error_text(err))))
            else:
                _refresh()
    elif state == State.DIAGNOSED:
        choices = {
            "repaired_on_site": _("Accepted: repaired on site"),
            "in_workshop": _("Accepted: equipment taken to the shop"),
            "workshop_refused": _("Accepted, but refuses the shop"),
            "estimate_refused": _("Estimate refused"),
        }
        outcome = st.radio(_("Customer's answer"), list(choices), format_func=choices.get, key=f"out_{rid}")
        label = price = ""
        if outcome == visits.REPAIRED_ON_SITE:
            label = st.text_input(_("Work done"), key=f"rep_label_{rid}", value=_("Repair on site"))
            price = st.text_input(_("Amount of the work ($)"), key=f"rep_amount_{rid}", value="0,00")
        if st.button(_("Record the answer"), key=f"outcome_{rid}", type="primary"):
            try:
                visits.record_outcome(db, rid, outcome, actor=actor, repair_label=label, repair_amount=price)
            except DispatchError as err:
                _common.error_box(err)
            else:
                _refresh()
    elif state in (State.REPAIRED_ON_SITE, State.WORKSHOP_REFUSED, State.ESTIMATE_REFUSED) and st.button(
        _("Produce the invoice"), key=f"invoice_{rid}", type="primary"
    ):
        try:
            billing_desk.issue_invoice(db, rid, settings=s, actor=actor)
        except DispatchError as err:
            _common.error_box(err)
        else:
            _refresh()
    if state in (State.INVOICED, State.PAID):
        _invoices(rid)


for i, stop in enumerate(stops, start=1):
    a = mine.visit(stop)
    with st.expander(f"{i}. {_common.hhmm(stop.arrival)} — {_common.plain(a.customer_name)}", expanded=(i == 1)):
        _access.viewed(s, user, "request", a.request_id, page="technicien")
        st.write(
            _("{address}  \nPhone: {phone}  \nProblem: {problem}").format(
                address=_common.plain(a.address), phone=_common.plain(a.phone or "—"),
                problem=_common.plain(a.problem or "—"),
            )
        )
        if a.lat is not None:
            nav = daysheet.navigation_links(a.lat, a.lon, label=a.address)
            st.markdown(
                _("[Google Maps]({google}) · [Waze]({waze}) · [Phone's map]({geo})").format(
                    google=nav["google"], waze=nav["waze"], geo=nav["geo"]
                )
            )
        _visit_form(a.request_id)
