"""The values the repositories return: frozen dataclasses detached from any session.

Money is ``Decimal`` and datetimes are timezone-aware (America/Montreal); lists are tuples.
Each value has ``to_dict()`` (JSON-ready form for the CLI and the pages). The ``_customer``,
``_request``... converters build them from ORM rows (:mod:`dispatch.records.schema`) inside a
repository transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast

from dispatch.records.schema import (
    AddressRow,
    AppointmentRow,
    CustomerRow,
    RequestRow,
    TechnicianRow,
    VisitRow,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance
    from sqlalchemy.orm import Session

R = TypeVar("R", bound="DataclassInstance")


def _rec(cls: type[R], row: object, **extra: object) -> R:
    values = {f.name: getattr(row, f.name) for f in fields(cls) if f.name not in extra}
    values.update(extra)
    return cls(**values)


class _Record:
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (Decimal and datetimes left for the CLI encoder)."""
        out = {}
        for f in fields(cast("DataclassInstance", self)):  # every record is a dataclass
            v = getattr(self, f.name)
            if isinstance(v, tuple):
                v = [x.to_dict() if hasattr(x, "to_dict") else x for x in v]
            elif hasattr(v, "to_dict"):
                v = v.to_dict()
            elif isinstance(v, (datetime, date, time)):
                v = v.isoformat()
            elif isinstance(v, Decimal):
                v = str(v)
            out[f.name] = v
        return out


@dataclass(frozen=True)
class Customer(_Record):
    id: int
    name: str
    phone: str
    email: str
    consent_at: datetime | None
    created_at: datetime
    erased_at: datetime | None
    version: int


@dataclass(frozen=True)
class Address(_Record):
    id: int
    customer_id: int
    text: str
    region: str
    lat: float | None
    lon: float | None
    precision: str
    matched: str
    zone: str | None
    straight_km: float | None
    road_km: float | None
    drive_min: float | None
    travel_fee: Decimal | None
    fee_explanation: str


@dataclass(frozen=True)
class InterventionRequest(_Record):
    """A request for an intervention, with its customer and address."""

    id: int
    customer_id: int
    address_id: int
    source: str
    message_id: str | None
    desired_date: date | None
    problem: str
    remote_ok: bool
    consent: bool
    state: str
    flags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    cancellation: str | None
    cancellation_fee: Decimal | None
    version: int
    customer: Customer
    address: Address


@dataclass(frozen=True)
class TechnicianRecord(_Record):
    """A technician as stored: shift, break, skills, starting point (not the routing
    :class:`dispatch.routing.Technician`, built from it for one day's problem)."""

    id: int
    name: str
    phone: str
    email: str
    skills: tuple[str, ...]
    shift_start: time
    shift_end: time
    break_start: time | None
    break_min: int
    start_lat: float | None
    start_lon: float | None
    active: bool
    version: int


@dataclass(frozen=True)
class Appointment(_Record):
    id: int
    request_id: int
    technician_id: int | None
    kind: str
    window_start: datetime
    window_end: datetime
    duration_min: int
    status: str
    witness: str
    skills: tuple[str, ...]
    notes: str
    created_at: datetime
    version: int


@dataclass(frozen=True)
class DayAppointment(_Record):
    """One appointment of a day with what the planner and the technician need."""

    appointment: Appointment
    request_id: int
    request_state: str
    customer_name: str
    phone: str
    address: str
    lat: float | None
    lon: float | None
    zone: str | None
    problem: str


@dataclass(frozen=True)
class VisitRecord(_Record):
    """What happened at a visit, a return visit or a remote session: arrival, diagnostic,
    estimate, outcome, repair lines (not the routing :class:`dispatch.routing.Visit`, a stop
    to plan)."""

    id: int
    request_id: int
    appointment_id: int | None
    kind: str
    arrived_at: datetime | None
    policy_signed_at: datetime | None
    diagnostic_min: int | None
    estimate: Decimal | None
    outcome: str | None
    repair_lines: tuple[dict[str, str], ...]
    tested_with: str
    notes: str
    version: int
    estimate_at: datetime | None = None
    outcome_at: datetime | None = None
    consent_at: datetime | None = None
    policy_version: int | None = None
    policy_sha256: str = ""
    test_passed: bool | None = None


@dataclass(frozen=True)
class AuditEntry(_Record):
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    details: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# From rows
# --------------------------------------------------------------------------------------------

def _customer(row: CustomerRow) -> Customer:
    return _rec(Customer, row)


def _address(row: AddressRow) -> Address:
    return _rec(Address, row)


def _request(s: Session, row: RequestRow) -> InterventionRequest:
    cust = s.get(CustomerRow, row.customer_id)
    addr = s.get(AddressRow, row.address_id)
    assert cust is not None and addr is not None  # foreign keys: the rows exist
    return _rec(
        InterventionRequest,
        row,
        flags=tuple(row.flags or ()),
        customer=_customer(cust),
        address=_address(addr),
    )


def _appointment(row: AppointmentRow) -> Appointment:
    return _rec(Appointment, row, skills=tuple(row.skills or ()))


def _technician(row: TechnicianRow) -> TechnicianRecord:
    return _rec(TechnicianRecord, row, skills=tuple(row.skills or ()))


def _visit(row: VisitRow) -> VisitRecord:
    return _rec(VisitRecord, row, repair_lines=tuple(row.repair_lines or ()))


__all__ = [
    "Address",
    "Appointment",
    "AuditEntry",
    "Customer",
    "DayAppointment",
    "InterventionRequest",
    "TechnicianRecord",
    "VisitRecord",
]
