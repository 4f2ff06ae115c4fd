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
from dispatch.billing.rules import PAYMENT_LABELS, Bill, method_label, parse_amount
from dispatch.messaging import events
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


def invoice_preview(
    db: Database, request_id: int, *, settings: Settings, travel_amount: object = None
) -> Bill:
    """The lines and totals of the invoice a finished visit would get (shown for confirmation)."""
    amount = None if travel_amount in (None, "") else parse_amount(travel_amount)
    return invoice_book.invoice_preview(db, request_id, settings=settings, travel_amount=amount)


def legal_identity_missing(settings: Settings) -> list[str]:
    """The company's legal fields still at their placeholder (no invoice until they are set)."""
    return invoice_book.legal_identity_missing(settings)


def issue_invoice(
    db: Database, request_id: int, *, settings: Settings, actor: str, travel_amount: object = None
) -> Invoice:
    """Issue the invoice of a finished visit (``-> invoiced``).

    The customer's e-mail (the invoice's PDF attached, how to pay) is written to the outbox in
    the same transaction (:func:`dispatch.messaging.events.invoice_issued`).

    Raises
    ------
    InvalidInput
        The company's GST/QST numbers or Interac address are still placeholders, or the
        travel of an "on quote" trip has no agreed amount (French messages).
    """
    amount = None if travel_amount in (None, "") else parse_amount(travel_amount)
    with db.write() as s:
        inv = invoice_book.issue_invoice(db, request_id, settings=settings, actor=actor, travel_amount=amount)
        events.invoice_issued(s, inv.number, settings=settings)
    return inv


def issue_credit_note(
    db: Database, number: str, *, reason: str, settings: Settings, actor: str, amount: object = None
) -> Invoice:
    """A credit note against invoice ``number``: all of it, or a pre-tax ``amount`` typed.

    Raises
    ------
    InvalidInput
        No reason, a bad amount, or more than the invoice's balance (French messages).
    """
    value = None if amount in (None, "") else parse_amount(amount)
    return invoice_book.issue_credit_note(db, number, reason=reason, settings=settings, actor=actor, amount=value)


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
    "invoice_preview",
    "issue_credit_note",
    "issue_invoice",
    "legal_identity_missing",
    "method_label",
    "record_payment",
    "request_invoices",
]
