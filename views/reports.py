"""Staff page "Rapports" (admin, billing): the owner's figures of a week, month, quarter or dates.

Every figure comes from :func:`dispatch.office.reporting.owner_report` (pure functions of
:mod:`dispatch.reports` over the stored records); this page only picks the period, draws the
charts (Altair, drawn by the Vega copy bundled in Streamlit: nothing is fetched from outside)
and offers the files: the tax report (CSV, PDF) and the accounting export (CSV).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.office import reporting
from dispatch.reports import Period, period_of
from dispatch.reports.estimates import ANSWERS, answer_label, block_label
from dispatch.reports.periods import PeriodKind, kind_label
from dispatch.reports.revenue import CATEGORIES, category_label
from dispatch.reports.travel import ESTIMATE_NOTE
from dispatch.reports.workload import PARTS, average_days, part_label
from maps.builders import zone_label
from maps.demand import demand_map
from views import _access, _common

s = _common.settings()
user = _access.require(s, "views/reports.py")
st.title(_("Reports"))
db = _common.database(s)


def _f(x: Any) -> float:
    return float(x)


#: Legends under the charts: on a phone, a legend beside the chart leaves it no width.
_BOTTOM = alt.Legend(orient="bottom", direction="horizontal", columns=2)


#: Québec number format on the value axes (``1 200``, ``2,5``): Vega formats in English, so
#: the label's separators are swapped (thousands first, then the decimal point).
_QC_LABELS = "replace(replace(datum.label, ',', '\u202f'), '.', ',')"


def _chart(chart: alt.Chart | alt.LayerChart, *, key: str) -> None:
    st.altair_chart(chart.configure_axisQuantitative(labelExpr=_QC_LABELS), width="stretch", key=key)


# ---- the period ------------------------------------------------------------------------------
today = reporting.today().date()
kinds = [k.value for k in PeriodKind]
c1, c2 = st.columns([2, 3])
with c1:
    kind = st.segmented_control(
        _("Period"), kinds, default=PeriodKind.MONTH.value, format_func=kind_label, key="rep_kind",
        required=True,
    ) or PeriodKind.MONTH.value
with c2:
    try:
        if kind == PeriodKind.CUSTOM.value:
            picked = st.date_input(
                _("From … to (days included)"), value=(today - timedelta(days=29), today),
                key="rep_range", format="YYYY-MM-DD",
            )
            first, last = (picked if isinstance(picked, tuple) and len(picked) == 2 else (today, today))
            period: Period = period_of(kind, first, last)
        else:
            day = st.date_input(_("A day of the period"), value=today, key="rep_day", format="YYYY-MM-DD")
            period = period_of(kind, day if isinstance(day, date) else today)
    except DispatchError as err:
        _common.error_box(err)
        st.stop()
st.caption(_("From {first} to {last} included (midnight to midnight, Montréal time).").format(
    first=_common.long_date(period.first), last=_common.long_date(period.last)))

region = _common.region(s)
origin = (float(region.shop.lat), float(region.shop.lon)) if region is not None else None
report = reporting.owner_report(db, period, origin=origin)
taxes, revenue = report.taxes, report.revenue
_access.viewed(s, user, "report", None, page="rapports", period=period.label())

m1, m2, m3, m4, m5 = st.columns(5)
m1.metric(_("Billed (taxes included)"), _common.money(revenue.billed))
m2.metric(_("Sales before taxes"), _common.money(revenue.revenue))
m3.metric(_("Collected"), _common.money(revenue.collected))
m4.metric(_("GST billed"), _common.money(taxes.gst))
m5.metric(_("QST billed"), _common.money(taxes.qst))
if taxes.empty:
    st.info(taxes.notice())

# ---- revenue ---------------------------------------------------------------------------------
st.header(_("Billed and collected"))
step_title = {"day": _("Day"), "week": _("Week of"), "month": _("Month")}[period.step()]
billed = pd.DataFrame([
    {"start": p.start.isoformat(), "outcome": category_label(p.category), "order": CATEGORIES.index(p.category),
     "amount": _f(p.billed)}
    for p in revenue.billed_series
])  # fmt: skip
order = [category_label(c) for c in CATEGORIES]
bars = alt.Chart(billed).mark_bar().encode(
    x=alt.X("start:O", title=step_title),
    y=alt.Y("sum(amount):Q", title=_("Billed ($, taxes included)")),
    color=alt.Color("outcome:N", title=_("Outcome"), sort=order, legend=_BOTTOM),
    order=alt.Order("order:Q"),
    tooltip=[alt.Tooltip("start:O", title=step_title), alt.Tooltip("outcome:N", title=_("Outcome")),
             alt.Tooltip("amount:Q", title=_("Amount ($)"), format=",.2f")],
)  # fmt: skip
collected = pd.DataFrame(
    [{"start": p.start.isoformat(), "amount": _f(p.collected)} for p in revenue.collected_series if p.start <= today]
)  # the days to come have no payments yet: the line stops at today
line = alt.Chart(collected).mark_line(point=True, color="#111").encode(
    x="start:O", y="amount:Q",
    tooltip=[alt.Tooltip("start:O", title=step_title), alt.Tooltip("amount:Q", title=_("Collected ($)"), format=",.2f")],
)  # fmt: skip
_chart(alt.layer(bars, line), key="rep_revenue_chart")
st.caption(_("Bars: billed by outcome (credit notes subtracted); line: payments received."))
methods = pd.DataFrame(
    [{"method": m.label, "amount": _f(m.amount), "count": m.count} for m in revenue.by_method]
)
_chart(
    alt.Chart(methods).mark_bar().encode(
        y=alt.Y("method:N", title=_("Payment method"), sort=None),
        x=alt.X("amount:Q", title=_("Collected ($)")),
        tooltip=[alt.Tooltip("method:N", title=_("Payment method")),
                 alt.Tooltip("count:Q", title=_("Payments")),
                 alt.Tooltip("amount:Q", title=_("Amount ($)"), format=",.2f")],
    ),
    key="rep_methods_chart",
)  # fmt: skip

# ---- taxes -----------------------------------------------------------------------------------
st.header(_("GST and QST"))
st.write(_("What to copy into the returns: the taxes billed in the period, credit notes subtracted."))
t1, t2, t3, t4 = st.columns(4)
t1.metric(_("Invoices"), taxes.invoice_count)
t2.metric(_("Credit notes"), taxes.credit_note_count)
t3.metric(_("GST billed"), _common.money(taxes.gst))
t4.metric(_("QST billed"), _common.money(taxes.qst))
series = pd.DataFrame(
    [{"start": p.start.isoformat(), "tax": _("GST"), "amount": _f(p.gst)} for p in taxes.series]
    + [{"start": p.start.isoformat(), "tax": _("QST"), "amount": _f(p.qst)} for p in taxes.series]
)
_chart(
    alt.Chart(series).mark_bar().encode(
        x=alt.X("start:O", title=step_title), xOffset="tax:N",
        y=alt.Y("amount:Q", title=_("Tax billed ($)")), color=alt.Color("tax:N", title=_("Tax"), legend=_BOTTOM),
        tooltip=[alt.Tooltip("start:O", title=step_title), alt.Tooltip("tax:N", title=_("Tax")),
                 alt.Tooltip("amount:Q", title=_("Amount ($)"), format=",.2f")],
    ),
    key="rep_taxes_chart",
)  # fmt: skip
if not taxes.empty:
    st.dataframe(
        pd.DataFrame([
            {_("Date"): ln.day.isoformat(), _("Document"): ln.kind_label(), _("Number"): ln.number,
             _("Credits"): ln.credits_number or "", _("Customer"): ln.customer,
             _("Subtotal"): _common.money(ln.subtotal), _("GST"): _common.money(ln.gst),
             _("QST"): _common.money(ln.qst), _("Total"): _common.money(ln.total)}
            for ln in taxes.lines
        ]),
        hide_index=True, width="stretch",
    )  # fmt: skip
tax_csv, tax_pdf = reporting.tax_files(taxes, settings=s)
stem = f"taxes-{period.first.isoformat()}-{period.last.isoformat()}"
d1, d2, d3 = st.columns(3)
d1.download_button(_("Tax report (CSV)"), tax_csv.encode("utf-8"), file_name=f"{stem}.csv", mime="text/csv",
                   key="rep_tax_csv", icon=":material/download:")
d2.download_button(_("Tax report (PDF)"), tax_pdf, file_name=f"{stem}.pdf", mime="application/pdf",
                   key="rep_tax_pdf", icon=":material/picture_as_pdf:")
d3.download_button(
    _("Accounting export (CSV)"), report.journal.encode("utf-8"),
    file_name=f"journal-{period.first.isoformat()}-{period.last.isoformat()}.csv", mime="text/csv",
    key="rep_journal_csv", icon=":material/table_view:",
    help=_("Sales journal: invoices, credit notes and payments; the layout is in the README (Rapports)."),
)  # fmt: skip
jt = report.journal_totals
st.caption(_("Accounting export totals: subtotal {subtotal}, GST {gst}, QST {qst}, total {total}, "
             "payments {paid}.").format(subtotal=_common.money(jt.subtotal), gst=_common.money(jt.gst),
                                         qst=_common.money(jt.qst), total=_common.money(jt.total),
                                         paid=_common.money(jt.paid)))  # fmt: skip

# ---- travel ----------------------------------------------------------------------------------
st.header(_("Travel"))
travel = pd.DataFrame([
    {_("Zone"): zone_label(z.zone), _("Trips"): z.trips, _("Travel fees billed"): _common.money(z.fees),
     _("Road km (estimated)"): _common.km(z.road_km), _("Drive time (estimated)"): _common.minutes(z.drive_min),
     _("Fee per km"): _common.money(z.fee_per_km) if z.fee_per_km is not None else "—"}
    for z in report.travel
])  # fmt: skip
st.dataframe(travel, hide_index=True, width="stretch")
per_km = pd.DataFrame(
    [{"zone": zone_label(z.zone), "per_km": _f(z.fee_per_km)} for z in report.travel if z.fee_per_km is not None]
)
if not per_km.empty:
    _chart(
        alt.Chart(per_km).mark_bar(width=alt.RelativeBandSize(0.4)).encode(
            x=alt.X("zone:N", title=_("Zone"), sort=None),
            y=alt.Y("per_km:Q", title=_("Fee per km")),
            tooltip=[alt.Tooltip("zone:N", title=_("Zone")),
                     alt.Tooltip("per_km:Q", title=_("Fee per km"), format=",.2f")],
        ),
        key="rep_travel_chart",
    )  # fmt: skip
st.caption(_(ESTIMATE_NOTE))

# ---- technicians -----------------------------------------------------------------------------
st.header(_("Technicians"))
if not report.workload:
    st.info(_("No trip published to a technician in this period."))
else:
    averages = average_days(report.workload)
    parts = pd.DataFrame([
        {"name": a.name, "part": part_label(p), "order": PARTS.index(p), "hours": round(a.minutes[p] / 60, 2),
         "days": a.days, "visits": round(a.visits_per_day, 1)}
        for a in averages for p in PARTS
    ])  # fmt: skip
    _chart(
        alt.Chart(parts).mark_bar().encode(
            y=alt.Y("name:N", title=None), x=alt.X("sum(hours):Q", title=_("Hours per working day (average)")),
            color=alt.Color("part:N", title="", sort=[part_label(p) for p in PARTS], legend=_BOTTOM,
                            scale=alt.Scale(domain=[part_label(p) for p in PARTS],
                                            range=["#1f77b4", "#ff7f0e", "#c7c7c7", "#98df8a"])),
            order="order:Q",
            tooltip=[alt.Tooltip("name:N", title=_("Technician")), alt.Tooltip("part:N", title=""),
                     alt.Tooltip("hours:Q", title=_("Hours")), alt.Tooltip("days:Q", title=_("Working days")),
                     alt.Tooltip("visits:Q", title=_("Visits per day"))],
        ),
        key="rep_workload_chart",
    )  # fmt: skip
    st.dataframe(
        pd.DataFrame([
            {_("Technician"): a.name, _("Working days"): a.days,
             _("Visits per day"): f"{a.visits_per_day:.1f}".replace(".", ","),
             _("Utilisation (%)"): f"{100 * a.utilisation:.0f} %"}
            for a in averages
        ]),
        hide_index=True, width="stretch",
    )  # fmt: skip
    days = pd.DataFrame([
        {"day": d.day.isoformat(), "name": d.name, "utilisation": round(100 * d.utilisation, 1), "visits": d.visits}
        for d in report.workload
    ])  # fmt: skip
    _chart(
        alt.Chart(days).mark_line(point=True).encode(
            x=alt.X("day:O", title=_("Day")), y=alt.Y("utilisation:Q", title=_("Utilisation (%)")),
            color=alt.Color("name:N", title=_("Technician"), legend=_BOTTOM),
            tooltip=[alt.Tooltip("name:N", title=_("Technician")), alt.Tooltip("day:O", title=_("Day")),
                     alt.Tooltip("utilisation:Q", title=_("Utilisation (%)")),
                     alt.Tooltip("visits:Q", title=_("Visits"))],
        ),
        key="rep_utilisation_chart",
    )  # fmt: skip
    st.caption(_("Service: the planned duration of the trips published to the technician; driving: "
                 "estimated (a round trip from the shop per trip, at most what the shift leaves); "
                 "waiting: the rest of the shift; utilisation: service / (shift - lunch)."))  # fmt: skip

# ---- estimates -------------------------------------------------------------------------------
st.header(_("Estimates"))
est = report.estimates
e1, e2, e3 = st.columns(3)
e1.metric(_("Estimates answered"), est.answered)
e2.metric(_("Accepted"), f"{100 * est.acceptance:.0f} %".replace(".", ","))
e3.metric(_("Median diagnostic"), _common.minutes(est.diagnostic_median) if est.diagnostic_median is not None else "—")
answers = pd.DataFrame([{"answer": answer_label(a), "count": est.answers[a]} for a in ANSWERS])
blocks = pd.DataFrame([{"block": block_label(k), "order": k, "count": v} for k, v in est.diagnostic_blocks.items()])
a1, a2 = st.columns(2)
with a1:
    _chart(
        alt.Chart(answers).mark_bar().encode(
            y=alt.Y("answer:N", title=None, sort=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X("count:Q", title=_("Visits")),
            tooltip=[alt.Tooltip("answer:N", title=""), alt.Tooltip("count:Q", title=_("Visits"))],
        ),
        key="rep_answers_chart",
    )  # fmt: skip
with a2:
    _chart(
        alt.Chart(blocks).mark_bar().encode(
            x=alt.X("block:N", title=_("Diagnostic minutes"), sort=alt.SortField("order")),
            y=alt.Y("count:Q", title=_("Visits")),
            tooltip=[alt.Tooltip("block:N", title=""), alt.Tooltip("count:Q", title=_("Visits"))],
        ),
        key="rep_diagnostic_chart",
    )  # fmt: skip
st.caption(_("Remote sessions: {done} completed, {stopped} interrupted by the customer.").format(
    done=est.remote_completed, stopped=est.remote_interrupted))

# ---- requests answered, cancellations --------------------------------------------------------
st.header(_("Requests answered and cancellations"))
resp = report.response


def _delay(hours: float | None) -> str:
    if hours is None:
        return "—"
    return _common.minutes(hours * 60) if hours < 48 else _("{days} d").format(days=f"{hours / 24:.1f}".replace(".", ","))


r1, r2, r3, r4 = st.columns(4)
r1.metric(_("Requests received"), resp.received)
r2.metric(_("To the first call (median)"), _delay(resp.to_first_call.median_h))
r3.metric(_("To the visit (median)"), _delay(resp.to_first_visit.median_h))
r4.metric(_("Late cancellations"), resp.cancelled_late, help=_("Fees set: {fees}").format(
    fees=_common.money(resp.late_fees)))
st.caption(_("{calls} request(s) not called yet, {visits} without a visit yet; {on_time} cancellation(s) "
             "on time; late-cancellation fees set: {fees}.").format(
    calls=resp.to_first_call.waiting, visits=resp.to_first_visit.waiting, on_time=resp.cancelled_on_time,
    fees=_common.money(resp.late_fees)))  # fmt: skip

# ---- demand map ------------------------------------------------------------------------------
st.header(_("Where the requests come from"))
dem = report.demand
z1, z2, z3, z4 = st.columns(4)
z1.metric(zone_label("core"), dem.by_zone["core"])
z2.metric(zone_label("extended"), dem.by_zone["extended"])
z3.metric(zone_label("outside"), dem.by_zone["outside"])
z4.metric(_("Outside the area"), f"{100 * dem.outside_share:.0f} %")
if region is None:
    st.info(_("No region is built: the map needs one (Home)."))
else:
    core_km = float(getattr(region, "core_km", None) or s.service_area.core_km)
    ext_km = float(getattr(region, "extended_km", None) or s.service_area.extended_km)
    _common.show_map(
        demand_map(region, dem.cells, core_km=core_km, extended_km=ext_km, shop_name=s.general.company_name,
                   tile_url=s.online.tile_url, base_url=_common.static_base_url()),
        key="rep_demand_map", height=480,
    )  # fmt: skip
    st.caption(_("Each hexagon ({km} km) is shaded by its number of requests; {placed} of {total} "
                 "request(s) have a position.").format(km="1", placed=dem.placed, total=dem.total))
