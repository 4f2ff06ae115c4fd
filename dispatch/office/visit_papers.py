"""The papers of a visit as PDF: the signed policy, the workshop receipt and the estimate.

Each is printed with the company's name, the customer, the time, and what was signed: the
signed policy carries the full text of the version signed, its number and SHA-256, the
signer's name and the drawn signature; the receipt the device, serial, accessories and the
customer's signature. Fonts: DejaVu Sans shipped in ``dispatch/fonts`` (every French
character prints).
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING

from babel.dates import format_datetime
from fpdf import FPDF

from dispatch import records
from dispatch.billing.documents import BOLD, REGULAR
from dispatch.errors import NotFound
from dispatch.i18n import N_, _, active_language
from dispatch.money import format_money
from dispatch.office.visits import estimate_view

if TYPE_CHECKING:
    from dispatch.records import Database, Signature
    from dispatch.settings import Settings

_KINDS = {"labour": N_("Labour"), "parts": N_("Parts")}


class _Paper:
    """A Letter page with the company's header and simple writing helpers."""

    def __init__(self, title: str, settings: Settings) -> None:
        self.pdf = pdf = FPDF(format="Letter", unit="mm")
        pdf.set_title(title)
        pdf.set_author(settings.general.company_name)
        pdf.set_creator("opms-dispatch")
        pdf.add_font("DejaVu", "", str(REGULAR))
        pdf.add_font("DejaVu", "B", str(BOLD))
        pdf.set_auto_page_break(auto=True, margin=18)
        pdf.add_page()
        self.width = pdf.w - pdf.l_margin - pdf.r_margin
        self.text(settings.general.company_name, size=13, style="B")
        if settings.general.company_address:
            self.text(settings.general.company_address, size=9)
        pdf.ln(2)
        self.text(title, size=15, style="B")

    def text(self, s: str, *, size: float = 10, style: str = "", h: float = 5.2) -> None:
        self.pdf.set_font("DejaVu", style, size)
        self.pdf.multi_cell(self.width, h, s, new_x="LMARGIN", new_y="NEXT")

    def markdown(self, md: str) -> None:
        """Headings (``#``), bullets and paragraphs of a Markdown text, plainly."""
        for raw in md.splitlines():
            line = raw.rstrip()
            if not line:
                self.pdf.ln(2)
            elif line.startswith("#"):
                level = len(line) - len(line.lstrip("#"))
                self.pdf.ln(1)
                self.text(line.lstrip("#").strip(), size=13 if level == 1 else 11, style="B")
            else:
                self.text(line.replace("**", ""), size=9.5, h=4.6)

    def signature(self, sig: Signature) -> None:
        self.pdf.ln(3)
        self.text(_("Signed by {name} on {when}").format(name=sig.signer_name, when=_when(sig.signed_at)), style="B")
        self.pdf.image(io.BytesIO(sig.png), w=min(70.0, self.width), keep_aspect_ratio=True)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _when(at: datetime) -> str:
    return format_datetime(at.astimezone(records.TZ), format="d MMMM y, HH:mm", locale=active_language())


def _customer(paper: _Paper, db: Database, request_id: int) -> None:
    req = records.get_request(db, request_id)
    paper.text(_("Customer: {name}").format(name=req.customer.name))
    paper.text(_("Address: {address}").format(address=req.address.text))
    paper.text(_("Request no. {id}").format(id=req.id))
    paper.pdf.ln(2)


def signed_policy_pdf(db: Database, request_id: int, *, settings: Settings) -> bytes:
    """The policy as signed at the visit: full text, version, SHA-256, signer, signature.

    Raises
    ------
    NotFound
        The policy of this request was not signed.
    """
    sigs = records.signatures_of(db, request_id, purpose="policy")
    if not sigs:
        raise NotFound(N_("The policy of request {id} was not signed."), id=request_id)
    sig = sigs[-1]
    assert sig.document_version is not None  # a policy signature names its version
    policy = records.policy_version(db, sig.document_version)
    paper = _Paper(_("Service policy — signed copy"), settings)
    _customer(paper, db, request_id)
    paper.text(
        _("Version {version} — SHA-256 {sha}").format(version=policy.version, sha=sig.document_sha256), size=8
    )
    paper.pdf.ln(2)
    paper.markdown(policy.text)
    paper.signature(sig)
    return paper.output()


def workshop_receipt_pdf(db: Database, request_id: int, *, settings: Settings) -> bytes:
    """The receipt of a device taken to the workshop (device, serial, accessories, signature)."""
    item = records.workshop_item(db, request_id)
    paper = _Paper(_("Workshop receipt"), settings)
    _customer(paper, db, request_id)
    paper.text(_("Received on {when}").format(when=_when(item.received_at)))
    paper.text(_("Device: {device}").format(device=item.device or "—"))
    paper.text(_("Serial number: {serial}").format(serial=item.serial or "—"))
    paper.text(_("Accessories: {accessories}").format(accessories=item.accessories or "—"))
    paper.pdf.ln(2)
    paper.text(
        _(
            "The device will be brought back to the customer's home and tested in their presence "
            "(or that of a person they designate); the invoice is presented then."
        ),
        size=9,
    )
    sigs = [x for x in records.signatures_of(db, request_id, purpose="workshop_receipt") if x.workshop_item_id == item.id]
    if sigs:
        paper.signature(sigs[-1])
    return paper.output()


def estimate_pdf(db: Database, request_id: int, *, settings: Settings) -> bytes:
    """The estimate presented: its lines, GST, QST and total."""
    est = estimate_view(db, request_id, settings)
    if est is None:
        raise NotFound(N_("Request {id} has no estimate."), id=request_id)
    paper = _Paper(_("Estimate"), settings)
    _customer(paper, db, request_id)
    if est.presented_at is not None:
        paper.text(_("Presented on {when}").format(when=_when(est.presented_at)))
    pdf, amount_w = paper.pdf, 40
    for kind, label, amount in est.lines:
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(paper.width - amount_w, 6, f"{label} ({_(_KINDS.get(kind, kind))})")
        pdf.cell(amount_w, 6, format_money(amount), align="R", new_x="LMARGIN", new_y="NEXT")
    for label, value in ((_("Subtotal"), est.subtotal), (_("GST"), est.gst), (_("QST"), est.qst), (_("Total"), est.total)):
        pdf.set_font("DejaVu", "B" if label == _("Total") else "", 10)
        pdf.cell(paper.width - amount_w, 6, label, align="R")
        pdf.cell(amount_w, 6, format_money(value), align="R", new_x="LMARGIN", new_y="NEXT")
    return paper.output()


__all__ = ["estimate_pdf", "signed_policy_pdf", "workshop_receipt_pdf"]
