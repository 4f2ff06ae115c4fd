"""Staff page "Facturation": invoices, payments, balances, PDF download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dispatch.errors import DispatchError
from views import _access, _common

s = _common.settings()
user = _access.require(s, "views/billing.py")
st.title("Facturation")
db = _common.database(s)
invoices_mod = _common.optional("dispatch.billing.invoices")
if db is None or invoices_mod is None:
    st.info("La facturation n'est pas encore installée sur ce poste.")
    st.stop()

from dispatch.billing.documents import invoice_documents  # noqa: E402
from dispatch.billing.rules import PAYMENT_LABELS  # noqa: E402

unpaid_only = st.toggle("Seulement les factures à payer", key="bill_unpaid")
invoices = invoices_mod.list_invoices(db, unpaid_only=unpaid_only)
if not invoices:
    st.info("Aucune facture pour l'instant. Les factures se produisent depuis la page Technicien, "
            "à la fin d'une visite.")
    st.stop()

total_due = sum((i.balance for i in invoices if i.kind == "invoice" and i.balance > 0), start=0)
c1, c2, c3 = st.columns(3)
c1.metric("Factures", len([i for i in invoices if i.kind == "invoice"]))
c2.metric("Solde à recevoir", _common.money(total_due))
c3.metric("Encaissé", _common.money(sum((i.paid for i in invoices), start=0)))

for i in invoices:  # the table shows each invoice's customer name
    _access.viewed(s, user, "invoice", i.id, page="facturation", customer_id=i.customer_id)
st.dataframe(
    pd.DataFrame(
        [
            {
                "Numéro": i.number,
                "Date": i.issued_at.date().isoformat(),
                "Client": i.customer_name,
                "Total": _common.money(i.total),
                "Payé": _common.money(i.paid),
                "Solde": _common.money(i.balance),
                "État": i.status_label,
            }
            for i in reversed(invoices)
        ]
    ),
    hide_index=True,
    width="stretch",
)

number = st.selectbox("Facture", [i.number for i in reversed(invoices)], key="bill_pick")
inv = next(i for i in invoices if i.number == number)
html, pdf = invoice_documents(db, number, settings=s)
c1, c2 = st.columns(2)
c1.download_button("Télécharger le PDF", pdf, file_name=f"{number}.pdf", mime="application/pdf",
                   key="bill_pdf")
c2.download_button("Télécharger le HTML", html, file_name=f"{number}.html", mime="text/html",
                   key="bill_html")
if inv.kind == "invoice" and inv.balance > 0:
    st.subheader("Enregistrer un paiement")
    with st.form("payment_form"):
        a, b, c = st.columns(3)
        method = a.selectbox("Mode", list(PAYMENT_LABELS), format_func=PAYMENT_LABELS.get)
        amount = b.text_input("Montant ($)", value=str(inv.balance).replace(".", ","))
        ref = c.text_input("Référence")
        if st.form_submit_button("Enregistrer le paiement"):
            try:
                invoices_mod.record_payment(db, number, method=str(method),
                                            amount=amount.replace(",", ".").replace(" ", ""),
                                            reference=ref, actor=f"user:{user.username}")
            except DispatchError as err:
                _common.error_box(err)
            else:
                st.rerun()
if inv.payments:
    st.caption("Paiements : " + " ; ".join(
        f"{p.received_at.date()} {p.method_label} {_common.money(p.amount)}" for p in inv.payments))
