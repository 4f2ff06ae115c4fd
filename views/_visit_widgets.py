"""Widgets shared by the visit pages (Technicien, À distance, Atelier, Facturation).

A drawn signature (``streamlit-drawable-canvas``) turned into PNG bytes, the running clock
text, an invoice's lines and totals, and the payment form (partial payments with any of the
six methods, the amount defaulting to the balance). No business rule lives here: each
button calls one use case of :mod:`dispatch.office`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import streamlit as st

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.office import billing_desk
from views import _common

#: Width (px) of the signature pad: fits a 390 px phone page inside an expander (measured by
#: tests/views/test_visit_paths_browser.py: nothing wider than the screen).
PAD_WIDTH = 300
PAD_HEIGHT = 150


def signature_pad(key: str, *, width: int = PAD_WIDTH, height: int = PAD_HEIGHT) -> bytes | None:
    """A box where the customer signs with a finger; the drawing as PNG bytes (``None``: empty)."""
    from streamlit_drawable_canvas import st_canvas

    result = st_canvas(
        stroke_width=3, stroke_color="#111111", background_color="#ffffff", height=height,
        width=width, drawing_mode="freedraw", return_image_data=True, key=key,
    )
    data = result.image_data
    if data is None or not (result.json_data or {}).get("objects"):
        return None
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(data.astype("uint8"), "RGBA").save(buf, format="PNG")
    return buf.getvalue()


def clock_text(seconds: int) -> str:
    """``754`` -> ``0:12:34`` (hours, minutes, seconds)."""
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def bill_lines(bill: Any) -> None:
    """The lines of a bill (preview or issued invoice), then subtotal, taxes and total."""
    rows = [f"- {_common.plain(ln.label)} : **{_common.money(ln.amount)}**" for ln in bill.lines]
    st.markdown("\n".join(rows))
    st.markdown(
        _("Subtotal {subtotal} · GST {gst} · QST {qst}  \n**Total {total}**").format(
            subtotal=_common.money(bill.subtotal), gst=_common.money(bill.gst),
            qst=_common.money(bill.qst), total=_common.money(bill.total),
        )
    )


def payment_form(db: Any, inv: Any, *, actor: str, key: str, on_done: Callable[[], None]) -> None:
    """Record a payment (any of the six methods; partial allowed) of invoice ``inv``."""
    st.write(_("Balance to pay: **{balance}**").format(balance=_common.money(inv.balance)))
    method = st.selectbox(_("Payment method"), list(billing_desk.PAYMENT_LABELS),
                          format_func=billing_desk.method_label, key=f"{key}_method")
    # the amount's key follows the balance: after a partial payment it shows the new balance
    amount = st.text_input(_("Amount ($)"), value=str(inv.balance).replace(".", ","),
                           key=f"{key}_amount_{inv.balance}")
    ref = st.text_input(_("Reference (except cash)"), key=f"{key}_ref")
    if st.button(_("Record the payment"), key=f"{key}_pay", type="primary"):
        try:
            billing_desk.record_payment(db, inv.number, method=str(method), amount=amount,
                                        reference=ref, actor=actor)
        except DispatchError as err:
            _common.error_box(err)
        else:
            on_done()


def invoice_block(db: Any, s: Any, inv: Any, *, actor: str, key: str, on_done: Callable[[], None]) -> None:
    """An issued invoice: lines and totals, payments made, PDF, and the payment form."""
    st.write(
        _("Invoice **{number}**: {total} — {status}, balance {balance}").format(
            number=inv.number, total=_common.money(inv.total), status=inv.status_label,
            balance=_common.money(inv.balance),
        )
    )
    bill_lines(inv)
    for p in inv.payments:
        st.caption(_("Paid {amount} by {method} on {day}").format(
            amount=_common.money(p.amount), method=p.method_label, day=p.received_at.date().isoformat()))
    st.download_button(
        _("Download the invoice (PDF)"), lambda: billing_desk.invoice_files(db, inv.number, settings=s)[1],
        file_name=f"{inv.number}.pdf", mime="application/pdf", key=f"{key}_pdf",
    )
    if inv.balance > 0:
        payment_form(db, inv, actor=actor, key=key, on_done=on_done)


def invoice_step(db: Any, s: Any, rid: int, *, actor: str, key: str, on_done: Callable[[], None]) -> None:
    """Before issuing: the invoice's lines and total for confirmation, then "Issue the invoice"."""
    missing = billing_desk.legal_identity_missing(s)
    if missing:
        st.warning(_("The company's legal details are still the placeholders ({fields}): an "
                     "administrator sets them in Settings → Company before any invoice.").format(
            fields=", ".join(missing)))
    try:
        bill = billing_desk.invoice_preview(db, rid, settings=s)
    except DispatchError as err:
        _common.error_box(err)
        return
    st.write(_("**Invoice to issue** (check it with the customer):"))
    bill_lines(bill)
    if st.button(_("Issue the invoice"), key=f"{key}_issue", type="primary", disabled=bool(missing)):
        try:
            billing_desk.issue_invoice(db, rid, settings=s, actor=actor)
        except DispatchError as err:
            _common.error_box(err)
        else:
            on_done()


def en_route_button(db: Any, s: Any, appointment_id: int, *, eta: Any, actor: str, key: str) -> None:
    """"I'm on my way": tells the customer the technician left, with the plan's arrival time."""
    from dispatch.office import messages_desk

    if st.button(_("I'm on my way"), key=key):
        try:
            ids = messages_desk.announce_departure(db, appointment_id, eta=eta, settings=s, actor=actor)
        except DispatchError as err:
            _common.error_box(err)
        else:
            st.success(_("The customer is told you are on the way (arrival about {eta}).").format(
                eta=_common.hhmm(eta)) if ids else _("No message to send: the customer has no address."))
