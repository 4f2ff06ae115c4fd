"""The production files of ``deploy/`` work as written.

Two kinds of checks, said plainly:

* ``systemd-analyze verify`` (systemd's own checker: directives, sections, that ``ExecStart``'s
  program exists and is executable) runs on every unit, with ``/opt/opms-dispatch`` replaced
  by this checkout, when the program is installed (Debian's ``systemd`` package); skipped
  otherwise. It does not check a program's arguments, nor that a timer's ``Unit=`` exists.
* Always: each unit is parsed here, its ``ExecStart`` arguments are given to the real
  ``opms-dispatch`` argument parser (a flag the command does not take fails), the timer names
  a unit of ``deploy/``, the backup unit's command is run for real and makes a backup that
  ``doctor`` accepts, and the reverse proxy forwards to the dashboard unit's address.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
INSTALL_DIR = "/opt/opms-dispatch"
UNITS = sorted(p.name for p in DEPLOY.glob("*.service")) + sorted(
    p.name for p in DEPLOY.glob("*.timer"))
SERVICES = [u for u in UNITS if u.endswith(".service")]


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """``{section: {key: [values...]}}`` of a systemd unit file (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}: {line!r} outside a section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: {line!r} is not KEY=VALUE"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def _local_copy(tmp_path: Path, name: str) -> Path:
    text = (DEPLOY / name).read_text(encoding="utf-8").replace(INSTALL_DIR, str(ROOT))
    target = tmp_path / name
    target.write_text(text, encoding="utf-8")
    return target


def test_deploy_holds_the_dashboard_worker_and_daily_backup_units():
    """The four units and the reverse proxy of the README's production guide."""
    assert {"opms-dispatch.service", "opms-dispatch-worker.service",
            "opms-dispatch-backup.service", "opms-dispatch-backup.timer"} <= set(UNITS)
    assert (DEPLOY / "Caddyfile").is_file()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None and not os.environ.get("CI"),
                    reason="systemd-analyze is not installed (Debian package systemd; make test installs it)")
def test_units_pass_systemd_analyze_verify(tmp_path):
    """systemd's checker accepts every unit, with no warning about them."""
    copies = [_local_copy(tmp_path, name) for name in UNITS]
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *map(str, copies)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    ours = [line for line in (done.stdout + done.stderr).splitlines()
            if any(name in line for name in UNITS)]
    assert done.returncode == 0, done.stdout + done.stderr
    assert ours == []


@pytest.mark.skipif(shutil.which("systemd-analyze") is None and not os.environ.get("CI"),
                    reason="systemd-analyze is not installed (Debian package systemd; make test installs it)")
def test_systemd_analyze_verify_refuses_a_missing_program(tmp_path):
    """The check above can fail: a unit whose program does not exist is refused."""
    broken = _local_copy(tmp_path, "opms-dispatch.service")
    broken.write_text(broken.read_text().replace("bin/opms-dispatch serve", "bin/absent serve"))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(broken)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0


@pytest.mark.parametrize("name", SERVICES)
def test_execstart_program_exists_and_the_cli_accepts_its_arguments(name):
    """The program is this checkout's ``opms-dispatch``; the real parser takes the arguments."""
    from dispatch.cli.main import build_parser, command_modules

    unit = parse_unit(DEPLOY / name)
    (exec_start,) = unit["Service"]["ExecStart"]
    program, *args = shlex.split(exec_start.replace(INSTALL_DIR, str(ROOT)))
    assert program == str(ROOT / ".venv" / "bin" / "opms-dispatch")
    assert os.access(program, os.X_OK), f"{program} is not installed (make venv)"
    assert args[0] in command_modules(), f"the unit runs `opms-dispatch {args[0]}`, which does not exist"
    parsed = build_parser().parse_args(args)
    assert parsed.func is not None
    env = dict(v.split("=", 1) for v in unit["Service"].get("Environment", []))
    assert env["OPMS_DATA_DIR"] in unit["Service"]["ReadWritePaths"]
    assert unit["Service"]["UMask"] == ["0077"]


def test_backup_timer_runs_the_backup_unit_daily():
    """The timer names the backup service of deploy/ and a daily calendar."""
    timer = parse_unit(DEPLOY / "opms-dispatch-backup.timer")
    (target,) = timer["Timer"]["Unit"]
    assert (DEPLOY / target).is_file()
    (calendar,) = timer["Timer"]["OnCalendar"]
    assert re.fullmatch(r"\*-\*-\* \d\d:\d\d:\d\d|daily", calendar)
    assert timer["Install"]["WantedBy"] == ["timers.target"]
    if shutil.which("systemd-analyze"):
        done = subprocess.run(["systemd-analyze", "calendar", calendar], capture_output=True,
                              text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr


def test_backup_unit_command_makes_a_backup_that_doctor_accepts(tmp_path):
    """Run the backup unit's ExecStart as written (paths of this checkout) on a real database."""
    from dispatch.office.doctor import check_backup
    from dispatch.records import open_database
    from dispatch.settings import load_settings

    data = tmp_path / "data"
    settings = load_settings(data_dir=data, env={})
    open_database(settings=settings).close()
    unit = parse_unit(DEPLOY / "opms-dispatch-backup.service")
    (exec_start,) = unit["Service"]["ExecStart"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPMS_")}
    env["OPMS_DATA_DIR"] = str(data)
    done = subprocess.run(shlex.split(exec_start.replace(INSTALL_DIR, str(ROOT))), env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert check_backup(settings).status == "ok"


def test_reverse_proxy_forwards_to_the_dashboard_unit_address():
    """Caddy's ``reverse_proxy`` is where the dashboard unit listens; a site name gives TLS."""
    serve = parse_unit(DEPLOY / "opms-dispatch.service")["Service"]["ExecStart"][0]
    args = shlex.split(serve)
    host, port = args[args.index("--host") + 1], args[args.index("--port") + 1]
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert f"reverse_proxy {host}:{port}" in caddy
    site = next(line for line in caddy.splitlines() if line.rstrip().endswith("{")
                and not line.startswith(("#", "\t", " ")))
    assert "." in site.split()[0] and not site.startswith(("http://", ":"))  # a name: HTTPS


@pytest.mark.skipif(shutil.which("caddy") is None and not os.environ.get("CI"),
                    reason="caddy is not installed (Debian package caddy; make test installs it)")
def test_caddyfile_is_accepted_by_caddy(tmp_path):
    """``caddy adapt`` reads the file (offline)."""
    done = subprocess.run(["caddy", "adapt", "--config", str(DEPLOY / "Caddyfile")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_readme_production_settings_example_is_read_by_the_product(tmp_path):
    """The guide's settings.toml loads as written: PostgreSQL by socket, the [mail] server."""
    from dispatch.settings import load_settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    guide = readme.split("## Production", 1)[1]
    example = guide.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "settings.toml"
    path.write_text(example, encoding="utf-8")
    settings = load_settings(path, env={}, data_dir=tmp_path / "data")
    assert settings.database.url.startswith("postgresql+psycopg://")
    assert settings.general.default_region
    if hasattr(settings, "mail"):
        assert settings.mail.smtp_host
