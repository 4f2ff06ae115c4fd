"""The report figures as pure functions over hand-made records whose totals are known."""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime, time
from decimal import Decimal

from dispatch.billing.ledger import Invoice, Payment
from dispatch.billing.rules import Line
from dispatch.records import TZ
from dispatch.reports import (
    AppointmentFact,
    RequestFact,
    TechnicianFact,
    VisitFact,
    demand_report,
    estimate_report,
    hexbin,
    journal_csv,
    month_of,
    outcome_category,
    response_report,
    revenue_report,
    travel_report,
    week_of,
    workload_report,
)

D = Decimal
DEC = month_of(date(2026, 12, 1))
SHOP = (45.7460, -73.6010)


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=TZ)


def doc(number, *, kind="invoice", outcome="refused", request_id=1, when=None, subtotal="100.00",
        travel=None, credits=None, customer="Marie Tremblay") -> Invoice:  # fmt: skip
    sub = D(subtotal)
    gst, qst = (sub * D("0.05")).quantize(D("0.01")), (sub * D("0.09975")).quantize(D("0.01"))
    lines = [Line("travel", "Déplacement", D(travel))] if travel else []
    lines.append(Line("diagnostic", "Diagnostic", sub - (D(travel) if travel else 0)))
    return Invoice(
        id=0, number=number, kind=kind, request_id=request_id, customer_id=None, credits_number=credits,
        issued_at=when or at(3), customer_name=customer, customer_address="", outcome=outcome,
        lines=tuple(lines), subtotal=sub, gst=gst, qst=qst, total=sub + gst + qst, gst_number="",
        qst_number="", interac_ref="", visit_summary="", reason="", retain_until=date(2032, 1, 1),
        payments=(), credit_notes=(), credited=D(0), paid=D(0), balance=D(0),
    )  # fmt: skip


def payment(number, amount, method="interac", when=None) -> Payment:
    return Payment(0, number, method, method, "R1", D(amount), when or at(4), "test")


def test_accepted_invoices_are_told_apart_by_their_visit_outcome():
    assert outcome_category("accepted", "repaired_on_site") == "on_site"
    assert outcome_category("accepted", "in_workshop") == "workshop"
    assert outcome_category("accepted", "remote_completed") == "remote"
    assert outcome_category("remote_interrupted") == "remote"
    assert outcome_category("workshop_refused") == "workshop_refused"
    assert outcome_category("late_cancellation") == "late_cancellation"


def test_revenue_by_outcome_credit_notes_under_their_invoice_and_six_methods():
    """Billed 114.98 (on site) + 229.95 (workshop) - 57.49 (credit on the workshop one)."""
    docs = [
        doc("F1", outcome="accepted", request_id=1, subtotal="100.00"),
        doc("F2", outcome="accepted", request_id=2, subtotal="200.00", when=at(10)),
        doc("AV1", kind="credit_note", outcome="credit", request_id=2, subtotal="50.00", credits="F2", when=at(12)),
        doc("F3", outcome="refused", request_id=3, subtotal="80.00", when=datetime(2027, 1, 1, tzinfo=TZ)),
    ]
    pays = [payment("F1", "114.98", "cash"), payment("F2", "100.00", "square", when=at(11)),
            payment("F2", "10.00", "square", when=datetime(2026, 11, 30, 23, 59, tzinfo=TZ))]  # fmt: skip
    r = revenue_report(docs, pays, DEC, visit_outcomes={1: "repaired_on_site", 2: "in_workshop"})
    assert r.by_category["on_site"] == D("114.98")
    assert r.by_category["workshop"] == D("229.95") - D("57.49")
    assert r.by_category["refused"] == D("0.00")  # F3 is in January
    assert r.billed == D("114.98") + D("229.95") - D("57.49")
    assert r.revenue == D("250.00")
    assert r.collected == D("214.98")
    assert [m.method for m in r.by_method] == ["cash", "cheque", "bank_transfer", "interac", "paypal", "square"]
    assert {m.method: (m.count, m.amount) for m in r.by_method}["square"] == (1, D("100.00"))
    assert sum((p.billed for p in r.billed_series), D(0)) == r.billed
    assert len({p.start for p in r.billed_series}) == 31


def test_travel_fees_against_round_trips_per_zone():
    """Core: 2 trips of 4 km one way -> 16 km, fees 70.00 -> 4.38 $/km; extended 1 trip of 12.4 km."""
    docs = [doc("F1", request_id=1, travel="35.00"), doc("F2", request_id=2, travel="35.00"),
            doc("F3", request_id=3, travel="38.60")]  # fmt: skip
    trips = [
        AppointmentFact(1, 1, 7, "visit", at(3, 9), 60, "done", "core", 4.0, 6.0),
        AppointmentFact(2, 2, 7, "visit", at(3, 11), 60, "done", "core", 4.0, 6.0),
        AppointmentFact(3, 3, 8, "visit", at(3, 9), 60, "done", "extended", 12.4, 14.5),
        AppointmentFact(4, 4, None, "visit", at(3, 9), 60, "scheduled", "core", 4.0, 6.0),  # not published
        AppointmentFact(5, 5, 7, "visit", at(3, 9), 60, "cancelled", "core", 4.0, 6.0),
    ]
    zones = {z.zone: z for z in travel_report(docs, trips, DEC, zone_of_request={1: "core", 2: "core", 3: "extended"})}
    assert (zones["core"].trips, zones["core"].fees, zones["core"].road_km, zones["core"].drive_min) == (2, D("70.00"), 16.0, 24.0)
    assert zones["core"].fee_per_km == D("4.38")
    assert (zones["extended"].fees, round(zones["extended"].road_km, 1)) == (D("38.60"), 24.8)
    assert zones["outside"].fee_per_km is None


def test_a_technician_day_splits_into_service_driving_waiting_and_lunch():
    """Shift 8-17 (540 min), lunch 30, visits 60 + 90 min, 10 and 20 min from the shop:
    service 150, driving 2x(10+20) = 60, waiting 300, utilisation 150/510."""
    tech = TechnicianFact(7, "Alex", time(8), time(17), 30)
    trips = [
        AppointmentFact(1, 1, 7, "visit", at(3, 9), 60, "done", "core", 5.0, 10.0),
        AppointmentFact(2, 2, 7, "return", at(3, 14), 90, "scheduled", "core", 9.0, 20.0),
        AppointmentFact(3, 3, 7, "remote", at(3, 15), 30, "scheduled", None, None, None),
    ]
    (day,) = workload_report(trips, [tech], DEC)
    assert (day.visits, day.service, day.driving, day.waiting, day.lunch) == (2, 150.0, 60.0, 300.0, 30.0)
    assert math.isclose(day.utilisation, 150 / 510)


def test_driving_never_exceeds_what_the_shift_leaves():
    tech = TechnicianFact(7, "Alex", time(8), time(12), 0)
    trips = [AppointmentFact(i, i, 7, "visit", at(3, 8 + i), 60, "done", "outside", 40.0, 45.0) for i in range(3)]
    (day,) = workload_report(trips, [tech], week_of(date(2026, 12, 3)))
    assert (day.service, day.driving, day.waiting) == (180.0, 60.0, 0.0)


def test_estimates_shares_and_diagnostic_blocks():
    visits = [
        VisitFact(1, "visit", at(2), 14, "repaired_on_site"),
        VisitFact(2, "visit", at(2), 15, "in_workshop"),
        VisitFact(3, "visit", at(3), 45, "estimate_refused"),
        VisitFact(4, "visit", at(3), 130, "workshop_refused"),
        VisitFact(5, "remote", at(4), 20, "remote_completed"),
        VisitFact(6, "visit", datetime(2026, 11, 30, 12, tzinfo=TZ), 30, "repaired_on_site"),  # November
    ]
    r = estimate_report(visits, DEC)
    assert (r.answered, r.accepted, r.acceptance) == (4, 2, 0.5)
    assert r.share("workshop_refused") == 0.25 and r.remote_completed == 1
    assert (r.diagnostic_blocks[0], r.diagnostic_blocks[15], r.diagnostic_blocks[45], r.diagnostic_blocks[120]) == (1, 2, 1, 1)
    assert r.diagnostic_count == 5 and r.diagnostic_median == 20.0


def _request(rid, created, **kw) -> RequestFact:
    base = dict(source="form", state="requested", zone="core", lat=45.75, lon=-73.60, road_km=3.0, drive_min=5.0)
    base.update(kw)
    return RequestFact(rid, created, **base)


def test_time_to_first_call_and_visit_and_late_cancellations():
    reqs = [
        _request(1, at(1, 9), first_call_at=at(1, 11), first_visit_at=at(3, 9)),   # 2 h, 48 h
        _request(2, at(2, 9), first_call_at=at(2, 13), first_visit_at=at(6, 9)),   # 4 h, 96 h
        _request(3, at(5, 9)),                                                     # waiting
        _request(4, datetime(2026, 11, 20, tzinfo=TZ), state="cancelled", cancelled_at=at(2), cancellation="late",
                 cancellation_fee=D("40.00")),
        _request(5, at(7), state="cancelled", cancelled_at=at(8), cancellation="on_time"),
    ]  # fmt: skip
    r = response_report(reqs, DEC)
    assert r.received == 4
    assert (r.to_first_call.count, r.to_first_call.median_h, r.to_first_call.waiting) == (2, 3.0, 2)
    assert (r.to_first_visit.median_h, r.to_first_visit.mean_h, r.to_first_visit.waiting) == (72.0, 72.0, 1)
    assert (r.cancelled_late, r.cancelled_on_time, r.late_fees) == (1, 1, D("40.00"))


def test_demand_by_zone_and_hexagons_count_every_placed_request():
    reqs = [_request(i, at(2), lat=45.7460 + 0.001 * (i % 3), lon=-73.6010) for i in range(6)]
    reqs += [_request(10, at(2), zone="outside", lat=45.90, lon=-73.30), _request(11, at(2), zone=None, lat=None, lon=None)]
    r = demand_report(reqs, DEC, origin=SHOP, size_km=1.0)
    assert r.by_zone == {"core": 6, "extended": 0, "outside": 1, "unknown": 1}
    assert r.total == 8 and r.placed == 7 and math.isclose(r.outside_share, 1 / 8)
    assert sum(c.count for c in r.cells) == 7
    assert r.cells[0].count == 6  # the six near the shop share one hexagon (within 250 m)
    far = r.cells[-1]
    assert abs(far.center[0] - 45.90) < 0.02 and abs(far.center[1] + 73.30) < 0.02


def test_hexagon_holds_its_points_and_has_six_corners_one_size_away():
    cells = hexbin([(45.80, -73.50)], origin=SHOP, size_km=2.0)
    (cell,) = cells
    assert len(cell.corners) == 6
    lat0 = math.radians(SHOP[0])
    for lat, lon in cell.corners:
        dy = (lat - cell.center[0]) * 110.574
        dx = (lon - cell.center[1]) * 111.320 * math.cos(lat0)
        assert math.isclose(math.hypot(dx, dy), 2.0, rel_tol=1e-6)
    dy = (45.80 - cell.center[0]) * 110.574
    dx = (-73.50 - cell.center[1]) * 111.320 * math.cos(lat0)
    assert math.hypot(dx, dy) <= 2.0


def test_journal_lists_documents_and_payments_and_neutralises_formulas():
    docs = [doc("F1", customer="=HYPERLINK(\"http://x\")"), doc("AV1", kind="credit_note", subtotal="10.00", credits="F1", when=at(5))]
    text = journal_csv(docs, [payment("F1", "50.00", when=at(4))], DEC)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["type"], r["numero"]) for r in rows] == [("facture", "F1"), ("paiement", "F1"), ("note_de_credit", "AV1")]
    assert rows[0]["client"].startswith("'=")
    assert (rows[2]["piece_liee"], rows[2]["sous_total"], rows[2]["total"]) == ("F1", "-10.00", "-11.50")
    assert (rows[1]["mode_paiement"], rows[1]["montant_paye"], rows[1]["total"]) == ("interac", "50.00", "")


def test_average_day_per_technician_over_the_days_worked():
    """Two days of Alex (150 and 60 min of service): 105 min a day, 1.5 visits a day."""
    from dispatch.reports.workload import average_days

    tech = TechnicianFact(7, "Alex", time(8), time(17), 30)
    trips = [
        AppointmentFact(1, 1, 7, "visit", at(3, 9), 60, "done", "core", 5.0, 10.0),
        AppointmentFact(2, 2, 7, "visit", at(3, 14), 90, "done", "core", 9.0, 20.0),
        AppointmentFact(3, 3, 7, "visit", at(4, 9), 60, "done", "core", 5.0, 10.0),
    ]
    (avg,) = average_days(workload_report(trips, [tech], DEC))
    assert (avg.days, avg.visits_per_day, avg.minutes["service"], avg.minutes["lunch"]) == (2, 1.5, 105.0, 30.0)
    assert avg.minutes["driving"] == (60.0 + 20.0) / 2
    assert math.isclose(avg.utilisation, 105 / 510)
