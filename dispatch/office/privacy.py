"""Law 25 (Québec privacy law): export, erasure and retention purge of a customer's data.

* :func:`export_customer`: everything held about a customer, as one JSON-ready document
  (customer, addresses with coverage, requests, appointments, visits, calls, invoices with
  lines and payments, and the audit entries about them).
* :func:`erase_customer`: on the customer's request, remove or anonymise every personal
  detail (name, phone, e-mail, addresses and positions, problem descriptions, notes, people
  named on appointments) while **keeping the invoices** (with the name and address printed on
  them) for the legal retention period, ``billing.retention_years`` (default 6 years) after
  each invoice's date. The e-mail's Message-ID is kept only as a SHA-256 hash, so a re-run of
  the intake does not bring the request back. The erasure is first written to the erasure
  journal (:mod:`dispatch.records.erasure`, outside the database and the backups), which
  ``restore`` replays: a restored backup never brings an erased customer back.
* :func:`purge_expired`: delete invoices (with their lines, payments and credit notes) whose
  retention period is over by the DATABASE's date (triggers refuse any earlier deletion), then
  erased customers left with no invoice, then backups older than ``backup.keep_days``;
  ``dry_run=True`` lists all that without deleting anything.

Each of these is written to the audit log (who, when, counts), never the personal data itself.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from dispatch.billing.ledger import invoice_from_row
from dispatch.errors import InvalidTransition
from dispatch.i18n import N_
from dispatch.records.audit_trail import _jsonable, audit
from dispatch.records.backup import prune_backups
from dispatch.records.database import Database, now
from dispatch.records.erasure import (
    ERASED_NAME,
    anonymise,
    append_journal,
    entry_for,
    hash_message_id,
    journal_path,
)
from dispatch.records.guards import _aware, _get
from dispatch.records.lifecycle import State
from dispatch.records.schema import (
    AddressRow,
    AppointmentRow,
    AuditRow,
    Base,
    CallRow,
    ClockEventRow,
    CustomerRow,
    EstimateLineRow,
    InvoiceLineRow,
    InvoiceRow,
    PaymentRow,
    RequestRow,
    SignatureRow,
    VisitRow,
    WorkshopEventRow,
    WorkshopItemRow,
)

if TYPE_CHECKING:
    from dispatch.settings import Settings

#: States after which a request holds nothing more to do (erasure allowed).
CLOSED = frozenset({State.PAID.value, State.CANCELLED.value, State.INVOICED.value})


def _plain(row: Base, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in row.__table__.columns:
        if col.key in exclude:
            continue
        out[col.key] = _jsonable(getattr(row, col.key))
    return out


def export_customer(
    db: Database, customer_id: int, *, actor: str, settings: Settings | None = None
) -> dict[str, Any]:
    """Everything held about a customer, JSON-ready (the export is logged).

    Signatures are included as PNG (base64); with ``settings``, the signed copies of the
    policy are attached as PDF (base64) under ``documents``.
    """
    with db.write() as s:
        cust = _get(s, CustomerRow, customer_id, "customer")
        reqs = s.scalars(
            sa.select(RequestRow).where(RequestRow.customer_id == cust.id).order_by(RequestRow.id)
        ).all()
        rids = [r.id for r in reqs]
        addrs = s.scalars(
            sa.select(AddressRow).where(AddressRow.customer_id == cust.id).order_by(AddressRow.id)
        ).all()

        def rows(cls: type[Any], col: InstrumentedAttribute[int]) -> list[dict[str, Any]]:
            if not rids:
                return []
            return [_plain(r) for r in s.scalars(sa.select(cls).where(col.in_(rids)).order_by(cls.id))]

        vids = list(s.scalars(sa.select(VisitRow.id).where(VisitRow.request_id.in_(rids)))) if rids else []
        signatures = [
            {**_plain(r, exclude=("png",)), "png_base64": base64.b64encode(r.png).decode("ascii")}
            for r in (s.scalars(sa.select(SignatureRow).where(SignatureRow.request_id.in_(rids)).order_by(SignatureRow.id)) if rids else [])
        ]
        estimate = [
            _plain(r) for r in s.scalars(
                sa.select(EstimateLineRow).where(EstimateLineRow.visit_id.in_(vids)).order_by(EstimateLineRow.id)
            )
        ] if vids else []  # fmt: skip

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
        signed = sorted({sig["request_id"] for sig in signatures if sig["purpose"] == "policy"})
        out = {
            "exported_at": now().isoformat(),
            "customer": _plain(cust),
            "addresses": [_plain(a) for a in addrs],
            "requests": [_plain(r) for r in reqs],
            "appointments": rows(AppointmentRow, AppointmentRow.request_id),
            "visits": rows(VisitRow, VisitRow.request_id),
            "estimate_lines": estimate,
            "signatures": signatures,
            "workshop_items": rows(WorkshopItemRow, WorkshopItemRow.request_id),
            "calls": rows(CallRow, CallRow.request_id),
            "invoices": invoices,
            "audit": entries,
        }
    if settings is not None:
        from dispatch.office.visit_papers import signed_policy_pdf  # fpdf2: only when exporting

        out["documents"] = [
            {
                "name": f"politique-signee-demande-{rid}.pdf",
                "mime": "application/pdf",
                "base64": base64.b64encode(signed_policy_pdf(db, rid, settings=settings)).decode("ascii"),
            }
            for rid in signed
        ]
    return out


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure did."""

    customer_id: int
    requests: int
    addresses: int
    invoices_kept: int
    keep_until: date | None
    journal: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "requests_anonymised": self.requests,
            "addresses_erased": self.addresses,
            "invoices_kept": self.invoices_kept,
            "invoices_kept_until": self.keep_until.isoformat() if self.keep_until else None,
            "journal": self.journal,
        }


def erase_customer(
    db: Database, customer_id: int, *, actor: str, settings: Settings, at: datetime | None = None
) -> ErasureReport:
    """Erase a customer's personal data, keeping the invoices for the retention period.

    The erasure is appended to the erasure journal (``<data_dir>/erasure-journal.jsonl``:
    the customer's id and times only) before it is committed, so that every later restore of
    a backup erases the customer again.

    Raises
    ------
    InvalidTransition
        When a request of the customer is still open (cancel or finish it first).
    StorageError
        The journal cannot be written (nothing is erased).
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
        path = journal_path(settings)
        append_journal(path, entry_for(cust, when))
        rids, n_addr = anonymise(s, cust, when)
        kept = s.scalars(sa.select(InvoiceRow).where(InvoiceRow.customer_id == cust.id)).all()
        keep_until = max((i.retain_until for i in kept), default=None)
        s.flush()
        audit(
            s, actor, "erase", "customer", cust.id, requests=len(rids), invoices_kept=len(kept),
            keep_until=keep_until,
        )  # fmt: skip
        return ErasureReport(cust.id, len(rids), n_addr, len(kept), keep_until, str(path))


@dataclass(frozen=True)
class PurgeReport:
    """What a retention purge deleted (or, for a dry run, would delete)."""

    invoices: int
    credit_notes: int
    customers: int
    today: date
    invoice_numbers: tuple[str, ...] = ()
    credit_note_numbers: tuple[str, ...] = ()
    customer_ids: tuple[int, ...] = ()
    backups: tuple[str, ...] = ()
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "invoices_deleted": 0 if self.dry_run else self.invoices,
            "credit_notes_deleted": 0 if self.dry_run else self.credit_notes,
            "customers_deleted": 0 if self.dry_run else self.customers,
            "invoices": list(self.invoice_numbers),
            "credit_notes": list(self.credit_note_numbers),
            "customers": list(self.customer_ids),
            "backups": list(self.backups),
        }


def database_date(s: Any) -> date:
    """The database's current date (``CURRENT_DATE``: what the retention triggers compare)."""
    value = s.scalar(sa.select(sa.func.current_date()))
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def purge_expired(
    db: Database, *, actor: str, settings: Settings | None = None, dry_run: bool = False,
    today: date | None = None,
) -> PurgeReport:
    """Delete what the retention period no longer requires to keep.

    An invoice goes (with its lines, payments and credit notes) once its ``retain_until``
    date and that of all its credit notes are before the database's current date (the
    triggers of migration 0004 refuse anything else). An erased customer left without any
    invoice is then deleted with its requests, addresses, appointments, visits and calls.
    With ``settings``, backups older than ``backup.keep_days`` are deleted too.

    Parameters
    ----------
    dry_run
        List what would be deleted (numbers, customer ids, backup files) and delete nothing.
    today
        For tests only: an EARLIER reference date than the database's (a later one changes
        nothing: the database's date is the limit).
    """
    with db.write() as s:
        day = database_date(s)
        if today is not None and today < day:
            day = today
        expired = s.scalars(
            sa.select(InvoiceRow)
            .where(InvoiceRow.kind == "invoice", InvoiceRow.retain_until < day)
            .order_by(InvoiceRow.id)
        ).all()
        numbers: list[str] = []
        notes_numbers: list[str] = []
        gone: set[int] = set()
        for inv in expired:
            notes = s.scalars(sa.select(InvoiceRow).where(InvoiceRow.credited_invoice_id == inv.id)).all()
            if any(n.retain_until >= day for n in notes):
                continue
            ids = [inv.id] + [n.id for n in notes]
            gone.update(ids)
            numbers.append(inv.number)
            notes_numbers.extend(n.number for n in notes)
            if dry_run:
                continue
            s.execute(sa.delete(PaymentRow).where(PaymentRow.invoice_id.in_(ids)))
            s.execute(sa.delete(InvoiceLineRow).where(InvoiceLineRow.invoice_id.in_(ids)))
            s.execute(sa.delete(InvoiceRow).where(InvoiceRow.id.in_([n.id for n in notes])))
            s.execute(sa.delete(InvoiceRow).where(InvoiceRow.id == inv.id))
        customers: list[int] = []
        erased = s.scalars(
            sa.select(CustomerRow).where(CustomerRow.erased_at.is_not(None)).order_by(CustomerRow.id)
        ).all()
        for cust in erased:
            left = s.scalars(sa.select(InvoiceRow.id).where(InvoiceRow.customer_id == cust.id)).all()
            if set(left) - gone:
                continue
            rids = list(s.scalars(sa.select(RequestRow.id).where(RequestRow.customer_id == cust.id)))
            if rids:
                orphan = s.scalars(sa.select(InvoiceRow.id).where(InvoiceRow.request_id.in_(rids))).all()
                if set(orphan) - gone:
                    continue
            customers.append(cust.id)
            if dry_run:
                continue
            if rids:
                s.execute(sa.delete(CallRow).where(CallRow.request_id.in_(rids)))
                vids = sa.select(VisitRow.id).where(VisitRow.request_id.in_(rids))
                items = sa.select(WorkshopItemRow.id).where(WorkshopItemRow.request_id.in_(rids))
                s.execute(sa.delete(SignatureRow).where(SignatureRow.request_id.in_(rids)))
                s.execute(sa.delete(WorkshopEventRow).where(WorkshopEventRow.item_id.in_(items)))
                s.execute(sa.delete(WorkshopItemRow).where(WorkshopItemRow.request_id.in_(rids)))
                s.execute(sa.delete(ClockEventRow).where(ClockEventRow.visit_id.in_(vids)))
                s.execute(sa.delete(EstimateLineRow).where(EstimateLineRow.visit_id.in_(vids)))
                s.execute(sa.delete(VisitRow).where(VisitRow.request_id.in_(rids)))
                s.execute(sa.delete(AppointmentRow).where(AppointmentRow.request_id.in_(rids)))
                s.execute(sa.delete(RequestRow).where(RequestRow.id.in_(rids)))
            s.execute(sa.delete(AddressRow).where(AddressRow.customer_id == cust.id))
            s.execute(sa.delete(CustomerRow).where(CustomerRow.id == cust.id))
        backups = tuple(prune_backups(settings, dry_run=dry_run)) if settings is not None else ()
        if not dry_run:
            audit(
                s, actor, "purge", "retention", None, today=day, invoices=len(numbers),
                credit_notes=len(notes_numbers), customers=len(customers), backups=len(backups),
            )  # fmt: skip
        return PurgeReport(
            len(numbers), len(notes_numbers), len(customers), day, tuple(numbers),
            tuple(notes_numbers), tuple(customers), backups, dry_run,
        )  # fmt: skip


__all__ = [
    "ERASED_NAME",
    "ErasureReport",
    "PurgeReport",
    "database_date",
    "erase_customer",
    "export_customer",
    "hash_message_id",
    "purge_expired",
]
