"""The global options mean the same before or after every command; a closed pipe ends quietly.

Every command is discovered from the parser, so a new command is covered as soon as it is
registered: :data:`CASES` must then give it a cheap invocation (the test says so).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dispatch.cli.main import build_parser, main
from tests.conftest import SHARED

#: The console script installed beside the running interpreter (``.venv/bin/opms-dispatch``).
OPMS = Path(sys.executable).with_name("opms-dispatch")
PASSWORD = "correct horse battery staple"


def leaf_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """Every runnable command of the parser, as word tuples (``("region", "list")``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from leaf_commands(sub, (*prefix, name))
            return
    if prefix:
        yield prefix


#: command words -> (arguments given a folder for files, expected exit code, what shows that
#: it used the data directory D: "region" (it read the Mascouche region, which only D holds),
#: "db" (it created the database in D), "message" (its error names a path in D), or None).
#: Each does something cheap, or fails cleanly on bad input.
MISSING_INVOICE = "F2026-09999"


def _addresses_csv(folder: Path) -> Path:
    """A one-address CSV file (geocode --csv shows a progress bar on stderr unless --quiet)."""
    path = folder / "addresses.csv"
    path.write_text("address\n2036 2e Avenue, Mascouche\n", encoding="utf-8")
    return path


CASES = {
    ("area",): (lambda t: [], 0, "region"),
    ("backup",): (lambda t: [], 3, "message"),  # no database yet in D
    ("calls", "confirm"): (lambda t: ["--date", "2026-06-02"], 0, "db"),
    ("calls", "contact"): (lambda t: [], 0, "db"),
    ("calls", "record"): (lambda t: ["9999", "--kind", "contact", "--outcome", "reached"], 3, "db"),
    ("coverage",): (lambda t: ["--latlon", "45.7460,-73.6010"], 0, "region"),
    ("customer", "erase"): (lambda t: ["9999", "--yes"], 3, "db"),
    ("customer", "export"): (lambda t: ["9999"], 3, "db"),
    ("customer", "purge"): (lambda t: [], 0, "db"),
    ("doctor",): (lambda t: ["--mail-timeout", "0.5"], 1, None),  # 1: problems found (a report)
    ("outbox", "cancel"): (lambda t: ["9999"], 3, "db"),
    ("outbox", "list"): (lambda t: [], 0, "db"),
    ("outbox", "retry"): (lambda t: ["9999"], 3, "db"),
    ("outbox", "send"): (lambda t: [], 0, "db"),
    ("outbox", "test"): (lambda t: ["--email", "nobody"], 2, None),
    ("report", "export"): (lambda t: ["--from", "2026-06-01", "--to", "2026-06-30", "--out", str(t / "j.csv")], 0, "db"),
    ("report", "summary"): (lambda t: ["--from", "2026-06-01", "--to", "2026-06-30"], 0, "db"),
    ("report", "taxes"): (lambda t: ["--from", "2026-06-01", "--to", "2026-06-30"], 0, "db"),
    ("slots",): (lambda t: ["9999"], 3, "db"),
    ("worker",): (lambda t: ["--status"], 0, "db"),
    ("geocode",): (lambda t: ["--csv", str(_addresses_csv(t)), "--out", str(t / "out.csv")], 0, "region"),
    ("intake",): (lambda t: [str(t / "inbox")], 0, "db"),
    ("invoice", "credit"): (lambda t: [MISSING_INVOICE, "--reason", "erreur"], 3, "db"),
    ("invoice", "html"): (lambda t: [MISSING_INVOICE, "--out", str(t / "f.html")], 3, "db"),
    ("invoice", "issue"): (lambda t: ["9999"], 3, "db"),
    ("invoice", "list"): (lambda t: [], 0, "db"),
    ("invoice", "pay"): (lambda t: [MISSING_INVOICE, "--method", "cash", "--amount", "1.00"], 3, "db"),
    ("invoice", "pdf"): (lambda t: [MISSING_INVOICE, "--out", str(t / "f.pdf")], 3, "db"),
    ("invoice", "show"): (lambda t: [MISSING_INVOICE], 3, "db"),
    ("plan",): (lambda t: ["--date", "2026-06-02"], 2, "region"),  # the region, then: no technician
    ("policy", "set"): (lambda t: [str(t / "nope.md")], 2, None),
    ("policy", "show"): (lambda t: [], 0, "db"),  # the default policy becomes version 1
    ("remote", "start"): (lambda t: ["9999", "--consent"], 3, "db"),
    ("remote", "stop"): (lambda t: ["9999", "--interrupted"], 3, "db"),
    ("request", "add"): (lambda t: ["--name", "Ana", "--phone", "450 555-0199", "--address", "2036 2e Avenue, Mascouche", "--problem", "Lent"], 0, "db"),
    ("technician", "add"): (lambda t: ["Théo", "--skills", "pc", "--start", "08:00", "--end", "17:00"], 0, "db"),
    ("technician", "list"): (lambda t: [], 0, "db"),
    ("visit", "arrive"): (lambda t: ["9999", "--at", "2026-06-02T09:00"], 3, "db"),
    ("visit", "diagnostic"): (lambda t: ["9999", "start"], 3, "db"),
    ("visit", "estimate"): (lambda t: ["9999", "--line", "Écran=180,00"], 3, "db"),
    ("visit", "list"): (lambda t: ["--date", "2026-06-02"], 0, "db"),
    ("visit", "outcome"): (lambda t: ["9999", "refused"], 3, "db"),
    ("visit", "show"): (lambda t: ["9999"], 3, "db"),
    ("visit", "sign"): (lambda t: ["9999", "--name", "Ana", "--signature", str(t / "nope.png")], 2, None),
    ("visit", "test"): (lambda t: ["9999", "--passed", "--attended-by", "Ana"], 3, "db"),
    ("workshop", "advance"): (lambda t: ["9999", "ready"], 3, "db"),
    ("workshop", "list"): (lambda t: [], 0, "db"),
    ("quote",): (lambda t: ["--outcome", "remote_interrupted", "--diagnostic-min", "10"], 0, None),
    ("region", "build"): (lambda t: [str(t / "nope.osm"), "--name", "x", "--shop-latlon", "45.7,-73.6"], 2, None),
    ("region", "list"): (lambda t: [], 0, "region"),
    ("region", "show"): (lambda t: ["mascouche"], 0, "region"),
    ("restore",): (lambda t: [str(t / "nope.sqlite3"), "--yes"], 3, None),
    ("serve",): (lambda t: ["--port", "0"], 2, None),
    ("user", "add"): (lambda t: ["ana", "--role", "admin", "--password-stdin"], 0, "db"),
    ("user", "disable"): (lambda t: ["nobody"], 3, "db"),
    ("user", "enable"): (lambda t: ["nobody"], 3, "db"),
    ("user", "list"): (lambda t: [], 0, "db"),
    ("user", "passwd"): (lambda t: ["nobody", "--password-stdin"], 3, "db"),
    ("user", "throttles"): (lambda t: [], 0, "db"),
    ("vrptw",): (lambda t: [str(SHARED / "data" / "solomon" / "C101.txt"), "--time-limit", "0"], 2, None),
}

COMMANDS = sorted(leaf_commands(build_parser()))
#: Commands whose non-zero exit code reports findings: their report is still the JSON on stdout.
FINDINGS = {("doctor",)}


def test_every_command_has_a_cheap_invocation_and_no_case_is_stale():
    """Discovered commands and CASES match: a new command needs its line in CASES."""
    assert set(COMMANDS) - set(CASES) == set(), "add the new command(s) to CASES"
    assert set(CASES) - set(COMMANDS) == set(), "remove the CASES of commands that are gone"


@pytest.fixture()
def places(tmp_path, monkeypatch, mascouche, regions_data_dir):
    """D: the data directory given with --data-dir (holding the Mascouche region); C: the
    settings file given with --config (default region mascouche); $OPMS_DATA_DIR and
    $OPMS_CONFIG point elsewhere, at things that do not exist."""
    for key in list(os.environ):
        if key.startswith("OPMS_") and key != "OPMS_SHARED_DIR":
            monkeypatch.delenv(key)
    data = tmp_path / "data"
    data.mkdir()
    (data / "regions").symlink_to(regions_data_dir / "regions", target_is_directory=True)
    config = tmp_path / "settings.toml"
    config.write_text(
        '[general]\ndefault_region = "mascouche"\n\n[billing]\ngst_number = "987654321 RT0001"\n'
        'qst_number = "9876543210 TQ0001"\ninterac_email = "paiements@opms-test.ca"\n',
        encoding="utf-8",
    )  # invoices are refused with the placeholder legal numbers
    env_data = tmp_path / "env-data"
    monkeypatch.setenv("OPMS_DATA_DIR", str(env_data))
    monkeypatch.setenv("OPMS_CONFIG", str(tmp_path / "absent.toml"))
    (tmp_path / "inbox").mkdir()
    return data, config, env_data


def _arrange(position: str, words: tuple[str, ...], args: list[str], options: list[str]) -> list[str]:
    if position == "before":
        return [*options, *words, *args]
    if position == "after":
        return [*words, *args, *options]
    return [words[0], *options, *words[1:], *args]  # between: right after the first word


@pytest.mark.parametrize("position", ["before", "after", "between"])
@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_global_options_apply_wherever_they_are_placed(places, capsys, monkeypatch, tmp_path, words, position):
    """--data-dir D --config C --json --quiet, before, after or inside CMD: D and C are used,
    $OPMS_DATA_DIR and $OPMS_CONFIG are not, stdout is one JSON document (empty on an error),
    and a successful command writes nothing on stderr."""
    data, config, env_data = places
    make_args, want_code, uses = CASES[words]
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    options = ["--data-dir", str(data), "--config", str(config), "--json", "--quiet"]
    code = main(_arrange(position, words, make_args(tmp_path), options))
    out, err = capsys.readouterr()
    assert code == want_code, err
    assert "OPMS_CONFIG" not in err and "Traceback" not in err
    assert not env_data.exists(), "the command used $OPMS_DATA_DIR instead of --data-dir"
    if code == 0 or words in FINDINGS:
        assert err == "", "--quiet: nothing on stderr"
        assert out.endswith("\n") and out.count("\n") == 1
        json.loads(out)  # exactly one document: json rejects anything after it
    else:
        assert out == "" and err.startswith("opms-dispatch: ")
    if uses == "db":
        assert (data / "opms.sqlite3").is_file(), "the database was not created in --data-dir"
    if uses == "message":
        assert str(data) in err
    if words == ("region", "list"):
        assert "mascouche" in [r["name"] for r in json.loads(out)["regions"]]


def test_options_given_twice_the_last_wins(places, capsys):
    """--json --data-dir ELSEWHERE before the command, --data-dir D after: D is used."""
    data, config, _ = places
    code = main(
        ["--data-dir", "/nonexistent-opms", "--config", str(config), "--json", "region", "list", "--data-dir", str(data)]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "mascouche" in [r["name"] for r in json.loads(out)["regions"]]


def _env(data_dir_of_env: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "OPMS_DATA_DIR": str(data_dir_of_env), "HOME": str(data_dir_of_env.parent)}


def test_console_script_applies_data_dir_and_json_given_before_the_command(places, tmp_path):
    """The issue's case, as a user types it: `opms-dispatch --data-dir D --json region list`."""
    data, _, env_data = places
    p = subprocess.run(
        [str(OPMS), "--data-dir", str(data), "--json", "region", "list"],
        capture_output=True, text=True, env=_env(env_data), timeout=120,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "mascouche" in [r["name"] for r in json.loads(p.stdout)["regions"]]
    assert not env_data.exists()


def test_region_list_into_head_0_exits_0_without_a_traceback(places):
    """`opms-dispatch region list | head -0` through a real shell pipe: exit 0, stderr empty."""
    data, _, env_data = places
    p = subprocess.run(
        ["bash", "-c", '"$0" region list --data-dir "$1" | head -0; exit "${PIPESTATUS[0]}"', str(OPMS), str(data)],
        capture_output=True, text=True, env=_env(env_data), timeout=120,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""


@pytest.mark.parametrize(
    "argv",
    [["region", "list"], ["--json", "region", "list"], ["--help"], ["region", "--help"]],
    ids=" ".join,
)
def test_stdout_closed_before_the_first_write_ends_quietly_with_exit_0(places, argv):
    """The reader of stdout is gone before the command writes (always, not by a race): exit 0,
    nothing on stderr (no BrokenPipeError, no 'Exception ignored' at exit)."""
    data, _, env_data = places
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        p = subprocess.run(
            [str(OPMS), *argv, "--data-dir", str(data)] if "--help" not in argv else [str(OPMS), *argv],
            stdout=write_end, stderr=subprocess.PIPE, text=True, env=_env(env_data), timeout=120,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""


def test_progress_on_a_closed_stderr_does_not_stop_the_command(places, tmp_path):
    """geocode --csv shows a progress bar on stderr; with stderr's reader gone the batch still
    completes (exit 0, CSV written, JSON on stdout)."""
    data, config, env_data = places
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("address\n2036 2e Avenue, Mascouche\n2021 10e Avenue, Mascouche\n", encoding="utf-8")
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        p = subprocess.run(
            [str(OPMS), "geocode", "--csv", str(src), "--out", str(dst), "--data-dir", str(data),
             "--config", str(config), "--json"],
            stdout=subprocess.PIPE, stderr=write_end, text=True, env=_env(env_data), timeout=120,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert p.returncode == 0
    assert json.loads(p.stdout)["rows"] == 2 and dst.is_file()


def test_building_the_parser_imports_no_domain_module_nor_heavy_library():
    """`opms-dispatch --help` builds the parser of every command: that must not import the
    domain (storage, routing, geo...) nor numpy/SQLAlchemy; handlers import them when run."""
    probe = (
        "import sys; from dispatch.cli.main import build_parser; build_parser(); "
        "print('\\n'.join(sorted(sys.modules)))"
    )
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    heavy = ("dispatch.geo", "dispatch.routing", "dispatch.billing", "dispatch.records", "dispatch.office",
             "maps", "numpy", "pandas", "scipy", "sqlalchemy", "argon2", "osmnx", "shapely", "pyproj")  # fmt: skip
    assert [m for m in p.stdout.split() if any(m == h or m.startswith(h + ".") for h in heavy)] == []
