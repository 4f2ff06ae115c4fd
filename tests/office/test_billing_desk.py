"""The billing desk: the invoice board, invoice files, payments typed the Québec way."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dispatch import records
from dispatch.errors import InvalidInput
from dispatch.office import billing_desk
from tests.office.demo_data import DAY, open_demo
from tests.signing import sign_policy


@pytest.fixture()
def invoiced(tmp_path, mascouche, regions_data_dir):
    """A demo day whose first visit was diagnosed (45 min), refused and invoiced: (settings, db, invoice)."""
    settings, db = open_demo(tmp_path, regions_data_dir, n_technicians=2, n_visits=4)
    rid = records.appointments_for_day(db, DAY)[0].request_id
    records.record_arrival(db, rid, actor="test")
    sign_policy(db, rid)
    records.record_diagnosis(db, rid, minutes=45, actor="test")
    records.record_outcome(db, rid, "estimate_refused", actor="test")
    inv = billing_desk.issue_invoice(db, rid, settings=settings, actor="test")
    yield settings, db, inv
    db.close()


def test_invoice_board_totals_what_is_due_and_paid(invoiced):
    """One invoice: counted, its balance due, nothing paid; found by number."""
    _, db, inv = invoiced
    board = billing_desk.invoice_board(db)
    assert [i.number for i in board.invoices] == [inv.number]
    assert board.invoice_count == 1
    assert board.total_due == inv.total > 0
    assert board.total_paid == Decimal(0)
    assert board.get(inv.number).id == inv.id
    assert billing_desk.request_invoices(db, inv.request_id)[0].number == inv.number


def test_payment_typed_with_a_comma_is_recorded_and_unpaid_filter_follows(invoiced):
    """"12,50" then the rest "x,yz": the balance reaches zero and the unpaid list empties."""
    _, db, inv = invoiced
    after = billing_desk.record_payment(db, inv.number, method="cash", amount="12,50", actor="test")
    assert after.balance == inv.total - Decimal("12.50")
    rest = str(after.balance).replace(".", ",")
    billing_desk.record_payment(db, inv.number, method="cash", amount=rest, actor="test")
    board = billing_desk.invoice_board(db)
    assert board.total_due == 0 and board.total_paid == inv.total
    assert billing_desk.invoice_board(db, unpaid_only=True).invoices == []


@pytest.mark.parametrize(("typed", "message"), [("douze", "Invalid amount"), ("", "Missing amount"),
                                                 ("1e12", "out of range")])
def test_a_bad_payment_amount_is_refused_with_the_parsers_message(invoiced, typed, message):
    """What is not an amount raises the parser's InvalidInput (translated on screen); nothing is paid."""
    _, db, inv = invoiced
    with pytest.raises(InvalidInput) as info:
        billing_desk.record_payment(db, inv.number, method="cash", amount=typed, actor="test")
    assert message in info.value.template and info.value.localized()
    assert billing_desk.invoice_board(db).total_paid == 0


def test_invoice_files_are_html_and_pdf(invoiced):
    """The invoice's HTML names its number; the PDF is a PDF."""
    settings, db, inv = invoiced
    html, pdf = billing_desk.invoice_files(db, inv.number, settings=settings)
    assert inv.number in html
    assert pdf.startswith(b"%PDF")
