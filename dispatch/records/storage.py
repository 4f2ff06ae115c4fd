"""Storage: the SQLAlchemy 2 schema and the repositories of interventions.

One database holds customers, their addresses (with the geocode result and the coverage found
at intake), intervention requests, technicians, appointments, visits, invoices with their
lines and payments, call outcomes and an audit log (who changed what, when).

* **Where**: ``settings.database_url``; by default the SQLite file ``<data_dir>/opms.sqlite3``
  (WAL journal, foreign keys on, writers serialised with ``BEGIN IMMEDIATE``, 30 s busy
  timeout); PostgreSQL with a URL such as ``postgresql+psycopg://user@host/db``.
* **Schema**: created and upgraded by the Alembic migrations of :mod:`dispatch.records.migrations`,
  run by :func:`open_database` (a fresh database is built by the migrations, never by
  ``create_all``).
* **Transactions**: every repository function is one transaction (:meth:`Database.write`);
  a failure leaves nothing half-written.
* **Optimistic locking**: editable rows (customers, requests, appointments, technicians,
  visits) carry a ``version``. A save made with an ``expected_version`` that is no longer
  current is refused with :class:`~dispatch.errors.ConflictError`, never silently applied.
* **Audit**: every write adds an :class:`AuditEntry` (actor, action, entity, id, details) in
  the same transaction. Details hold ids, states and field *names*, never personal data.
* **Values**: functions return frozen dataclasses (detached from any session); money is
  ``Decimal`` (stored as integer cents), datetimes are timezone-aware (America/Montreal).

Typical use::

    db = open_database(settings=settings)
    req = create_request(db, name="Marie Tremblay", phone="450 555-1234", ...)
    appt = book_appointment(db, req.id, start=..., end=..., actor="bureau")
    for a in appointments_for_day(db, date(2026, 12, 3)): ...
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

from dispatch.errors import (
    ConflictError,
    DispatchError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    StorageError,
)
from dispatch.records.lifecycle import CANCELLABLE, State, cancellation_timing, check_transition

if TYPE_CHECKING:
    from dispatch.settings import Settings

#: Time zone of every datetime returned by this module.
TZ = ZoneInfo("America/Montreal")
_CENT = Decimal("0.01")


# --------------------------------------------------------------------------------------------
# Column types
# --------------------------------------------------------------------------------------------


class Money(TypeDecorator[Decimal]):
    """CAD amount stored exactly as integer cents; ``Decimal`` with 2 places in Python."""

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        d = Decimal(value)
        cents = d * 100
        if cents != cents.to_integral_value():
            msg = f"Amount {value} has more than two decimals; round it to the cent first."
            raise InvalidInput(msg)
        return int(cents)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(_CENT)


class Instant(TypeDecorator[datetime]):
    """Timezone-aware instant stored in UTC; returned in America/Montreal."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            msg = f"Datetime {value!r} must be timezone-aware (America/Montreal)."
            raise InvalidInput(msg)
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(TZ)


def now() -> datetime:
    """The current time, timezone-aware (America/Montreal)."""
    return datetime.now(TZ)


# --------------------------------------------------------------------------------------------
# Schema
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
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}


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


@event.listens_for(InvoiceRow, "before_update")
@event.listens_for(InvoiceLineRow, "before_update")
def _invoice_immutable(mapper: Any, connection: Any, target: Any) -> None:
    msg = (
        f"La facture {getattr(target, 'number', target.id)} est émise et ne peut plus être "
        "modifiée : émettez une note de crédit pour la corriger."
    )
    raise ConflictError(msg)


# --------------------------------------------------------------------------------------------
# Records (what the repositories return)
# --------------------------------------------------------------------------------------------

R = TypeVar("R")


def _rec(cls: type[R], row: Any, **extra: Any) -> R:
    values = {f.name: getattr(row, f.name) for f in fields(cls) if f.name not in extra}  # type: ignore[arg-type]
    values.update(extra)
    return cls(**values)


class _Record:
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (Decimal and datetimes left for the CLI encoder)."""
        out = {}
        for f in fields(self):  # type: ignore[arg-type]
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
class Technician(_Record):
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
class Visit(_Record):
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
# Database
# --------------------------------------------------------------------------------------------


class Database:
    """An open database: an engine, its session factory and the transaction helpers."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._write_engine = engine.execution_options(opms_write=True)
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(bind=self._write_engine, expire_on_commit=False)
        self._local = threading.local()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed at the end, rolled back on any error.

        Blocks nest: a ``write()`` (or a repository function) called inside another one in the
        same thread joins the outer transaction, so several repository calls can be made
        atomic together (``with db.write(): book_appointment(...); ...``).

        On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (writers wait for each other
        instead of failing half-way). Database errors are translated: a concurrent change to a
        versioned row becomes :class:`ConflictError`, a locked or unreachable database
        :class:`StorageError`.
        """
        outer = getattr(self._local, "session", None)
        if outer is not None:  # nested: join the transaction already open in this thread
            yield outer
            return
        session = self._write_sessions()
        self._local.session = session
        try:
            with _translate(), session.begin():
                yield session
        finally:
            self._local.session = None
            session.close()

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (its transaction is rolled back at the end).

        Inside a :meth:`write` block of the same thread, the write's session is used (so the
        read sees what the transaction wrote so far).
        """
        outer = getattr(self._local, "session", None)
        if outer is not None:
            yield outer
            return
        session = self._sessions()
        try:
            with _translate():
                yield session
        finally:
            session.rollback()
            session.close()

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@contextlib.contextmanager
def _translate() -> Iterator[None]:
    try:
        yield
    except StaleDataError as err:
        msg = (
            "Cette fiche a été modifiée par quelqu'un d'autre entre-temps : votre modification "
            "n'a pas été enregistrée. Rechargez la fiche et refaites-la."
        )
        raise ConflictError(msg) from err
    except exc.IntegrityError as err:
        msg = f"La modification entre en conflit avec les données enregistrées ({err.orig}) : rien n'a été enregistré."
        raise ConflictError(msg) from err
    except exc.OperationalError as err:
        msg = f"The database is unavailable or busy ({err.orig}); nothing was saved, try again."
        raise StorageError(msg) from err
    except exc.StatementError as err:
        if isinstance(err.orig, DispatchError):
            raise err.orig from err
        raise


#: How long (seconds) a SQLite connection waits for another writer's lock before the operation
#: fails with :class:`StorageError` ("database is busy ... try again"): the bounded retry of a
#: busy or locked database. Read when a connection opens (tests lower it).
BUSY_TIMEOUT_S = 30.0


def _sqlite_setup(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("opms_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def open_database(
    url: str | None = None, *, settings: Settings | None = None, migrate: bool = True
) -> Database:
    """Open (and create or upgrade) the database.

    Parameters
    ----------
    url
        SQLAlchemy URL; default ``settings.database_url`` (SQLite in the data directory).
    settings
        Settings in force (needed when ``url`` is not given).
    migrate
        Run the Alembic migrations up to the latest schema (default true).

    Returns
    -------
    Database
        The open database; close it with :meth:`Database.close` (or use ``with``).
    """
    if url is None:
        if settings is None:
            msg = "open_database needs a URL or the settings (for settings.database_url)."
            raise InvalidInput(msg)
        url = settings.database_url
    try:
        sa_url = sa.make_url(url)
    except exc.ArgumentError as err:
        msg = f"Invalid database URL {url!r}: {err}. Example: postgresql+psycopg://user@host/db."
        raise InvalidInput(msg) from err
    kwargs: dict[str, Any] = {}
    if sa_url.get_backend_name() == "sqlite":
        db_path = sa_url.database
        if db_path and db_path != ":memory:":
            from pathlib import Path

            Path(db_path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_S}
    else:
        kwargs["pool_pre_ping"] = True
    engine = sa.create_engine(sa_url, **kwargs)
    if engine.dialect.name == "sqlite":
        _sqlite_setup(engine)
    db = Database(engine)
    if migrate:
        try:
            upgrade(db)
        except exc.OperationalError as err:
            engine.dispose()
            msg = f"Cannot open the database {db.url}: {err.orig}. Check the URL and that the server runs."
            raise StorageError(msg) from err
    return db


def upgrade(db: Database, revision: str = "head") -> None:
    """Run the Alembic migrations of :mod:`dispatch.records.migrations` up to ``revision``."""
    from dispatch.records.migrations import run_upgrade

    run_upgrade(db.engine, revision)


def schema_revision(db: Database) -> str | None:
    """The Alembic revision the database is at (``None`` for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def audit(
    s: Session, actor: str, action: str, entity: str, entity_id: int | None, **details: Any
) -> None:
    """Add an audit entry to the current transaction (ids, states and field names only)."""
    s.add(
        AuditRow(
            at=now(),
            actor=actor or "system",
            action=action,
            entity=entity,
            entity_id=entity_id,
            details=_jsonable(details),
        )
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (Decimal, datetime, date, time)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


def _get(s: Session, cls: type[Any], id_: int, what: str) -> Any:
    row = s.get(cls, id_)
    if row is None:
        msg = f"No {what} with id {id_}."
        raise NotFound(msg)
    return row


_FRENCH = {
    "customer": "Le client",
    "request": "La demande",
    "appointment": "Le rendez-vous",
    "technician": "Le technicien",
    "visit": "La visite",
}


def _check_version(row: Any, expected: int | None, what: str) -> None:
    if expected is not None and row.version != expected:
        msg = (
            f"{_FRENCH.get(what, what)} n° {row.id} a été modifié par quelqu'un d'autre pendant "
            f"votre édition (version {row.version}, vous aviez la version {expected}) : votre "
            "modification n'a pas été enregistrée. Rechargez la fiche et refaites-la."
        )
        raise ConflictError(msg)


def _aware(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        msg = f"{what} must be a timezone-aware datetime (America/Montreal), got {value!r}."
        raise InvalidInput(msg)
    return value


def _customer(row: CustomerRow) -> Customer:
    return _rec(Customer, row)


def _address(row: AddressRow) -> Address:
    return _rec(Address, row)


def _request(s: Session, row: RequestRow) -> InterventionRequest:
    cust = s.get(CustomerRow, row.customer_id)
    addr = s.get(AddressRow, row.address_id)
    return _rec(
        InterventionRequest,
        row,
        flags=tuple(row.flags or ()),
        customer=_customer(cust),
        address=_address(addr),
    )


def _appointment(row: AppointmentRow) -> Appointment:
    return _rec(Appointment, row, skills=tuple(row.skills or ()))


def _technician(row: TechnicianRow) -> Technician:
    return _rec(Technician, row, skills=tuple(row.skills or ()))


def _visit(row: VisitRow) -> Visit:
    return _rec(Visit, row, repair_lines=tuple(row.repair_lines or ()))


def _set_state(s: Session, req: RequestRow, target: State | str, actor: str, **details: Any) -> None:
    before = req.state
    tgt = check_transition(before, target)
    req.state = tgt.value
    req.updated_at = now()
    audit(s, actor, "transition", "request", req.id, before=before, after=tgt.value, **details)


# --------------------------------------------------------------------------------------------
# Customers and requests
# --------------------------------------------------------------------------------------------

_DIGITS = re.compile(r"\D+")


def _phone_key(phone: str) -> str:
    digits = _DIGITS.sub("", phone or "")
    return digits[-10:]


def find_customer(db: Database, *, email: str = "", phone: str = "") -> Customer | None:
    """The (non-erased) customer with this e-mail (case-insensitive), else this phone number."""
    with db.read() as s:
        return _find_customer(s, email=email, phone=phone)


def _find_customer(s: Session, *, email: str, phone: str) -> Customer | None:
    base = sa.select(CustomerRow).where(CustomerRow.erased_at.is_(None))
    if email.strip():
        row = s.scalars(
            base.where(sa.func.lower(CustomerRow.email) == email.strip().lower()).order_by(
                CustomerRow.id
            )
        ).first()
        if row is not None:
            return _customer(row)
    key = _phone_key(phone)
    if len(key) >= 7:
        for row in s.scalars(base.where(CustomerRow.phone != "").order_by(CustomerRow.id)):
            if _phone_key(row.phone) == key:
                return _customer(row)
    return None


def get_customer(db: Database, customer_id: int) -> Customer:
    """The customer with this id (raise NotFound)."""
    with db.read() as s:
        return _customer(_get(s, CustomerRow, customer_id, "customer"))


def update_customer(
    db: Database,
    customer_id: int,
    *,
    expected_version: int | None,
    actor: str,
    **changes: Any,
) -> Customer:
    """Change a customer's ``name``, ``phone`` or ``email`` (optimistic locking)."""
    allowed = {"name", "phone", "email"}
    unknown = set(changes) - allowed
    if unknown:
        msg = f"Cannot change {', '.join(sorted(unknown))} of a customer; allowed: {', '.join(sorted(allowed))}."
        raise InvalidInput(msg)
    with db.write() as s:
        row = _get(s, CustomerRow, customer_id, "customer")
        _check_version(row, expected_version, "customer")
        for k, v in changes.items():
            setattr(row, k, str(v).strip())
        s.flush()
        audit(s, actor, "update", "customer", row.id, fields=sorted(changes))
        return _customer(row)


def create_request(
    db: Database,
    *,
    name: str,
    phone: str = "",
    email: str = "",
    address: str,
    problem: str = "",
    desired_date: date | None = None,
    remote_ok: bool = False,
    consent: bool = False,
    source: str = "form",
    message_id: str | None = None,
    coverage: dict[str, Any] | None = None,
    region: str = "",
    flags: Sequence[str] = (),
    actor: str = "system",
    at: datetime | None = None,
) -> InterventionRequest:
    """Store a new intervention request (state ``requested``), in one transaction.

    The customer is matched on e-mail, else phone number, or created. The address is stored
    with the coverage found at intake (``coverage``: the ``to_dict()`` of a
    :class:`dispatch.geo.service_area.Coverage`, possibly with the geocode fields); ``flags`` are
    notes for the office (``"hors zone"``, ``"adresse à vérifier"``...). A ``message_id``
    already stored raises :class:`ConflictError` (use :func:`request_by_message_id` first).

    Returns
    -------
    InterventionRequest
        The stored request with its customer and address.
    """
    name = (name or "").strip()
    if not name:
        msg = "A request needs the customer's name."
        raise InvalidInput(msg)
    if not (address or "").strip():
        msg = "A request needs the address of the intervention."
        raise InvalidInput(msg)
    if not (phone or "").strip() and not (email or "").strip():
        msg = "A request needs a phone number or an e-mail address to reach the customer."
        raise InvalidInput(msg)
    if source not in {"form", "email", "phone", "office"}:
        msg = f"Unknown request source {source!r}; expected form, email, phone or office."
        raise InvalidInput(msg)
    when = _aware(at, "at") if at is not None else now()
    cov = dict(coverage or {})
    with db.write() as s:
        existing = _find_customer(s, email=email, phone=phone)
        if existing is None:
            cust = CustomerRow(
                name=name,
                phone=phone.strip(),
                email=email.strip(),
                consent_at=when if consent else None,
                created_at=when,
            )
            s.add(cust)
            s.flush()
            audit(s, actor, "create", "customer", cust.id, source=source)
        else:
            cust = s.get(CustomerRow, existing.id)
            if consent and cust.consent_at is None:
                cust.consent_at = when
        fee = cov.get("travel_fee")
        fee_amount = fee.get("amount") if isinstance(fee, dict) else fee
        addr = AddressRow(
            customer_id=cust.id,
            text=address.strip(),
            region=region,
            lat=cov.get("lat", (cov.get("point") or {}).get("lat")),
            lon=cov.get("lon", (cov.get("point") or {}).get("lon")),
            precision=str(cov.get("precision") or ("exact" if cov.get("lat") else "none")),
            matched=str(cov.get("matched") or ""),
            zone=cov.get("zone"),
            straight_km=cov.get("straight_km"),
            road_km=_finite(cov.get("road_km")),
            drive_min=_finite(cov.get("drive_min")),
            travel_fee=None if fee_amount in (None, "") else Decimal(str(fee_amount)),
            fee_explanation=str(fee.get("explanation", "")) if isinstance(fee, dict) else "",
            coverage=_jsonable(cov) if cov else None,
            created_at=when,
        )
        s.add(addr)
        s.flush()
        req = RequestRow(
            customer_id=cust.id,
            address_id=addr.id,
            source=source,
            message_id=message_id or None,
            desired_date=desired_date,
            problem=(problem or "").strip(),
            remote_ok=bool(remote_ok),
            consent=bool(consent),
            state=State.REQUESTED.value,
            flags=list(dict.fromkeys(flags)),
            created_at=when,
            updated_at=when,
        )
        s.add(req)
        s.flush()
        audit(s, actor, "create", "request", req.id, source=source, flags=list(req.flags))
        return _request(s, req)


def _finite(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if f == f and f not in (float("inf"), float("-inf")) else None


def get_request(db: Database, request_id: int) -> InterventionRequest:
    """The request with this id (raise NotFound)."""
    with db.read() as s:
        return _request(s, _get(s, RequestRow, request_id, "request"))


def request_by_message_id(db: Database, message_id: str) -> InterventionRequest | None:
    """The request created from the e-mail with this Message-ID, if any.

    Requests of erased customers keep only a hash of the Message-ID
    (:func:`dispatch.records.privacy.hash_message_id`); they are found too, so an erased request is
    never taken in again.
    """
    import hashlib

    hashed = "sha256:" + hashlib.sha256(message_id.encode("utf-8")).hexdigest()
    with db.read() as s:
        row = s.scalars(
            sa.select(RequestRow).where(RequestRow.message_id.in_([message_id, hashed]))
        ).first()
        return None if row is None else _request(s, row)


def list_requests(
    db: Database, *, state: str | None = None, customer_id: int | None = None
) -> list[InterventionRequest]:
    """Requests, oldest first, optionally of one state or one customer."""
    with db.read() as s:
        q = sa.select(RequestRow).order_by(RequestRow.created_at, RequestRow.id)
        if state is not None:
            q = q.where(RequestRow.state == State(state).value)
        if customer_id is not None:
            q = q.where(RequestRow.customer_id == customer_id)
        return [_request(s, r) for r in s.scalars(q)]


def set_request_flags(
    db: Database, request_id: int, flags: Sequence[str], *, expected_version: int | None, actor: str
) -> InterventionRequest:
    """Replace the office flags of a request (for example once the address is verified)."""
    with db.write() as s:
        row = _get(s, RequestRow, request_id, "request")
        _check_version(row, expected_version, "request")
        row.flags = list(dict.fromkeys(flags))
        row.updated_at = now()
        s.flush()
        audit(s, actor, "flags", "request", row.id, flags=list(row.flags))
        return _request(s, row)


def advance(
    db: Database,
    request_id: int,
    target: State | str,
    *,
    actor: str,
    expected_version: int | None = None,
    note: str = "",
) -> InterventionRequest:
    """Move a request to ``target`` if the lifecycle allows it (raise InvalidTransition)."""
    with db.write() as s:
        row = _get(s, RequestRow, request_id, "request")
        _check_version(row, expected_version, "request")
        _set_state(s, row, target, actor, note=note)
        s.flush()
        return _request(s, row)


def cancel_request(
    db: Database,
    request_id: int,
    *,
    settings: Settings,
    actor: str,
    at: datetime | None = None,
    reason: str = "",
) -> InterventionRequest:
    """Cancel a request at the customer's demand.

    The cancellation is ``on_time`` when made at least ``tariff.cancellation_notice_h`` hours
    before the window of the next scheduled appointment, else ``late``; a late cancellation
    records ``tariff.late_cancellation_fee`` (when non-zero). The appointments are cancelled.
    """
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        return _request(s, _cancel(s, request_id, settings=settings, actor=actor, when=when, reason=reason))


def _cancel(
    s: Session, request_id: int, *, settings: Settings, actor: str, when: datetime, reason: str
) -> RequestRow:
    row = _get(s, RequestRow, request_id, "request")
    if State(row.state) not in CANCELLABLE:
        msg = (
            f"Request {row.id} is {row.state}: it can be cancelled only before the "
            "technician is on site (requested, contacted or confirmed)."
        )
        raise InvalidTransition(msg)
    appts = s.scalars(
        sa.select(AppointmentRow)
        .where(AppointmentRow.request_id == row.id, AppointmentRow.status != "cancelled")
        .order_by(AppointmentRow.window_start)
    ).all()
    start = appts[0].window_start if appts else None
    timing = cancellation_timing(start, when, notice_h=settings.tariff.cancellation_notice_h)
    for a in appts:
        a.status = "cancelled"
    fee = Decimal(settings.tariff.late_cancellation_fee).quantize(_CENT, ROUND_HALF_UP)
    row.cancelled_at = when
    row.cancellation = timing
    row.cancellation_fee = fee if timing == "late" and fee > 0 else None
    _set_state(s, row, State.CANCELLED, actor, timing=timing, reason=reason)
    s.flush()
    return row


# --------------------------------------------------------------------------------------------
# Technicians
# --------------------------------------------------------------------------------------------


def add_technician(
    db: Database,
    *,
    name: str,
    shift_start: time = time(8, 0),
    shift_end: time = time(17, 0),
    break_start: time | None = time(12, 0),
    break_min: int = 30,
    skills: Sequence[str] = (),
    phone: str = "",
    email: str = "",
    start: tuple[float, float] | None = None,
    actor: str = "system",
) -> Technician:
    """Add a technician with a daily shift, a break and skills; ``start`` (lat, lon) or the shop."""
    if not name.strip():
        msg = "A technician needs a name."
        raise InvalidInput(msg)
    if shift_end <= shift_start:
        msg = f"The shift must end after it starts ({shift_start} - {shift_end})."
        raise InvalidInput(msg)
    with db.write() as s:
        row = TechnicianRow(
            name=name.strip(),
            phone=phone,
            email=email,
            skills=list(skills),
            shift_start=shift_start,
            shift_end=shift_end,
            break_start=break_start,
            break_min=int(break_min),
            start_lat=start[0] if start else None,
            start_lon=start[1] if start else None,
            active=True,
        )
        s.add(row)
        s.flush()
        audit(s, actor, "create", "technician", row.id)
        return _technician(row)


def technicians(db: Database, *, active_only: bool = True) -> list[Technician]:
    """The technicians (active ones by default), by name."""
    with db.read() as s:
        q = sa.select(TechnicianRow).order_by(TechnicianRow.name, TechnicianRow.id)
        if active_only:
            q = q.where(TechnicianRow.active.is_(True))
        return [_technician(r) for r in s.scalars(q)]


def update_technician(
    db: Database, technician_id: int, *, expected_version: int | None, actor: str, **changes: Any
) -> Technician:
    """Change a technician's fields (name, phone, email, skills, shift, break, start, active)."""
    allowed = {
        "name", "phone", "email", "skills", "shift_start", "shift_end", "break_start",
        "break_min", "start_lat", "start_lon", "active",
    }  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        msg = f"Cannot change {', '.join(sorted(unknown))} of a technician."
        raise InvalidInput(msg)
    with db.write() as s:
        row = _get(s, TechnicianRow, technician_id, "technician")
        _check_version(row, expected_version, "technician")
        for k, v in changes.items():
            setattr(row, k, list(v) if k == "skills" else v)
        s.flush()
        audit(s, actor, "update", "technician", row.id, fields=sorted(changes))
        return _technician(row)


# --------------------------------------------------------------------------------------------
# Appointments
# --------------------------------------------------------------------------------------------


def book_appointment(
    db: Database,
    request_id: int,
    *,
    start: datetime,
    end: datetime,
    actor: str,
    kind: str = "visit",
    technician_id: int | None = None,
    duration_min: int = 60,
    witness: str = "",
    skills: Sequence[str] = (),
    notes: str = "",
) -> Appointment:
    """Book an appointment (the time agreed with the customer: a window).

    ``kind``: ``visit`` (first visit: the request goes ``requested -> contacted``), ``return``
    (return visit after a workshop repair: ``repaired_in_workshop -> return_scheduled``;
    ``witness`` names who will attend the test if not the customer) or ``remote``
    (a remote session slot; the state does not change).
    """
    _aware(start, "start")
    _aware(end, "end")
    if end <= start:
        msg = f"The appointment window must end after it starts ({start} - {end})."
        raise InvalidInput(msg)
    if duration_min <= 0:
        msg = "The appointment duration must be positive (minutes)."
        raise InvalidInput(msg)
    if kind not in {"visit", "return", "remote"}:
        msg = f"Unknown appointment kind {kind!r}; expected visit, return or remote."
        raise InvalidInput(msg)
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        if technician_id is not None:
            _get(s, TechnicianRow, technician_id, "technician")
        if kind == "visit":
            _set_state(s, req, State.CONTACTED, actor)
        elif kind == "return":
            _set_state(s, req, State.RETURN_SCHEDULED, actor)
        row = AppointmentRow(
            request_id=req.id,
            technician_id=technician_id,
            kind=kind,
            window_start=start,
            window_end=end,
            duration_min=int(duration_min),
            status="scheduled",
            witness=witness.strip(),
            skills=list(skills),
            notes=notes,
            created_at=now(),
        )
        s.add(row)
        s.flush()
        audit(s, actor, "create", "appointment", row.id, request_id=req.id, kind=kind)
        return _appointment(row)


def get_appointment(db: Database, appointment_id: int) -> Appointment:
    """The appointment with this id (raise NotFound)."""
    with db.read() as s:
        return _appointment(_get(s, AppointmentRow, appointment_id, "appointment"))


def appointments_of(db: Database, request_id: int) -> list[Appointment]:
    """Every appointment of a request, by window start."""
    with db.read() as s:
        q = (
            sa.select(AppointmentRow)
            .where(AppointmentRow.request_id == request_id)
            .order_by(AppointmentRow.window_start, AppointmentRow.id)
        )
        return [_appointment(r) for r in s.scalars(q)]


def update_appointment(
    db: Database, appointment_id: int, *, expected_version: int | None, actor: str, **changes: Any
) -> Appointment:
    """Edit an appointment (window, technician, duration, witness, skills, notes).

    ``expected_version`` is the version the user loaded: if someone else saved the appointment
    since, :class:`ConflictError` is raised and nothing is changed.
    """
    allowed = {
        "window_start", "window_end", "technician_id", "duration_min", "witness", "skills", "notes",
    }  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        msg = f"Cannot change {', '.join(sorted(unknown))} of an appointment; allowed: {', '.join(sorted(allowed))}."
        raise InvalidInput(msg)
    with db.write() as s:
        row = _get(s, AppointmentRow, appointment_id, "appointment")
        _check_version(row, expected_version, "appointment")
        if row.status == "cancelled":
            msg = f"Appointment {row.id} is cancelled; book a new one instead."
            raise InvalidTransition(msg)
        if changes.get("technician_id") is not None:
            _get(s, TechnicianRow, changes["technician_id"], "technician")
        for k, v in changes.items():
            if k in {"window_start", "window_end"}:
                _aware(v, k)
            setattr(row, k, list(v) if k == "skills" else v)
        if row.window_end <= row.window_start:
            msg = "The appointment window must end after it starts."
            raise InvalidInput(msg)
        if {"window_start", "window_end"} & set(changes) and row.status == "confirmed":
            row.status = "scheduled"  # a new time needs a new confirmation
        s.flush()
        audit(s, actor, "update", "appointment", row.id, fields=sorted(changes))
        return _appointment(row)


def confirm_appointment(db: Database, appointment_id: int, *, actor: str) -> Appointment:
    """Record the day-before confirmation (a first visit moves the request to ``confirmed``)."""
    with db.write() as s:
        row = _get(s, AppointmentRow, appointment_id, "appointment")
        if row.status != "scheduled":
            msg = f"Appointment {row.id} is {row.status}; only a scheduled appointment can be confirmed."
            raise InvalidTransition(msg)
        row.status = "confirmed"
        req = s.get(RequestRow, row.request_id)
        if row.kind == "visit" and req.state == State.CONTACTED.value:
            _set_state(s, req, State.CONFIRMED, actor, appointment_id=row.id)
        s.flush()
        audit(s, actor, "confirm", "appointment", row.id)
        return _appointment(row)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), tzinfo=TZ)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=TZ)
    return start, end


def appointments_for_day(
    db: Database,
    day: date,
    *,
    include_cancelled: bool = False,
    kinds: Sequence[str] = ("visit", "return"),
) -> list[DayAppointment]:
    """The appointments whose window starts on ``day`` (local time), by window start.

    Each carries the customer's name and phone, the address with its point and zone, and the
    problem: what ``plan --date`` and the technician's day sheet need. By default only the
    trips (``visit`` and ``return`` visits) are listed; pass
    ``kinds=("visit", "return", "remote")`` to include remote sessions (calendar). ``lat`` /
    ``lon`` are ``None`` for an address still to verify.
    """
    lo, hi = _day_bounds(day)
    with db.read() as s:
        q = (
            sa.select(AppointmentRow, RequestRow, CustomerRow, AddressRow)
            .join(RequestRow, AppointmentRow.request_id == RequestRow.id)
            .join(CustomerRow, RequestRow.customer_id == CustomerRow.id)
            .join(AddressRow, RequestRow.address_id == AddressRow.id)
            .where(AppointmentRow.window_start >= lo, AppointmentRow.window_start < hi)
            .order_by(AppointmentRow.window_start, AppointmentRow.id)
        )
        if not include_cancelled:
            q = q.where(AppointmentRow.status != "cancelled")
        q = q.where(AppointmentRow.kind.in_(list(kinds)))
        return [
            DayAppointment(
                appointment=_appointment(a),
                request_id=r.id,
                request_state=r.state,
                customer_name=c.name,
                phone=c.phone,
                address=ad.text,
                lat=ad.lat,
                lon=ad.lon,
                zone=ad.zone,
                problem=r.problem,
            )
            for a, r, c, ad in s.execute(q).all()
        ]


def appointments_between(
    db: Database,
    first: date,
    last: date,
    *,
    include_cancelled: bool = False,
    kinds: Sequence[str] = ("visit", "return", "remote"),
) -> dict[date, list[DayAppointment]]:
    """Appointments from day ``first`` to day ``last`` included, grouped by local day (calendar).

    Remote sessions are included by default here (unlike :func:`appointments_for_day`).
    """
    if last < first:
        msg = f"The last day ({last}) is before the first ({first})."
        raise InvalidInput(msg)
    out: dict[date, list[DayAppointment]] = {}
    day = first
    while day <= last:
        out[day] = appointments_for_day(db, day, include_cancelled=include_cancelled, kinds=kinds)
        day += timedelta(days=1)
    return out


# --------------------------------------------------------------------------------------------
# Visits (on site, diagnostic, outcome; remote sessions)
# --------------------------------------------------------------------------------------------


def _current_visit(s: Session, req: RequestRow, kind: str | None = None) -> VisitRow:
    q = sa.select(VisitRow).where(VisitRow.request_id == req.id).order_by(VisitRow.id.desc())
    if kind is not None:
        q = q.where(VisitRow.kind == kind)
    row = s.scalars(q).first()
    if row is None:
        msg = f"Request {req.id} has no visit recorded yet (record the arrival on site first)."
        raise InvalidTransition(msg)
    return row


def record_arrival(
    db: Database, request_id: int, *, actor: str, at: datetime | None = None
) -> Visit:
    """The technician is on site (``confirmed -> on_site``); starts the visit record."""
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, State.ON_SITE, actor)
        appt = s.scalars(
            sa.select(AppointmentRow)
            .where(AppointmentRow.request_id == req.id, AppointmentRow.kind == "visit")
            .where(AppointmentRow.status != "cancelled")
            .order_by(AppointmentRow.window_start.desc())
        ).first()
        if appt is not None:
            appt.status = "done"
        row = VisitRow(request_id=req.id, appointment_id=appt.id if appt else None, arrived_at=when)
        s.add(row)
        s.flush()
        audit(s, actor, "create", "visit", row.id, request_id=req.id)
        return _visit(row)


def record_policy_signed(
    db: Database, request_id: int, *, actor: str, at: datetime | None = None
) -> Visit:
    """The customer signed the service policy (``on_site -> policy_signed``)."""
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, State.POLICY_SIGNED, actor)
        v = _current_visit(s, req, "visit")
        v.policy_signed_at = when
        s.flush()
        return _visit(v)


def _minutes(minutes: Any) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        msg = f"Diagnostic minutes must be a whole number >= 0, got {minutes!r}."
        raise InvalidInput(msg)
    return minutes


def _repair_lines(lines: Sequence[Any]) -> list[dict[str, str]]:
    """Repair lines validated by the billing rules (label, amount >= 0, two decimals)."""
    from dispatch.billing.rules import repair_lines

    return [{"label": ln.label, "amount": str(ln.amount)} for ln in repair_lines(lines)]


def record_diagnosis(
    db: Database,
    request_id: int,
    *,
    minutes: int,
    actor: str,
    estimate: Decimal | None = None,
    notes: str = "",
) -> Visit:
    """Diagnostic done: its minutes and the estimate given (``policy_signed -> diagnosed``)."""
    minutes = _minutes(minutes)
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, State.DIAGNOSED, actor, minutes=minutes)
        v = _current_visit(s, req, "visit")
        v.diagnostic_min = minutes
        v.estimate = None if estimate is None else Decimal(estimate)
        v.notes = notes
        s.flush()
        return _visit(v)


#: Diagnosis outcomes accepted by :func:`record_outcome`.
OUTCOMES = {
    "repaired_on_site": State.REPAIRED_ON_SITE,
    "in_workshop": State.IN_WORKSHOP,
    "workshop_refused": State.WORKSHOP_REFUSED,
    "estimate_refused": State.ESTIMATE_REFUSED,
}


def record_outcome(
    db: Database,
    request_id: int,
    outcome: str,
    *,
    actor: str,
    repair_lines: Sequence[Any] = (),
) -> Visit:
    """The customer's answer to the estimate (``diagnosed -> <outcome>``).

    ``outcome``: ``repaired_on_site`` (with the ``repair_lines`` done, ``(label, amount)``),
    ``in_workshop`` (equipment taken to the workshop), ``workshop_refused`` or
    ``estimate_refused``.
    """
    if outcome not in OUTCOMES:
        msg = f"Unknown outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}."
        raise InvalidInput(msg)
    lines = _repair_lines(repair_lines)
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, OUTCOMES[outcome], actor)
        v = _current_visit(s, req, "visit")
        v.outcome = outcome
        if lines:
            v.repair_lines = lines
        s.flush()
        return _visit(v)


def record_workshop_repair(
    db: Database, request_id: int, *, repair_lines: Sequence[Any], actor: str
) -> Visit:
    """The equipment was repaired in the workshop (``in_workshop -> repaired_in_workshop``)."""
    lines = _repair_lines(repair_lines)
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, State.REPAIRED_IN_WORKSHOP, actor)
        v = _current_visit(s, req, "visit")
        v.repair_lines = lines
        s.flush()
        return _visit(v)


def record_return(
    db: Database,
    request_id: int,
    *,
    tested_with: str,
    actor: str,
    at: datetime | None = None,
) -> Visit:
    """Return visit done: equipment brought back and tested (``return_scheduled -> returned``).

    ``tested_with`` names who attended the test: the customer or the person they designated.
    """
    if not tested_with.strip():
        msg = "Say who attended the test at the customer's home (the customer or their delegate)."
        raise InvalidInput(msg)
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, State.RETURNED, actor)
        appt = s.scalars(
            sa.select(AppointmentRow)
            .where(AppointmentRow.request_id == req.id, AppointmentRow.kind == "return")
            .where(AppointmentRow.status != "cancelled")
            .order_by(AppointmentRow.window_start.desc())
        ).first()
        if appt is not None:
            appt.status = "done"
        row = VisitRow(
            request_id=req.id,
            appointment_id=appt.id if appt else None,
            kind="return",
            arrived_at=when,
            tested_with=tested_with.strip(),
        )
        s.add(row)
        s.flush()
        audit(s, actor, "create", "visit", row.id, request_id=req.id, kind="return")
        return _visit(row)


def start_remote_session(
    db: Database, request_id: int, *, actor: str, at: datetime | None = None
) -> Visit:
    """Start remote support (``requested|contacted -> remote_session``)."""
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, State.REMOTE_SESSION, actor)
        row = VisitRow(request_id=req.id, kind="remote", arrived_at=when)
        s.add(row)
        s.flush()
        audit(s, actor, "create", "visit", row.id, request_id=req.id, kind="remote")
        return _visit(row)


def end_remote_session(
    db: Database,
    request_id: int,
    *,
    minutes: int,
    interrupted: bool,
    actor: str,
    repair_lines: Sequence[Any] = (),
) -> Visit:
    """End remote support: completed, or interrupted by the customer (minutes done so far)."""
    minutes = _minutes(minutes)
    lines = _repair_lines(repair_lines)
    target = State.REMOTE_INTERRUPTED if interrupted else State.REMOTE_COMPLETED
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, target, actor, minutes=minutes)
        v = _current_visit(s, req, "remote")
        v.diagnostic_min = minutes
        v.outcome = target.value
        if lines:
            v.repair_lines = lines
        s.flush()
        return _visit(v)


def visits_of(db: Database, request_id: int) -> list[Visit]:
    """The visits (and remote sessions) of a request, oldest first."""
    with db.read() as s:
        q = sa.select(VisitRow).where(VisitRow.request_id == request_id).order_by(VisitRow.id)
        return [_visit(r) for r in s.scalars(q)]


# --------------------------------------------------------------------------------------------
# Audit log
# --------------------------------------------------------------------------------------------


def audit_log(
    db: Database, *, entity: str | None = None, entity_id: int | None = None, limit: int = 1000
) -> list[AuditEntry]:
    """Audit entries, most recent first, optionally for one entity."""
    with db.read() as s:
        q = sa.select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if entity is not None:
            q = q.where(AuditRow.entity == entity)
        if entity_id is not None:
            q = q.where(AuditRow.entity_id == entity_id)
        return [_rec(AuditEntry, r, details=dict(r.details or {})) for r in s.scalars(q)]


__all__ = [
    "OUTCOMES",
    "TZ",
    "Address",
    "Appointment",
    "AuditEntry",
    "Base",
    "Customer",
    "Database",
    "DayAppointment",
    "InterventionRequest",
    "Technician",
    "Visit",
    "add_technician",
    "advance",
    "appointments_between",
    "appointments_for_day",
    "appointments_of",
    "audit",
    "audit_log",
    "book_appointment",
    "cancel_request",
    "confirm_appointment",
    "create_request",
    "end_remote_session",
    "find_customer",
    "get_appointment",
    "get_customer",
    "get_request",
    "list_requests",
    "now",
    "open_database",
    "record_arrival",
    "record_diagnosis",
    "record_outcome",
    "record_policy_signed",
    "record_return",
    "record_workshop_repair",
    "request_by_message_id",
    "schema_revision",
    "set_request_flags",
    "start_remote_session",
    "technicians",
    "update_appointment",
    "update_customer",
    "update_technician",
    "upgrade",
    "visits_of",
]
