"""Command line: quote (the contract), intake, calls, invoice and customer commands end to end."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from dispatch import records as st
from dispatch.cli.main import main
from dispatch.records import TZ
from tests.office.test_intake import make_email
from tests.signing import sign_policy

pytest_plugins = ["tests.storage_support"]


def run(capsys, *argv):
    """Run opms-dispatch in-process; return (exit code, parsed JSON or None, stderr)."""
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_quote_contract_refused_workshop_45_min(capsys, data_dir):
    """quote --outcome workshop_refused --diagnostic-min 45 --road-km 4.2: the hand-computed 128.20."""
    code, out, _ = run(capsys, "quote", "--outcome", "workshop_refused", "--diagnostic-min", "45", "--road-km", "4.2", "--json")
    assert code == 0
    assert out["lines"] == [
        {"label": "Déplacement", "amount": "35.00"},
        {"label": "Temps de diagnostic (45 min à 85,00 $/h)", "amount": "63.75"},
        {"label": "Compensation : 20 % du diagnostic (atelier refusé)", "amount": "12.75"},
    ]
    assert (out["subtotal"], out["gst"], out["qst"], out["total"]) == ("111.50", "5.58", "11.12", "128.20")


def test_quote_extended_zone_by_road_km(capsys, data_dir):
    """12.4 road km: extended zone, 35.00 + 2.4 km x 1.50 = 38.60 travel."""
    _, out, _ = run(capsys, "quote", "--outcome", "refused", "--diagnostic-min", "30", "--road-km", "12.4", "--json")
    assert out["lines"][0] == {"label": "Déplacement", "amount": "38.60"}
    assert out["travel"]["zone"] == "extended" and out["total"] == "93.25"


def test_quote_outside_zone_needs_the_agreed_travel_amount(capsys, data_dir):
    """40 road km is outside: exit 2 asking for --travel-amount; with it, the amount is used."""
    code, out, err = run(capsys, "quote", "--outcome", "refused", "--diagnostic-min", "30", "--road-km", "40", "--json")
    assert code == 2 and out is None and "--travel-amount" in err
    code, out, _ = run(
        capsys, "quote", "--outcome", "refused", "--diagnostic-min", "30", "--road-km", "40",
        "--travel-amount", "60.00", "--json",
    )  # fmt: skip
    assert code == 0 and out["lines"][0]["amount"] == "60.00" and out["subtotal"] == "102.50"


def test_quote_remote_interrupted_has_no_travel(capsys, data_dir):
    """remote_interrupted, 10 min: 21.25 + 1.06 + 2.12 = 24.43, no location needed."""
    code, out, _ = run(capsys, "quote", "--outcome", "remote_interrupted", "--diagnostic-min", "10", "--json")
    assert code == 0 and out["total"] == "24.43" and len(out["lines"]) == 1 and out["travel"] is None


def test_quote_by_address_uses_the_computed_road_distance(capsys, mascouche, regions_data_dir):
    """--address in the Mascouche region: core zone, road km from the network, 35.00 travel."""
    code, out, _ = run(
        capsys, "quote", "--outcome", "refused", "--diagnostic-min", "45", "--address",
        "2021 10e Avenue, Mascouche", "--region", "mascouche", "--data-dir", str(regions_data_dir), "--json",
    )  # fmt: skip
    assert code == 0, out
    assert out["travel"]["zone"] == "core" and 5 < out["travel"]["road_km"] < 12
    assert out["lines"][0]["amount"] == "35.00" and out["total"] == "113.54"


def test_quote_without_location_is_a_usage_error(capsys, data_dir):
    """Neither --road-km, --address nor --remote: exit 2 with the fix."""
    code, _, err = run(capsys, "quote", "--outcome", "refused", "--diagnostic-min", "30", "--json")
    assert code == 2 and "--road-km" in err


def test_request_to_paid_invoice_through_the_commands(capsys, db, monkeypatch, mascouche, regions_data_dir, tmp_path):
    """intake -> calls -> (visit) -> invoice issue/pay/pdf -> customer export/erase/purge."""
    monkeypatch.setenv("OPMS_DATABASE__URL", db.engine.url.render_as_string(hide_password=False))
    dd = ("--data-dir", str(regions_data_dir))
    (tmp_path / "a.eml").write_bytes(make_email())
    code, out, _ = run(capsys, "intake", str(tmp_path / "a.eml"), "--region", "mascouche", *dd, "--json")
    assert code == 0 and out["counts"] == {"created": 1, "duplicates": 0, "errors": 0}
    rid = out["created"][0]["id"]
    code, out, _ = run(capsys, "intake", str(tmp_path / "a.eml"), "--region", "mascouche", *dd, "--json")
    assert out["counts"]["duplicates"] == 1

    _, out, _ = run(capsys, "calls", "contact", *dd, "--json")
    assert [c["request_id"] for c in out["calls"]] == [rid] and out["calls"][0]["zone"] == "core"
    code, out, _ = run(
        capsys, "calls", "record", str(rid), "--kind", "contact", "--outcome", "reached",
        "--start", "2026-12-03T09:00", "--end", "2026-12-03T11:00", *dd, "--json",
    )  # fmt: skip
    assert code == 0 and out["request_state"] == "contacted"
    _, out, _ = run(capsys, "calls", "confirm", "--date", "2026-12-03", *dd, "--json")
    assert out["calls"][0]["window_start"] == "2026-12-03T09:00:00-05:00"
    _, out, _ = run(capsys, "calls", "record", str(rid), "--kind", "confirmation", "--outcome", "reached", *dd, "--json")
    assert out["request_state"] == "confirmed"

    # on site (the dashboard's visit form does this)
    st.record_arrival(db, rid, actor="t", at=datetime(2026, 12, 3, 9, 20, tzinfo=TZ))
    sign_policy(db, rid)
    st.record_diagnosis(db, rid, minutes=45, actor="t")
    st.record_outcome(db, rid, "workshop_refused", actor="t")

    code, inv, _ = run(capsys, "invoice", "issue", str(rid), *dd, "--json")
    assert code == 0 and inv["total"] == "128.20" and inv["status"] == "unpaid"
    num = inv["number"]
    code, _, err = run(capsys, "invoice", "pay", num, "--method", "cheque", "--amount", "28.20", *dd, "--json")
    assert code == 2 and "numéro du chèque" in err
    _, out, _ = run(capsys, "invoice", "pay", num, "--method", "cheque", "--amount", "28.20", "--reference", "123", *dd, "--json")
    assert (out["balance"], out["status"]) == ("100.00", "partial")
    _, out, _ = run(capsys, "invoice", "pay", num, "--method", "square", "--amount", "100.00", "--reference", "SQ-9", *dd, "--json")
    assert (out["balance"], out["status"]) == ("0.00", "paid")
    _, out, _ = run(capsys, "invoice", "pdf", num, "--out", str(tmp_path / "f.pdf"), *dd, "--json")
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF-") and out["bytes"] > 1000
    _, out, _ = run(capsys, "invoice", "list", "--unpaid", *dd, "--json")
    assert out["count"] == 0

    cid = st.get_request(db, rid).customer_id
    _, out, _ = run(capsys, "customer", "export", str(cid), *dd, "--json")
    assert out["customer"]["name"] == "Élise Côté-Ouellet" and out["invoices"][0]["number"] == num
    code, _, err = run(capsys, "customer", "erase", str(cid), *dd, "--json")
    assert code == 2 and "--yes" in err
    _, out, _ = run(capsys, "customer", "erase", str(cid), "--yes", *dd, "--json")
    assert out["invoices_kept"] == 1
    code, _, err = run(capsys, "customer", "purge", "--today", "2040-01-01", *dd, "--json")
    assert code == 2  # no test clock on the command line: purge takes the real date
    _, out, _ = run(capsys, "customer", "purge", "--dry-run", *dd, "--json")
    assert out["dry_run"] and out["invoices"] == [] and out["customers"] == []
    _, out, _ = run(capsys, "customer", "purge", *dd, "--json")
    assert (out["invoices_deleted"], out["customers_deleted"]) == (0, 0)  # within retention
    assert run(capsys, "invoice", "show", num, *dd, "--json")[0] == 0


@pytest.mark.parametrize("argv", [["invoice", "show", "F2026-99999"], ["customer", "export", "999"]])
def test_unknown_numbers_exit_3(capsys, data_dir, argv):
    """Asking for an invoice or customer that does not exist exits 3 (not found)."""
    code, _, err = run(capsys, *argv, "--json")
    assert code == 3 and err.startswith("opms-dispatch:")
