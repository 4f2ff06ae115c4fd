"""``opms-dispatch invoice``: issue invoices, credit notes, record payments, render documents.

    opms-dispatch invoice issue REQUEST_ID [--travel-amount 60.00] --json
    opms-dispatch invoice show F2026-00012 --json
    opms-dispatch invoice list [--unpaid] [--customer ID] --json
    opms-dispatch invoice pay F2026-00012 --method interac --amount 50.00 --reference CA1234
    opms-dispatch invoice credit F2026-00012 --reason "Erreur" [--amount 10.00]
    opms-dispatch invoice pdf F2026-00012 --out facture.pdf     (or: invoice html ... --out)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dispatch.cli.commands._db import actor, database, parse_instant
from dispatch.cli.streams import stderr

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("invoice", parents=[common], help="invoices, credit notes, payments")
    sub = p.add_subparsers(dest="invoice_command", metavar="ACTION")

    i = sub.add_parser("issue", parents=[common], help="issue the invoice of a request")
    i.add_argument("request_id", type=int)
    i.add_argument("--travel-amount", help="agreed travel fee when it is on quote")
    i.add_argument("--actor")
    i.set_defaults(func=_issue)

    s = sub.add_parser("show", parents=[common], help="one invoice or credit note")
    s.add_argument("number")
    s.set_defaults(func=_show)

    ls = sub.add_parser("list", parents=[common], help="invoices and credit notes")
    ls.add_argument("--unpaid", action="store_true", help="only invoices with a balance due")
    ls.add_argument("--customer", type=int)
    ls.set_defaults(func=_list)

    pay = sub.add_parser("pay", parents=[common], help="record a payment (partial or full)")
    pay.add_argument("number")
    pay.add_argument(
        "--method", required=True,
        help="cash, cheque, bank_transfer, interac, paypal or square",
    )  # fmt: skip
    pay.add_argument("--amount", required=True)
    pay.add_argument("--reference", default="", help="cheque number, transfer/transaction id...")
    pay.add_argument("--date", help="when it was received, YYYY-MM-DDTHH:MM (default now)")
    pay.add_argument("--actor")
    pay.set_defaults(func=_pay)

    c = sub.add_parser("credit", parents=[common], help="issue a credit note against an invoice")
    c.add_argument("number")
    c.add_argument("--reason", required=True)
    c.add_argument("--amount", help="pre-tax amount (default: the whole invoice)")
    c.add_argument("--actor")
    c.set_defaults(func=_credit)

    for fmt in ("pdf", "html"):
        d = sub.add_parser(fmt, parents=[common], help=f"write the invoice as {fmt.upper()}")
        d.add_argument("number")
        d.add_argument("--out", required=True, metavar="FILE")
        d.set_defaults(func=_document, fmt=fmt)

    def _help(args: Namespace, settings: Settings) -> int:
        p.print_help(stderr())
        return 2

    p.set_defaults(func=_help)


def _issue(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.billing.invoices imports in 0.31 s)
    # the office's use case: the customer's e-mail (PDF attached) is queued in the same transaction
    from dispatch.office.billing_desk import issue_invoice

    with database(settings) as db:
        return issue_invoice(
            db, args.request_id, settings=settings, actor=actor(args), travel_amount=args.travel_amount or None
        ).to_dict()


def _show(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.billing.invoices imports in 0.31 s)
    from dispatch.billing.invoices import get_invoice

    with database(settings) as db:
        return get_invoice(db, args.number).to_dict()


def _list(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.billing.invoices imports in 0.31 s)
    from dispatch.billing.invoices import list_invoices

    with database(settings) as db:
        items = list_invoices(db, customer_id=args.customer, unpaid_only=args.unpaid)
    return {"count": len(items), "invoices": [i.to_dict() for i in items]}


def _pay(args: Namespace, settings: Settings) -> object:
    """Record a payment; JSON: the invoice (``paid``, ``balance``, ``status``), else one French line."""
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.billing.invoices imports in 0.31 s)
    from dispatch.billing.invoices import record_payment
    from dispatch.i18n import _
    from dispatch.money import format_money

    when = parse_instant(args.date) if args.date else None
    with database(settings) as db:
        inv = record_payment(
            db, args.number, method=args.method, amount=args.amount, reference=args.reference,
            actor=actor(args), received_at=when,
        )  # fmt: skip
    if args.json:
        return inv.to_dict()
    pay = inv.payments[-1]
    print(_("Payment of {amount} recorded ({method}) on {number}: balance {balance} ({status}).").format(
        amount=format_money(pay.amount), method=pay.method_label, number=inv.number,
        balance=format_money(inv.balance), status=inv.status_label,
    ))  # fmt: skip
    return 0


def _credit(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.billing.invoices imports in 0.31 s)
    from dispatch.billing.invoices import issue_credit_note
    from dispatch.money import money

    amount = money(args.amount) if args.amount else None
    with database(settings) as db:
        return issue_credit_note(
            db, args.number, reason=args.reason, amount=amount, settings=settings, actor=actor(args)
        ).to_dict()


def _document(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.billing.documents imports in 0.54 s)
    from dispatch.billing.documents import invoice_html, invoice_pdf
    from dispatch.billing.invoices import get_invoice

    with database(settings) as db:
        inv = get_invoice(db, args.number)
    if args.fmt == "pdf":
        data = invoice_pdf(inv, settings=settings)
    else:
        data = invoice_html(inv, settings=settings).encode("utf-8")
    out = Path(args.out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return {"number": inv.number, "format": args.fmt, "path": str(out), "bytes": len(data)}
