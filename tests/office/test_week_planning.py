"""The office's week: requests still to book placed on the days, and the dispatcher's moves.

Real data: the Mascouche region, two demo technicians with three booked visits on DAY (a
Tuesday), and three requests still to book entered through the intake form (one asks for the
Wednesday). The week planned is Monday-Wednesday.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch import records
from dispatch.office import intake, week_planning
from tests.office.demo_data import DAY, open_demo

MONDAY = DAY - timedelta(days=1)
WEDNESDAY = DAY + timedelta(days=1)
#: Search budget of each proposal (the whole 3-day week).
BUDGET = 1.5


@pytest.fixture()
def week(tmp_path, mascouche, regions_data_dir, monkeypatch):
    """``(region, settings, db, ids)``: ids of the requests ``wednesday``, ``free1``, ``free2``."""
    monkeypatch.delenv("OPMS_CONFIG", raising=False)
    settings, db = open_demo(tmp_path, regions_data_dir, n_technicians=2, n_visits=3)
    forms = {
        "wednesday": ("Julie Gagnon", "1015 Avenue Saint-Denis, Mascouche", "450 555-7771", WEDNESDAY),
        "free1": ("Marc Roy", "1180 Chemin Sainte-Marie, Mascouche", "450 555-7772", None),
        "free2": ("Anne Côté", "2900 Chemin Sainte-Marie, Mascouche", "450 555-7773", None),
    }
    ids = {
        key: intake.submit(
            db, intake.RequestForm(name=name, address=address, phone=phone, problem="Virus",
                                   consent=True, desired_date=wish),
            settings=settings, region=mascouche,
        ).id
        for key, (name, address, phone, wish) in forms.items()
    }
    yield mascouche, settings, db, ids
    db.close()


def _propose(week):
    region, settings, db, _ = week
    return week_planning.propose_week(region, db, MONDAY, days=3, settings=settings, time_limit=BUDGET)


def _move(week, proposal, request_id, day, **kw):
    region, settings, db, _ = week
    return week_planning.move_request(region, db, proposal, request_id, day, settings=settings,
                                      time_limit=BUDGET, **kw)


def _booked_served(proposal):
    """Booked visit id -> the day whose routes serve it."""
    return {s.visit: d for d, plan in proposal.week.days.items() for r in plan.routes for s in r.stops
            if s.visit in proposal.booked}


def test_moved_request_is_planned_on_the_chosen_day(week):
    """A free request moved to a day it was not on is placed there; a second move keeps the
    first one; the day totals count what the routes serve."""
    _, _, _, ids = week
    first = _propose(week)
    assert first.day_of(ids["wednesday"]) == WEDNESDAY
    target = MONDAY if first.day_of(ids["free1"]) != MONDAY else WEDNESDAY
    moved = _move(week, first, ids["free1"], target)
    assert moved.refused == ""
    assert moved.day_of(ids["free1"]) == target
    assert moved.moves == {ids["free1"]: week_planning.Move(target)}
    other = MONDAY if moved.day_of(ids["free2"]) != MONDAY else WEDNESDAY
    again = _move(week, moved, ids["free2"], other)
    assert again.refused == ""
    assert (again.day_of(ids["free1"]), again.day_of(ids["free2"])) == (target, other)
    totals = {d: again.totals(d) for d in again.days}
    assert sum(t.placed for t in totals.values()) == len(again.week.placed) == 3
    assert (totals[DAY].booked, totals[MONDAY].booked, totals[WEDNESDAY].booked) == (3, 0, 0)
    assert all(sum(t.requests for t in x.technicians) == x.placed for x in totals.values())
    assert totals[target].travel_min == pytest.approx(again.week.days[target].total_travel_min)


def test_moved_request_goes_to_the_chosen_technician(week):
    """A move with a technician puts the request in that technician's route of that day."""
    _, _, _, ids = week
    first = _propose(week)
    for tid in first.technicians:
        moved = _move(week, first, ids["free1"], MONDAY, technician=tid)
        assert moved.refused == ""
        assert moved.week.placed[f"r{ids['free1']}"] == (MONDAY, tid)


def test_move_to_a_day_the_request_cannot_take_gives_the_reason_and_keeps_the_previous_proposal(week):
    """The customer asked for the Wednesday: moved to the Monday, refused in French with the
    day asked for; a day outside the week is refused too; the proposal stays the one before."""
    _, _, _, ids = week
    first = _propose(week)
    refused = _move(week, first, ids["wednesday"], MONDAY)
    assert refused.refused == (
        f"Le client a demandé le mercredi {WEDNESDAY.day} juin : cette demande ne peut pas aller le "
        f"lundi {MONDAY.day} juin."
    )
    assert refused.week is first.week and refused.moves == first.moves
    assert refused.day_of(ids["wednesday"]) == WEDNESDAY
    outside = _move(week, first, ids["free1"], WEDNESDAY + timedelta(days=7))
    assert outside.week is first.week and "ne fait pas partie des jours planifiés" in outside.refused
    # a refusal is forgotten by the next move that works
    assert _move(week, refused, ids["free1"], MONDAY).refused == ""


def test_booked_appointments_are_never_moved(week):
    """A booked appointment's request cannot be moved; moving every free request onto the
    booked day keeps the three booked visits served on their day, and nothing is stored."""
    _, _, db, ids = week
    first = _propose(week)
    booked_request = next(iter(first.booked.values()))["request_id"]
    refused = _move(week, first, booked_request, MONDAY)
    assert refused.week is first.week
    assert refused.refused.startswith(f"La demande {booked_request} a déjà un rendez-vous réservé")
    before = [(a.appointment.id, a.appointment.window_start) for a in records.appointments_for_day(db, DAY)]
    proposal = first
    for key in ("free1", "free2"):
        proposal = _move(week, proposal, ids[key], DAY)
        assert proposal.refused == ""
    assert set(_booked_served(first).values()) == {DAY}
    assert _booked_served(proposal) == _booked_served(first) and len(_booked_served(proposal)) == 3
    assert proposal.week.days[DAY].feasible
    after = [(a.appointment.id, a.appointment.window_start) for a in records.appointments_for_day(db, DAY)]
    assert after == before
    assert all(records.appointments_of(db, rid) == [] for rid in ids.values())


def test_board_shows_each_day_s_visits_in_route_order_and_the_requests_not_placed(week):
    """The board's columns: one per day with its placed requests (movable) and booked visits
    (fixed) in the routes' order, then the request without a position, not placed."""
    region, settings, db, ids = week
    lost = intake.submit(db, intake.RequestForm(name="Paul Perdu", address="zzz qqq xxx", phone="450 555-7774",
                                                problem="Virus", consent=True), settings=settings, region=region).id
    proposal = _propose(week)
    columns = week_planning.board_columns(proposal)
    assert [c.day for c in columns] == [*proposal.days, None]
    for column in columns[:-1]:
        plan = proposal.week.days[column.day]
        order = [s.visit for r in plan.routes for s in r.stops]
        assert [(f"r{c.request_id}" if not c.fixed else None) for c in column.cards] == [
            v if v in proposal.requests else None for v in order]
        assert sum(not c.fixed for c in column.cards) == column.totals.placed
        assert sum(c.fixed for c in column.cards) == column.totals.booked
    assert sum(c.fixed for c in columns[1].cards) == 3  # the booked visits of DAY, fixed
    assert {c.request_id for col in columns[:-1] for c in col.cards if not c.fixed} == set(ids.values())
    free1 = next(c for col in columns for c in col.cards if c.request_id == ids["free1"])
    assert (free1.customer, free1.address) == ("Marc Roy", "1180 Chemin Sainte-Marie")
    assert free1.technician in proposal.technicians.values()
    assert columns[-1].totals is None
    assert [(c.request_id, c.customer, c.technician, c.fixed) for c in columns[-1].cards] == [
        (lost, "Paul Perdu", "", False)]
