"""The stored records a report reads, as plain frozen values (no database, no session).

:mod:`dispatch.office.reporting` reads them from the database; the report functions of this
package take them (and the billing ledger's :class:`~dispatch.billing.ledger.Invoice` and
:class:`~dispatch.billing.ledger.Payment`) and compute. Tests build them by hand with known
totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal


@dataclass(frozen=True)
class RequestFact:
    """A request with where it comes from and how fast it was answered.

    ``zone``, ``road_km``, ``drive_min``, ``lat`` and ``lon`` are the address's coverage found
    at intake (one way, shop to customer); ``first_call_at`` is the first call logged about it
    and ``first_visit_at`` the arrival of its first visit (or remote session).
    """

    id: int
    created_at: datetime
    source: str
    state: str
    zone: str | None
    lat: float | None
    lon: float | None
    road_km: float | None
    drive_min: float | None
    cancelled_at: datetime | None = None
    cancellation: str | None = None
    cancellation_fee: Decimal | None = None
    first_call_at: datetime | None = None
    first_visit_at: datetime | None = None


@dataclass(frozen=True)
class VisitFact:
    """A visit (``visit``, ``return``) or remote session (``remote``) as recorded."""

    request_id: int
    kind: str
    arrived_at: datetime | None
    diagnostic_min: int | None
    outcome: str | None


@dataclass(frozen=True)
class AppointmentFact:
    """A booked trip (or remote session) with its technician, as published, and its address' coverage."""

    id: int
    request_id: int
    technician_id: int | None
    kind: str
    window_start: datetime
    duration_min: int
    status: str
    zone: str | None
    road_km: float | None
    drive_min: float | None


@dataclass(frozen=True)
class TechnicianFact:
    """A technician's working day: shift and lunch."""

    id: int
    name: str
    shift_start: time
    shift_end: time
    break_min: int
    active: bool = True


__all__ = ["AppointmentFact", "RequestFact", "TechnicianFact", "VisitFact"]
