"""``opms-dispatch doctor``: French findings, one JSON document, exit code 1 while something is wrong."""

from __future__ import annotations

import json
import os

from dispatch.cli.main import main
from tests.conftest import MASCOUCHE_OSM, MASCOUCHE_SHOP


def _doctor(capsys, data_dir, *args):
    code = main(["doctor", "--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_fresh_installation_fails_with_french_fixes(data_dir, capsys, monkeypatch):
    """Placeholder numbers, no region, no backup: exit 1, each problem with its fix in French."""
    for field in ("GST_NUMBER", "QST_NUMBER", "INTERAC_EMAIL"):
        monkeypatch.delenv(f"OPMS_BILLING__{field}", raising=False)
    code, out, err = _doctor(capsys, data_dir)
    assert code == 1
    assert err == ""
    assert "Des valeurs de remplacement" in out or "remplacement" in out
    assert "Aucune région" in out
    assert "Aucune sauvegarde" in out
    assert "→" in out
    assert "problème(s) à corriger" in out


def test_json_is_one_document_with_every_check(data_dir, capsys):
    """``--json``: exactly one JSON document, the checks by key, and the same exit code."""
    code, out, _ = _doctor(capsys, data_dir, "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert {c["check"] for c in report["checks"]} == {
        "legal", "database", "region", "mail", "backup", "permissions"}
    assert all(c["status"] in {"ok", "problem", "notice"} for c in report["checks"])


def test_ready_installation_exits_zero(data_dir, capsys, monkeypatch):
    """Real numbers, a region covering its zones, a backup of now, private files: exit 0."""
    from dispatch.geo.point import GeoPoint
    from dispatch.geo.region import build_region
    from dispatch.settings import load_settings

    monkeypatch.setenv("OPMS_BILLING__GST_NUMBER", "871234567 RT0001")
    monkeypatch.setenv("OPMS_BILLING__QST_NUMBER", "1219876543 TQ0001")
    monkeypatch.setenv("OPMS_BILLING__INTERAC_EMAIL", "paiements@opms.example.ca")
    os.chmod(data_dir, 0o700)
    settings = load_settings(data_dir=data_dir, env={})
    # the shared extract reaches 3.3 km around the shop: zones of 2 and 3 km fit inside it
    build_region(MASCOUCHE_OSM, name="mascouche", shop=GeoPoint(*MASCOUCHE_SHOP),
                 core_km=2, extended_km=3, settings=settings)
    from dispatch.records import open_database

    open_database(settings=settings).close()
    assert main(["backup", "--data-dir", str(data_dir), "--quiet"]) == 0
    capsys.readouterr()
    code, out, _err = _doctor(capsys, data_dir, "--json")
    report = json.loads(out)
    assert [c for c in report["checks"] if c["status"] == "problem"] == []
    assert (code, report["ok"]) == (0, True)


def test_bad_mail_timeout_is_refused_with_exit_2(data_dir, capsys):
    """A timeout of 0 s is bad input."""
    code, out, err = _doctor(capsys, data_dir, "--mail-timeout", "0")
    assert code == 2
    assert out == ""
    assert "--mail-timeout" in err
