"""The billing desk ("Facturation" page, and the invoice step of "Ma tournée").

Lists invoices with their totals, produces an invoice's PDF/HTML, issues the invoice of a
finished visit and records payments. Amounts typed by staff (``125,50`` or ``125.50``) are
read by the one parser :func:`dispatch.billing.rules.parse_amount`: a bad amount raises
:class:`~dispatch.errors.InvalidInput` with a French message the page shows as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from dispatch.billing import invoices as invoice_book
from dispatch.billing.documents import invoice_documents
from dispatch.billing.rules import PAYMENT_LABELS, method_label, parse_amount
from dispatch.settings import Settings

if TYPE_CHECKING:
    from dispatch.billing.invoices import Invoice
    from dispatch.records import Database


@dataclass(frozen=True)
class InvoiceBoard:
    """The invoices listed on "Facturation", with the page's totals.

    Attributes
    ----------
    invoices
        Invoices and credit notes, in issue order.
    invoice_count
        How many of them are invoices (not credit notes).
    total_due
        Sum of the positive balances of the invoices.
    total_paid
        Sum of what was received.
    """

    invoices: list[Invoice]
    invoice_count: int
    total_due: Decimal
    total_paid: Decimal

    def get(self, number: str) -> Invoice:
        """The listed invoice ``number``."""
        return next(i for i in self.invoices if i.number == number)


def invoice_board(db: Database, *, unpaid_only: bool = False) -> InvoiceBoard:
    """The invoices (only those with a balance due when ``unpaid_only``) and their totals."""
    items = invoice_book.list_invoices(db, unpaid_only=unpaid_only)
    bills = [i for i in items if i.kind == "invoice"]
    return InvoiceBoard(
        invoices=items,
        invoice_count=len(bills),
        total_due=sum((i.balance for i in bills if i.balance > 0), start=Decimal(0)),
        total_paid=sum((i.paid for i in items), start=Decimal(0)),
    )


def invoice_files(db: Database, number: str, *, settings: Settings) -> tuple[str, bytes]:
    """``(html, pdf)`` of the stored invoice or credit note ``number``."""
    return invoice_documents(db, number, settings=settings)


def request_invoices(db: Database, request_id: int) -> list[Invoice]:
    """The invoices (not credit notes) of one request, in issue order."""
    return invoice_book.list_invoices(db, request_id=request_id, kind="invoice")


def issue_invoice(db: Database, request_id: int, *, settings: Settings, actor: str) -> Invoice:
    """Issue the invoice of a finished visit (``-> invoiced``)."""
    return invoice_book.issue_invoice(db, request_id, settings=settings, actor=actor)


def record_payment(
    db: Database, number: str, *, method: str, amount: object, reference: str = "", actor: str
) -> Invoice:
    """Record a payment of invoice ``number``; returns the updated invoice.

    ``amount`` is typed text (``125,50``, ``125.50``) or a ``Decimal``.

    Raises
    ------
    InvalidInput
        A bad amount (French message from :func:`~dispatch.billing.rules.parse_amount`), an
        amount over the balance, a missing reference.
    """
    return invoice_book.record_payment(
        db, number, method=str(method), amount=parse_amount(amount), reference=reference,
        actor=actor,
    )


__all__ = [
    "PAYMENT_LABELS",
    "InvoiceBoard",
    "invoice_board",
    "invoice_files",
    "issue_invoice",
    "method_label",
    "record_payment",
    "request_invoices",
]
