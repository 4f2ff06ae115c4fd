"""Planning a stored day: storage -> DispatchProblem on the region -> Plan; the plan command."""

from __future__ import annotations

import json
from datetime import date

import pytest

from dispatch import records
from dispatch.cli.main import main as cli_main
from dispatch.office import planning
from dispatch.settings import load_settings
from tests.servers.dashboard import prepare_data_dir
from tests.signing import sign_policy

DAY = date(2026, 6, 2)


@pytest.fixture()
def demo(tmp_path, monkeypatch, mascouche, regions_data_dir):
    """A data directory with the Mascouche region and 12 demo visits for 3 technicians."""
    d = prepare_data_dir(
        tmp_path / "data", regions_from=regions_data_dir, demo_day=DAY, n_technicians=3,
        n_visits=12,
    )
    monkeypatch.setenv("OPMS_DATA_DIR", str(d))
    monkeypatch.delenv("OPMS_CONFIG", raising=False)
    settings = load_settings(data_dir=d, env={})
    db = records.open_database(settings=settings)
    yield d, settings, db
    db.close()


def test_demo_data_are_confirmed_visits_at_real_address_points(demo, mascouche):
    """Demo appointments sit at address points of the region and are confirmed."""
    _, _, db = demo
    appts = records.appointments_for_day(db, DAY)
    assert len(appts) == 12
    points = set(zip(mascouche.addresses.lat.round(6), mascouche.addresses.lon.round(6), strict=True))
    assert all((round(a.lat, 6), round(a.lon, 6)) in points for a in appts)
    assert {a.request_state for a in appts} == {"confirmed"}
    assert len(records.technicians(db)) == 3


def test_plan_day_accounts_for_every_visit(demo, mascouche):
    """Every stored visit of the day is either in a route or unassigned with a reason."""
    _, settings, db = demo
    dp = planning.plan_day(mascouche, db, DAY, settings=settings, time_limit=0.5)
    served = set(dp.plan.served)
    left = {u.visit for u in dp.plan.unassigned}
    assert served | left == set(dp.visits) and not served & left
    assert dp.plan.feasible
    assert all(u.message for u in dp.plan.unassigned)


def test_route_paths_follow_roads_from_start_to_end(demo, mascouche):
    """Each route's path starts at its technician's start and passes by every stop."""
    _, settings, db = demo
    dp = planning.plan_day(mascouche, db, DAY, settings=settings, time_limit=0.5)
    for route in dp.plan.routes:
        path = dp.paths[route.technician]
        assert len(path) > 2 * len(route.stops)
        for stop in route.stops:
            a = dp.visits[stop.visit]
            nearest = min((lat - a.lat) ** 2 + (lon - a.lon) ** 2 for lat, lon in path) ** 0.5
            assert nearest < 0.01  # the path reaches (the road at) the address


def test_publish_assigns_visits_and_technician_day_keeps_them(demo, mascouche):
    """Published assignments pin each visit to its technician in the technician's view."""
    _, settings, db = demo
    dp = planning.plan_day(mascouche, db, DAY, settings=settings, time_limit=0.5)
    changed = planning.publish(db, dp, actor="test")
    assert changed == len(dp.plan.served)
    route = dp.plan.routes[0]
    tech = dp.technicians[route.technician]
    _, mine = planning.technician_day(mascouche, db, DAY, tech.id, settings=settings)
    assert {s.visit for s in mine.stops} == {s.visit for s in route.stops}


def test_plan_without_technicians_says_how_to_fix(tmp_path, mascouche, regions_data_dir):
    """Planning a day with no technician says (in French on screen) to add some in Settings."""
    d = prepare_data_dir(tmp_path / "data", regions_from=regions_data_dir)
    settings = load_settings(data_dir=d, env={})
    db = records.open_database(settings=settings)
    with pytest.raises(ValueError, match="Settings") as info:
        planning.plan_day(mascouche, db, DAY, settings=settings)
    assert "Paramètres" in info.value.localized("fr_CA")


def test_plan_command_prints_routes_with_addresses(demo, capsys):
    """``opms-dispatch plan --date --json`` prints one JSON document with ETAs and reasons."""
    d, _, _ = demo
    code = cli_main(["plan", "--date", DAY.isoformat(), "--time-limit", "0.5", "--json",
                     "--data-dir", str(d)])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["day"] == DAY.isoformat()
    stops = [s for r in out["routes"] for s in r["stops"]]
    assert len(stops) + len(out["unassigned"]) == 12
    assert all(s["address"].endswith("Mascouche") and "arrival" in s for s in stops)


def test_plan_command_rejects_a_bad_date(demo, capsys):
    """A malformed date is an input error (exit code 2) with an example."""
    d, _, _ = demo
    assert cli_main(["plan", "--date", "2026-13-01", "--json", "--data-dir", str(d)]) == 2
    assert "AAAA-MM-JJ (par exemple 2026-06-02)" in capsys.readouterr().err  # French by default


def test_serve_command_runs_streamlit_offline_on_app_py():
    """``serve`` runs app.py with usage statistics off and static serving on."""
    from dispatch.cli.commands.serve import app_path, streamlit_command

    cmd = streamlit_command("127.0.0.1", 8501)
    assert cmd[1:4] == ["-m", "streamlit", "run"]
    assert str(app_path()) in cmd
    assert "--browser.gatherUsageStats=false" in cmd
    assert "--server.enableStaticServing=true" in cmd
    assert "--server.address=127.0.0.1" in cmd


def test_replan_from_now_keeps_finished_visits_fixed(demo, mascouche):
    """After a visit is diagnosed, re-planning at noon keeps it done and re-plans the rest."""
    from datetime import datetime

    _, settings, db = demo
    dp = planning.plan_day(mascouche, db, DAY, settings=settings, time_limit=0.5)
    first = dp.plan.routes[0].stops[0].visit
    rid = dp.visits[first].request_id
    records.record_arrival(db, rid, actor="test")
    sign_policy(db, rid)
    records.record_diagnosis(db, rid, minutes=30, actor="test")
    noon = datetime(DAY.year, DAY.month, DAY.day, 12, 0, tzinfo=planning.TZ)
    again = planning.replan_from_now(mascouche, db, dp, now=noon)
    fixed = {s.visit for r in again.plan.routes for s in r.fixed}
    moving = {s.visit for r in again.plan.routes for s in r.stops}
    assert first in fixed and first not in moving
    assert all(s.start >= noon for r in again.plan.routes for s in r.stops)
    assert again.paths


def test_build_day_problem_names_its_parts(demo, mascouche):
    """The built day is a frozen record: the problem, visits, technicians and skipped ones by name."""
    import dataclasses

    _, settings, db = demo
    built = planning.build_day_problem(mascouche, db, DAY, settings=settings)
    assert isinstance(built, planning.DayProblem)
    assert set(built.visits) == {v.id for v in built.problem.visits} | set(built.skipped)
    assert set(built.technicians) == {t.id for t in built.problem.technicians}
    assert all(tid == planning.technician_id(t.id) for tid, t in built.technicians.items())
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.problem = None


def test_day_agenda_lists_the_day_and_the_active_technicians(demo):
    """The agenda of the demo day: its 12 appointments and 3 technicians; another day is empty."""
    _, _, db = demo
    agenda = planning.day_agenda(db, DAY)
    assert (agenda.day, len(agenda.appointments), len(agenda.technicians)) == (DAY, 12, 3)
    assert planning.day_agenda(db, date(2026, 6, 3)).appointments == []


def test_state_label_is_french_and_keeps_unknown_states():
    """A known state gets its French label; an unknown one is shown as stored."""
    assert planning.state_label("confirmed") != "confirmed"
    assert planning.state_label("état-inconnu") == "état-inconnu"
