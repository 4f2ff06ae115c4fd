"""Live positions at the office: lateness on the published plan, re-planning from positions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dispatch import records
from dispatch.geo import GeoPoint
from dispatch.office import live, planning
from dispatch.settings import load_settings
from tests.servers.dashboard import prepare_data_dir

from .test_planning import DAY


@pytest.fixture()
def published(tmp_path, monkeypatch, mascouche, regions_data_dir):
    """The Mascouche demo day (3 technicians, 12 visits) planned and published."""
    d = prepare_data_dir(
        tmp_path / "data", regions_from=regions_data_dir, demo_day=DAY, n_technicians=3, n_visits=12,
    )
    monkeypatch.setenv("OPMS_DATA_DIR", str(d))
    monkeypatch.delenv("OPMS_CONFIG", raising=False)
    settings = load_settings(data_dir=d, env={})
    db = records.open_database(settings=settings)
    day_plan = planning.plan_day(mascouche, db, DAY, settings=settings, time_limit=0.5)
    planning.publish(db, day_plan, actor="test")
    yield settings, db, day_plan
    db.close()


def _at(hh: int, mm: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hh, mm, tzinfo=planning.TZ)


def test_technician_is_late_once_past_the_published_arrival_by_more_than_the_margin(published, mascouche):
    settings, db, _ = published
    plan = live.published_plan(mascouche, db, DAY, settings=settings)
    assert plan is not None
    route = next(r for r in plan.plan.routes if r.stops)
    tech = plan.technicians[route.technician].id
    first = route.stops[0]
    on_time = live.positions_for_day(db, DAY, plan=plan, now=first.arrival + timedelta(minutes=10))
    mine = next(x for x in on_time if x.technician_id == tech)
    assert not mine.late and mine.next_visit == first.visit and mine.planned_arrival == first.arrival
    assert mine.next_address == plan.label(first.visit) and mine.position is None
    later = live.positions_for_day(db, DAY, plan=plan, now=first.arrival + timedelta(minutes=25))
    mine = next(x for x in later if x.technician_id == tech)
    assert mine.late and mine.late_by == timedelta(minutes=25)
    records.record_arrival(db, plan.visits[first.visit].request_id, actor="test")
    on_site = live.positions_for_day(db, DAY, plan=plan, now=first.arrival + timedelta(minutes=25))
    assert not next(x for x in on_site if x.technician_id == tech).late  # at the door: not late


def test_positions_for_day_gives_the_last_position_and_its_age(published):
    _, db, day_plan = published
    tech = next(iter(day_plan.technicians.values())).id
    live.set_sharing(db, tech, DAY, True, actor="test")
    live.share_position(db, tech, 45.75, -73.60, 20.0, _at(9))
    [mine] = [x for x in live.positions_for_day(db, DAY, now=_at(9, 4)) if x.technician_id == tech]
    assert mine.position is not None and (mine.position.lat, mine.position.lon) == (45.75, -73.60)
    assert mine.age == timedelta(minutes=4) and not mine.late  # no plan given: nobody is late


def test_replan_starts_a_technician_from_the_position_his_phone_shared(published, mascouche):
    """A technician reported far from his route: the re-planned route leaves from that point."""
    _, db, day_plan = published
    routes = [r for r in day_plan.plan.routes if r.stops]
    mover, other = routes[0], routes[-1]
    tech = day_plan.technicians[mover.technician].id
    far = day_plan.problem.visits[[v.id for v in day_plan.problem.visits].index(other.stops[-1].visit)].location
    assert isinstance(far, GeoPoint)
    now = _at(8, 5)
    baseline = planning.replan_from_now(mascouche, db, day_plan, now=now, positions={})
    live.set_sharing(db, tech, DAY, True, actor="test")
    live.share_position(db, tech, far.lat, far.lon, 15.0, _at(8))
    again = planning.replan_from_now(mascouche, db, day_plan, now=now)  # stored positions by default
    start = next(t for t in again.problem.technicians if t.id == mover.technician).start
    assert start == GeoPoint(far.lat, far.lon)
    route = again.plan.route_of(mover.technician)
    assert route is not None and route.stops
    p = again.problem
    from_far = p.travel_s(p.location_index(("tech_start", mover.technician)),
                          p.location_index(("visit", route.stops[0].visit)))
    assert route.stops[0].travel_s == pytest.approx(from_far, abs=1)
    before = baseline.plan.route_of(mover.technician)
    assert before is not None
    assert (route.stops[0].visit, route.stops[0].travel_s) != (before.stops[0].visit, before.stops[0].travel_s)
    assert again.paths[mover.technician][0] == pytest.approx((far.lat, far.lon), abs=0.01)
    stale = planning.replan_from_now(mascouche, db, day_plan, now=_at(9))  # an hour later: too old
    assert next(t for t in stale.problem.technicians if t.id == mover.technician).start != start
