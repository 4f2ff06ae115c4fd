"""The day's Gantt chart ("Horaire par technicien"): plain HTML, no chart library to load.

:func:`timeline_html` takes plain values (one :class:`TimelineBar` per visit or lunch, the
technicians' lanes in order with their map colour), never Streamlit state, like the map
factories of :mod:`maps.builders`. Customer text (addresses) and names are HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch.i18n import _

#: Smallest width of a bar, in percent of the axis (a short visit stays visible).
MIN_BAR_PERCENT = 0.4
#: Opacity of a lunch bar (visits are opaque).
LUNCH_OPACITY = 0.35


@dataclass(frozen=True)
class TimelineBar:
    """One activity of a technician's day.

    Attributes
    ----------
    technician
        The lane (technician's name) the bar goes in.
    start, end
        When the activity starts and ends (aware datetimes).
    activity
        What the technician does, as shown in the tooltip (``"Visite"``, ``"Dîner"``).
    detail
        Shown in the tooltip (the visit's address, or ``"Pause"``).
    lunch
        Whether the bar is a lunch (drawn lighter); ``None``: an activity ``"Dîner"`` is one.
    """

    technician: str
    start: datetime
    end: datetime
    activity: str
    detail: str = ""
    lunch: bool | None = None

    @property
    def is_lunch(self) -> bool:
        """Whether the bar is the technician's lunch."""
        return self.activity == "Dîner" if self.lunch is None else self.lunch


def _hhmm(t: datetime) -> str:
    """``09:05`` -> ``9 h 05`` (Québec style, as on the rest of the dashboard)."""
    return f"{t.hour}\u00a0h\u00a0{t.minute:02d}"


def timeline_html(bars: Sequence[TimelineBar], lanes: Sequence[tuple[str, str]]) -> str:
    """The Gantt chart of a day as an HTML fragment for ``st.html``.

    Parameters
    ----------
    bars
        The activities (at least one).
    lanes
        ``(technician name, colour)`` in the order of the lanes, top to bottom; bars of a
        technician without a lane are not drawn.

    Returns
    -------
    str
        A ``<style>`` and a ``div.opms-timeline``: one lane per technician, an hourly axis
        (every other hour label hidden on narrow screens).
    """
    if not bars:
        msg = "timeline_html needs at least one bar."
        raise ValueError(msg)
    t0 = min(b.start for b in bars).replace(minute=0, second=0, microsecond=0)
    t1 = max(b.end for b in bars)
    span = max((t1 - t0).total_seconds(), 3600.0)
    ticks = []
    h = t0
    while h <= t1:
        left = (h - t0).total_seconds() / span * 100
        odd = " opms-odd" if h.hour % 2 else ""
        ticks.append(f'<span class="opms-tick{odd}" style="position:absolute;left:{left:.2f}%;'
                     f'font-size:11px;color:#666">{h.hour} h</span>')
        h += timedelta(hours=1)
    lines = []
    for name, color in lanes:
        out = []
        for b in bars:
            if b.technician != name:
                continue
            left = (b.start - t0).total_seconds() / span * 100
            width = max((b.end - b.start).total_seconds() / span * 100, MIN_BAR_PERCENT)
            tip = html.escape(
                _("{activity} {start}–{end}: {detail}").format(
                    activity=b.activity, start=_hhmm(b.start), end=_hhmm(b.end), detail=b.detail
                )
            )
            out.append(
                f'<div title="{tip}" class="opms-bar" style="position:absolute;left:{left:.2f}%;'
                f'width:{width:.2f}%;top:3px;bottom:3px;border-radius:3px;'
                f'background:{html.escape(color)};opacity:{LUNCH_OPACITY if b.is_lunch else 1}"></div>'
            )
        lines.append(
            '<div style="display:flex;align-items:center;margin:2px 0">'
            f'<div style="width:110px;flex:none;font-size:13px;overflow:hidden;text-overflow:ellipsis;'
            f'white-space:nowrap">{html.escape(name)}</div>'
            f'<div style="position:relative;flex:1;height:24px;background:#f3f4f6;border-radius:3px">'
            f'{"".join(out)}</div></div>'
        )
    axis = ('<div style="display:flex"><div style="width:110px;flex:none"></div>'
            f'<div style="position:relative;flex:1;height:16px">{"".join(ticks)}</div></div>')
    style = "<style>@media (max-width: 640px) { .opms-timeline .opms-odd { display: none; } }</style>"
    return style + '<div class="opms-timeline" style="margin-bottom:18px">' + "".join(lines) + axis + "</div>"


__all__ = ["TimelineBar", "timeline_html"]
