"""The tax report as files: CSV (its lines and totals) and PDF (fpdf2, DejaVu Sans, like invoices).

The CSV has one line per document (``date, type, numero, piece_liee, client, sous_total, tps,
tvq, total``; amounts with a point, credit notes negative) and a last line ``TOTAL`` whose
amounts are the report's totals. The PDF prints the company and its registration numbers,
the period, the GST and QST to declare, then every document.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from fpdf import FPDF

from dispatch.billing.documents import BOLD, REGULAR
from dispatch.csvsafe import neutralise
from dispatch.i18n import _
from dispatch.money import format_money

if TYPE_CHECKING:
    from dispatch.reports.taxes import TaxReport
    from dispatch.settings import Settings

TAX_COLUMNS = ("date", "type", "numero", "piece_liee", "client", "sous_total", "tps", "tvq", "total")
_TYPES = {"invoice": "facture", "credit_note": "note_de_credit"}


def tax_report_csv(report: TaxReport) -> str:
    """The tax report's lines and a ``TOTAL`` line, as CSV text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(TAX_COLUMNS)
    for ln in report.lines:
        w.writerow([
            ln.day.isoformat(), _TYPES.get(ln.kind, ln.kind), ln.number, ln.credits_number or "",
            neutralise(ln.customer), ln.subtotal, ln.gst, ln.qst, ln.total,
        ])  # fmt: skip
    w.writerow(["", "TOTAL", "", "", "", report.subtotal, report.gst, report.qst, report.total])
    return buf.getvalue()


def tax_report_pdf(report: TaxReport, *, settings: Settings) -> bytes:
    """The tax report as a PDF document (bytes)."""
    g, b = settings.general, settings.billing
    pdf = FPDF(format="Letter", unit="mm")
    title = _("GST and QST report")
    pdf.set_title(f"{title} {report.period.label()}")
    pdf.set_author(g.company_name)
    pdf.set_creator("opms-dispatch")
    pdf.add_font("DejaVu", "", str(REGULAR))
    pdf.add_font("DejaVu", "B", str(BOLD))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def text(s: str, size: float = 10, style: str = "", h: float = 5.5, align: str = "L") -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, h, s, align=align, new_x="LMARGIN", new_y="NEXT")

    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(width, 9, title, align="R", new_x="LMARGIN", new_y="NEXT")
    text(_("Period: {period}").format(period=report.period.label()), align="R")
    text(g.company_name, size=11, style="B")
    text(_("GST: {gst} — QST: {qst}").format(gst=b.gst_number, qst=b.qst_number), size=9)
    pdf.ln(4)
    totals = [
        (_("Invoices"), str(report.invoice_count)),
        (_("Credit notes"), str(report.credit_note_count)),
        (_("Sales before taxes"), format_money(report.subtotal)),
        (_("GST billed"), format_money(report.gst)),
        (_("QST billed"), format_money(report.qst)),
        (_("Total"), format_money(report.total)),
    ]
    for label, value in totals:
        pdf.set_font("DejaVu", "B" if label == _("GST billed") or label == _("QST billed") else "", 11)
        pdf.cell(70, 7, label)
        pdf.cell(40, 7, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if report.empty:
        text(report.notice())
        return bytes(pdf.output())
    text(_("Credit notes are subtracted in the period they are issued."), size=9)
    pdf.ln(2)
    cols = [
        (_("Date"), 22, "L"), (_("Number"), 28, "L"), (_("Customer"), width - 22 - 28 - 4 * 25, "L"),
        (_("Subtotal"), 25, "R"), (_("GST"), 25, "R"), (_("QST"), 25, "R"), (_("Total"), 25, "R"),
    ]  # fmt: skip
    pdf.set_font("DejaVu", "B", 9)
    for label, w, align in cols:
        pdf.cell(w, 6, label, border="B", align=align)
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 8.5)
    for ln in report.lines:
        cells = [
            ln.day.isoformat(), ln.number, ln.customer[:40], format_money(ln.subtotal),
            format_money(ln.gst), format_money(ln.qst), format_money(ln.total),
        ]  # fmt: skip
        for (_label, w, align), value in zip(cols, cells, strict=True):
            pdf.cell(w, 5.5, value, align=align)
        pdf.ln(5.5)
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(cols[0][1] + cols[1][1] + cols[2][1], 7, _("Total"), border="T")
    for amount, (_label, w, _a) in zip(
        (report.subtotal, report.gst, report.qst, report.total), cols[3:], strict=True
    ):
        pdf.cell(w, 7, format_money(amount), border="T", align="R")
    pdf.ln(7)
    return bytes(pdf.output())


__all__ = ["TAX_COLUMNS", "tax_report_csv", "tax_report_pdf"]
