"""The office side of a visit: the default policy, the signed copy as PDF, the sheet, Law 25."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from dispatch import records as st
from dispatch.errors import InvalidInput
from dispatch.office import policy, visit_papers, visit_sheet, visits
from dispatch.office.privacy import erase_customer, export_customer
from dispatch.records import TZ
from tests.signing import signature_png
from tests.storage_data import CORE_COVERAGE, make_request

pytest_plugins = ["tests.storage_support"]

DAY = datetime(2026, 12, 3, 9, 0, tzinfo=TZ)


def signed(db, settings):
    req = make_request(db, coverage=CORE_COVERAGE)
    st.book_appointment(db, req.id, start=DAY, end=DAY + timedelta(hours=2), actor="bureau")
    visits.arrive(db, req.id, actor="tech", at=DAY + timedelta(minutes=5))
    policy.sign_policy(db, req.id, signer_name="Marie Tremblay", signature_png=signature_png(),
                       settings=settings, actor="tech", at=DAY + timedelta(minutes=10))
    return req.id


def test_default_policy_states_the_tariff_in_force(settings):
    """The French default names the hourly rate, blocks, minimum, 20 % and the 24 h notice."""
    text = policy.default_policy_text(settings)
    for words in ("85,00 $", "15 minutes", "minimum 30 minutes", "20 %", "24 heures", "Interac", "Loi 25"):
        assert words in text


def test_first_use_stores_the_default_as_version_1(db, settings):
    """No policy stored: the one in force is the default, version 1, stored once."""
    first = policy.policy_in_force(db, settings)
    assert first.version == 1 and first.text == policy.default_policy_text(settings).strip()
    assert policy.policy_in_force(db, settings).sha256 == first.sha256
    assert policy.set_policy(db, first.text + "\n\n## 9. Garantie\n\n90 jours.", actor="admin").version == 2


def test_signed_policy_pdf_holds_the_text_hash_signer_and_image(db, settings):
    """The PDF's text has the version, the SHA-256 and the signer; it embeds the drawn signature."""
    from pypdf import PdfReader

    rid = signed(db, settings)
    pdf = PdfReader(io.BytesIO(visit_papers.signed_policy_pdf(db, rid, settings=settings)))
    text = " ".join(p.extract_text() for p in pdf.pages)
    sha = policy.policy_in_force(db, settings).sha256
    assert sha in text.replace("\n", "")
    assert "Marie Tremblay" in text and "Politique de service" in text
    assert sum(len(p.images) for p in pdf.pages) == 1


def test_arrival_on_another_day_is_recorded_with_a_warning(db, settings):
    """Arriving two days before the appointment: recorded, and the French warning says so."""
    req = make_request(db, coverage=CORE_COVERAGE)
    st.book_appointment(db, req.id, start=DAY, end=DAY + timedelta(hours=2), actor="bureau")
    got = visits.arrive(db, req.id, actor="tech", at=DAY - timedelta(days=2))
    assert got.warning is not None and "2026-12-03" in got.warning and "2026-12-01" in got.warning
    assert visits.arrive is not None and st.get_request(db, req.id).state == "on_site"


def test_estimate_lines_typed_the_quebec_way_show_taxes(db, settings):
    """« Écran=180,00 » and « SSD=89.50 »: stored, GST 13.48, QST 26.90 shown before the answer."""
    rid = signed(db, settings)
    visits.clock(db, rid, "start", actor="t", at=DAY + timedelta(minutes=15))
    visits.clock(db, rid, "stop", actor="t", at=DAY + timedelta(minutes=55))
    lines = [("labour", *visits.parse_line("Écran=180,00")), ("parts", *visits.parse_line("SSD=89.50"))]
    est = visits.present_estimate(db, rid, lines, actor="t", settings=settings)
    assert (est.subtotal, est.gst, est.qst) == (Decimal("269.50"), Decimal("13.48"), Decimal("26.88"))
    with pytest.raises(InvalidInput, match="DESCRIPTION=AMOUNT"):
        visits.parse_line("Écran 180")
    sheet = visit_sheet.visit_sheet(db, rid, settings=settings).to_dict()
    assert sheet["policy"]["signer"] == "Marie Tremblay"
    assert (sheet["diagnostic"]["minutes"], sheet["diagnostic"]["billed_min"]) == (40, 45)
    assert sheet["estimate"]["total"] == str(est.total) and sheet["confirmed"] is False


def test_law25_export_attaches_the_signed_policy_and_erasure_deletes_signatures(db, settings):
    """The export carries the signature and the signed-policy PDF; the erasure removes both."""
    from dispatch.billing import invoices as iv

    rid = signed(db, settings)
    visits.clock(db, rid, "start", actor="t", at=DAY + timedelta(minutes=15))
    visits.clock(db, rid, "stop", actor="t", at=DAY + timedelta(minutes=45))
    visits.answer_estimate(db, rid, "refused", actor="t")
    inv = iv.issue_invoice(db, rid, settings=settings, actor="t")
    iv.record_payment(db, inv.number, method="cash", amount=inv.total, actor="t")
    cid = st.get_request(db, rid).customer_id
    data = export_customer(db, cid, actor="admin", settings=settings)
    assert [s["signer_name"] for s in data["signatures"]] == ["Marie Tremblay"]
    assert [d["name"] for d in data["documents"]] == [f"politique-signee-demande-{rid}.pdf"]
    erase_customer(db, cid, actor="admin", settings=settings)
    assert st.signatures_of(db, rid) == []
