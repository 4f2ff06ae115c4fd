"""Billed history for the report tests: requests with an outcome, invoiced by the real billing.

The visit itself is stored as a row (its kind, arrival, diagnostic minutes, outcome and repair
lines) and the request put in the matching billable state, so the history does not depend on
the steps of the visit workflow (signatures, clocks...), which the reports do not read; the
invoices, credit notes and payments are then issued through :mod:`dispatch.billing.invoices`
exactly as the office does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from tests.storage_data import CORE_COVERAGE, COVERAGE

#: The visit outcome -> the request's billable state it leads to.
STATES = {
    "repaired_on_site": "repaired_on_site",
    "in_workshop": "returned",
    "workshop_refused": "workshop_refused",
    "estimate_refused": "estimate_refused",
    "remote_completed": "remote_completed",
    "remote_interrupted": "remote_interrupted",
}


def billable(
    db,
    *,
    outcome: str,
    minutes: int,
    arrived_at: datetime,
    repairs: Sequence[tuple[str, str]] = (),
    coverage: dict | None = None,
    name: str = "Marie Tremblay",
    created_at: datetime | None = None,
    technician_id: int | None = None,
    duration_min: int = 60,
    address: str = "1234 chemin Sainte-Marie, Mascouche",
    phone: str = "450 555-1234",
) -> int:
    """A request whose visit (or remote session) ended with ``outcome``; returns its id.

    With ``technician_id``, the visit was first booked (window from ``arrived_at``, two hours,
    ``duration_min`` of service) and published to that technician.
    """
    import sqlalchemy as sa

    from dispatch import records
    from dispatch.records.schema import RequestRow, VisitRow

    req = records.create_request(
        db, name=name, phone=phone, address=address,
        problem="Ordinateur lent", consent=True, coverage=coverage or CORE_COVERAGE, actor="test",
        at=created_at or arrived_at - timedelta(days=1),
    )  # fmt: skip
    kind = "remote" if outcome.startswith("remote") else "visit"
    if technician_id is not None:
        records.book_appointment(
            db, req.id, start=arrived_at, end=arrived_at + timedelta(hours=2), duration_min=duration_min,
            technician_id=technician_id, actor="test", force=True,
        )  # fmt: skip
    with db.write() as s:
        s.execute(sa.update(RequestRow).where(RequestRow.id == req.id).values(state=STATES[outcome]))
        s.add(VisitRow(
            request_id=req.id, kind=kind, arrived_at=arrived_at, diagnostic_min=minutes, outcome=outcome,
            repair_lines=[{"label": label, "amount": amount} for label, amount in repairs],
        ))  # fmt: skip
    return req.id


#: Legal details an invoice needs (the defaults are placeholders that refuse to invoice).
LEGAL = {"gst_number": "811111111 RT0001", "qst_number": "1211111111 TQ0001", "interac_email": "paiement@opms.example"}


def billing_ready(settings):
    """``settings`` with the company's GST/QST numbers and Interac address set."""
    from dataclasses import fields

    known = {f.name for f in fields(settings.billing)}
    return settings.with_section("billing", **{k: v for k, v in LEGAL.items() if k in known})


def invoice(db, settings, request_id: int, at: datetime, travel_amount: Decimal | None = None):
    """Issue the request's invoice at ``at`` (the real billing function)."""
    from dispatch.billing import invoices as iv

    return iv.issue_invoice(db, request_id, settings=billing_ready(settings), actor="test", at=at, travel_amount=travel_amount)


def credit(db, settings, number: str, at: datetime, amount: Decimal | None = None):
    """Issue a credit note on invoice ``number`` at ``at`` (all of it when ``amount`` is None)."""
    from dispatch.billing import invoices as iv

    return iv.issue_credit_note(db, number, reason="Correction", settings=billing_ready(settings), actor="test", at=at, amount=amount)


def pay(db, number: str, amount: Decimal, at: datetime, method: str = "interac"):
    """Record a payment of invoice ``number`` received at ``at``."""
    from dispatch.billing import invoices as iv

    ref = "" if method == "cash" else "REF123"
    return iv.record_payment(db, number, method=method, amount=amount, reference=ref, actor="test", received_at=at)


def bill_history(data_dir, *, today, n: int = 24) -> dict[str, int]:
    """A month of billed work before ``today`` in the data directory's database (demo data loaded).

    ``n`` past visits at the demo requests' addresses (their stored coverage), spread over
    the days of ``today``'s month up to ``today``, published to the demo technicians, each
    invoiced (every outcome in turn), two out of three paid (the six methods in turn), one
    credited; plus three requests from outside the service area. For the "Rapports" page's
    browser test and screenshots: the demo day itself is left untouched.
    """
    from datetime import date, time

    import sqlalchemy as sa

    from dispatch import records
    from dispatch.records.schema import AddressRow, CallRow, RequestRow
    from dispatch.settings import TZ, load_settings

    settings = billing_ready(load_settings(data_dir=data_dir, env={}))
    db = records.open_database(settings=settings)
    # a plausible mix: most estimates accepted, a few refused, some remote sessions
    outcomes = ["repaired_on_site", "repaired_on_site", "in_workshop", "estimate_refused", "repaired_on_site",
                "remote_completed", "workshop_refused", "in_workshop", "repaired_on_site", "remote_interrupted"]
    minutes = [25, 40, 55, 35, 70, 30, 95, 45, 20, 130, 50, 38]
    methods = ["interac", "cash", "cheque", "bank_transfer", "paypal", "square"]
    counts = {"invoices": 0, "payments": 0, "requests": 0}
    try:
        techs = records.technicians(db)
        with db.read() as s:
            places = [
                (text, dict(cov))
                for text, cov in s.execute(
                    sa.select(AddressRow.text, AddressRow.coverage)
                    .join(RequestRow, RequestRow.address_id == AddressRow.id)
                    .where(AddressRow.coverage.is_not(None))
                    .order_by(RequestRow.id)
                ).all()
            ]
        first = date(today.year, today.month, 1)
        days = max(1, (today - first).days + 1)
        for i in range(n):
            day = first + timedelta(days=i % days)
            text, cov = places[i % len(places)]
            outcome = outcomes[i % len(outcomes)]
            arrived = datetime.combine(day, time(9 + i % 6), tzinfo=TZ)
            tech = techs[i % len(techs)].id if techs and not outcome.startswith("remote") else None
            rid = billable(
                db, outcome=outcome, minutes=minutes[i % len(minutes)], arrived_at=arrived, coverage=cov,
                repairs=[("Remplacement SSD", "149.50")] if outcome in {"repaired_on_site", "in_workshop"} else [],
                name=f"Client historique {i + 1}", address=text, technician_id=tech, phone=f"450 555-{2000 + i:04d}",
                created_at=arrived - timedelta(hours=20 + i % 30), duration_min=45 + 15 * (i % 4),
            )  # fmt: skip
            with db.write() as s:
                s.add(CallRow(request_id=rid, kind="contact", outcome="reached", actor="démo",
                              at=arrived - timedelta(hours=18 + i % 24)))  # fmt: skip
            travel = Decimal("60.00") if cov.get("zone") == "outside" else None
            inv = invoice(db, settings, rid, arrived + timedelta(hours=2), travel_amount=travel)
            counts["invoices"] += 1
            if i % 3 != 2:
                pay(db, inv.number, inv.total, arrived + timedelta(hours=3), method=methods[i % len(methods)])
                counts["payments"] += 1
            elif i == 2:
                credit(db, settings, inv.number, arrived + timedelta(hours=5), amount=Decimal("10.00"))
        shop_lat, shop_lon = 45.7460, -73.6010
        for j, (dlat, dlon) in enumerate(((0.16, 0.05), (0.14, 0.12), (-0.05, 0.22))):
            records.create_request(
                db, name=f"Client éloigné {j + 1}", phone="450 555-0199", address=f"{j + 1} rang Éloigné",
                consent=True, actor="démo", at=datetime.combine(first, time(10), tzinfo=TZ),
                coverage={"zone": "outside", "lat": shop_lat + dlat, "lon": shop_lon + dlon,
                          "road_km": 24.0 + j, "drive_min": 22.0 + j},
            )  # fmt: skip
        counts["requests"] = n + 3
    finally:
        db.close()
    return counts


__all__ = ["CORE_COVERAGE", "COVERAGE", "LEGAL", "STATES", "bill_history", "billable", "billing_ready", "credit", "invoice", "pay"]
