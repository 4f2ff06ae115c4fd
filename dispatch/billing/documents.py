"""Invoices and credit notes rendered in the active language (French by default): HTML (escaped)
and PDF (fpdf2, DejaVu Sans).

Both documents show the company and its GST/QST registration numbers, the customer, the
visit, the lines (with the travel explanation: origin, road km, rate), the subtotal, GST and
QST separately, the total, the payment status with the payments received and the balance,
and, on an invoice, how to pay by Interac e-Transfer with its reference code.

Every text that comes from a customer or a user is HTML-escaped. The PDF embeds the DejaVu
Sans font shipped in ``dispatch/fonts`` (Bitstream Vera license, see
``dispatch/fonts/LICENSE-DejaVu.txt``), so every French character, ``’``, ``—``, ``«»`` and
the narrow no-break space of amounts print as they are.
"""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from babel.dates import format_date
from fpdf import FPDF

from dispatch.billing.ledger import Invoice, get_invoice
from dispatch.i18n import N_, _, active_language
from dispatch.money import format_money

if TYPE_CHECKING:
    from collections.abc import Callable

    from dispatch.billing.ledger import Payment
    from dispatch.records import Database
    from dispatch.settings import Settings

FONTS = Path(__file__).resolve().parents[1] / "fonts"
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"
#: The accepted payment methods, as printed on an invoice.
_METHODS = N_("Payment methods: cash, cheque, bank transfer, Interac e-Transfer, PayPal, Square.")


def _rate(rate: Decimal) -> str:
    pct = (Decimal(rate) * 100).normalize()
    return f"{pct:f}".replace(".", ",") + " %"


def _date(d: date) -> str:
    return format_date(d, format="long", locale=active_language())


def _title(inv: Invoice) -> str:
    return _("Credit note") if inv.kind == "credit_note" else _("Invoice")


def _company_lines(settings: Settings) -> list[str]:
    g = settings.general
    return [x for x in (g.company_name, g.company_address, g.company_phone, g.company_email) if x]


def _tax_lines(inv: Invoice, settings: Settings) -> list[tuple[str, Decimal]]:
    b = settings.billing
    return [
        (_("GST ({rate}) — no. {number}").format(rate=_rate(b.gst_rate), number=inv.gst_number), inv.gst),
        (_("QST ({rate}) — no. {number}").format(rate=_rate(b.qst_rate), number=inv.qst_number), inv.qst),
    ]


def _interac_text(inv: Invoice, settings: Settings) -> str:
    text = _(
        "Interac e-Transfer to {email}; write the reference {reference} in the message of the "
        "transfer."
    ).format(email=settings.billing.interac_email, reference=inv.interac_ref)
    if settings.billing.paypal_link:
        text += " " + _("PayPal: {link}").format(link=settings.billing.paypal_link)
    return text


def _payment_text(p: Payment, esc: Callable[[str], str] = str) -> str:
    ref = f" ({esc(p.reference)})" if p.reference else ""
    return _("{date} — {method}{reference}: {amount}").format(
        date=esc(_date(p.received_at)), method=esc(p.method_label), reference=ref,
        amount=esc(format_money(p.amount)),
    )


def _refund_html(inv: Invoice) -> str:
    if inv.balance >= 0:
        return ""
    label = html.escape(_("Amount to refund to the customer:"))
    return f"<p>{label} <strong>{html.escape(format_money(-inv.balance))}</strong></p>"


def invoice_html(inv: Invoice, *, settings: Settings) -> str:
    """The invoice (or credit note) as a standalone HTML page (active language), every text escaped."""
    e = html.escape
    rows = []
    for ln in inv.lines:
        detail = f'<div class="detail">{e(ln.detail)}</div>' if ln.detail else ""
        rows.append(
            f'<tr><td>{e(ln.label)}{detail}</td><td class="amt">{e(format_money(ln.amount))}</td></tr>'
        )
    totals = [(_("Subtotal"), inv.subtotal), *_tax_lines(inv, settings)]
    total_rows = "".join(
        f'<tr><td class="lbl">{e(label)}</td><td class="amt">{e(format_money(v))}</td></tr>'
        for label, v in totals
    )
    total_label = e(_("Total"))
    total_rows += (
        f'<tr class="total"><td class="lbl">{total_label}</td>'
        f'<td class="amt">{e(format_money(inv.total))}</td></tr>'
    )
    pay = ""
    if inv.kind == "invoice":
        items = "".join(f"<li>{_payment_text(p, e)}</li>" for p in inv.payments)
        credit_note = _("Credit note {number}")
        credits = "".join(f"<li>{e(credit_note.format(number=n))}</li>" for n in inv.credit_notes)
        payment_h, status, due = e(_("Payment")), e(_("Status:")), e(_("Balance due:"))
        methods = e(_(_METHODS))
        pay = (
            f'<section class="payment"><h2>{payment_h}</h2>'
            f'<p class="status">{status} <strong>{e(inv.status_label)}</strong></p>'
            f"{'<ul>' + items + credits + '</ul>' if items or credits else ''}"
            f"<p>{due} <strong>{e(format_money(max(inv.balance, Decimal(0))))}</strong></p>"
            f"{_refund_html(inv)}"
            f"<p>{methods}</p><p>{e(_interac_text(inv, settings))}</p></section>"
        )
    else:
        credit = _("Credit on invoice {number}: {reason}").format(
            number=e(inv.credits_number or ""), reason=e(inv.reason)
        )
        pay = f'<section class="payment"><p>{credit}</p></section>'
    company = "<br>".join(e(x) for x in _company_lines(settings))
    customer = "<br>".join(
        e(x) for x in (inv.customer_name, inv.customer_address) if x
    )
    lang = active_language().replace("_", "-")
    taxes = _("GST: {gst} — QST: {qst}").format(gst=e(inv.gst_number), qst=e(inv.qst_number))
    issued = _("Date: {date}").format(date=e(_date(inv.issued_at)))
    customer_h, visit_h = e(_("Customer")), e(_("Service call"))
    description_h, amount_h = e(_("Description")), e(_("Amount"))
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{e(_title(inv))} {e(inv.number)}</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em; color: #222; }}
header {{ display: flex; justify-content: space-between; }}
table {{ border-collapse: collapse; width: 100%; margin-top: 1em; }}
td {{ padding: .35em .5em; border-bottom: 1px solid #ddd; vertical-align: top; }}
td.amt {{ text-align: right; white-space: nowrap; }}
td.lbl {{ text-align: right; }}
tr.total td {{ font-weight: bold; border-top: 2px solid #222; }}
.detail {{ font-size: .85em; color: #555; }}
</style></head>
<body>
<header><div class="company"><strong>{company}</strong><br>
{taxes}</div>
<div class="doc"><h1>{e(_title(inv))} {e(inv.number)}</h1>
<p>{issued}</p></div></header>
<section class="customer"><h2>{customer_h}</h2><p>{customer}</p></section>
<section class="visit"><h2>{visit_h}</h2><p>{e(inv.visit_summary)}</p></section>
<table class="lines"><thead><tr><td><strong>{description_h}</strong></td><td class="amt"><strong>{amount_h}</strong></td></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<table class="totals">{total_rows}</table>
{pay}
</body></html>
"""


def invoice_pdf(inv: Invoice, *, settings: Settings) -> bytes:
    """The invoice (or credit note) as a PDF document (bytes)."""
    pdf = FPDF(format="Letter", unit="mm")
    pdf.set_title(f"{_title(inv)} {inv.number}")
    pdf.set_author(settings.general.company_name)
    pdf.set_creator("opms-dispatch")
    pdf.add_font("DejaVu", "", str(REGULAR))
    pdf.add_font("DejaVu", "B", str(BOLD))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    amount_w = 40

    def text(s: str, size: float = 10, style: str = "", h: float = 5.5, align: str = "L") -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, h, s, align=align, new_x="LMARGIN", new_y="NEXT")

    # Company and document
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(width, 9, f"{_title(inv)} {inv.number}", align="R", new_x="LMARGIN", new_y="NEXT")
    text(_("Date: {date}").format(date=_date(inv.issued_at)), align="R")
    for i, line in enumerate(_company_lines(settings)):
        text(line, size=11 if i == 0 else 10, style="B" if i == 0 else "")
    text(_("GST: {gst} — QST: {qst}").format(gst=inv.gst_number, qst=inv.qst_number), size=9)
    pdf.ln(4)
    text(_("Customer"), size=11, style="B")
    for x in (inv.customer_name, inv.customer_address):
        if x:
            text(x)
    pdf.ln(2)
    text(_("Service call"), size=11, style="B")
    text(inv.visit_summary or "—")
    pdf.ln(3)

    # Lines
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(width - amount_w, 7, _("Description"), border="B")
    pdf.cell(amount_w, 7, _("Amount"), border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    for ln in inv.lines:
        y = pdf.get_y()
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(width - amount_w, 5.5, ln.label, new_x="LMARGIN", new_y="NEXT")
        bottom = pdf.get_y()
        if bottom < y:  # the label moved to a new page: print the amount there
            y = pdf.t_margin
        pdf.set_xy(pdf.l_margin + width - amount_w, y)
        pdf.cell(amount_w, 5.5, format_money(ln.amount), align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(bottom, y + 5.5))
        if ln.detail:
            pdf.set_font("DejaVu", "", 8)
            pdf.set_text_color(90, 90, 90)
            pdf.multi_cell(width - amount_w, 4.2, ln.detail, new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
        pdf.ln(1)
    pdf.ln(2)

    # Totals
    for label, value in [(_("Subtotal"), inv.subtotal), *_tax_lines(inv, settings)]:
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(width - amount_w, 6, label, align="R")
        pdf.cell(amount_w, 6, format_money(value), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(width - amount_w, 8, _("Total"), align="R", border="T")
    pdf.cell(amount_w, 8, format_money(inv.total), align="R", border="T", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    # Payment
    if inv.kind == "invoice":
        text(_("Payment"), size=11, style="B")
        text(_("Status:") + " " + inv.status_label)
        for p in inv.payments:
            text(_payment_text(p))
        for n in inv.credit_notes:
            text(_("Credit note {number}").format(number=n))
        text(_("Balance due:") + " " + format_money(max(inv.balance, Decimal(0))), style="B")
        if inv.balance < 0:
            text(_("Amount to refund to the customer:") + " " + format_money(-inv.balance), style="B")
        pdf.ln(2)
        text(_(_METHODS), size=9)
        text(_interac_text(inv, settings), size=9)
    else:
        text(_("Credit on invoice {number}: {reason}").format(number=inv.credits_number or "", reason=inv.reason))
    return bytes(pdf.output())


def invoice_documents(db: Database, number: str, *, settings: Settings) -> tuple[str, bytes]:
    """``(html, pdf)`` of the stored invoice or credit note ``number``."""
    inv = get_invoice(db, number)
    return invoice_html(inv, settings=settings), invoice_pdf(inv, settings=settings)


__all__ = ["invoice_documents", "invoice_html", "invoice_pdf"]
