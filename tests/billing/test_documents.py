"""Invoice documents: French HTML with escaped customer text, and a real PDF (read back with pypdf)."""

from __future__ import annotations

import io
import warnings
from datetime import datetime

import pytest

from dispatch.billing import documents as dc
from dispatch.billing import invoices as iv
from dispatch.records import TZ
from tests.storage_data import CORE_COVERAGE, diagnosed

pytest_plugins = ["tests.storage_support"]

NASTY = "Zoé <script>alert(1)</script> O’Brien — « test » & fils"


@pytest.fixture()
def invoice(db, settings):
    """A workshop-refused invoice (128.20) with a 50.00 Interac payment, customer name hostile."""
    req = diagnosed(db, minutes=45, outcome="workshop_refused", coverage=CORE_COVERAGE, name=NASTY)
    inv = iv.issue_invoice(db, req.id, settings=settings, actor="x", at=datetime(2026, 12, 3, 15, tzinfo=TZ))
    return iv.record_payment(
        db, inv.number, method="interac", amount="50.00", reference="CA<b>12", actor="x",
        received_at=datetime(2026, 12, 4, 10, tzinfo=TZ),
    )  # fmt: skip


def test_html_is_french_and_escapes_customer_text(invoice, settings):
    """The HTML shows lines, taxes with numbers, total and status, with no raw customer markup."""
    page = dc.invoice_html(invoice, settings=settings)
    assert "<script>" not in page and "CA<b>12" not in page
    assert "Zoé &lt;script&gt;alert(1)&lt;/script&gt; O’Brien — « test » &amp; fils" in page
    assert 'lang="fr-CA"' in page and "Facture F2026-00001" in page and "3 décembre 2026" in page
    for text in ("35,00 $", "63,75 $", "12,75 $", "111,50 $", "5,58 $", "11,12 $", "128,20 $", "78,20 $"):
        assert text in page
    assert "TPS (5 %) — no 987654321 RT0001" in page and "TVQ (9,975 %)" in page
    assert "Partiellement payée" in page and invoice.interac_ref in page
    assert "1,6 km par la route" in page


def test_pdf_is_a_real_pdf_with_every_french_character(invoice, settings):
    """pypdf reads the customer's name with ’ — « » and the amounts back from the PDF."""
    import pypdf

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn
        data = dc.invoice_pdf(invoice, settings=settings)
    assert data.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert NASTY in text
    for needle in ("Facture F2026-00001", "Temps de diagnostic (45 min à 85,00 $/h)", "128,20 $",
                   "TVQ (9,975 %)", "Solde dû : 78,20 $", "Virement Interac (CA<b>12) : 50,00 $",
                   invoice.interac_ref):  # fmt: skip
        assert needle in text


def test_credit_note_document_names_the_invoice_and_reason(db, settings, invoice):
    """A credit note prints 'Note de crédit', the credited invoice and the reason."""
    cn = iv.issue_credit_note(db, invoice.number, reason="Erreur d’adresse", amount="10.00", settings=settings, actor="x")
    page = dc.invoice_html(cn, settings=settings)
    assert "Note de crédit AV" in page and f"Crédit sur la facture {invoice.number}" in page
    assert "Erreur d’adresse" in page
    assert dc.invoice_pdf(cn, settings=settings).startswith(b"%PDF-")


def test_credit_after_payment_shows_the_refund_due(db, settings, invoice):
    """Paid 50.00, then fully credited: the invoice shows 50.00 to refund to the customer."""
    iv.issue_credit_note(db, invoice.number, reason="Annulation", settings=settings, actor="x")
    inv = iv.get_invoice(db, invoice.number)
    assert inv.balance == -inv.paid
    assert "Montant à rembourser au client : <strong>50,00 $</strong>" in dc.invoice_html(inv, settings=settings)
