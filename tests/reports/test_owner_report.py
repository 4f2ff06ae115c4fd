"""The owner's report read from a real database (SQLite and PostgreSQL): every section on a
small month whose totals are known."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from dispatch import records
from dispatch.office import reporting
from dispatch.records import TZ
from dispatch.records.schema import CallRow
from dispatch.reports import month_of
from tests.reports.history import COVERAGE, billable, invoice, pay

pytest_plugins = ["tests.storage_support"]

D = Decimal
DEC = month_of(date(2026, 12, 1))


def test_a_known_month_gives_known_figures_in_every_section(db, settings):
    """Two on-site visits (core, extended) by one published technician, a remote session,
    a late cancellation with its fee, a first call logged: each section's figures."""
    tech = records.add_technician(db, name="Alex Roy", actor="test")
    day = datetime(2026, 12, 3, 9, tzinfo=TZ)
    created = day - timedelta(days=2)
    settings = settings.with_section("tariff", late_cancellation_fee=D("40.00"))
    a = billable(db, outcome="repaired_on_site", minutes=40, arrived_at=day, repairs=[("SSD", "149.50")],
                 created_at=created, technician_id=tech.id, duration_min=60)  # fmt: skip
    b = billable(db, outcome="workshop_refused", minutes=45, arrived_at=day + timedelta(hours=3), coverage=COVERAGE,
                 created_at=created, name="Paul Côté", technician_id=tech.id, duration_min=90)  # fmt: skip
    c = billable(db, outcome="remote_interrupted", minutes=10, arrived_at=day, created_at=created, name="Léa Morin")
    with db.write() as s:
        s.add(CallRow(request_id=a, kind="contact", outcome="reached", at=created + timedelta(hours=3), actor="t"))
        s.add(CallRow(request_id=a, kind="confirmation", outcome="reached", at=created + timedelta(hours=30), actor="t"))
    ia = invoice(db, settings, a, day + timedelta(hours=1))
    ib = invoice(db, settings, b, day + timedelta(hours=4))
    ic = invoice(db, settings, c, day + timedelta(hours=1))
    pay(db, ia.number, ia.total, day + timedelta(hours=1), method="interac")
    pay(db, ib.number, D("50.00"), day + timedelta(days=1), method="cheque")

    late = records.create_request(db, name="Jean Roy", phone="450 555-9999", address="1 rue X, Mascouche", consent=True, actor="t",
                                  coverage={"zone": "outside", "lat": 45.9, "lon": -73.3, "road_km": 30.0,
                                            "drive_min": 28.0}, at=created)  # fmt: skip
    start = datetime(2026, 12, 10, 9, tzinfo=TZ)
    records.book_appointment(db, late.id, start=start, end=start + timedelta(hours=2), actor="t", force=True)
    records.cancel_request(db, late.id, settings=settings, actor="t", at=start - timedelta(hours=3))

    r = reporting.owner_report(db, DEC, origin=(45.7460, -73.6010))

    # 35.00 + 63.75 (45 min) + 149.50; 38.60 + 63.75 + 12.75; 21.25 (10 min, no travel), with taxes
    assert (ia.total, ib.total, ic.total) == (D("285.42"), D("132.34"), D("24.43"))
    assert r.revenue.by_category["on_site"] == ia.total
    assert r.revenue.by_category["workshop_refused"] == ib.total
    assert r.revenue.by_category["remote"] == ic.total
    assert r.revenue.collected == ia.total + D("50.00")
    assert r.taxes.gst == ia.gst + ib.gst + ic.gst and r.taxes.invoice_count == 3

    zones = {z.zone: z for z in r.travel}
    assert (zones["core"].fees, zones["core"].trips, zones["core"].road_km) == (D("35.00"), 1, 3.2)
    assert (zones["extended"].fees, zones["extended"].trips, round(zones["extended"].road_km, 1)) == (D("38.60"), 1, 24.8)

    (wd,) = r.workload
    assert (wd.name, wd.visits, wd.service, wd.lunch) == ("Alex Roy", 2, 150.0, 30.0)
    assert wd.driving == 2 * 3.0 + 2 * 14.5

    assert r.estimates.answers["repaired_on_site"] == 1 and r.estimates.answers["workshop_refused"] == 1
    assert r.estimates.diagnostic_count == 3

    assert r.response.received == 4
    assert (r.response.to_first_call.count, r.response.to_first_call.median_h) == (1, 3.0)
    assert r.response.to_first_visit.count == 3
    assert (r.response.cancelled_late, r.response.late_fees) == (1, D("40.00"))

    assert r.demand.by_zone == {"core": 2, "extended": 1, "outside": 1, "unknown": 0}
    assert sum(cell.count for cell in r.demand.cells) == 4

    t = r.journal_totals
    assert (t.subtotal, t.gst, t.qst, t.total) == (r.taxes.subtotal, r.taxes.gst, r.taxes.qst, r.taxes.total)
    assert t.paid == r.revenue.collected
    assert r.to_dict()["journal_totals"]["total"] == str(r.taxes.total)

