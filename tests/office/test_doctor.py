"""``doctor``'s checks on real installations: files, SQLite and PostgreSQL, a TCP server, regions."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest

from dispatch.office import doctor
from dispatch.office.setup_checklist import PLACEHOLDERS
from tests.storage_support import pg_url_or_skip

pytest_plugins = ["tests.storage_support"]


def _status(finding):
    return finding.status


def test_placeholder_legal_numbers_are_a_problem(settings):
    """The shipped GST/QST numbers and Interac address would print on invoices."""
    finding = doctor.check_legal(settings.with_section("billing", **PLACEHOLDERS))
    assert finding.status == "problem"
    assert "123456789 RT0001" in finding.message
    assert finding.fix
    assert doctor.check_legal(settings).status == "ok"  # the suite's real-looking numbers


def test_missing_sqlite_file_is_a_notice_and_is_not_created(settings):
    """Doctor never creates the database."""
    finding = doctor.check_database(settings)
    assert finding.status == "notice"
    assert not (settings.data_dir / "opms.sqlite3").exists()


def test_sound_sqlite_database_is_ok(settings):
    """A database the product made passes SQLite's quick check."""
    from dispatch.records import open_database

    open_database(settings=settings).close()
    assert doctor.check_database(settings).status == "ok"


def test_damaged_sqlite_file_is_a_problem_that_says_restore(settings):
    """A file that is not a database: DatabaseDamaged's message and the restore command."""
    (settings.data_dir / "opms.sqlite3").write_bytes(b"not a database at all " * 400)
    finding = doctor.check_database(settings)
    assert finding.status == "problem"
    assert "opms-dispatch restore" in finding.fix


def test_postgresql_server_that_does_not_answer_is_a_problem(settings):
    """Nothing listens on the port: DatabaseUnreachable, fix names the service and the URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = settings.with_section("database", url=f"postgresql+psycopg://opms@127.0.0.1:{port}/opms")
    finding = doctor.check_database(s)
    assert finding.status == "problem"
    assert "postgresql" in finding.fix.lower()
    assert str(port) in finding.message or str(port) in finding.fix


@pytest.mark.postgres
def test_running_postgresql_database_is_ok(settings, pg_database):
    """The real PostgreSQL test server answers."""
    pg_url_or_skip()
    assert doctor.check_database(settings.with_section("database", url=pg_database)).status == "ok"


def test_no_region_is_a_problem(settings):
    """Nothing built: the fix names the command."""
    (finding,) = doctor.check_region(settings)
    assert finding.status == "problem"
    assert "region build" in finding.fix


def test_mascouche_extract_covers_less_than_the_extended_zone(mascouche, region_settings):
    """The shared Mascouche file reaches about 3.3 km: less than 15 km, a problem."""
    findings = [f for f in doctor.check_region(region_settings) if "mascouche" in f.message]
    assert [f.status for f in findings] == ["problem"]
    assert "region build download --name mascouche" in findings[0].fix
    reach = doctor.data_reach_km(mascouche.meta)
    assert 3.0 < reach < 3.6


def test_data_reach_is_the_nearest_side_of_the_bounding_box():
    """0.1° of latitude north and south (about 11 km) and wider east-west: 11.1 km."""
    meta = {"bbox": [45.6, -74.0, 45.8, -73.2], "shop": {"lat": 45.7, "lon": -73.6}}
    assert doctor.data_reach_km(meta) == pytest.approx(11.12, abs=0.05)
    outside = {"bbox": [45.6, -74.0, 45.8, -73.2], "shop": {"lat": 46.7, "lon": -73.6}}
    assert doctor.data_reach_km(outside) == 0.0


def test_region_covering_the_extended_zone_is_ok(settings):
    """A region whose data reaches farther than its extended radius."""
    folder = settings.regions_dir / "large"
    folder.mkdir(parents=True)
    meta = {"name": "large", "bbox": [45.4, -74.0, 46.0, -73.2],
            "shop": {"lat": 45.7, "lon": -73.6}, "extended_km": 15}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert [f.status for f in doctor.check_region(settings)] == ["ok"]


def test_mail_not_configured_is_a_notice(settings):
    """No SMTP server: worth knowing, not an error."""
    assert doctor.check_mail(settings).status == "notice"


def test_mail_server_that_accepts_connections_is_ok(settings):
    """A real TCP listener on 127.0.0.1 stands for the SMTP server."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        s = settings.with_section("mail", smtp_host="127.0.0.1", smtp_port=port)
        assert doctor.check_mail(s, timeout=2).status == "ok"


def test_mail_server_that_refuses_is_a_problem(settings):
    """A closed port: the finding names host and port and says what to check."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = settings.with_section("mail", smtp_host="127.0.0.1", smtp_port=port)
    finding = doctor.check_mail(s, timeout=2)
    assert finding.status == "problem"
    assert f"127.0.0.1:{port}" in finding.message


def test_backup_missing_then_fresh_then_too_old(settings):
    """No backup is a problem; a real backup is fine; the same file 25 h later is a problem."""
    from dispatch.records import open_database
    from dispatch.records.backup import backup_database

    assert doctor.check_backup(settings).status == "problem"
    open_database(settings=settings).close()
    made = backup_database(settings=settings)
    assert doctor.check_backup(settings).status == "ok"
    assert doctor.latest_backup(settings).name == os.path.basename(made.path)
    later = time.time() + 25 * 3600
    old = doctor.check_backup(settings, now=later)
    assert old.status == "problem"
    assert "opms-dispatch backup" in old.fix


def test_files_readable_by_others_are_a_problem(settings):
    """0700/0600 pass; a 0644 file or a 0755 folder is named; region bundles are not inspected."""
    from dispatch.records import open_database

    os.chmod(settings.data_dir, 0o700)
    open_database(settings=settings).close()
    (settings.data_dir / "regions" / "x").mkdir(parents=True, mode=0o755)
    os.chmod(settings.data_dir / "regions", 0o700)
    assert doctor.check_permissions(settings).status == "ok"
    leaked = settings.data_dir / "export.csv"
    leaked.write_text("nom,adresse\n", encoding="utf-8")
    os.chmod(leaked, 0o644)
    finding = doctor.check_permissions(settings)
    assert finding.status == "problem"
    assert "export.csv" in finding.message
    assert f"chmod -R go-rwx {settings.data_dir}" in finding.fix


def test_report_is_not_ok_while_any_check_has_a_problem(settings):
    """The whole report of a fresh folder: not ok, one finding per check, JSON-ready."""
    report = doctor.run_checks(settings, mail_timeout=1)
    keys = [f.key for f in report.findings]
    assert keys == ["legal", "database", "region", "mail", "backup", "permissions"]
    assert not report.ok
    data = report.to_dict()
    assert data["problems"] == len(report.problems) >= 2
    json.dumps(data)
