"""The diagnostic clock, kept on the server: start, pause, resume and stop as stored events.

The phone shows the running time computed from the events (:func:`read_clock`), so a reload,
a second device or a crash loses nothing. The allowed sequence is
``start (pause resume)* [pause] stop``; events are in time order. The same clock times a
remote-support session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch.errors import InvalidTransition
from dispatch.i18n import N_
from dispatch.records.values import _Record

ACTIONS = ("start", "pause", "resume", "stop")

#: The clock's state after each action (``idle`` before any).
_AFTER = {"start": "running", "pause": "paused", "resume": "running", "stop": "stopped"}
#: The actions allowed in each state.
_ALLOWED = {
    "idle": ("start",),
    "running": ("pause", "stop"),
    "paused": ("resume", "stop"),
    "stopped": (),
}


@dataclass(frozen=True)
class ClockReading(_Record):
    """Where a clock stands at a given instant.

    Attributes
    ----------
    state
        ``idle`` (not started), ``running``, ``paused`` or ``stopped``.
    elapsed_s
        Seconds counted (pauses excluded) up to ``at`` (or to the stop).
    started_at, stopped_at
        First start and the stop, if any.
    at
        The instant of the reading.
    """

    state: str
    elapsed_s: int
    started_at: datetime | None
    stopped_at: datetime | None
    at: datetime

    @property
    def minutes(self) -> int:
        """Whole minutes counted, rounded to the nearest (30 s and more round up)."""
        return (self.elapsed_s + 30) // 60


def check_action(events: Sequence[tuple[str, datetime]], action: str, at: datetime) -> None:
    """Refuse an action the clock's state does not allow, or an instant before the last event.

    Raises
    ------
    InvalidTransition
        French message naming what can be done now.
    """
    state = "idle"
    last: datetime | None = None
    for act, when in events:
        state, last = _AFTER[act], when
    if action not in _ALLOWED[state]:
        if state == "idle":
            raise InvalidTransition(N_("The diagnostic clock is not started: start it first."))
        if state == "running":
            raise InvalidTransition(N_("The diagnostic clock is running: pause it or stop it."))
        if state == "paused":
            raise InvalidTransition(N_("The diagnostic clock is paused: resume it or stop it."))
        raise InvalidTransition(N_("The diagnostic clock is already stopped."))
    if last is not None and at < last:
        msg = N_("The time {at} is before the clock's last change ({last}).")
        raise InvalidTransition(msg, at=at.isoformat(timespec="minutes"), last=last.isoformat(timespec="minutes"))


def read_clock(events: Sequence[tuple[str, datetime]], at: datetime) -> ClockReading:
    """The clock's reading at ``at`` from its events (in order)."""
    state = "idle"
    counted = timedelta(0)
    running_since: datetime | None = None
    started = stopped = None
    for act, when in events:
        if act == "start":
            started = started or when
            running_since = when
        elif act == "resume":
            running_since = when
        elif act in ("pause", "stop") and running_since is not None:
            counted += when - running_since
            running_since = None
        if act == "stop":
            stopped = when
        state = _AFTER[act]
    if running_since is not None:
        counted += max(timedelta(0), at - running_since)
    return ClockReading(state, int(counted.total_seconds()), started, stopped, at)


__all__ = ["ACTIONS", "ClockReading", "check_action", "read_clock"]
