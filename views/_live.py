"""Live positions on the pages: the phone's sharing toggle, the dispatcher's list and markers.

Helpers of :mod:`views.technician` and :mod:`views.dispatcher` only (the rules live in
:mod:`dispatch.office.live`). The phone reads its position with a small local Streamlit
component (``views/components/geolocation/index.html``: the browser's geolocation API and
Streamlit's component protocol written by hand, no npm, no outside request). The browser
gives positions only to a secure page: ``https://`` or ``localhost``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.office import live, planning
from maps.builders import PositionView
from views import _common

_COMPONENT_DIR = Path(__file__).resolve().parent / "components" / "geolocation"
_geolocation = components.declare_component("opms_geolocation", path=str(_COMPONENT_DIR))


def geolocation(*, key: str, interval_s: int = live.SHARE_EVERY_S) -> dict[str, Any] | None:
    """The phone's last reading: ``{lat, lon, accuracy, seq}`` or ``{error, seq}`` (``None``: none yet)."""
    value = _geolocation(
        interval_s=interval_s,
        waiting=_("Looking for your position…"),
        sent=_("Position sent at {time}."),
        denied=_("The phone refuses to give its position: allow the location for this site in the browser."),
        unavailable=_("Position unavailable for now (no signal?): a new try in a few minutes."),
        unsupported=_("This browser cannot give its position."),
        key=key,
        default=None,
    )
    return value if isinstance(value, dict) else None


def sharing_toggle(db: Any, tech_id: int, day: date, *, actor: str) -> None:
    """"Partager ma position pendant la tournée" (today only); when on, send the phone's position."""
    if day != datetime.now(planning.TZ).date():
        return
    on = live.sharing(db, tech_id, day)
    wanted = st.toggle(
        _("Share my position during the route"), value=on, key=f"live_share_{tech_id}_{day}",
        help=_("Dispatch sees where you are and can re-plan from there. Your position is sent every "
               "{minutes} minutes while this page is open, and kept for the day only."
               ).format(minutes=live.SHARE_EVERY_S // 60),
    )
    if wanted != on:
        live.set_sharing(db, tech_id, day, wanted, actor=actor)
    if not wanted:
        return
    reading = geolocation(key=f"live_geo_{tech_id}_{day}")
    seen = f"live_seq_{tech_id}_{day}"
    if reading is None or reading.get("seq") == st.session_state.get(seen) or "lat" not in reading:
        return
    st.session_state[seen] = reading.get("seq")
    try:
        live.share_position(db, tech_id, float(reading["lat"]), float(reading["lon"]),
                            None if reading.get("accuracy") is None else float(reading["accuracy"]))
    except DispatchError as err:
        _common.error_box(err)
    except (KeyError, TypeError, ValueError):
        return  # a malformed reading: the next one comes in a few minutes


def _late_text(x: live.TechnicianLive) -> str:
    if x.late_by is None:
        return ""
    return _("late by {minutes} min").format(minutes=int(x.late_by.total_seconds() // 60))


def published_plan(region: Any, db: Any, day: date, settings: Any, *, refresh: bool = False) -> Any:
    """The published plan of ``day`` (kept 5 minutes in the session; ``refresh`` recomputes)."""
    key = f"live_published_{day}"
    kept = st.session_state.get(key)
    now = datetime.now(planning.TZ)
    if refresh or kept is None or now - kept[0] > timedelta(minutes=5):
        try:
            plan = live.published_plan(region, db, day, settings=settings)
        except DispatchError:
            plan = None
        kept = (now, plan)
        st.session_state[key] = kept
    return kept[1]


def forget_published(day: date) -> None:
    """Drop the kept published plan of ``day`` (after "Publier")."""
    st.session_state.pop(f"live_published_{day}", None)


def technicians_live(region: Any, db: Any, day: date, settings: Any) -> list[live.TechnicianLive]:
    """Each technician's last position and lateness today (empty on another day)."""
    if day != datetime.now(planning.TZ).date():
        return []
    return live.positions_for_day(db, day, plan=published_plan(region, db, day, settings))


def late_list(rows: list[live.TechnicianLive]) -> None:
    """"En retard": who is late on their published arrival, and by how much."""
    late = [x for x in rows if x.late]
    if not late:
        return
    st.subheader(_("Late"))
    st.markdown("\n".join(
        _("- **{name}**: {late} at {address} (expected {eta})").format(
            name=_common.plain(x.name), late=_late_text(x), address=_common.plain(x.next_address),
            eta=_common.hhmm(x.planned_arrival) if x.planned_arrival else "—",
        )
        for x in late
    ))


def positions_caption(rows: list[live.TechnicianLive]) -> None:
    """One line: each sharing technician's last position time and age."""
    shared = [x for x in rows if x.position is not None]
    if not shared:
        return
    st.caption(_("Positions shared: {list}").format(list=" · ".join(
        _("{name} at {time} ({minutes} min ago)").format(
            name=_common.plain(x.name), time=_common.hhmm(x.position.recorded_at),
            minutes=int((x.age or timedelta(0)).total_seconds() // 60),
        )
        for x in shared if x.position is not None
    )))


def position_views(rows: list[live.TechnicianLive], colors: dict[str, str]) -> list[PositionView]:
    """The markers of the day's map (colour of the technician's route, grey otherwise)."""
    return [
        PositionView(
            lat=x.position.lat, lon=x.position.lon, technician=x.name,
            time=_common.hhmm(x.position.recorded_at),
            color=colors.get(planning.technician_id(x.technician_id), "#616161"), late=_late_text(x),
        )
        for x in rows if x.position is not None
    ]


__all__ = [
    "forget_published",
    "geolocation",
    "late_list",
    "position_views",
    "positions_caption",
    "published_plan",
    "sharing_toggle",
    "technicians_live",
]
