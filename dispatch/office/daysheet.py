"""A technician's day for the road: printable sheet, calendar file, navigation links.

- :func:`day_sheet_html`: one printable HTML page (A4/Letter, French) with the stops, the
  agreed windows, ETAs, customers' phones and problems; no script, no external resource.
- :func:`day_ics`: an iCalendar file (``.ics``, icalendar) with one event per stop, to import
  in the phone's calendar.
- :func:`navigation_links`: links that open the address in Google Maps, Waze or the phone's
  default map application (``geo:``). They are links the technician taps: nothing is sent
  anywhere by the product itself.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from babel.dates import format_date
from icalendar import Calendar, Event

from dispatch.i18n import _, active_language

if TYPE_CHECKING:
    from dispatch.office.planning import DayPlan


@dataclass(frozen=True)
class SheetStop:
    """One stop of a technician's day, as printed."""

    rank: int
    eta: datetime
    start: datetime
    end: datetime
    window_start: datetime | None
    window_end: datetime | None
    customer: str
    phone: str
    address: str
    lat: float | None
    lon: float | None
    problem: str = ""
    travel_min: float = 0.0
    km: float = 0.0


def navigation_links(lat: float, lon: float, *, label: str = "") -> dict[str, str]:
    """Links to drive to a point: ``google``, ``waze`` and ``geo`` (Android/iOS map apps)."""
    dest = f"{lat:.6f},{lon:.6f}"
    google = "https://www.google.com/maps/dir/?" + urlencode({"api": "1", "destination": dest})
    waze = "https://waze.com/ul?" + urlencode({"ll": dest, "navigate": "yes"})
    geo = f"geo:{dest}?q={dest}" + (f"({quote(label)})" if label else "")
    return {"google": google, "waze": waze, "geo": geo}


def _hm(t: datetime | None) -> str:
    return "—" if t is None else _("{hour}:{minute:02d}").format(hour=t.hour, minute=t.minute)


def stops_from_day_plan(day_plan: DayPlan, technician: str) -> list[SheetStop]:
    """The stops of one technician in a :class:`dispatch.office.planning.DayPlan`."""
    route = day_plan.plan.route_of(technician)
    if route is None:
        return []
    out = []
    for i, s in enumerate(route.stops, start=1):
        a = day_plan.visits.get(s.visit)
        appt = getattr(a, "appointment", None)
        out.append(
            SheetStop(
                rank=i,
                eta=s.arrival,
                start=s.start,
                end=s.end,
                window_start=getattr(appt, "window_start", None),
                window_end=getattr(appt, "window_end", None),
                customer=getattr(a, "customer_name", ""),
                phone=getattr(a, "phone", ""),
                address=getattr(a, "address", s.visit),
                lat=getattr(a, "lat", None),
                lon=getattr(a, "lon", None),
                problem=getattr(a, "problem", ""),
                travel_min=s.travel_s / 60,
                km=s.distance_m / 1000,
            )
        )
    return out


def _long_date(d: date) -> str:
    """``mardi 2 juin 2026`` (the full date of the active language)."""
    return format_date(d, format="full", locale=active_language())


def day_sheet_html(
    stops: list[SheetStop],
    *,
    technician: str,
    day: date,
    company: str = "",
    departure: datetime | None = None,
    return_time: datetime | None = None,
    total_km: float | None = None,
) -> str:
    """The printable day sheet of one technician (self-contained HTML, no script)."""
    e = html.escape
    rows = []
    map_label, window_label = e(_("Map")), _("window {window}")
    for s in stops:
        window = f"{_hm(s.window_start)} – {_hm(s.window_end)}" if s.window_start else "—"
        links = ""
        if s.lat is not None and s.lon is not None:
            nav = navigation_links(s.lat, s.lon, label=s.address)
            links = (
                f'<a href="{e(nav["google"])}">Google Maps</a> · '
                f'<a href="{e(nav["waze"])}">Waze</a> · <a href="{e(nav["geo"])}">{map_label}</a>'
            )
        rows.append(
            "<tr>"
            f"<td class=n>{s.rank}</td>"
            f"<td><b>{_hm(s.eta)}</b><br><small>{e(window_label.format(window=window))}</small></td>"
            f"<td><b>{e(s.customer)}</b><br>{e(s.phone)}</td>"
            f"<td>{e(s.address)}<br><small>{links}</small></td>"
            f"<td>{e(s.problem)}</td>"
            f"<td class=r>{s.km:.1f} km<br><small>{round(s.travel_min)} min</small></td>"
            "<td class=chk>☐</td>"
            "</tr>"
        )
    summary = []
    if departure is not None:
        summary.append(_("Departure: {time}").format(time=_hm(departure)))
    if return_time is not None:
        summary.append(_("Expected return: {time}").format(time=_hm(return_time)))
    if total_km is not None:
        summary.append(f"{total_km:.1f} km".replace(".", ","))
    summary.append(_("{count} visit(s)").format(count=len(stops)))
    nothing = e(_("No visit that day."))
    body = "\n".join(rows) or f"<tr><td colspan=7>{nothing}</td></tr>"
    lang = active_language().replace("_", "-")
    title = e(_("Route sheet — {technician} — {day}").format(technician=technician, day=str(day)))
    heading = e(_("Route sheet — {technician}").format(technician=technician))
    heads = "".join(
        f"<th>{e(h)}</th>"
        for h in ("#", _("Arrival"), _("Customer"), _("Address"), _("Problem"), _("Trip"), _("Done"))
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font:14px/1.35 system-ui,sans-serif;margin:1.5cm;color:#111}}
h1{{font-size:20px;margin:0}} .meta{{color:#444;margin:.3em 0 1em}}
table{{border-collapse:collapse;width:100%}} th,td{{border:1px solid #bbb;padding:6px;vertical-align:top;text-align:left}}
th{{background:#eef1f5}} td.n{{font-weight:bold;text-align:center;width:2em}} td.r{{text-align:right;white-space:nowrap}}
td.chk{{font-size:18px;text-align:center;width:2em}} small{{color:#555}}
@media print{{body{{margin:1cm}} a{{color:inherit;text-decoration:none}} tr{{page-break-inside:avoid}}}}
</style></head><body>
<h1>{heading}</h1>
<div class="meta">{e(company)} · {e(_long_date(day))} · {e(" · ".join(summary))}</div>
<table><thead><tr>{heads}</tr></thead>
<tbody>
{body}
</tbody></table>
</body></html>
"""


def day_ics(stops: list[SheetStop], *, technician: str, company: str = "OPMS") -> bytes:
    """The technician's day as an iCalendar file: one event per stop (service start-end)."""
    cal = Calendar()
    cal.add("prodid", f"-//{company}//opms-dispatch//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("Route — {technician}").format(technician=technician))
    for s in stops:
        ev = Event()
        tech_key = "".join(c for c in technician.lower() if c.isalnum()) or "tech"
        ev.add("uid", f"{s.start:%Y%m%dT%H%M}-{tech_key}-{s.rank}@opms-dispatch")
        ev.add("summary", f"{s.rank}. {s.customer} — {s.address}")
        ev.add("dtstart", s.start)
        ev.add("dtend", s.end)
        ev.add("dtstamp", s.start)
        ev.add("location", s.address)
        lines = [_("Phone: {phone}").format(phone=s.phone) if s.phone else "", s.problem]
        if s.lat is not None and s.lon is not None:
            ev.add("geo", (s.lat, s.lon))
            lines.append(navigation_links(s.lat, s.lon)["google"])
        ev.add("description", "\n".join(x for x in lines if x))
        cal.add_component(ev)
    ical: bytes = cal.to_ical()  # icalendar is untyped
    return ical


__all__ = ["SheetStop", "day_ics", "day_sheet_html", "navigation_links", "stops_from_day_plan"]
