"""Command line: ``plan --week DATE --days N --json``, the requests still to book placed on a week."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from dispatch import records as st
from dispatch.cli.main import main
from dispatch.office import intake
from tests.office.demo_data import DAY, open_demo

#: The Monday of the demo day's week (DAY is a Tuesday).
MONDAY = DAY - timedelta(days=1)


@pytest.fixture()
def week(tmp_path, mascouche, regions_data_dir, monkeypatch):
    """One technician, one booked appointment on DAY, two requests still to book (one wants
    the Wednesday): the settings and the two request ids."""
    monkeypatch.delenv("OPMS_CONFIG", raising=False)
    settings, db = open_demo(tmp_path, regions_data_dir, n_technicians=1, n_visits=1)
    try:
        wednesday = intake.submit(
            db, intake.RequestForm(name="Julie Gagnon", address="1015 Avenue Saint-Denis, Mascouche",
                                   phone="450 555-7777", problem="Imprimante", consent=True,
                                   desired_date=DAY + timedelta(days=1)),
            settings=settings, region=mascouche,
        )  # fmt: skip
        any_day = intake.submit(
            db, intake.RequestForm(name="Marc Roy", address="1180 Chemin Sainte-Marie, Mascouche",
                                   phone="450 555-8888", problem="Virus", consent=True),
            settings=settings, region=mascouche,
        )  # fmt: skip
        booked = [a.request_id for a in st.appointments_for_day(db, DAY)]
    finally:
        db.close()
    return settings, wednesday.id, any_day.id, booked


def run(capsys, settings, *argv):
    code = main([*argv, "--data-dir", str(settings.data_dir)])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_plan_week_places_the_requests_and_keeps_the_booked_appointment(capsys, week):
    """Each request placed or explained, the Wednesday one on Wednesday; the booked visit
    stays on its day; nothing is written."""
    settings, wed_id, any_id, booked = week
    assert len(booked) == 1
    code, out, err = run(
        capsys, settings, "plan", "--week", MONDAY.isoformat(), "--days", "3", "--time-limit", "3", "--json"
    )
    assert code == 0, err
    assert out["week"] == [MONDAY.isoformat(), DAY.isoformat(), (DAY + timedelta(days=1)).isoformat()]
    assert set(out["placed"]) | set(out["unplaced"]) == {f"r{wed_id}", f"r{any_id}"}
    assert out["placed"][f"r{wed_id}"]["day"] == (DAY + timedelta(days=1)).isoformat()
    assert out["placed"][f"r{wed_id}"]["request_id"] == wed_id
    tuesday = out["days"][DAY.isoformat()]
    served = [s["visit"] for r in tuesday["routes"] for s in r["stops"]]
    assert len([v for v in served if v.startswith("a")]) == 1
    db = st.open_database(settings=settings)
    try:
        assert st.get_request(db, wed_id).state == "requested"
        assert st.appointments_of(db, any_id) == []
    finally:
        db.close()


def test_plan_week_refuses_a_bad_date_and_keeps_date_working(capsys, week):
    """--week not a date: exit 2 with a message; --date still plans one day."""
    settings, *_ = week
    code, out, err = run(capsys, settings, "plan", "--week", "lundi", "--json")
    assert (code, out) == (2, None) and "--week" in err
    code, out, err = run(capsys, settings, "plan", "--date", DAY.isoformat(), "--time-limit", "1", "--json")
    assert code == 0, err
    assert out["served"] == 1
