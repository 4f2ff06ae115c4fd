"""The ``geocode`` and ``coverage`` commands of the contract (single, --latlon, CSV batch)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest


def test_geocode_prints_the_contract_json(cli):
    """lat, lon, precision, matched, source, as one JSON document; exit 0."""
    code, out, err = cli("geocode", "2036 2e av., Mascouche QC J7K 3B5", "--region", "mascouche", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert {"lat", "lon", "precision", "matched", "source"} <= set(doc)
    assert doc["precision"] == "exact" and doc["source"] == "offline"
    assert doc["matched"] == "2036 2e Avenue, Mascouche, QC J7K 3B5"


def test_geocode_uses_the_default_region_of_the_settings(cli, monkeypatch):
    """With general.default_region set, --region may be left out."""
    monkeypatch.setenv("OPMS_GENERAL__DEFAULT_REGION", "mascouche")
    code, out, _ = cli("geocode", "2036 2e Avenue", "--json")
    assert code == 0 and json.loads(out)["precision"] == "exact"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", 2),
        ("x" * 10_000, 2),
        ("🏠🏠", 2),
        ("J7K 3B5", 2),
        ("C.P. 123, Mascouche", 2),
        ("123 rue Main, Toronto ON M5V 2T6", 3),
        ("12 rue Inexistante", 3),
    ],
)
def test_geocode_bad_input_exits_2_or_3_with_a_message_and_no_traceback(cli, text, code):
    """Bad input -> 2, not placeable -> 3; one clear line on stderr, nothing on stdout."""
    got, out, err = cli("geocode", text, "--region", "mascouche", "--json")
    assert got == code
    assert out == ""
    assert err.startswith("opms-dispatch: ") and "Traceback" not in err


def test_unknown_street_message_lists_suggestions(cli):
    """Exit 3 for a typo beyond the fuzzy threshold, with 'Vouliez-vous dire'."""
    code, _, err = cli("geocode", "12 rue Bidon", "--region", "mascouche")
    assert code == 3 and "Vouliez-vous dire" in err


def test_unknown_region_exits_3(cli):
    """A region never built is not found (exit 3) and the message says how to build it."""
    code, _, err = cli("geocode", "2036 2e Avenue", "--region", "laval", "--json")
    assert code == 3 and "region build" in err


def test_coverage_of_an_address_has_zone_distances_fee_and_geocode_fields(cli):
    """zone, straight_km, road_km, drive_min, travel_fee (string) + precision, matched, source."""
    code, out, err = cli("coverage", "2036 2e Avenue, Mascouche", "--region", "mascouche", "--json")
    assert code == 0, err
    doc = json.loads(out)
    for key in ("zone", "straight_km", "road_km", "drive_min", "travel_fee", "precision", "matched", "source"):
        assert key in doc
    assert doc["zone"] == "core" and doc["travel_fee"] == "35.00"
    assert isinstance(doc["road_km"], float) and doc["road_km"] >= doc["straight_km"]


def test_coverage_outside_is_an_answer_not_an_error(cli):
    """A point 35 km away: zone outside, fee null (on quote), exit 0."""
    code, out, _ = cli("coverage", "--latlon", "45.9,-73.2", "--region", "mascouche", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["zone"] == "outside" and doc["travel_fee"] is None and doc["on_quote"] is True


def test_coverage_remote_support_costs_nothing(cli):
    """--remote: travel fee 0.00."""
    code, out, _ = cli("coverage", "--latlon", "45.76,-73.61", "--remote", "--region", "mascouche", "--json")
    assert code == 0 and json.loads(out)["travel_fee"] == "0.00"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["coverage", "--latlon", "95,-73.2"], 2),
        (["coverage", "--latlon", "abc"], 2),
        (["coverage", "2036 2e Avenue", "--latlon", "45.7,-73.6"], 2),
        (["coverage"], 2),
        (["coverage", "12 rue Inexistante"], 3),
        (["geocode"], 2),
        (["geocode", "--csv", "in.csv"], 2),
    ],
)
def test_coverage_and_geocode_argument_errors(cli, args, code):
    """Bad coordinates, both or neither of address/--latlon/--csv, --csv without --out: exit 2."""
    got, out, err = cli(*args, "--region", "mascouche", "--json")
    assert got == code and out == "" and "Traceback" not in err


def _write(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def _read(path):
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_geocode_csv_batch_keeps_columns_adds_results_and_shows_progress(cli, tmp_path):
    """OUT keeps IN's columns, adds lat, lon, precision, matched, source; bad rows get 'none'."""
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    _write(src, ["id", "address"], [["1", "2036 2e av."], ["2", ""], ["3", "C.P. 5"],
                                    ["4", "12 rue Inexistante"], ["5", "3001 ch. St-Henri"]])
    code, out, err = cli("geocode", "--csv", str(src), "--out", str(dst), "--region", "mascouche", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["rows"] == 5 and summary["precision"]["none"] == 3
    rows = _read(dst)
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5"]
    # 3001 ch. St-Henri lies in a 1 km gap between 2887 and 3219: approximate, not interpolated
    assert [r["precision"] for r in rows] == ["exact", "none", "none", "none", "approximate"]
    assert {"lat", "lon", "matched", "source"} <= set(rows[0])
    assert rows[2]["notice"] and rows[0]["lat"]
    assert "Géocodage" in err and "5/5" in err


def test_geocode_csv_quiet_has_no_progress_bar(cli, tmp_path):
    """--quiet: nothing on stderr."""
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    _write(src, ["address"], [["2036 2e Avenue"]])
    code, _, err = cli("geocode", "--csv", str(src), "--out", str(dst), "--region", "mascouche", "--quiet")
    assert code == 0 and err == ""


def test_csv_without_the_address_column_is_bad_input(cli, tmp_path):
    """A CSV with no 'address' column: exit 2 naming the columns found."""
    src = tmp_path / "in.csv"
    _write(src, ["adresse"], [["2036 2e Avenue"]])
    code, _, err = cli("geocode", "--csv", str(src), "--out", str(tmp_path / "o.csv"), "--region", "mascouche")
    assert code == 2 and "adresse" in err


def test_coverage_csv_of_addresses_and_of_points(cli, tmp_path):
    """Addresses: zone, distances, fee and geocode columns; points: zone, distances, fee."""
    src, dst = tmp_path / "a.csv", tmp_path / "a_out.csv"
    _write(src, ["address"], [["2036 2e Avenue"], ["12 rue Inexistante"]])
    code, out, err = cli("coverage", "--csv", str(src), "--out", str(dst), "--region", "mascouche", "--json")
    assert code == 0, err
    rows = _read(dst)
    assert rows[0]["zone"] == "core" and rows[0]["travel_fee"] == "35.00" and rows[0]["precision"] == "exact"
    assert rows[1]["zone"] == "" and rows[1]["notice"]
    assert json.loads(out)["not_checked"] == 1

    src, dst = tmp_path / "p.csv", tmp_path / "p_out.csv"
    _write(src, ["lat", "lon"], [["45.75", "-73.6"], ["45.9", "-73.2"], ["x", "y"]])
    code, out, _ = cli("coverage", "--csv", str(src), "--out", str(dst), "--region", "mascouche", "--quiet", "--json")
    assert code == 0
    rows = _read(dst)
    assert [r["zone"] for r in rows] == ["core", "outside", ""]
    assert rows[1]["travel_fee"] == "" and rows[0]["road_km"]
    assert {"zone", "straight_km", "road_km", "drive_min", "travel_fee"} <= set(rows[0])


def test_installed_command_never_prints_a_traceback(mascouche, regions_data_dir):
    """The real console script, on 10,000 characters and on emoji: exit 2, one line, no traceback."""
    exe = os.path.join(os.path.dirname(sys.executable), "opms-dispatch")
    for text in ("é" * 10_000, "🙂"):
        proc = subprocess.run(
            [exe, "geocode", text, "--region", "mascouche", "--data-dir", str(regions_data_dir), "--json"],
            capture_output=True, text=True, timeout=60, env={**os.environ, "OPMS_DEBUG": ""},
        )
        assert proc.returncode == 2
        assert proc.stdout == "" and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
