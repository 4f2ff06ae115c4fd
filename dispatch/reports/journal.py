"""The accounting export: a sales journal of a period as CSV (invoices, credit notes, payments).

Layout (one header line, then one line per document, in date order; UTF-8, comma-separated,
amounts with a point and two decimals, dates ``YYYY-MM-DD`` in Montréal time), the columns of
a sales journal that accounting software (Sage 50, QuickBooks, Acomba, a spreadsheet)
imports by mapping the columns once:

==================  ===========================================================================
column              content
==================  ===========================================================================
``date``            the day the invoice or credit note was issued, or the payment received
``type``            ``facture``, ``note_de_credit`` or ``paiement``
``numero``          the document's number (``F2026-00012``, ``AV2026-00003``); for a payment,
                    the invoice paid
``piece_liee``      a credit note: the invoice it credits; otherwise empty
``client``          the customer's name as printed on the document
``sous_total``      amount before taxes (negative for a credit note; empty for a payment)
``tps``             GST (5 %) (negative for a credit note; empty for a payment)
``tvq``             QST (9,975 %) (negative for a credit note; empty for a payment)
``total``           total with taxes (negative for a credit note; empty for a payment)
``mode_paiement``   a payment: ``cash``, ``cheque``, ``bank_transfer``, ``interac``, ``paypal``
                    or ``square``; otherwise empty
``reference``       a payment: the cheque, transfer or transaction number
``montant_paye``    a payment: the amount received; otherwise empty
==================  ===========================================================================

The sums of ``sous_total``, ``tps``, ``tvq`` and ``total`` are exactly those of the tax report
of the same period (:func:`dispatch.reports.taxes.tax_report`), and the sum of
``montant_paye`` is what was collected (:func:`dispatch.reports.revenue.revenue_report`).
Text cells go through :func:`dispatch.csvsafe.neutralise` (a customer's name never runs as a
spreadsheet formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from dispatch.csvsafe import neutralise
from dispatch.money import ZERO
from dispatch.reports.taxes import tax_line

if TYPE_CHECKING:
    from dispatch.billing.ledger import Invoice, Payment
    from dispatch.reports.periods import Period

COLUMNS = (
    "date", "type", "numero", "piece_liee", "client", "sous_total", "tps", "tvq", "total",
    "mode_paiement", "reference", "montant_paye",
)  # fmt: skip
_TYPES = {"invoice": "facture", "credit_note": "note_de_credit"}


@dataclass(frozen=True)
class JournalTotals:
    """The sums of the journal's amount columns."""

    subtotal: Decimal
    gst: Decimal
    qst: Decimal
    total: Decimal
    paid: Decimal


def journal_rows(documents: Iterable[Invoice], payments: Iterable[Payment], period: Period) -> list[dict[str, str]]:
    """The journal's lines of ``period`` (see the module docstring), in date order."""
    docs = list(documents)
    dated: list[tuple[datetime, int, str, dict[str, str]]] = []
    for d in docs:
        if not period.contains(d.issued_at):
            continue
        ln = tax_line(d)
        dated.append((d.issued_at, 0, d.number, {
            "date": ln.day.isoformat(), "type": _TYPES.get(d.kind, d.kind), "numero": d.number,
            "piece_liee": d.credits_number or "", "client": d.customer_name,
            "sous_total": str(ln.subtotal), "tps": str(ln.gst), "tvq": str(ln.qst),
            "total": str(ln.total), "mode_paiement": "", "reference": "", "montant_paye": "",
        }))  # fmt: skip
    names = {d.number: d.customer_name for d in docs}
    for p in payments:
        if not period.contains(p.received_at):
            continue
        dated.append((p.received_at, 1, p.invoice_number, {
            "date": p.received_at.date().isoformat(), "type": "paiement", "numero": p.invoice_number,
            "piece_liee": "", "client": names.get(p.invoice_number, ""), "sous_total": "",
            "tps": "", "tvq": "", "total": "", "mode_paiement": p.method, "reference": p.reference,
            "montant_paye": str(p.amount),
        }))  # fmt: skip
    dated.sort(key=lambda x: (x[0], x[1], x[2]))
    return [row for *_key, row in dated]


def journal_totals(rows: Iterable[dict[str, str]]) -> JournalTotals:
    """The sums of the amount columns of journal ``rows`` (as written or read back)."""
    sums = dict.fromkeys(("sous_total", "tps", "tvq", "total", "montant_paye"), ZERO)
    for row in rows:
        for col in sums:
            if row.get(col):
                sums[col] += Decimal(row[col])
    return JournalTotals(sums["sous_total"], sums["tps"], sums["tvq"], sums["total"], sums["montant_paye"])


def journal_csv(documents: Iterable[Invoice], payments: Iterable[Payment], period: Period) -> str:
    """The journal of ``period`` as CSV text (header, then :func:`journal_rows`)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in journal_rows(documents, payments, period):
        writer.writerow({k: neutralise(v) for k, v in row.items()})
    return buf.getvalue()


__all__ = ["COLUMNS", "JournalTotals", "journal_csv", "journal_rows", "journal_totals"]
