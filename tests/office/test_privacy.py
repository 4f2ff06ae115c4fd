"""Law 25: export everything, erase while keeping invoices for the retention period, purge; logged."""

from __future__ import annotations

import json
import os
from datetime import date, datetime

import pytest

from dispatch import records as st
from dispatch.billing import invoices as iv
from dispatch.errors import InvalidTransition
from dispatch.office import privacy as pv
from dispatch.records import TZ, erasure
from tests.storage_data import CORE_COVERAGE, diagnosed, make_request

pytest_plugins = ["tests.storage_support"]

ISSUED = datetime(2026, 12, 3, 15, tzinfo=TZ)


def paid_customer(db, settings):
    """A customer with one paid invoice (issued 2026-12-03) and a call logged."""
    from dispatch.office.calls import record_call

    req = diagnosed(db, coverage=CORE_COVERAGE, message_id="<m1@site>", problem="Écran bleu chez Marie")
    record_call(db, req.id, "message_left", kind="contact", actor="lea", note="rappeler Marie")
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="lea", at=ISSUED)
    iv.record_payment(db, inv.number, method="cash", amount=inv.total, actor="lea")
    return req, inv


def test_export_holds_everything_about_the_customer_as_json(db, settings):
    """Customer, address with coverage, request, appointment, visit, call, invoice and audit."""
    req, inv = paid_customer(db, settings)
    data = pv.export_customer(db, req.customer_id, actor="dpo")
    json.dumps(data)  # JSON-ready
    assert data["customer"]["email"] == "marie@example.com"
    assert data["addresses"][0]["zone"] == "core"
    assert data["requests"][0]["problem"] == "Écran bleu chez Marie"
    assert len(data["appointments"]) == 1 and len(data["visits"]) == 1
    assert data["calls"][0]["note"] == "rappeler Marie"
    assert data["invoices"][0]["number"] == inv.number
    assert any(a["action"] == "transition" for a in data["audit"])
    assert st.audit_log(db, entity="customer", entity_id=req.customer_id)[0].action == "export"


def test_erasure_removes_personal_data_but_keeps_invoices_six_years(db, settings):
    """Name, contact, address, problem and notes go; the invoice stays, kept until 2032-12-03."""
    req, inv = paid_customer(db, settings)
    report = pv.erase_customer(db, req.customer_id, actor="dpo", settings=settings)
    assert (report.invoices_kept, report.keep_until) == (1, date(2032, 12, 3))
    got = st.get_request(db, req.id)
    assert got.customer.name.startswith("Client effacé") and got.customer.email == got.customer.phone == ""
    assert got.customer.erased_at is not None
    assert (got.address.text, got.address.lat, got.problem) == ("adresse effacée", None, "")
    dump = json.dumps(pv.export_customer(db, req.customer_id, actor="dpo"), ensure_ascii=False)
    assert "rappeler Marie" not in dump and "Écran bleu" not in dump and "<m1@site>" not in dump
    kept = iv.get_invoice(db, inv.number)
    assert (kept.customer_name, kept.total, kept.status) == ("Marie Tremblay", inv.total, "paid")
    assert st.audit_log(db, entity="customer", entity_id=req.customer_id)[1].action == "erase"


def test_erased_email_request_is_not_taken_in_again(db, settings):
    """After erasure only a hash of the Message-ID remains, still blocking a second intake."""
    req, _ = paid_customer(db, settings)
    pv.erase_customer(db, req.customer_id, actor="dpo", settings=settings)
    assert st.request_by_message_id(db, "<m1@site>").id == req.id


def test_erasure_with_an_open_request_is_refused(db, settings):
    """A customer with a request still to be done must have it cancelled or finished first."""
    req = make_request(db)
    with pytest.raises(InvalidTransition, match="open requests"):
        pv.erase_customer(db, req.customer_id, actor="dpo", settings=settings)
    assert st.get_customer(db, req.customer_id).erased_at is None


def old_paid_customer(db, settings, years_ago=8, **kw):
    """A customer with one paid invoice issued ``years_ago`` years back (retention over at 6)."""
    req = diagnosed(db, coverage=CORE_COVERAGE, **kw)
    at = datetime(datetime.now(TZ).year - years_ago, 3, 1, 10, tzinfo=TZ)
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="lea", at=at)
    iv.record_payment(db, inv.number, method="cash", amount=inv.total, actor="lea", received_at=at)
    return req, inv


def test_purge_never_deletes_an_invoice_within_retention(db, settings):
    """An invoice of 2026 is within its 6 years: purge deletes nothing, even with a test clock
    far in the future (the database's own date decides), and the erased customer stays."""
    req, inv = paid_customer(db, settings)
    pv.erase_customer(db, req.customer_id, actor="dpo", settings=settings)
    report = pv.purge_expired(db, actor="cron", today=date(2040, 1, 1))
    assert (report.invoices, report.credit_notes, report.customers) == (0, 0, 0)
    assert iv.get_invoice(db, inv.number).balance == 0
    assert st.get_customer(db, req.customer_id).erased_at is not None


def test_purge_deletes_an_invoice_past_retention_and_the_erased_customer(db, settings):
    """Issued 8 years ago: the invoice, its payment and the erased customer go; logged."""
    req, inv = old_paid_customer(db, settings)
    pv.erase_customer(db, req.customer_id, actor="dpo", settings=settings)
    report = pv.purge_expired(db, actor="cron")
    assert (report.invoices, report.customers, report.invoice_numbers) == (1, 1, (inv.number,))
    assert iv.list_invoices(db) == [] and st.list_requests(db) == []
    assert st.audit_log(db, entity="retention")[0].details["invoices"] == 1


def test_purge_dry_run_lists_without_deleting(db, settings):
    """The dry run names the invoices and customers that would go, and deletes nothing."""
    req, inv = old_paid_customer(db, settings)
    pv.erase_customer(db, req.customer_id, actor="dpo", settings=settings)
    plan = pv.purge_expired(db, actor="cron", dry_run=True)
    assert plan.dry_run and plan.invoice_numbers == (inv.number,) and plan.customer_ids == (req.customer_id,)
    assert plan.to_dict()["invoices"] == [inv.number]
    assert iv.get_invoice(db, inv.number).number == inv.number
    assert st.get_customer(db, req.customer_id).erased_at is not None


def test_purge_keeps_customers_that_were_not_erased(db, settings):
    """Past retention the old invoice goes, but a customer who never asked for erasure stays."""
    req, _ = old_paid_customer(db, settings)
    report = pv.purge_expired(db, actor="cron")
    assert (report.invoices, report.customers) == (1, 0)
    assert st.get_customer(db, req.customer_id).name == "Marie Tremblay"


def test_erasure_is_journalled_outside_the_database_without_personal_data(db, settings):
    """The erasure journal (data directory, owner-only) holds the customer's id and times only."""
    req, _ = paid_customer(db, settings)
    pv.erase_customer(db, req.customer_id, actor="dpo", settings=settings)
    path = erasure.journal_path(settings)
    assert path.parent == settings.data_dir and os.stat(path).st_mode & 0o077 == 0
    text = path.read_text(encoding="utf-8")
    assert "Marie" not in text and "marie@example.com" not in text and "555" not in text
    assert [e.customer_id for e in erasure.read_journal(path)] == [req.customer_id]
