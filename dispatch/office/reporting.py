"""The owner's reports ("Rapports" page, ``opms-dispatch report``): stored records -> figures.

This module only reads: the invoices, credit notes and payments of the billing ledger, the
requests with their address's coverage and their first call and visit, the visits, the trips
(appointments, with the technician they were published to) and the technicians. It turns
them into the plain values of :mod:`dispatch.reports.facts` and hands them to the pure
functions of :mod:`dispatch.reports`, which compute every figure.

* :func:`owner_report`: everything the page shows for a period (:class:`OwnerReport`);
* :func:`taxes_of`: the GST/QST report of a period (``report taxes``);
* :func:`journal_of`: the accounting export of a period (``report export``), with its totals;
* :func:`tax_files`: the tax report as CSV and PDF (the page's downloads).

Only the columns the reports need are read (not whole rows), so tables growing new columns
do not change what a report reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dispatch.billing.ledger import Invoice, Payment, invoice_from_row, list_payments
from dispatch.records.schema import (
    AddressRow,
    AppointmentRow,
    CallRow,
    InvoiceRow,
    RequestRow,
    TechnicianRow,
    VisitRow,
)
from dispatch.reports import (
    AppointmentFact,
    DemandReport,
    EstimateReport,
    Period,
    RequestFact,
    ResponseReport,
    RevenueReport,
    TaxReport,
    TechnicianDay,
    TechnicianFact,
    VisitFact,
    ZoneTravel,
    demand_report,
    estimate_report,
    journal_csv,
    journal_rows,
    journal_totals,
    response_report,
    revenue_report,
    tax_report,
    travel_report,
    workload_report,
)
from dispatch.reports.documents import tax_report_csv, tax_report_pdf
from dispatch.reports.journal import JournalTotals

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dispatch.records import Database
    from dispatch.settings import Settings


# --------------------------------------------------------------------------------------------
# Reading what is stored
# --------------------------------------------------------------------------------------------


def _documents(s: Session, period: Period) -> list[Invoice]:
    """Invoices and credit notes issued in the period, and the invoices those credit notes credit."""
    rows = list(
        s.scalars(
            sa.select(InvoiceRow)
            .where(InvoiceRow.issued_at >= period.since, InvoiceRow.issued_at < period.until)
            .order_by(InvoiceRow.issued_at, InvoiceRow.id)
        )
    )
    have = {r.id for r in rows}
    credited = {r.credited_invoice_id for r in rows if r.credited_invoice_id is not None} - have
    if credited:
        rows += list(s.scalars(sa.select(InvoiceRow).where(InvoiceRow.id.in_(sorted(credited)))))
    return [invoice_from_row(s, r) for r in rows]


def _first_visit_outcomes(s: Session, request_ids: set[int]) -> dict[int, str]:
    """Request id -> outcome of its first visit or remote session (when recorded)."""
    if not request_ids:
        return {}
    q = (
        sa.select(VisitRow.request_id, VisitRow.outcome)
        .where(VisitRow.request_id.in_(sorted(request_ids)), VisitRow.kind.in_(["visit", "remote"]))
        .order_by(VisitRow.id)
    )
    out: dict[int, str] = {}
    for request_id, outcome in s.execute(q).all():
        if request_id not in out and outcome:
            out[request_id] = outcome
    return out


def _requests(s: Session, period: Period) -> list[RequestFact]:
    """Requests received or cancelled in the period, with their coverage, first call and visit."""
    first_call = (
        sa.select(CallRow.request_id, sa.func.min(CallRow.at).label("at")).group_by(CallRow.request_id).subquery()
    )
    first_visit = (
        sa.select(VisitRow.request_id, sa.func.min(VisitRow.arrived_at).label("at"))
        .group_by(VisitRow.request_id)
        .subquery()
    )
    in_period = sa.or_(
        sa.and_(RequestRow.created_at >= period.since, RequestRow.created_at < period.until),
        sa.and_(RequestRow.cancelled_at >= period.since, RequestRow.cancelled_at < period.until),
    )
    q = (
        sa.select(
            RequestRow.id, RequestRow.created_at, RequestRow.source, RequestRow.state,
            AddressRow.zone, AddressRow.lat, AddressRow.lon, AddressRow.road_km, AddressRow.drive_min,
            RequestRow.cancelled_at, RequestRow.cancellation, RequestRow.cancellation_fee,
            first_call.c.at.label("first_call_at"), first_visit.c.at.label("first_visit_at"),
        )
        .join(AddressRow, RequestRow.address_id == AddressRow.id)
        .outerjoin(first_call, first_call.c.request_id == RequestRow.id)
        .outerjoin(first_visit, first_visit.c.request_id == RequestRow.id)
        .where(in_period)
        .order_by(RequestRow.created_at, RequestRow.id)
    )  # fmt: skip
    return [RequestFact(*row) for row in s.execute(q).all()]


def _visits(s: Session, period: Period) -> list[VisitFact]:
    q = (
        sa.select(VisitRow.request_id, VisitRow.kind, VisitRow.arrived_at, VisitRow.diagnostic_min, VisitRow.outcome)
        .where(VisitRow.arrived_at >= period.since, VisitRow.arrived_at < period.until)
        .order_by(VisitRow.arrived_at, VisitRow.id)
    )
    return [VisitFact(*row) for row in s.execute(q).all()]


def _trips(s: Session, period: Period) -> list[AppointmentFact]:
    q = (
        sa.select(
            AppointmentRow.id, AppointmentRow.request_id, AppointmentRow.technician_id, AppointmentRow.kind,
            AppointmentRow.window_start, AppointmentRow.duration_min, AppointmentRow.status,
            AddressRow.zone, AddressRow.road_km, AddressRow.drive_min,
        )
        .join(RequestRow, AppointmentRow.request_id == RequestRow.id)
        .join(AddressRow, RequestRow.address_id == AddressRow.id)
        .where(AppointmentRow.window_start >= period.since, AppointmentRow.window_start < period.until)
        .order_by(AppointmentRow.window_start, AppointmentRow.id)
    )  # fmt: skip
    return [AppointmentFact(**row._asdict()) for row in s.execute(q).all()]


def _technicians(s: Session) -> list[TechnicianFact]:
    q = sa.select(
        TechnicianRow.id, TechnicianRow.name, TechnicianRow.shift_start, TechnicianRow.shift_end,
        TechnicianRow.break_min, TechnicianRow.active,
    ).order_by(TechnicianRow.name, TechnicianRow.id)  # fmt: skip
    return [TechnicianFact(*row) for row in s.execute(q).all()]


def _zones(s: Session, request_ids: set[int]) -> dict[int, str | None]:
    if not request_ids:
        return {}
    q = (
        sa.select(RequestRow.id, AddressRow.zone)
        .join(AddressRow, RequestRow.address_id == AddressRow.id)
        .where(RequestRow.id.in_(sorted(request_ids)))
    )
    return {rid: zone for rid, zone in s.execute(q).all()}


def _payments(db: Database, period: Period) -> list[Payment]:
    return list_payments(db, since=period.since, until=period.until)


# --------------------------------------------------------------------------------------------
# Use cases
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerReport:
    """Every figure of the "Rapports" page for one period (see :mod:`dispatch.reports`)."""

    period: Period
    taxes: TaxReport
    revenue: RevenueReport
    travel: tuple[ZoneTravel, ...]
    workload: tuple[TechnicianDay, ...]
    estimates: EstimateReport
    response: ResponseReport
    demand: DemandReport
    journal: str
    journal_totals: JournalTotals

    def to_dict(self) -> dict[str, Any]:
        t = self.journal_totals
        return {
            "period": self.period.to_dict(),
            "taxes": {k: v for k, v in self.taxes.to_dict().items() if k not in {"lines", "series"}},
            "revenue": self.revenue.to_dict(),
            "travel": [z.to_dict() for z in self.travel],
            "workload": [d.to_dict() for d in self.workload],
            "estimates": self.estimates.to_dict(),
            "response": self.response.to_dict(),
            "demand": {k: v for k, v in self.demand.to_dict().items() if k != "hexagons"},
            "journal_totals": {
                "subtotal": str(t.subtotal), "gst": str(t.gst), "qst": str(t.qst),
                "total": str(t.total), "paid": str(t.paid),
            },
        }  # fmt: skip


def owner_report(
    db: Database, period: Period, *, origin: tuple[float, float] | None = None, hex_km: float = 1.0
) -> OwnerReport:
    """Every report of ``period`` from what is stored (one read transaction).

    Parameters
    ----------
    db
        The open database.
    period
        The report's days (midnight to midnight, Montréal).
    origin
        Centre of the demand map's hexagons (the shop); default the first request placed.
    hex_km
        Size of a hexagon (centre to corner, km).
    """
    with db.read() as s:
        docs = _documents(s, period)
        request_ids = {d.request_id for d in docs if d.request_id is not None}
        outcomes = _first_visit_outcomes(s, request_ids)
        zones = _zones(s, request_ids)
        requests = _requests(s, period)
        visits = _visits(s, period)
        trips = _trips(s, period)
        techs = _technicians(s)
    payments = _payments(db, period)
    if origin is None:
        placed = [(r.lat, r.lon) for r in requests if r.lat is not None and r.lon is not None]
        origin = placed[0] if placed else (0.0, 0.0)
    rows = journal_rows(docs, payments, period)
    return OwnerReport(
        period=period,
        taxes=tax_report(docs, period),
        revenue=revenue_report(docs, payments, period, visit_outcomes=outcomes),
        travel=travel_report(docs, trips, period, zone_of_request=zones),
        workload=workload_report(trips, techs, period),
        estimates=estimate_report(visits, period),
        response=response_report(requests, period),
        demand=demand_report(requests, period, origin=origin, size_km=hex_km),
        journal=journal_csv(docs, payments, period),
        journal_totals=journal_totals(rows),
    )


def taxes_of(db: Database, period: Period) -> TaxReport:
    """The GST/QST report of ``period`` (invoices minus credit notes issued in it)."""
    with db.read() as s:
        docs = _documents(s, period)
    return tax_report(docs, period)


def journal_of(db: Database, period: Period) -> tuple[str, JournalTotals, int]:
    """The accounting export of ``period``: ``(csv_text, totals, number_of_lines)``."""
    with db.read() as s:
        docs = _documents(s, period)
    payments = _payments(db, period)
    rows = journal_rows(docs, payments, period)
    return journal_csv(docs, payments, period), journal_totals(rows), len(rows)


def tax_files(report: TaxReport, *, settings: Settings) -> tuple[str, bytes]:
    """``(csv_text, pdf_bytes)`` of a tax report (the page's downloads)."""
    return tax_report_csv(report), tax_report_pdf(report, settings=settings)


def today() -> datetime:
    """The current time of the records (aware, Montréal): the default day of the period picker."""
    from dispatch.records import now

    return now()


__all__ = ["OwnerReport", "journal_of", "owner_report", "tax_files", "taxes_of", "today"]
