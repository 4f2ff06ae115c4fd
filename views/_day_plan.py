"""Rendering of a solved day on "Répartition": map views, Gantt bars, a technician's exports.

Helpers of :mod:`views.dispatcher` only: they turn a :class:`dispatch.office.planning.DayPlan`
into the plain values of :mod:`maps` (routes, stops, timeline bars) and draw the export
buttons. No business rule lives here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from dispatch.i18n import _
from dispatch.office import daysheet
from maps.builders import RouteView, StopView
from maps.timeline import TimelineBar
from views import _common


def route_views(day_plan: Any, colors: dict[str, str]) -> tuple[list[RouteView], list[StopView]]:
    """The routes (one colour per technician) and the unassigned visits of the day's map."""
    views = []
    for r in day_plan.plan.routes:
        stops = []
        for x in r.stops:
            a = day_plan.visits.get(x.visit)
            stops.append(
                StopView(
                    lat=a.lat, lon=a.lon, title=a.customer_name, eta=_common.hhmm(x.arrival),
                    lines=(
                        a.address,
                        _("Window: {start} – {end}").format(
                            start=_common.hhmm(a.appointment.window_start),
                            end=_common.hhmm(a.appointment.window_end),
                        ),
                        _("Duration: {minutes} min").format(minutes=a.appointment.duration_min),
                    ),
                )
            )
        views.append(
            RouteView(
                technician=day_plan.name(r.technician),
                stops=tuple(stops),
                path=tuple(day_plan.paths.get(r.technician, ())),
                color=colors[r.technician],
                summary=_("{km}, {count} visits").format(km=_common.km(r.km), count=len(r.stops)),
            )
        )
    left = []
    for u in day_plan.plan.unassigned:
        a = day_plan.visits.get(u.visit)
        if a is not None and a.lat is not None:
            left.append(StopView(lat=a.lat, lon=a.lon, title=a.customer_name, lines=(a.address, u.message)))
    return views, left


def timeline_bars(day_plan: Any) -> list[TimelineBar]:
    """One bar per visit and per lunch of every route ("Horaire par technicien")."""
    bars = []
    for r in day_plan.plan.routes:
        name = day_plan.name(r.technician)
        if r.break_start and r.break_end:
            bars.append(TimelineBar(name, r.break_start, r.break_end, _("Lunch"), _("Break"), lunch=True))
        bars += [TimelineBar(name, x.start, x.end, _("Visit"), day_plan.label(x.visit)) for x in r.stops]
    return bars


def technician_exports(s: Any, day_plan: Any, day: date) -> None:
    """"Exporter la journée d'un technicien": day sheet, calendar, navigation links."""
    plan = day_plan.plan
    tid = st.selectbox(
        _("Technician"), [r.technician for r in plan.routes], format_func=day_plan.name,
        key="export_tech",
    )
    route = plan.route_of(tid)
    sheet_stops = daysheet.stops_from_day_plan(day_plan, tid)
    name = day_plan.name(tid)
    c1, c2 = st.columns(2)
    c1.download_button(
        _("Printable day sheet (HTML)"),
        daysheet.day_sheet_html(
            sheet_stops, technician=name, day=day, company=s.general.company_name,
            departure=route.departure, return_time=route.return_time, total_km=route.km,
        ),
        file_name=f"feuille-de-route-{name}-{day}.html",
        mime="text/html",
        key="export_sheet",
    )
    c2.download_button(
        _("Calendar (.ics)"),
        daysheet.day_ics(sheet_stops, technician=name, company=s.general.company_name),
        file_name=f"tournee-{name}-{day}.ics",
        mime="text/calendar",
        key="export_ics",
    )
    lines = []
    for stop in sheet_stops:
        if stop.lat is None:
            continue
        nav = daysheet.navigation_links(stop.lat, stop.lon, label=stop.address)
        lines.append(
            _("{rank}. {eta} — {address}: [Google Maps]({google}) · [Waze]({waze}) · [Map]({geo})").format(
                rank=stop.rank, eta=_common.hhmm(stop.eta), address=_common.plain(stop.address),
                google=nav["google"], waze=nav["waze"], geo=nav["geo"],
            )
        )
    if lines:
        st.markdown("  \n".join(lines))
