"""The database schema: column types, the declarative base and the ORM rows of every table.

* **Money** is stored exactly as integer cents (:class:`Money`) and read back as ``Decimal``.
* **Instants** are stored in UTC (:class:`Instant`) and read back timezone-aware in the
  product's time zone (:data:`dispatch.settings.TZ`, America/Montreal).
* **Optimistic locking**: editable rows (customers, requests, appointments, technicians,
  visits) carry a ``version`` (SQLAlchemy ``version_id_col``).
* **Immutability**: an issued invoice and its lines are never updated (a ``before_update``
  listener refuses it; migration 0002 adds the same refusal as database triggers).

The tables are created and upgraded by the Alembic migrations of
:mod:`dispatch.records.migrations`, whose autogenerate compares them with :data:`Base.metadata`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column
from sqlalchemy.types import TypeDecorator

from dispatch.errors import ConflictError, InvalidInput
from dispatch.i18n import N_
from dispatch.settings import TZ

_CENT = Decimal("0.01")


# --------------------------------------------------------------------------------------------
# Column types
# --------------------------------------------------------------------------------------------


class Money(TypeDecorator[Decimal]):
    """CAD amount stored exactly as integer cents; ``Decimal`` with 2 places in Python."""

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        d = Decimal(value)
        cents = d * 100
        if cents != cents.to_integral_value():
            msg = N_("Amount {value} has more than two decimals; round it to the cent first.")
            raise InvalidInput(msg, value=value)
        return int(cents)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(_CENT)


class Instant(TypeDecorator[datetime]):
    """Timezone-aware instant stored in UTC; returned in America/Montreal."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            msg = N_("Datetime {value!r} must be timezone-aware (America/Montreal).")
            raise InvalidInput(msg, value=value)
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(TZ)


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table (with a naming convention for migrations)."""

    metadata = sa.MetaData(naming_convention=NAMING)


class CustomerRow(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str] = mapped_column(sa.String(50), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="", index=True)
    consent_at: Mapped[datetime | None] = mapped_column(Instant)
    created_at: Mapped[datetime] = mapped_column(Instant)
    erased_at: Mapped[datetime | None] = mapped_column(Instant)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}


class AddressRow(Base):
    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    text: Mapped[str] = mapped_column(sa.String(300))
    region: Mapped[str] = mapped_column(sa.String(100), default="")
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)
    precision: Mapped[str] = mapped_column(sa.String(20), default="none")
    matched: Mapped[str] = mapped_column(sa.String(300), default="")
    zone: Mapped[str | None] = mapped_column(sa.String(20))
    straight_km: Mapped[float | None] = mapped_column(sa.Float)
    road_km: Mapped[float | None] = mapped_column(sa.Float)
    drive_min: Mapped[float | None] = mapped_column(sa.Float)
    travel_fee: Mapped[Decimal | None] = mapped_column(Money)
    fee_explanation: Mapped[str] = mapped_column(sa.Text, default="")
    coverage: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(Instant)


class RequestRow(Base):
    __tablename__ = "requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    address_id: Mapped[int] = mapped_column(sa.ForeignKey("addresses.id"))
    source: Mapped[str] = mapped_column(sa.String(20))
    message_id: Mapped[str | None] = mapped_column(sa.String(500), unique=True)
    desired_date: Mapped[date | None] = mapped_column(sa.Date)
    problem: Mapped[str] = mapped_column(sa.Text, default="")
    remote_ok: Mapped[bool] = mapped_column(default=False)
    consent: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(sa.String(30), index=True)
    flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(Instant, index=True)
    updated_at: Mapped[datetime] = mapped_column(Instant)
    cancelled_at: Mapped[datetime | None] = mapped_column(Instant)
    cancellation: Mapped[str | None] = mapped_column(sa.String(10))
    cancellation_fee: Mapped[Decimal | None] = mapped_column(Money)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}


class TechnicianRow(Base):
    __tablename__ = "technicians"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str] = mapped_column(sa.String(50), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    shift_start: Mapped[time] = mapped_column(sa.Time)
    shift_end: Mapped[time] = mapped_column(sa.Time)
    break_start: Mapped[time | None] = mapped_column(sa.Time)
    break_min: Mapped[int] = mapped_column(default=0)
    start_lat: Mapped[float | None] = mapped_column(sa.Float)
    start_lon: Mapped[float | None] = mapped_column(sa.Float)
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}


class AppointmentRow(Base):
    __tablename__ = "appointments"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("requests.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("technicians.id"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    window_start: Mapped[datetime] = mapped_column(Instant, index=True)
    window_end: Mapped[datetime] = mapped_column(Instant)
    duration_min: Mapped[int] = mapped_column(default=60)
    status: Mapped[str] = mapped_column(sa.String(12), default="scheduled")
    witness: Mapped[str] = mapped_column(sa.String(200), default="")
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(Instant)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}


class VisitRow(Base):
    __tablename__ = "visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("requests.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appointments.id"))
    kind: Mapped[str] = mapped_column(sa.String(10), default="visit")
    arrived_at: Mapped[datetime | None] = mapped_column(Instant)
    policy_signed_at: Mapped[datetime | None] = mapped_column(Instant)
    diagnostic_min: Mapped[int | None] = mapped_column()
    estimate: Mapped[Decimal | None] = mapped_column(Money)
    outcome: Mapped[str | None] = mapped_column(sa.String(30))
    repair_lines: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, default=list)
    tested_with: Mapped[str] = mapped_column(sa.String(200), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # migration 0007: the company's process on record
    estimate_at: Mapped[datetime | None] = mapped_column(Instant)
    outcome_at: Mapped[datetime | None] = mapped_column(Instant)
    consent_at: Mapped[datetime | None] = mapped_column(Instant)
    policy_version: Mapped[int | None] = mapped_column()
    policy_sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    test_passed: Mapped[bool | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}


class PolicyVersionRow(Base):
    """One version of the service policy the customer signs (migration 0007)."""

    __tablename__ = "policy_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    text: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(Instant)
    created_by: Mapped[str] = mapped_column(sa.String(100))


class WorkshopItemRow(Base):
    """A device taken to the workshop (migration 0007)."""

    __tablename__ = "workshop_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("requests.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visits.id"))
    device: Mapped[str] = mapped_column(sa.String(200))
    serial: Mapped[str] = mapped_column(sa.String(100), default="")
    accessories: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[str] = mapped_column(sa.String(12), index=True)
    received_at: Mapped[datetime] = mapped_column(Instant)
    updated_at: Mapped[datetime] = mapped_column(Instant)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}


class WorkshopEventRow(Base):
    """One change of state of a workshop item (its history)."""

    __tablename__ = "workshop_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("workshop_items.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(12))
    at: Mapped[datetime] = mapped_column(Instant)
    actor: Mapped[str] = mapped_column(sa.String(100), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")


class SignatureRow(Base):
    """A drawn signature (PNG) and the signer's name: the policy or a workshop receipt."""

    __tablename__ = "signatures"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("requests.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visits.id"))
    workshop_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workshop_items.id"))
    purpose: Mapped[str] = mapped_column(sa.String(20))
    signer_name: Mapped[str] = mapped_column(sa.String(200))
    png: Mapped[bytes] = mapped_column(sa.LargeBinary)
    signed_at: Mapped[datetime] = mapped_column(Instant)
    document_version: Mapped[int | None] = mapped_column()
    document_sha256: Mapped[str] = mapped_column(sa.String(64), default="")


class ClockEventRow(Base):
    """Start, pause, resume or stop of a diagnostic (or remote session) clock."""

    __tablename__ = "clock_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(10))
    at: Mapped[datetime] = mapped_column(Instant)
    actor: Mapped[str] = mapped_column(sa.String(100), default="")


class EstimateLineRow(Base):
    """One line (labour or parts) of the estimate presented to the customer."""

    __tablename__ = "estimate_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id"), index=True)
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(sa.String(10))
    label: Mapped[str] = mapped_column(sa.String(500))
    amount: Mapped[Decimal] = mapped_column(Money)


class InvoiceRow(Base):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(12), default="invoice")
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("requests.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    credited_invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"))
    issued_at: Mapped[datetime] = mapped_column(Instant, index=True)
    customer_name: Mapped[str] = mapped_column(sa.String(200))
    customer_address: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Always empty since migration 0004: the kept invoice holds name and address only (Law 25).
    customer_email: Mapped[str] = mapped_column(sa.String(254), default="")
    customer_phone: Mapped[str] = mapped_column(sa.String(50), default="")
    outcome: Mapped[str] = mapped_column(sa.String(30), default="")
    subtotal: Mapped[Decimal] = mapped_column(Money)
    gst: Mapped[Decimal] = mapped_column(Money)
    qst: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    gst_number: Mapped[str] = mapped_column(sa.String(40), default="")
    qst_number: Mapped[str] = mapped_column(sa.String(40), default="")
    interac_ref: Mapped[str] = mapped_column(sa.String(40), default="")
    visit_summary: Mapped[str] = mapped_column(sa.Text, default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    retain_until: Mapped[date] = mapped_column(sa.Date, index=True)


class InvoiceLineRow(Base):
    __tablename__ = "invoice_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(sa.String(20))
    label: Mapped[str] = mapped_column(sa.String(500))
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    amount: Mapped[Decimal] = mapped_column(Money)


class PaymentRow(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    method: Mapped[str] = mapped_column(sa.String(20))
    reference: Mapped[str] = mapped_column(sa.String(100), default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    received_at: Mapped[datetime] = mapped_column(Instant)
    recorded_by: Mapped[str] = mapped_column(sa.String(100), default="")


class CounterRow(Base):
    """Gapless sequences (invoice and credit-note numbers), one row per series."""

    __tablename__ = "counters"
    series: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class CallRow(Base):
    __tablename__ = "calls"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("requests.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appointments.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    outcome: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[datetime] = mapped_column(Instant)
    actor: Mapped[str] = mapped_column(sa.String(100), default="")


class AuditRow(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(Instant, index=True)
    actor: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(50))
    entity: Mapped[str] = mapped_column(sa.String(30))
    entity_id: Mapped[int | None] = mapped_column()
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class UserRow(Base):
    """A staff account (migration 0003); used through :mod:`dispatch.office.auth` only."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20))
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("technicians.id"))
    disabled: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(Instant)
    last_login_at: Mapped[datetime | None] = mapped_column(Instant)
    password_changed_at: Mapped[datetime] = mapped_column(Instant)
    created_at: Mapped[datetime] = mapped_column(Instant)


class LoginThrottleRow(Base):
    """Failed logins of one client address or one account (migration 0005); see
    :mod:`dispatch.office.login_throttle`."""

    __tablename__ = "login_throttles"
    __table_args__ = (sa.UniqueConstraint("scope", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(10))
    key: Mapped[str] = mapped_column(sa.String(100))
    failures: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(Instant)
    last_failure_at: Mapped[datetime | None] = mapped_column(Instant, index=True)
    delayed_until: Mapped[datetime | None] = mapped_column(Instant)


class OutboxRow(Base):
    """A message to a customer (e-mail or SMS) waiting to be sent, or its outcome (migration
    0006); see :mod:`dispatch.messaging.outbox`."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index(None, "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    message_id: Mapped[str] = mapped_column(sa.String(300))
    channel: Mapped[str] = mapped_column(sa.String(5))
    event: Mapped[str] = mapped_column(sa.String(30))
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("requests.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    body: Mapped[str] = mapped_column(sa.Text)
    html: Mapped[str] = mapped_column(sa.Text, default="")
    attachments: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, default=list)
    state: Mapped[str] = mapped_column(sa.String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(Instant)
    lease_until: Mapped[datetime | None] = mapped_column(Instant)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(Instant, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(Instant)


class ConsentRow(Base):
    """A customer's consent to one channel (migration 0006); see :mod:`dispatch.messaging.consent`."""

    __tablename__ = "customer_consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(5))
    consented_at: Mapped[datetime] = mapped_column(Instant)
    wording: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.String(20), default="")
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(Instant)
    withdrawn_how: Mapped[str] = mapped_column(sa.String(20), default="")


class WorkerStatusRow(Base):
    """A worker process's heartbeat (migration 0006); see :mod:`dispatch.messaging.worker`."""

    __tablename__ = "worker_status"
    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    pid: Mapped[int] = mapped_column()
    host: Mapped[str] = mapped_column(sa.String(100), default="")
    started_at: Mapped[datetime] = mapped_column(Instant)
    heartbeat_at: Mapped[datetime] = mapped_column(Instant)


class WorkerJobRow(Base):
    """The last run of one periodic job of the worker (migration 0006)."""

    __tablename__ = "worker_jobs"
    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    runs: Mapped[int] = mapped_column(default=0)
    last_started_at: Mapped[datetime | None] = mapped_column(Instant)
    last_finished_at: Mapped[datetime | None] = mapped_column(Instant)
    last_ok_at: Mapped[datetime | None] = mapped_column(Instant)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    last_result: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


@event.listens_for(InvoiceRow, "before_update")
@event.listens_for(InvoiceLineRow, "before_update")
def _invoice_immutable(
    mapper: Mapper[InvoiceRow | InvoiceLineRow], connection: Connection, target: InvoiceRow | InvoiceLineRow
) -> None:
    msg = N_("Invoice {number} is issued and can no longer be changed: issue a credit note to correct it.")
    raise ConflictError(msg, number=getattr(target, "number", target.id))


__all__ = [
    "NAMING",
    "AddressRow",
    "AppointmentRow",
    "AuditRow",
    "Base",
    "CallRow",
    "ClockEventRow",
    "ConsentRow",
    "CounterRow",
    "CustomerRow",
    "EstimateLineRow",
    "Instant",
    "InvoiceLineRow",
    "InvoiceRow",
    "LoginThrottleRow",
    "Money",
    "OutboxRow",
    "PaymentRow",
    "PolicyVersionRow",
    "RequestRow",
    "SignatureRow",
    "TechnicianRow",
    "UserRow",
    "VisitRow",
    "WorkerJobRow",
    "WorkerStatusRow",
    "WorkshopEventRow",
    "WorkshopItemRow",
]


class TechnicianPositionRow(Base):
    """One position a technician's phone shared (migration 0008); kept for the day only.

    See :mod:`dispatch.records.positions`: raw points of past days are purged and summed up
    in ``position_days``.
    """

    __tablename__ = "technician_positions"
    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(sa.ForeignKey("technicians.id"), index=True)
    lat: Mapped[float] = mapped_column(sa.Float)
    lon: Mapped[float] = mapped_column(sa.Float)
    accuracy_m: Mapped[float | None] = mapped_column(sa.Float)
    recorded_at: Mapped[datetime] = mapped_column(Instant, index=True)


class PositionConsentRow(Base):
    """A technician's consent to share their position on one day (migration 0008)."""

    __tablename__ = "position_consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(sa.ForeignKey("technicians.id"), index=True)
    day: Mapped[date] = mapped_column(sa.Date)
    consented_at: Mapped[datetime] = mapped_column(Instant)
    withdrawn_at: Mapped[datetime | None] = mapped_column(Instant)
    __table_args__ = (sa.UniqueConstraint("technician_id", "day"),)


class PositionDayRow(Base):
    """What is kept of a technician's positions of a past day (migration 0008): counts only."""

    __tablename__ = "position_days"
    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(sa.ForeignKey("technicians.id"), index=True)
    day: Mapped[date] = mapped_column(sa.Date)
    points: Mapped[int] = mapped_column(default=0)
    first_at: Mapped[datetime | None] = mapped_column(Instant)
    last_at: Mapped[datetime | None] = mapped_column(Instant)
    __table_args__ = (sa.UniqueConstraint("technician_id", "day"),)
