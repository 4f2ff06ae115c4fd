"""Travel: the travel fees billed against the kilometres and minutes driven, per zone.

What is stored, and so what this report can say honestly:

* the **fees billed** are the ``travel`` lines of the invoices issued in the period (the
  visit's trip, and the return visit's when it is billed), counted in the zone of the
  request's address (core, extended, outside on quote);
* the **published routes** are stored as the technician assigned to each trip
  (:func:`dispatch.office.planning.publish`); their road kilometres and drive minutes are
  *not* stored. The driving is therefore **estimated** from what is: each trip assigned to a
  technician in the period counts a round trip from the shop, twice the road distance and
  drive time of its address found at intake. A real route chains visits, so it drives
  less: the estimate is an upper bound, and the fee per kilometre a lower bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from dispatch.i18n import N_
from dispatch.money import CENT, ZERO

if TYPE_CHECKING:
    from dispatch.billing.ledger import Invoice
    from dispatch.reports.facts import AppointmentFact
    from dispatch.reports.periods import Period

ZONES = ("core", "extended", "outside")

#: Said wherever the travel figures are shown.
ESTIMATE_NOTE = N_(
    "The kilometres and drive times of the published routes are not stored: they are estimated "
    "as one round trip from the shop per trip (twice the road distance and drive time of the "
    "address found at intake). Real routes chain visits and drive less, so the fee per "
    "kilometre shown is a lower bound."
)


@dataclass(frozen=True)
class ZoneTravel:
    """Travel of one zone in a period."""

    zone: str
    trips: int
    fees: Decimal
    fee_lines: int
    road_km: float
    drive_min: float

    @property
    def fee_per_km(self) -> Decimal | None:
        """Fees billed per estimated kilometre (``None`` without kilometres)."""
        if self.road_km <= 0:
            return None
        return (self.fees / Decimal(str(round(self.road_km, 3)))).quantize(CENT, rounding=ROUND_HALF_UP)

    def to_dict(self) -> dict[str, Any]:
        per_km = self.fee_per_km
        return {
            "zone": self.zone,
            "trips": self.trips,
            "fees": str(self.fees),
            "fee_lines": self.fee_lines,
            "road_km_estimate": round(self.road_km, 1),
            "drive_min_estimate": round(self.drive_min, 1),
            "fee_per_km": None if per_km is None else str(per_km),
        }


def travel_report(
    documents: Iterable[Invoice],
    trips: Iterable[AppointmentFact],
    period: Period,
    *,
    zone_of_request: Mapping[int, str | None],
) -> tuple[ZoneTravel, ...]:
    """Fees billed and estimated driving of ``period``, one :class:`ZoneTravel` per zone.

    Parameters
    ----------
    documents
        Stored invoices and credit notes: the ``travel`` lines of the invoices issued in the
        period are the fees.
    trips
        Stored appointments: those of kind ``visit`` or ``return``, not cancelled, assigned to
        a technician and starting in the period are the trips driven.
    zone_of_request
        Request id -> zone of its address (``None``: unknown, counted as ``outside``).
    """
    acc = {z: _Acc() for z in ZONES}

    def zone(z: str | None) -> str:
        return z if z in acc else "outside"

    for d in documents:
        if d.kind != "invoice" or not period.contains(d.issued_at):
            continue
        a = acc[zone(zone_of_request.get(d.request_id) if d.request_id is not None else None)]
        for ln in d.lines:
            if ln.kind == "travel":
                a.fees += ln.amount
                a.lines += 1
    for t in trips:
        if t.kind not in {"visit", "return"} or t.status == "cancelled" or t.technician_id is None:
            continue
        if not period.contains(t.window_start):
            continue
        a = acc[zone(t.zone)]
        a.trips += 1
        a.km += 2 * float(t.road_km or 0.0)
        a.minutes += 2 * float(t.drive_min or 0.0)
    return tuple(ZoneTravel(z, a.trips, a.fees, a.lines, a.km, a.minutes) for z, a in acc.items())


@dataclass
class _Acc:
    trips: int = 0
    fees: Decimal = ZERO
    lines: int = 0
    km: float = 0.0
    minutes: float = 0.0


__all__ = ["ESTIMATE_NOTE", "ZONES", "ZoneTravel", "travel_report"]
