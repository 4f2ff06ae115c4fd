"""Requests answered and cancelled: time to the first call and to the visit, late cancellations.

* **Answered**: for the requests received in the period, the hours from the request to the
  first call logged about it, and the days from the request to its first visit (or remote
  session); median and mean over the requests that have one, with how many are still
  waiting.
* **Cancellations**: the requests cancelled in the period, on time or late (less than
  ``cancellation_notice_h`` before the appointment), and the late-cancellation fees set on
  them (what the invoices actually billed is in the revenue report, outcome "late
  cancellation").
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dispatch.money import ZERO

if TYPE_CHECKING:
    from dispatch.reports.facts import RequestFact
    from dispatch.reports.periods import Period


@dataclass(frozen=True)
class Delays:
    """A set of delays (hours): how many, their median and mean, and how many have none yet."""

    count: int
    waiting: int
    median_h: float | None
    mean_h: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "waiting": self.waiting,
            "median_h": None if self.median_h is None else round(self.median_h, 2),
            "mean_h": None if self.mean_h is None else round(self.mean_h, 2),
        }


def _delays(hours: list[float], waiting: int) -> Delays:
    if not hours:
        return Delays(0, waiting, None, None)
    return Delays(len(hours), waiting, statistics.median(hours), statistics.fmean(hours))


@dataclass(frozen=True)
class ResponseReport:
    """How fast requests were answered, and the cancellations of a period."""

    received: int
    to_first_call: Delays
    to_first_visit: Delays
    cancelled_on_time: int
    cancelled_late: int
    late_fees: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "to_first_call": self.to_first_call.to_dict(),
            "to_first_visit": self.to_first_visit.to_dict(),
            "cancelled_on_time": self.cancelled_on_time,
            "cancelled_late": self.cancelled_late,
            "late_cancellation_fees": str(self.late_fees),
        }


def response_report(requests: Iterable[RequestFact], period: Period) -> ResponseReport:
    """Delays of the requests received in ``period`` and its cancellations."""
    received = 0
    calls: list[float] = []
    visits: list[float] = []
    no_call = no_visit = 0
    on_time = late = 0
    fees = ZERO
    for r in requests:
        if period.contains(r.created_at):
            received += 1
            if r.first_call_at is not None:
                calls.append(max(0.0, (r.first_call_at - r.created_at).total_seconds() / 3600))
            else:
                no_call += 1
            if r.first_visit_at is not None:
                visits.append(max(0.0, (r.first_visit_at - r.created_at).total_seconds() / 3600))
            elif r.state != "cancelled":
                no_visit += 1
        if r.cancelled_at is not None and period.contains(r.cancelled_at):
            if r.cancellation == "late":
                late += 1
                fees += r.cancellation_fee or ZERO
            else:
                on_time += 1
    return ResponseReport(
        received=received,
        to_first_call=_delays(calls, no_call),
        to_first_visit=_delays(visits, no_visit),
        cancelled_on_time=on_time,
        cancelled_late=late,
        late_fees=fees,
    )


__all__ = ["Delays", "ResponseReport", "response_report"]
