"""Report periods: a week, a month, a quarter or custom days, bounded at midnight in Montréal.

A :class:`Period` holds whole local days, ``first`` to ``last`` included. Its instants are
``[since, until)``: midnight (America/Montreal) at the start of ``first`` to midnight at the
start of the day after ``last``, so an invoice issued at 23:59:59 on the last day is in the
period and one issued at 00:00:00 the next day is not, whatever the UTC offset (EST or EDT)
of either day. Weeks start on Monday (Québec's calendar of work); quarters are calendar
quarters (January-March, ...), as the GST/QST returns of a quarterly filer.

:meth:`Period.buckets` cuts a period into the steps of its time series (days up to 62 days,
ISO weeks up to about a quarter and a half, months beyond).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from dispatch.errors import InvalidInput
from dispatch.i18n import N_, _
from dispatch.settings import TZ

#: The longest custom period accepted (days): ten years, well past any report's need.
MAX_DAYS = 3660


class PeriodKind(StrEnum):
    """How a period was chosen (the page's picker)."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    CUSTOM = "custom"


#: Labels of the period kinds (the page's picker), English msgids: read with :func:`kind_label`.
KIND_LABELS = {
    PeriodKind.WEEK: N_("Week"),
    PeriodKind.MONTH: N_("Month"),
    PeriodKind.QUARTER: N_("Quarter"),
    PeriodKind.CUSTOM: N_("Custom dates"),
}


def kind_label(kind: PeriodKind | str) -> str:
    """The label of a period kind in the active language."""
    return _(KIND_LABELS[PeriodKind(kind)])


def midnight(day: date) -> datetime:
    """The instant that starts ``day`` in Montréal (aware)."""
    return datetime.combine(day, time(0, 0), tzinfo=TZ)


@dataclass(frozen=True)
class Period:
    """Whole local days ``first`` to ``last`` (included), chosen as ``kind``."""

    first: date
    last: date
    kind: PeriodKind = PeriodKind.CUSTOM

    def __post_init__(self) -> None:
        if self.last < self.first:
            msg = N_("The period ends ({last}) before it starts ({first}).")
            raise InvalidInput(msg, last=self.last.isoformat(), first=self.first.isoformat())
        if (self.last - self.first).days + 1 > MAX_DAYS:
            msg = N_("A report covers at most {days} days; choose a shorter period.")
            raise InvalidInput(msg, days=MAX_DAYS)

    @property
    def since(self) -> datetime:
        """Midnight (Montréal) at the start of ``first``: the first instant of the period."""
        return midnight(self.first)

    @property
    def until(self) -> datetime:
        """Midnight (Montréal) after ``last``: the first instant *after* the period."""
        return midnight(self.last + timedelta(days=1))

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.last - self.first).days + 1

    def contains(self, instant: datetime) -> bool:
        """Whether the aware ``instant`` falls in ``[since, until)``."""
        if instant.tzinfo is None:
            msg = N_("Datetime {value!r} must be timezone-aware (America/Montreal).")
            raise InvalidInput(msg, value=instant)
        return self.since <= instant < self.until

    def step(self) -> str:
        """The step of the period's time series: ``day``, ``week`` or ``month``."""
        if self.days <= 62:
            return "day"
        if self.days <= 190:
            return "week"
        return "month"

    def bucket_of(self, instant: datetime) -> date:
        """The first day of the time-series step holding ``instant`` (local day)."""
        day = instant.astimezone(TZ).date()
        step = self.step()
        if step == "day":
            return day
        if step == "week":
            return max(self.first, day - timedelta(days=day.weekday()))
        return max(self.first, day.replace(day=1))

    def buckets(self) -> list[date]:
        """The first day of every step of the period, in order (empty steps included)."""
        out: list[date] = []
        day = self.first
        while day <= self.last:
            start = self.bucket_of(midnight(day))
            if not out or out[-1] != start:
                out.append(start)
            day += timedelta(days=1)
        return out

    def label(self) -> str:
        """The period as people read it: ``2026-12-01 – 2026-12-31``."""
        return f"{self.first.isoformat()} – {self.last.isoformat()}"

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind.value, "from": self.first.isoformat(), "to": self.last.isoformat()}


def week_of(day: date) -> Period:
    """The week (Monday to Sunday) holding ``day``."""
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6), PeriodKind.WEEK)


def month_of(day: date) -> Period:
    """The calendar month holding ``day``."""
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return Period(first, nxt - timedelta(days=1), PeriodKind.MONTH)


def quarter_of(day: date) -> Period:
    """The calendar quarter holding ``day`` (January-March, April-June, ...)."""
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    last = month_of(date(first.year, first.month + 2, 1)).last
    return Period(first, last, PeriodKind.QUARTER)


def period_of(kind: PeriodKind | str, day: date, last: date | None = None) -> Period:
    """The period of ``kind`` holding ``day`` (``custom``: ``day`` to ``last``)."""
    try:
        k = PeriodKind(str(kind))
    except ValueError as err:
        msg = N_("Unknown period {value!r}; expected one of: {expected}.")
        raise InvalidInput(msg, value=kind, expected=", ".join(p.value for p in PeriodKind)) from err
    if k is PeriodKind.WEEK:
        return week_of(day)
    if k is PeriodKind.MONTH:
        return month_of(day)
    if k is PeriodKind.QUARTER:
        return quarter_of(day)
    return Period(day, last if last is not None else day, PeriodKind.CUSTOM)


__all__ = [
    "KIND_LABELS",
    "MAX_DAYS",
    "Period",
    "PeriodKind",
    "kind_label",
    "midnight",
    "month_of",
    "period_of",
    "quarter_of",
    "week_of",
]
