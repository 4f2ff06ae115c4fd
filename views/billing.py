"""Staff page "Facturation": invoices, payments, balances, PDF download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.office import billing_desk
from views import _access, _common

s = _common.settings()
user = _access.require(s, "views/billing.py")
st.title(_("Billing"))
db = _common.database(s)

unpaid_only = st.toggle(_("Only the invoices to be paid"), key="bill_unpaid")
board = billing_desk.invoice_board(db, unpaid_only=unpaid_only)
invoices = board.invoices
if not invoices:
    st.info(_("No invoice yet. Invoices are produced from the Technician page, at the end of a visit."))
    st.stop()

c1, c2, c3 = st.columns(3)
c1.metric(_("Invoices"), board.invoice_count)
c2.metric(_("Balance receivable"), _common.money(board.total_due))
c3.metric(_("Received"), _common.money(board.total_paid))

for i in invoices:  # the table shows each invoice's customer name
    _access.viewed(s, user, "invoice", i.id, page="facturation", customer_id=i.customer_id)
st.dataframe(
    pd.DataFrame(
        [
            {
                _("Number"): i.number,
                _("Date"): i.issued_at.date().isoformat(),
                _("Customer"): i.customer_name,
                _("Total"): _common.money(i.total),
                _("Amount paid"): _common.money(i.paid),
                _("Balance"): _common.money(i.balance),
                _("Status"): i.status_label,
            }
            for i in reversed(invoices)
        ]
    ),
    hide_index=True,
    width="stretch",
)

number = st.selectbox(_("Invoice"), [i.number for i in reversed(invoices)], key="bill_pick")
inv = board.get(number)
html, pdf = billing_desk.invoice_files(db, number, settings=s)
c1, c2 = st.columns(2)
c1.download_button(_("Download the PDF"), pdf, file_name=f"{number}.pdf", mime="application/pdf",
                   key="bill_pdf")
c2.download_button(_("Download the HTML"), html, file_name=f"{number}.html", mime="text/html",
                   key="bill_html")
if inv.kind == "invoice" and inv.balance > 0:
    st.subheader(_("Record a payment"))
    with st.form("payment_form"):
        a, b, c = st.columns(3)
        method = a.selectbox(_("Method"), list(billing_desk.PAYMENT_LABELS),
                             format_func=billing_desk.method_label)
        amount = b.text_input(_("Amount ($)"), value=str(inv.balance).replace(".", ","))
        ref = c.text_input(_("Reference"))
        if st.form_submit_button(_("Record the payment")):
            try:
                billing_desk.record_payment(db, number, method=str(method), amount=amount,
                                            reference=ref, actor=f"user:{user.username}")
            except DispatchError as err:
                _common.error_box(err)
            else:
                st.rerun()
if inv.payments:
    st.caption(_("Payments: {payments}").format(payments=" ; ".join(
        f"{p.received_at.date()} {p.method_label} {_common.money(p.amount)}" for p in inv.payments)))
if inv.kind == "invoice":
    st.write(_("Total {total} · paid {paid} · credited {credited} · **balance {balance}**").format(
        total=_common.money(inv.total), paid=_common.money(inv.paid),
        credited=_common.money(inv.credited), balance=_common.money(inv.balance)))
if inv.credit_notes:
    st.caption(_("Credit notes: {numbers}").format(numbers=", ".join(inv.credit_notes)))
if inv.kind == "invoice" and inv.balance > 0:
    st.subheader(_("Issue a credit note"))
    with st.form("credit_form"):
        a, b = st.columns(2)
        credit_amount = a.text_input(_("Amount before taxes ($; empty: the whole invoice)"))
        reason = b.text_input(_("Reason"))
        if st.form_submit_button(_("Issue the credit note")):
            try:
                note = billing_desk.issue_credit_note(db, number, amount=credit_amount, reason=reason,
                                                      settings=s, actor=f"user:{user.username}")
            except DispatchError as err:
                _common.error_box(err)
            else:
                st.session_state["bill_notice"] = _("Credit note {number} issued.").format(number=note.number)
                st.rerun()
notice = st.session_state.pop("bill_notice", None)
if notice:
    st.success(notice)
