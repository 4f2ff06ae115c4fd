"""Staff page "Répartition": the day's calendar, "Optimiser la journée", calls, bookings."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from dispatch.errors import DispatchError
from maps.builders import RouteView, StopView, day_plan_map, technician_color
from views import _access, _common

s = _common.settings()
user = _access.require(s, "views/dispatcher.py")
st.title("Répartition")
region = _common.require_region(s)
db = _common.database(s)
if db is None:
    st.info("Le stockage des demandes n'est pas encore installé sur ce poste.")
    st.stop()

from dispatch.office import planning  # noqa: E402
from dispatch.records import storage  # noqa: E402  (after the guards above)

tz = planning.TZ
today = datetime.now(tz).date()
c_day, c_effort = st.columns([2, 1])
st.session_state.setdefault("dispatch_day", today)
day = c_day.date_input("Journée", key="dispatch_day", format="YYYY-MM-DD")
effort = c_effort.selectbox(
    "Recherche",
    ["Rapide (0,5 s)", f"Approfondie ({s.routing.time_limit_s:g} s)"],
    key="dispatch_effort",
)
time_limit = 0.5 if effort.startswith("Rapide") else float(s.routing.time_limit_s)

tab_day, tab_contact, tab_confirm, tab_book = st.tabs(
    ["Journée", "Demandes à contacter", "Confirmations", "Proposer un rendez-vous"]
)

plans: dict[str, planning.DayPlan] = st.session_state.setdefault("day_plans", {})
pins: dict[str, str] = st.session_state.setdefault("pins", {})
plan_key = day.isoformat()


def _timeline_html(rows: list[dict], names: list[str], palette: list[str]) -> str:
    """A light Gantt chart of the day (plain HTML: no chart library to load in the browser)."""
    import html as _html

    starts = [r["Début"] for r in rows]
    ends = [r["Fin"] for r in rows]
    t0 = min(starts).replace(minute=0, second=0, microsecond=0)
    t1 = max(ends)
    span = max((t1 - t0).total_seconds(), 3600.0)
    color = dict(zip(names, palette, strict=True))
    ticks = []
    h = t0
    while h <= t1:
        left = (h - t0).total_seconds() / span * 100
        odd = " opms-odd" if h.hour % 2 else ""
        ticks.append(f'<span class="opms-tick{odd}" style="position:absolute;left:{left:.2f}%;'
                     f'font-size:11px;color:#666">{h.hour} h</span>')
        h += timedelta(hours=1)
    lines = []
    for name in names:
        bars = []
        for r in rows:
            if r["Technicien"] != name:
                continue
            left = (r["Début"] - t0).total_seconds() / span * 100
            width = max((r["Fin"] - r["Début"]).total_seconds() / span * 100, 0.4)
            lunch = r["Activité"] == "Dîner"
            tip = _html.escape(f'{r["Activité"]} {_common.hhmm(r["Début"])}–{_common.hhmm(r["Fin"])} : {r["Détail"]}')
            bars.append(
                f'<div title="{tip}" class="opms-bar" style="position:absolute;left:{left:.2f}%;'
                f'width:{width:.2f}%;top:3px;bottom:3px;border-radius:3px;'
                f'background:{color[name]};opacity:{0.35 if lunch else 1}"></div>'
            )
        lines.append(
            '<div style="display:flex;align-items:center;margin:2px 0">'
            f'<div style="width:110px;flex:none;font-size:13px;overflow:hidden;text-overflow:ellipsis;'
            f'white-space:nowrap">{_html.escape(name)}</div>'
            f'<div style="position:relative;flex:1;height:24px;background:#f3f4f6;border-radius:3px">'
            f'{"".join(bars)}</div></div>'
        )
    axis = ('<div style="display:flex"><div style="width:110px;flex:none"></div>'
            f'<div style="position:relative;flex:1;height:16px">{"".join(ticks)}</div></div>')
    style = "<style>@media (max-width: 640px) { .opms-timeline .opms-odd { display: none; } }</style>"
    return style + '<div class="opms-timeline" style="margin-bottom:18px">' + "".join(lines) + axis + "</div>"


def _state_label(state: str) -> str:
    from dispatch.records.lifecycle import LABELS, parse_state

    try:
        return LABELS[parse_state(state)]
    except DispatchError:
        return state


def _optimise() -> None:
    try:
        with st.spinner("Optimisation de la journée…"):
            plans[plan_key] = planning.plan_day(
                region, db, day, settings=s, time_limit=time_limit, pins=pins
            )
    except DispatchError as err:
        plans.pop(plan_key, None)
        st.session_state["dispatch_error"] = str(err)


with tab_day:
    appts = storage.appointments_for_day(db, day)
    techs = storage.technicians(db)
    st.caption(
        f"{_common.long_date(day).capitalize()} : {len(appts)} rendez-vous, "
        f"{len(techs)} technicien(s) actif(s)."
    )
    if not appts:
        st.info(
            "Aucun rendez-vous ce jour-là. Les rendez-vous se prennent dans « Demandes à "
            "contacter » ; pour essayer, chargez les données de démonstration depuis l'Accueil."
        )
    else:
        with st.expander("Rendez-vous du jour", expanded=plan_key not in plans):
            for a in appts:  # the table shows each customer's name and address
                _access.viewed(s, user, "request", a.request_id, page="repartition")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Plage": f"{_common.hhmm(a.appointment.window_start)} – "
                            f"{_common.hhmm(a.appointment.window_end)}",
                            "Client": a.customer_name,
                            "Adresse": a.address,
                            "Durée (min)": a.appointment.duration_min,
                            "Compétences": ", ".join(a.appointment.skills),
                            "État": _state_label(a.request_state),
                        }
                        for a in appts
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
        if st.button("Optimiser la journée", type="primary", key="optimize", icon=":material/route:"):
            st.session_state.pop("dispatch_error", None)
            _optimise()
    if st.session_state.get("dispatch_error"):
        st.error(st.session_state["dispatch_error"])

    day_plan = plans.get(plan_key)
    if day_plan is not None:
        plan = day_plan.plan
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("Visites planifiées", f"{len(plan.served)} / {len(day_plan.visits)}")
        m2.metric("Distance totale", _common.km(plan.total_km))
        m3.metric("Temps de route", _common.minutes(plan.total_travel_min))
        m4.metric("Non assignées", len(plan.unassigned) + len(day_plan.skipped))
        if not plan.feasible:
            st.warning("Le vérificateur a relevé des problèmes : " + " ; ".join(plan.violations))

        order = [r.technician for r in plan.routes]
        colors = {tid: technician_color(i) for i, tid in enumerate(order)}
        views = []
        for r in plan.routes:
            stops = []
            for st_ in r.stops:
                a = day_plan.visits.get(st_.visit)
                stops.append(
                    StopView(
                        lat=a.lat, lon=a.lon, title=a.customer_name, eta=_common.hhmm(st_.arrival),
                        lines=(
                            a.address,
                            f"Plage : {_common.hhmm(a.appointment.window_start)} – "
                            f"{_common.hhmm(a.appointment.window_end)}",
                            f"Durée : {a.appointment.duration_min} min",
                        ),
                    )
                )
            views.append(
                RouteView(
                    technician=day_plan.name(r.technician),
                    stops=tuple(stops),
                    path=tuple(day_plan.paths.get(r.technician, ())),
                    color=colors[r.technician],
                    summary=f"{_common.km(r.km)}, {len(r.stops)} visites",
                )
            )
        left = []
        for u in plan.unassigned:
            a = day_plan.visits.get(u.visit)
            if a is not None and a.lat is not None:
                left.append(StopView(lat=a.lat, lon=a.lon, title=a.customer_name, lines=(a.address, u.message)))
        m = day_plan_map(
            region, views, unassigned=left, tile_url=s.online.tile_url,
            base_url=_common.static_base_url(),
        )
        _common.show_map(m, key=f"plan_map_{plan_key}", height=520)

        st.subheader("Horaire par technicien")
        rows = []
        for r in plan.routes:
            name = day_plan.name(r.technician)
            if r.break_start and r.break_end:
                rows.append({"Technicien": name, "Début": r.break_start, "Fin": r.break_end,
                             "Activité": "Dîner", "Détail": "Pause"})
            for st_ in r.stops:
                a = day_plan.visits.get(st_.visit)
                rows.append({"Technicien": name, "Début": st_.start, "Fin": st_.end,
                             "Activité": "Visite", "Détail": a.address if a else st_.visit})
        if rows:
            st.html(_timeline_html(rows, [day_plan.name(t) for t in order], [colors[t] for t in order]))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Technicien": day_plan.name(r.technician),
                        "Départ": _common.hhmm(r.departure),
                        "Retour": _common.hhmm(r.return_time),
                        "Visites": len(r.stops),
                        "Distance": _common.km(r.km),
                        "Route": _common.minutes(r.travel_min),
                    }
                    for r in plan.routes
                ]
            ),
            hide_index=True,
            width="stretch",
        )

        if day == datetime.now(tz).date() and st.button(
            "Réoptimiser le reste de la journée", key="replan", icon=":material/update:",
            help="Repart de l'avancement noté par les techniciens : les visites faites restent "
            "faites, les autres peuvent changer de technicien.",
        ):
            try:
                with st.spinner("Réoptimisation…"):
                    plans[plan_key] = planning.replan_from_now(
                        region, db, day_plan, now=datetime.now(tz), time_limit=time_limit
                    )
            except DispatchError as err:
                _common.error_box(err)
            else:
                st.rerun()
        if st.button("Publier les tournées aux techniciens", key="publish", icon=":material/send:"):
            try:
                n = planning.publish(db, day_plan, actor="répartition")
            except DispatchError as err:
                _common.error_box(err)
            else:
                st.success(f"{n} visite(s) assignée(s) : chaque technicien voit sa tournée.")

        if plan.unassigned or day_plan.skipped:
            st.subheader("Visites non assignées")
            st.markdown(
                "\n".join(
                    [f"- **{_common.md(day_plan.label(u.visit))}** — {u.message}" for u in plan.unassigned]
                    + [f"- **{_common.md(day_plan.label(v))}** — {msg}" for v, msg in day_plan.skipped.items()]
                )
            )

        st.subheader("Épingler une visite et réoptimiser")
        visit_ids = list(day_plan.visits)
        tech_ids = list(day_plan.technicians)
        c1, c2, c3 = st.columns([3, 2, 1], vertical_alignment="bottom")
        pick = c1.selectbox(
            "Visite", visit_ids, format_func=day_plan.label, key="pin_visit"
        )
        who = c2.selectbox(
            "Technicien", ["", *tech_ids],
            format_func=lambda t: "— libre —" if not t else day_plan.name(t), key="pin_tech",
        )
        if c3.button("Appliquer", key="pin_apply"):
            if who:
                pins[pick] = who
            else:
                pins.pop(pick, None)
            _optimise()
            st.rerun()
        if pins:
            st.caption(
                "Épinglées : "
                + " ; ".join(f"{day_plan.label(v)} → {day_plan.name(t)}" for v, t in pins.items())
            )

        st.subheader("Exporter la journée d'un technicien")
        from dispatch.office import daysheet as exports

        tid = st.selectbox(
            "Technicien", [r.technician for r in plan.routes], format_func=day_plan.name,
            key="export_tech",
        )
        route = plan.route_of(tid)
        sheet_stops = exports.stops_from_day_plan(day_plan, tid)
        name = day_plan.name(tid)
        c1, c2 = st.columns(2)
        c1.download_button(
            "Feuille de route imprimable (HTML)",
            exports.day_sheet_html(
                sheet_stops, technician=name, day=day, company=s.general.company_name,
                departure=route.departure, return_time=route.return_time, total_km=route.km,
            ),
            file_name=f"feuille-de-route-{name}-{day}.html",
            mime="text/html",
            key="export_sheet",
        )
        c2.download_button(
            "Calendrier (.ics)",
            exports.day_ics(sheet_stops, technician=name, company=s.general.company_name),
            file_name=f"tournee-{name}-{day}.ics",
            mime="text/calendar",
            key="export_ics",
        )
        lines = []
        for stop in sheet_stops:
            if stop.lat is None:
                continue
            nav = exports.navigation_links(stop.lat, stop.lon, label=stop.address)
            lines.append(
                f"{stop.rank}. {_common.hhmm(stop.eta)} — {_common.md(stop.address)} : "
                f"[Google Maps]({nav['google']}) · [Waze]({nav['waze']}) · [Carte]({nav['geo']})"
            )
        if lines:
            st.markdown("  \n".join(lines))


with tab_contact:
    calls = _common.optional("dispatch.office.calls")
    if calls is None:
        st.info("La liste d'appels n'est pas encore installée sur ce poste.")
    else:
        items = calls.requests_to_contact(db)
        if not items:
            st.success("Aucune demande à rappeler.")
        for item in items:
            fee = "sur estimation" if item.travel_fee is None else _common.money(item.travel_fee)
            with st.expander(f"{_common.md(item.name)} — {_common.md(item.address)}"):
                _access.viewed(s, user, "request", item.request_id, page="repartition")
                st.write(
                    f"Téléphone : {_common.md(item.phone or '—')} · Courriel : "
                    f"{_common.md(item.email or '—')} · Zone : {item.zone or '—'} · Déplacement : {fee}"
                )
                st.write(f"Problème : {_common.md(item.problem or '—')}")
                c1, c2, c3 = st.columns(3)
                d = c1.date_input("Jour", value=item.desired_date or today + timedelta(days=1),
                                  key=f"c_day_{item.request_id}", format="YYYY-MM-DD")
                h = c2.selectbox("Plage", ["08:00–10:00", "10:00–12:00", "13:00–15:00", "15:00–17:00"],
                                 key=f"c_win_{item.request_id}")
                outcome = c3.selectbox("Résultat", list(calls.OUTCOMES), format_func=calls.OUTCOMES.get,
                                       key=f"c_out_{item.request_id}")
                if st.button("Enregistrer l'appel", key=f"c_save_{item.request_id}"):
                    a, b = h.split("–")
                    window = (
                        datetime.combine(d, time.fromisoformat(a), tzinfo=tz),
                        datetime.combine(d, time.fromisoformat(b), tzinfo=tz),
                    )
                    try:
                        calls.record_call(
                            db, item.request_id, outcome, kind="contact", actor="répartition",
                            settings=s, window=window if outcome == "reached" else None,
                        )
                    except DispatchError as err:
                        _common.error_box(err)
                    else:
                        st.rerun()

with tab_confirm:
    calls = _common.optional("dispatch.office.calls")
    if calls is not None:
        tomorrow = day + timedelta(days=1)
        items = calls.confirmation_calls(db, tomorrow)
        st.caption(f"Rendez-vous à confirmer pour le {_common.long_date(tomorrow)}.")
        if not items:
            st.success("Aucun appel de confirmation à faire.")
        for item in items:
            c1, c2, c3 = st.columns([3, 2, 1])
            c1.write(f"**{_common.md(item.name)}** — {_common.md(item.address)}  \n"
                     f"{_common.hhmm(item.window_start)} – {_common.hhmm(item.window_end)} · "
                     f"{_common.md(item.phone)}")
            outcome = c2.selectbox("Résultat", ["reached", "message_left"], format_func=calls.OUTCOMES.get,
                                   key=f"cf_out_{item.appointment_id}", label_visibility="collapsed")
            if c3.button("Noter", key=f"cf_save_{item.appointment_id}"):
                calls.record_call(db, item.request_id, outcome, kind="confirmation",
                                  actor="répartition", settings=s, appointment_id=item.appointment_id)
                st.rerun()

with tab_book:
    st.write("Pendant l'appel : entrez l'adresse du client pour voir les meilleures plages des "
             "prochains jours ouvrables (le moins de route ajoutée).")
    with st.form("booking_form"):
        addr = st.text_input("Adresse du client", key="book_address")
        dur = st.number_input("Durée prévue (min)", 15, 480, 60, step=15, key="book_duration")
        go = st.form_submit_button("Proposer des plages")
    if go and addr.strip():
        from dispatch.geo.service_area import check_address
        from dispatch.routing.core import next_working_days, solve, suggest_bookings

        try:
            cov = check_address(region, addr, settings=s)
            days = {}
            with st.spinner("Calcul des plages…"):
                for d in next_working_days(today + timedelta(days=1), 5):
                    problem, *_ = planning.build_day_problem(region, db, d, settings=s)
                    if problem.technicians:
                        days[d] = (problem, solve(problem, time_limit=0.5))
                suggestions = suggest_bookings(days, location=cov.point, service_min=float(dur))
        except DispatchError as err:
            _common.error_box(err)
        else:
            if not suggestions:
                st.warning("Aucune plage libre trouvée dans les 5 prochains jours ouvrables.")
            else:
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                "Jour": _common.long_date(x.day),
                                "Plage": f"{_common.hhmm(x.window_start)} – {_common.hhmm(x.window_end)}",
                                "Technicien": next((t.name for t in storage.technicians(db)
                                                    if planning.technician_id(t.id) == x.technician), x.technician),
                                "Route ajoutée": _common.minutes(x.marginal_travel_s / 60),
                            }
                            for x in suggestions
                        ]
                    ),
                    hide_index=True,
                    width="stretch",
                )
