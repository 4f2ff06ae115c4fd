"""Staff page "Technicien" (phone-sized): today's route, navigation, the visit form, invoice.

One visit follows the company's process, each step stored on the server as it is done:
arrival (a warning outside the appointment's day) -> the policy document shown in full and
signed with a drawn signature -> the diagnostic clock (start, pause, resume, stop; kept on the
server, so a reload keeps it) -> the billed time, then the estimate's lines (stored before the
customer answers: nothing typed is lost) -> the customer's answer (on site, workshop with the
receipt signed, workshop refused, refused) -> the invoice shown for confirmation, issued ->
payments (partial, any of the six methods). At a return visit: the test at home, then the
invoice. The card of the visit being worked stays open through its steps.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import streamlit as st

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.office import (
    billing_desk,
    daysheet,
    planning,
    policy,
    visit_papers,
    visit_sheet,
    visits,
    workshop_desk,
)
from dispatch.office.visits import State
from maps.builders import RouteView, StopView, technician_route_map
from views import _access, _common, _live
from views import _visit_widgets as w

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
_common.show_map(m, key=f"tech_map_{tech.id}_{day}", height=300)
_live.sharing_toggle(db, tech.id, day, actor=f"tech:{tech.name}")
actor = f"tech:{tech.name}"
OPEN = "tech_open_request"


def _done(rid: int) -> None:
    """After a step: keep this visit's card open, rerun."""
    st.session_state[OPEN] = rid
    st.rerun()


def _try(rid: int, action: Any) -> Any:
    """Run one use case; a product error is shown in French (the card stays open)."""
    st.session_state[OPEN] = rid
    try:
        return action()
    except DispatchError as err:
        _common.error_box(err)
        return None


def _arrival(rid: int, sheet: dict[str, Any]) -> None:
    if not sheet.get("confirmed"):
        st.caption(_("Not confirmed: the day-before call is not logged yet. The visit can still be worked."))
    if st.button(_("I have arrived"), key=f"arrive_{rid}", type="primary"):
        arrival = _try(rid, lambda: visits.arrive(db, rid, actor=actor))
        if arrival is not None:
            st.session_state[f"arrival_warning_{rid}"] = arrival.warning
            _done(rid)


def _policy(rid: int) -> None:
    doc = policy.policy_in_force(db, s, actor=actor)
    st.write(_("**1. The policy**: have the customer read it, then sign below (version {version}).").format(
        version=doc.version))
    with st.container(border=True, key=f"policy_doc_{rid}"):
        st.markdown(doc.text)  # the company's own document (Markdown written by the admin)
    st.write(_("Customer's signature"))
    png = w.signature_pad(f"policy_sig_{rid}")
    name = st.text_input(_("Name of the person who signs"), key=f"policy_name_{rid}")
    if st.button(_("Sign the policy"), key=f"policy_{rid}", type="primary"):
        if png is None:
            st.error(_("The signature is empty: have the customer sign in the box."))
            return
        signed = _try(rid, lambda: policy.sign_policy(db, rid, signer_name=name, signature_png=png,
                                                      settings=s, actor=actor))
        if signed is not None:
            _done(rid)


def _show_clock(rid: int) -> None:
    reading = visits.clock_reading(db, rid)
    labels = {"idle": _("not started"), "running": _("running"), "paused": _("paused"),
              "stopped": _("stopped")}
    st.metric(_("Diagnostic time ({state})").format(state=labels.get(reading.state, reading.state)),
              w.clock_text(reading.elapsed_s))


def _diagnostic(rid: int) -> None:
    st.write(_("**2. The diagnostic**: the time is kept on the server (a reload keeps it)."))
    reading = visits.clock_reading(db, rid)
    running = reading.state == "running"
    st.fragment(_show_clock, run_every=3 if running else None)(rid)
    actions = {
        "idle": [("start", _("Start the diagnostic"))],
        "running": [("pause", _("Pause")), ("stop", _("Stop the diagnostic"))],
        "paused": [("resume", _("Resume")), ("stop", _("Stop the diagnostic"))],
    }.get(reading.state, [])
    cols = st.columns(max(1, len(actions)))
    for col, (action, label) in zip(cols, actions, strict=False):
        kind = "primary" if action in ("start", "resume") else "secondary"
        pressed = col.button(label, key=f"clock_{action}_{rid}", type=kind)
        if pressed and _try(rid, lambda a=action: visits.clock(db, rid, a, actor=actor)) is not None:
            _done(rid)


_KINDS = {"labour": _("Labour"), "parts": _("Parts")}


def _estimate_rows(rid: int) -> list[int]:
    """Ids of the estimate lines being typed (from the stored estimate on first display)."""
    key = f"est_rows_{rid}"
    if key not in st.session_state:
        stored = visits.estimate_view(db, rid, s)
        rows = []
        for i, (kind, label, amount) in enumerate(stored.lines if stored else ()):
            st.session_state[f"est_label_{rid}_{i}"] = label
            st.session_state[f"est_amount_{rid}_{i}"] = str(amount).replace(".", ",")
            st.session_state[f"est_kind_{rid}_{i}"] = kind
            rows.append(i)
        st.session_state[key] = rows or [0]
        st.session_state[f"est_next_{rid}"] = max(rows or [0]) + 1
    return list(st.session_state[key])


def _estimate(rid: int, sheet: dict[str, Any]) -> None:
    diag = sheet["diagnostic"]
    charge = visits.diagnostic_charge(int(diag["minutes"]), s)
    st.write(_("**3. The estimate.** Diagnostic: {done} min done, billed {billed} min = **{price}**.").format(
        done=charge.minutes, billed=charge.billed_min, price=_common.money(charge.price)))
    rows = _estimate_rows(rid)
    for i in rows:
        with st.container(border=True, key=f"est_line_box_{rid}_{i}"):
            st.text_input(_("Description"), key=f"est_label_{rid}_{i}")
            a, b = st.columns(2)
            a.text_input(_("Amount ($)"), key=f"est_amount_{rid}_{i}", placeholder="180,00")
            b.selectbox(_("Kind"), list(_KINDS), format_func=_KINDS.get, key=f"est_kind_{rid}_{i}")
            if len(rows) > 1 and st.button(_("Remove this line"), key=f"est_del_{rid}_{i}"):
                st.session_state[f"est_rows_{rid}"] = [r for r in rows if r != i]
                _done(rid)
    c1, c2 = st.columns(2)
    if c1.button(_("Add a line"), key=f"est_add_{rid}"):
        nxt = st.session_state[f"est_next_{rid}"]
        st.session_state[f"est_rows_{rid}"] = [*rows, nxt]
        st.session_state[f"est_next_{rid}"] = nxt + 1
        _done(rid)
    if c2.button(_("Save the estimate"), key=f"est_save_{rid}", type="primary"):
        lines = [
            (str(st.session_state.get(f"est_kind_{rid}_{i}") or "labour"),
             str(st.session_state.get(f"est_label_{rid}_{i}", "")),
             str(st.session_state.get(f"est_amount_{rid}_{i}", "")))
            for i in rows
        ]
        if _try(rid, lambda: visits.present_estimate(db, rid, lines, actor=actor, settings=s)) is not None:
            _done(rid)
    stored = visits.estimate_view(db, rid, s)
    if stored is None:
        st.info(_("Save the estimate before the customer's answer."))
        return
    st.write(_("**Estimate presented** ({when}):").format(
        when=_common.hhmm(stored.presented_at.astimezone(tz)) if stored.presented_at else "—"))
    st.markdown("\n".join(
        f"- {_common.plain(label)} ({_KINDS.get(kind, kind)}) : **{_common.money(amount)}**"
        for kind, label, amount in stored.lines))
    st.markdown(_("Subtotal {subtotal} · GST {gst} · QST {qst}  \n**Total {total}**").format(
        subtotal=_common.money(stored.subtotal), gst=_common.money(stored.gst),
        qst=_common.money(stored.qst), total=_common.money(stored.total)))
    st.download_button(_("Download the estimate (PDF)"),
                       lambda: visit_papers.estimate_pdf(db, rid, settings=s),
                       file_name=f"estimation-{rid}.pdf", mime="application/pdf", key=f"est_pdf_{rid}")
    _answer(rid)


def _answer(rid: int) -> None:
    choices = {
        "accepted_on_site": _("Accepted: repaired on site"),
        "accepted_workshop": _("Accepted: equipment taken to the shop"),
        "workshop_refused": _("Accepted, but refuses the shop"),
        "refused": _("Estimate refused"),
    }
    st.write(_("**4. The customer's answer**"))
    outcome = st.radio(_("Customer's answer"), list(choices), format_func=choices.get, key=f"out_{rid}",
                       on_change=lambda: st.session_state.__setitem__(OPEN, rid))
    extra: dict[str, Any] = {}
    if outcome == "accepted_workshop":
        st.write(_("Workshop receipt"))
        extra["device"] = st.text_input(_("Device"), key=f"ws_device_{rid}")
        extra["serial"] = st.text_input(_("Serial number"), key=f"ws_serial_{rid}")
        extra["accessories"] = st.text_input(_("Accessories taken"), key=f"ws_acc_{rid}")
        st.write(_("Customer's signature on the receipt"))
        extra["signature_png"] = w.signature_pad(f"ws_sig_{rid}")
        extra["signer_name"] = st.text_input(_("Name of the person who signs"), key=f"ws_name_{rid}")
    if st.button(_("Record the answer"), key=f"outcome_{rid}", type="primary"):
        if outcome == "accepted_workshop" and extra["signature_png"] is None:
            st.error(_("The signature is empty: have the customer sign in the box."))
            return
        if _try(rid, lambda: visits.answer_estimate(db, rid, str(outcome), actor=actor, **extra)) is not None:
            _done(rid)


def _home_test(rid: int) -> None:
    st.write(_("**Return visit**: test the device at the customer's home, in their presence "
               "(or that of a person they designate)."))
    result = st.radio(_("Test at home"), ["passed", "failed"], key=f"test_result_{rid}",
                      format_func={"passed": _("Passed"), "failed": _("Failed")}.get, horizontal=True)
    who = st.text_input(_("Who attended the test"), key=f"test_who_{rid}")
    if st.button(_("Record the test"), key=f"test_{rid}", type="primary"):
        done = _try(rid, lambda: workshop_desk.home_test(db, rid, passed=result == "passed",
                                                          attended_by=who, actor=actor))
        if done is not None:
            _done(rid)


def _papers(rid: int, sheet: dict[str, Any]) -> None:
    """The downloads of what was signed: the policy, the workshop receipt."""
    if sheet.get("policy"):
        st.download_button(_("Download the signed policy (PDF)"),
                           lambda: visit_papers.signed_policy_pdf(db, rid, settings=s),
                           file_name=f"politique-signee-{rid}.pdf", mime="application/pdf",
                           key=f"policy_pdf_{rid}")
    if sheet.get("workshop"):
        st.download_button(_("Download the workshop receipt (PDF)"),
                           lambda: visit_papers.workshop_receipt_pdf(db, rid, settings=s),
                           file_name=f"recu-atelier-{rid}.pdf", mime="application/pdf",
                           key=f"receipt_pdf_{rid}")


_INVOICE_READY = (State.REPAIRED_ON_SITE, State.WORKSHOP_REFUSED, State.ESTIMATE_REFUSED, State.RETURNED,
                  State.REMOTE_COMPLETED, State.REMOTE_INTERRUPTED)


def _visit_form(rid: int, *, appointment_id: int, eta: Any) -> None:
    sheet = visit_sheet.visit_sheet(db, rid, settings=s).to_dict()
    state = State(sheet["state"])
    st.write(_("**Status:** {label}").format(label=sheet["state_label"]))
    warning = st.session_state.get(f"arrival_warning_{rid}")
    if warning:
        st.warning(_common.plain(warning))
    if state in (State.CONTACTED, State.CONFIRMED):
        # before the arrival only (the state read now, not the day's cached list)
        w.en_route_button(db, s, appointment_id, eta=eta, actor=actor, key=f"enroute_{appointment_id}")
        _arrival(rid, sheet)
    elif state == State.ON_SITE:
        _policy(rid)
    elif state == State.POLICY_SIGNED:
        _diagnostic(rid)
    elif state == State.DIAGNOSED:
        _estimate(rid, sheet)
    elif state == State.RETURN_SCHEDULED:
        _home_test(rid)
    elif state in (State.IN_WORKSHOP, State.REPAIRED_IN_WORKSHOP) and sheet.get("workshop"):
        st.info(_("Device in the workshop: {state}.").format(state=sheet["workshop"]["state_label"]))
    elif state in _INVOICE_READY:
        w.invoice_step(db, s, rid, actor=actor, key=f"inv_{rid}", on_done=lambda: _done(rid))
    if state in (State.INVOICED, State.PAID):
        for inv in billing_desk.request_invoices(db, rid):
            w.invoice_block(db, s, inv, actor=actor, key=f"inv_{inv.number}", on_done=lambda: _done(rid))
    _papers(rid, sheet)


def _opened(rid: int) -> None:
    st.session_state[OPEN] = rid


# A request may have two stops of the day (a first visit and its return visit): its form goes
# with its latest appointment; the other card shows where it stands.
latest: dict[int, Any] = {}
for stop in stops:
    a = mine.visit(stop)
    if a.request_id not in latest or a.appointment.window_start > latest[a.request_id].window_start:
        latest[a.request_id] = a.appointment
open_rid = st.session_state.get(OPEN, mine.visit(stops[0]).request_id)
for i, stop in enumerate(stops, start=1):
    a = mine.visit(stop)
    rid = a.request_id
    kind = _("return visit") if a.appointment.kind == "return" else _("visit")
    with st.expander(
        _("{n}. {eta} — {name} ({kind}, request {rid})").format(
            n=i, eta=_common.hhmm(stop.arrival), name=_common.plain(a.customer_name), kind=kind, rid=rid),
        expanded=(rid == open_rid), key=f"card_{a.appointment.id}", on_change=_opened, args=(rid,),
    ):
        _access.viewed(s, user, "request", rid, page="technicien")
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
        if latest[rid].id == a.appointment.id:
            _visit_form(rid, appointment_id=a.appointment.id, eta=stop.arrival)
        else:
            st.caption(_("See the card of the return visit."))
