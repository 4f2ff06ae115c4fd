"""``opms-dispatch report``: taxes of a period (JSON contract), the accounting export, errors;
on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
import os
import stat
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from dispatch.records import TZ
from dispatch.reports import journal_totals
from tests.reports.history import billable, credit, invoice, pay

pytest_plugins = ["tests.storage_support"]

D = Decimal


@pytest.fixture()
def billed(db, settings, monkeypatch):
    """Two December invoices (one partly credited, one paid) and one of January, in ``db``,
    which the command line uses (``OPMS_DATABASE__URL``)."""
    monkeypatch.setenv("OPMS_DATABASE__URL", db.engine.url.render_as_string(hide_password=False))
    day = datetime(2026, 12, 3, 9, tzinfo=TZ)
    a = invoice(db, settings, billable(db, outcome="workshop_refused", minutes=45, arrived_at=day), day + timedelta(hours=2))
    b = invoice(db, settings, billable(db, outcome="estimate_refused", minutes=30, arrived_at=day, name="Paul Roy"),
                datetime(2026, 12, 31, 23, 59, 59, tzinfo=TZ))  # fmt: skip
    c = invoice(db, settings, billable(db, outcome="estimate_refused", minutes=60, arrived_at=day, name="Léa Roy"),
                datetime(2027, 1, 1, 0, 0, tzinfo=TZ))  # fmt: skip
    note = credit(db, settings, a.number, day + timedelta(days=5), amount=D("20.00"))
    pay(db, b.number, b.total, datetime(2026, 12, 31, 23, 59, 59, tzinfo=TZ), method="cheque")
    return a, b, c, note


def test_report_taxes_json_is_december_invoices_minus_the_credit_note(cli, billed):
    a, b, _c, note = billed
    code, out, err = cli("report", "taxes", "--from", "2026-12-01", "--to", "2026-12-31", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["gst"] == str(a.gst + b.gst - note.gst)
    assert data["qst"] == str(a.qst + b.qst - note.qst)
    assert data["total"] == str(a.total + b.total - note.total)
    assert (data["invoices"], data["credit_notes"]) == (2, 1)
    assert [ln["number"] for ln in data["lines"]] == [a.number, note.number, b.number]
    assert data["lines"][1]["gst"] == str(-note.gst) and data["notice"] == ""


def test_report_taxes_of_an_empty_period_is_zero_with_the_french_notice(cli, billed):
    code, out, err = cli("report", "taxes", "--from", "2026-11-01", "--to", "2026-11-30", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert (data["gst"], data["qst"], data["total"], data["lines"]) == ("0.00", "0.00", "0.00", [])
    assert data["notice"].startswith("Aucune facture")


def test_report_export_writes_the_journal_with_the_report_totals(cli, billed, tmp_path):
    _a, b, _c, _note = billed
    out_file = tmp_path / "compta" / "journal.csv"
    code, out, err = cli("report", "export", "--from", "2026-12-01", "--to", "2026-12-31", "--out", str(out_file), "--json")
    assert code == 0, err
    summary = json.loads(out)
    _code, taxes, _err = cli("report", "taxes", "--from", "2026-12-01", "--to", "2026-12-31", "--json")
    taxes = json.loads(taxes)
    with out_file.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    back = journal_totals(rows)
    assert (str(back.subtotal), str(back.gst), str(back.qst), str(back.total)) == (
        taxes["subtotal"], taxes["gst"], taxes["qst"], taxes["total"])
    assert str(back.paid) == str(b.total) == summary["paid"]
    assert summary["lines"] == len(rows) == 4
    assert [r["type"] for r in rows] == ["facture", "note_de_credit", "facture", "paiement"]
    assert stat.S_IMODE(os.stat(out_file).st_mode) == 0o600  # customers' names


def test_report_summary_human_output_and_bad_periods(cli, billed):
    code, out, err = cli("report", "summary", "--from", "2026-12-01", "--to", "2026-12-31")
    assert code == 0, err
    assert "gst:" in out and "by_outcome:" in out
    code, out, err = cli("report", "taxes", "--from", "2026-12-31", "--to", "2026-12-01", "--json")
    assert (code, out) == (2, "") and "avant de commencer" in err and "Traceback" not in err
    code, out, err = cli("report", "taxes", "--from", "31/12/2026", "--to", "2026-12-01")
    assert code == 2 and "AAAA-MM-JJ" in err and "31/12/2026" in err
