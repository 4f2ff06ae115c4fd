"""Law 25 (Québec privacy law): export, erasure and retention purge of a customer's data.

* :func:`export_customer`: everything held about a customer, as one JSON-ready document
  (customer, addresses with coverage, requests, appointments, visits, calls, invoices with
  lines and payments, and the audit entries about them).
* :func:`erase_customer`: on the customer's request, remove or anonymise every personal
  detail (name, phone, e-mail, addresses and positions, problem descriptions, notes, people
  named on appointments) while **keeping the invoices** (with the name and address printed on
  them) for the legal retention period, ``billing.retention_years`` (default 6 years) after
  each invoice's date. The e-mail's Message-ID is kept only as a SHA-256 hash, so a re-run of
  the intake does not bring the request back.
* :func:`purge_expired`: delete invoices (with their lines, payments and credit notes) whose
  retention period is over, then erased customers left with no invoice.

Each of these is written to the audit log (who, when, counts), never the personal data itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from dispatch.billing.ledger import invoice_from_row
from dispatch.errors import InvalidTransition
from dispatch.i18n import N_
from dispatch.records.audit_trail import _jsonable, audit
from dispatch.records.database import Database, now
from dispatch.records.guards import _aware, _get
from dispatch.records.lifecycle import State
from dispatch.records.schema import (
    AddressRow,
    AppointmentRow,
    AuditRow,
    Base,
    CallRow,
    CustomerRow,
    InvoiceLineRow,
    InvoiceRow,
    PaymentRow,
    RequestRow,
    VisitRow,
)

#: States after which a request holds nothing more to do (erasure allowed).
CLOSED = frozenset({State.PAID.value, State.CANCELLED.value, State.INVOICED.value})
ERASED_NAME = "Client effacé"


def hash_message_id(message_id: str) -> str:
    """What an erased request keeps of its e-mail's Message-ID."""
    return "sha256:" + hashlib.sha256(message_id.encode("utf-8")).hexdigest()


def _plain(row: Base, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in row.__table__.columns:
        if col.key in exclude:
            continue
        out[col.key] = _jsonable(getattr(row, col.key))
    return out


def export_customer(db: Database, customer_id: int, *, actor: str) -> dict[str, Any]:
    """Everything held about a customer, JSON-ready (the export is logged)."""
    with db.write() as s:
        cust = _get(s, CustomerRow, customer_id, "customer")
        reqs = s.scalars(
            sa.select(RequestRow).where(RequestRow.customer_id == cust.id).order_by(RequestRow.id)
        ).all()
        rids = [r.id for r in reqs]
        addrs = s.scalars(
            sa.select(AddressRow).where(AddressRow.customer_id == cust.id).order_by(AddressRow.id)
        ).all()

        def rows(
            cls: type[AppointmentRow | VisitRow | CallRow], col: InstrumentedAttribute[int]
        ) -> list[dict[str, Any]]:
            if not rids:
                return []
            return [_plain(r) for r in s.scalars(sa.select(cls).where(col.in_(rids)).order_by(cls.id))]

        invoices = [
            invoice_from_row(s, r).to_dict()
            for r in s.scalars(
                sa.select(InvoiceRow).where(InvoiceRow.customer_id == cust.id).order_by(InvoiceRow.id)
            )
        ]
        entities = [("customer", cust.id)] + [("request", i) for i in rids]
        entries = [
            _plain(a)
            for a in s.scalars(
                sa.select(AuditRow)
                .where(sa.or_(*[(AuditRow.entity == e) & (AuditRow.entity_id == i) for e, i in entities]))
                .order_by(AuditRow.id)
            )
        ]
        audit(s, actor, "export", "customer", cust.id, requests=len(rids), invoices=len(invoices))
        return {
            "exported_at": now().isoformat(),
            "customer": _plain(cust),
            "addresses": [_plain(a) for a in addrs],
            "requests": [_plain(r) for r in reqs],
            "appointments": rows(AppointmentRow, AppointmentRow.request_id),
            "visits": rows(VisitRow, VisitRow.request_id),
            "calls": rows(CallRow, CallRow.request_id),
            "invoices": invoices,
            "audit": entries,
        }


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure did."""

    customer_id: int
    requests: int
    addresses: int
    invoices_kept: int
    keep_until: date | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "requests_anonymised": self.requests,
            "addresses_erased": self.addresses,
            "invoices_kept": self.invoices_kept,
            "invoices_kept_until": self.keep_until.isoformat() if self.keep_until else None,
        }


def erase_customer(
    db: Database, customer_id: int, *, actor: str, at: datetime | None = None
) -> ErasureReport:
    """Erase a customer's personal data, keeping the invoices for the retention period.

    Raises
    ------
    InvalidTransition
        When a request of the customer is still open (cancel or finish it first).
    """
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        cust = _get(s, CustomerRow, customer_id, "customer")
        reqs = s.scalars(sa.select(RequestRow).where(RequestRow.customer_id == cust.id)).all()
        open_ = [r.id for r in reqs if r.state not in CLOSED]
        if open_:
            msg = N_(
                "Customer {id} has open requests ({requests}); cancel "
                "or finish them before erasing the customer."
            )
            raise InvalidTransition(msg, id=cust.id, requests=", ".join(map(str, open_)))
        cust.name = f"{ERASED_NAME} #{cust.id}"
        cust.phone = ""
        cust.email = ""
        cust.erased_at = when
        addrs = s.scalars(sa.select(AddressRow).where(AddressRow.customer_id == cust.id)).all()
        for a in addrs:
            a.text = "adresse effacée"
            a.lat = a.lon = None
            a.matched = ""
            a.straight_km = a.road_km = a.drive_min = None
            a.coverage = None
            a.fee_explanation = ""
        rids = [r.id for r in reqs]
        for r in reqs:
            r.problem = ""
            if r.message_id and not r.message_id.startswith("sha256:"):
                r.message_id = hash_message_id(r.message_id)
            r.updated_at = when
        if rids:
            for appt in s.scalars(sa.select(AppointmentRow).where(AppointmentRow.request_id.in_(rids))):
                appt.witness = ""
                appt.notes = ""
            for v in s.scalars(sa.select(VisitRow).where(VisitRow.request_id.in_(rids))):
                v.notes = ""
                v.tested_with = ""
            for c in s.scalars(sa.select(CallRow).where(CallRow.request_id.in_(rids))):
                c.note = ""
        kept = s.scalars(sa.select(InvoiceRow).where(InvoiceRow.customer_id == cust.id)).all()
        keep_until = max((i.retain_until for i in kept), default=None)
        s.flush()
        audit(
            s, actor, "erase", "customer", cust.id, requests=len(rids), invoices_kept=len(kept),
            keep_until=keep_until,
        )  # fmt: skip
        return ErasureReport(cust.id, len(rids), len(addrs), len(kept), keep_until)


@dataclass(frozen=True)
class PurgeReport:
    """What a retention purge deleted."""

    invoices: int
    credit_notes: int
    customers: int
    today: date

    def to_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "invoices_deleted": self.invoices,
            "credit_notes_deleted": self.credit_notes,
            "customers_deleted": self.customers,
        }


def purge_expired(db: Database, *, actor: str, today: date | None = None) -> PurgeReport:
    """Delete what the retention period no longer requires to keep.

    An invoice goes (with its lines, payments and credit notes) once its ``retain_until``
    date and that of all its credit notes are past. An erased customer left without any
    invoice is then deleted with its requests, addresses, appointments, visits and calls.
    """
    day = today or now().date()
    with db.write() as s:
        expired = s.scalars(
            sa.select(InvoiceRow).where(InvoiceRow.kind == "invoice", InvoiceRow.retain_until < day)
        ).all()
        n_inv = n_cn = 0
        for inv in expired:
            notes = s.scalars(sa.select(InvoiceRow).where(InvoiceRow.credited_invoice_id == inv.id)).all()
            if any(n.retain_until >= day for n in notes):
                continue
            ids = [inv.id] + [n.id for n in notes]
            s.execute(sa.delete(PaymentRow).where(PaymentRow.invoice_id.in_(ids)))
            s.execute(sa.delete(InvoiceLineRow).where(InvoiceLineRow.invoice_id.in_(ids)))
            s.execute(sa.delete(InvoiceRow).where(InvoiceRow.id.in_([n.id for n in notes])))
            s.execute(sa.delete(InvoiceRow).where(InvoiceRow.id == inv.id))
            n_inv += 1
            n_cn += len(notes)
        n_cust = 0
        erased = s.scalars(sa.select(CustomerRow).where(CustomerRow.erased_at.is_not(None))).all()
        for cust in erased:
            left = s.scalar(
                sa.select(sa.func.count()).select_from(InvoiceRow).where(InvoiceRow.customer_id == cust.id)
            )
            if left:
                continue
            rids = list(s.scalars(sa.select(RequestRow.id).where(RequestRow.customer_id == cust.id)))
            if rids:
                orphan = s.scalar(
                    sa.select(sa.func.count()).select_from(InvoiceRow).where(InvoiceRow.request_id.in_(rids))
                )
                if orphan:
                    continue
                s.execute(sa.delete(CallRow).where(CallRow.request_id.in_(rids)))
                s.execute(sa.delete(VisitRow).where(VisitRow.request_id.in_(rids)))
                s.execute(sa.delete(AppointmentRow).where(AppointmentRow.request_id.in_(rids)))
                s.execute(sa.delete(RequestRow).where(RequestRow.id.in_(rids)))
            s.execute(sa.delete(AddressRow).where(AddressRow.customer_id == cust.id))
            s.execute(sa.delete(CustomerRow).where(CustomerRow.id == cust.id))
            n_cust += 1
        audit(
            s, actor, "purge", "retention", None, today=day, invoices=n_inv, credit_notes=n_cn,
            customers=n_cust,
        )  # fmt: skip
        return PurgeReport(n_inv, n_cn, n_cust, day)


__all__ = [
    "ErasureReport",
    "PurgeReport",
    "erase_customer",
    "export_customer",
    "hash_message_id",
    "purge_expired",
]
