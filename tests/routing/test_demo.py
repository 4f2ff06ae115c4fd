"""The seeded generator of realistic dispatch days."""

from __future__ import annotations

from dispatch.routing import solve
from dispatch.routing.demo import generate_day, generate_requests
from dispatch.routing.feasibility import check_plan


def test_same_seed_same_day_other_seed_other_day(mascouche):
    """Seeded: the same seed gives the same requests, another seed others."""
    a = generate_requests(mascouche, n_technicians=4, n_visits=20, seed=5)
    b = generate_requests(mascouche, n_technicians=4, n_visits=20, seed=5)
    c = generate_requests(mascouche, n_technicians=4, n_visits=20, seed=6)
    assert a == b
    assert a != c


def test_day_follows_the_realistic_ranges(mascouche):
    """Visits at real address points, 2-4 h windows, 45-120 min services, lunches, skills."""
    p = generate_day(mascouche, n_technicians=5, n_visits=40, seed=2)
    assert len(p.technicians) == 5
    assert len(p.visits) == 40
    points = set(zip(mascouche.addresses.lat.round(7), mascouche.addresses.lon.round(7), strict=True))
    for v in p.visits:
        assert (round(v.location.lat, 7), round(v.location.lon, 7)) in points
        ((a, b),) = v.windows
        assert 2 * 3600 <= (b - a).total_seconds() <= 4 * 3600
        assert 45 * 60 <= v.service_s <= 120 * 60
        assert v.label
    assert all(t.lunch is not None for t in p.technicians)
    assert p.day.weekday() < 5


def test_generated_day_solves_to_a_checked_non_empty_plan(mascouche):
    """A 3-technician, 20-visit day gives a checked plan with every technician working."""
    p = generate_day(mascouche, n_technicians=3, n_visits=20, seed=1)
    plan = solve(p, time_limit=1)
    assert check_plan(p, plan).ok
    assert all(r.stops for r in plan.routes)
    assert len(plan.served) + len(plan.unassigned) == 20
    assert all(u.reason and u.message for u in plan.unassigned)
