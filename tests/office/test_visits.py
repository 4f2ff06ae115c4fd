"""A technician's day and the visit form ("Ma tournée"): one use case per button."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dispatch import records
from dispatch.errors import InvalidInput
from dispatch.office import auth, billing_desk, planning, visits
from dispatch.office.visits import State
from tests.office.demo_data import DAY, open_demo
from tests.servers.dashboard import STAFF_PASSWORD
from tests.signing import sign_policy


@pytest.fixture()
def demo(tmp_path, mascouche, regions_data_dir):
    """The Mascouche region with 8 demo visits on DAY for 3 technicians: (settings, db)."""
    settings, db = open_demo(tmp_path, regions_data_dir)
    yield settings, db
    db.close()


def _first_request(db) -> int:
    return records.appointments_for_day(db, DAY)[0].request_id


def test_a_technician_account_picks_only_its_own_technician(demo):
    """Admin sees every active technician; a technician account only its own."""
    _, db = demo
    techs = records.technicians(db)
    admin = auth.add_user(db, "patron", STAFF_PASSWORD, role="admin", actor="test")
    tech = auth.add_user(db, "alex", STAFF_PASSWORD, role="technician", technician_id=techs[1].id,
                         actor="test")
    assert [t.id for t in visits.technicians_for(db, admin)] == [t.id for t in techs]
    assert [t.id for t in visits.technicians_for(db, tech)] == [techs[1].id]


def test_technician_route_shows_the_published_stops_only_to_their_technician(demo, mascouche):
    """After publishing, the route holds the technician's stops; another technician sees none."""
    settings, db = demo
    dp = planning.plan_day(mascouche, db, DAY, settings=settings, time_limit=0.5)
    planning.publish(db, dp, actor="test")
    route = next(r for r in dp.plan.routes if r.stops)
    tech = dp.technicians[route.technician]
    other = next(t for t in records.technicians(db) if t.id != tech.id)
    own_user = auth.add_user(db, "alex", STAFF_PASSWORD, role="technician", technician_id=tech.id,
                             actor="test")
    other_user = auth.add_user(db, "bea", STAFF_PASSWORD, role="technician", technician_id=other.id,
                               actor="test")
    mine = visits.technician_route(mascouche, db, DAY, tech.id, user=own_user, settings=settings)
    assert {s.visit for s in mine.stops} == {s.visit for s in route.stops}
    assert len(mine.path) > 2 and mine.visit(mine.stops[0]).address
    peek = visits.technician_route(mascouche, db, DAY, tech.id, user=other_user, settings=settings)
    assert peek.stops == []


def test_visit_steps_follow_the_buttons_and_read_a_quebec_estimate(demo):
    """Arrival, policy, diagnosis with "180,50": the step and the stored estimate follow."""
    _, db = demo
    rid = _first_request(db)
    assert visits.visit_step(db, rid).state == State.CONFIRMED
    visits.record_arrival(db, rid, actor="test")
    assert visits.visit_step(db, rid).state == State.ON_SITE
    sign_policy(db, rid)
    step = visits.visit_step(db, rid)
    assert step.state == State.POLICY_SIGNED and step.label
    visits.record_diagnosis(db, rid, minutes=40, estimate=" 180,50 ", actor="test")
    assert visits.visit_step(db, rid).state == State.DIAGNOSED
    (visit,) = records.visits_of(db, rid)
    assert visit.estimate == Decimal("180.50") and visit.diagnostic_min == 40


def test_a_bad_estimate_is_refused_in_french_and_nothing_changes(demo):
    """"cent" is not an amount: the parser's InvalidInput quotes it, the visit stays put."""
    _, db = demo
    rid = _first_request(db)
    visits.record_arrival(db, rid, actor="test")
    sign_policy(db, rid)
    with pytest.raises(InvalidInput) as bad:
        visits.record_diagnosis(db, rid, minutes=40, estimate="cent", actor="test")
    assert bad.value.params["shown"] == "cent" and "125.50" in bad.value.template
    with pytest.raises(InvalidInput) as huge:
        visits.record_diagnosis(db, rid, minutes=40, estimate="99999999999", actor="test")
    assert "out of range" in huge.value.template
    assert visits.visit_step(db, rid).state == State.POLICY_SIGNED
    visits.record_diagnosis(db, rid, minutes=40, estimate="", actor="test")
    (visit,) = records.visits_of(db, rid)
    assert visit.estimate is None


def test_repair_on_site_bills_the_typed_line_and_other_outcomes_ignore_it(demo, mascouche):
    """A repair on site of "125,50" is a repair line of the invoice; a bad amount is refused."""
    settings, db = demo
    rids = [a.request_id for a in records.appointments_for_day(db, DAY)[:2]]
    for rid in rids:
        visits.record_arrival(db, rid, actor="test")
        sign_policy(db, rid)
        visits.record_diagnosis(db, rid, minutes=30, estimate="", actor="test")
    with pytest.raises(InvalidInput, match="douze"):
        visits.record_outcome(db, rids[0], "repaired_on_site", actor="test", repair_label="Écran",
                              repair_amount="douze")
    visits.record_outcome(db, rids[0], "repaired_on_site", actor="test", repair_label="Écran",
                          repair_amount="125,50")
    visits.record_outcome(db, rids[1], "estimate_refused", actor="test", repair_amount="pas lu")
    assert visits.visit_step(db, rids[0]).state == State.REPAIRED_ON_SITE
    assert visits.visit_step(db, rids[1]).state == State.ESTIMATE_REFUSED
    inv = billing_desk.issue_invoice(db, rids[0], settings=settings, actor="test")
    assert any(ln.label == "Écran" and ln.amount == Decimal("125.50") for ln in inv.lines)
