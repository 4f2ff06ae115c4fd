"""Sample records for the storage tests (plain helpers; the fixtures are in storage_support)."""

from __future__ import annotations

from datetime import date

COVERAGE = {
    "zone": "extended",
    "lat": 45.7601,
    "lon": -73.5502,
    "straight_km": 11.2,
    "road_km": 12.4,
    "drive_min": 14.5,
    "travel_fee": {"amount": "38.60", "explanation": "Déplacement depuis l'atelier : 12,4 km"},
    "precision": "exact",
    "matched": "1234 chemin Sainte-Marie, Mascouche",
}


def make_request(db, **kw):
    """Store a typical request (overridable fields)."""
    from dispatch.records import create_request

    args = dict(
        name="Marie Tremblay",
        phone="450 555-1234",
        email="marie@example.com",
        address="1234 chemin Sainte-Marie, Mascouche",
        problem="L'ordinateur ne démarre plus",
        desired_date=date(2026, 12, 3),
        consent=True,
        coverage=COVERAGE,
        actor="bureau",
    )
    args.update(kw)
    return create_request(db, **args)


def diagnosed(db, *, minutes=45, outcome="estimate_refused", repairs=(), **kw):
    """A request driven through contact, confirmation, arrival, policy and diagnosis to ``outcome``."""
    from datetime import datetime, timedelta

    from dispatch import records as st
    from tests.signing import sign_policy

    req = make_request(db, **kw)
    start = datetime(2026, 12, 3, 9, 0, tzinfo=st.TZ)
    appt = st.book_appointment(db, req.id, start=start, end=start + timedelta(hours=2), actor="bureau")
    st.confirm_appointment(db, appt.id, actor="bureau")
    st.record_arrival(db, req.id, actor="tech", at=start + timedelta(minutes=20))
    sign_policy(db, req.id, at=start + timedelta(minutes=25))
    st.record_diagnosis(db, req.id, minutes=minutes, actor="tech")
    st.record_outcome(db, req.id, outcome, repair_lines=repairs, actor="tech")
    return st.get_request(db, req.id)


CORE_COVERAGE = {
    "zone": "core",
    "lat": 45.7402,
    "lon": -73.6111,
    "straight_km": 1.1,
    "road_km": 1.6,
    "drive_min": 3.0,
    "travel_fee": {"amount": "35.00", "explanation": "Déplacement depuis l'atelier : 1,6 km par la route, zone principale : forfait 35,00 $"},
}
