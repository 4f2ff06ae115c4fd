"""Public page "Demande d'intervention": the intake form, with consent.

No login, embeddable (``/demande?embed=true``). Nothing is stored until the form is sent
with the consent box ticked; the address is geocoded offline to attach its coverage for the
office. The confirmation shows only what the customer typed.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.messaging.wording import WORDING as consent_wording  # light: no database import
from dispatch.settings import TZ
from views import _common, _dates

#: Session key of the address carried over from "Vérifier ma couverture".
PREFILL_KEY = "request_prefill_address"

s = _common.settings()
st.title(_("Service request"))
st.write(
    _(
        "Describe your computer problem: we call you back to agree on a home visit (or a remote "
        "session)."
    )
)

db = _common.database(s)

carried = st.session_state.pop(PREFILL_KEY, None)
if carried:  # "Demander une intervention" on the coverage page: the address checked there
    st.session_state["req_address"] = str(carried)[:200]

done = st.session_state.get("request_done")
if done:  # after a successful submission: the confirmation, then what the customer may do next
    st.success(
        _(
            "Thank you, {name}! Your request no. {id} is received. We will call you back by the "
            "next business day at the latest."
        ).format(name=_common.plain(done["name"]), id=done["id"])
    )
    from dispatch.office.customer_link import link_params  # the customer's signed link

    st.page_link(  # choose a time now: the best windows of the next days (views/slots.py)
        "views/slots.py", label=_("Choose the time of the visit"), icon=":material/event:",
        query_params={**_common.public_params(), **link_params(s, done["id"])},
    )
    if st.button(_("Send another request"), key="request_again"):
        st.session_state.pop("request_done", None)
        st.rerun()
    st.stop()

with st.form("request_form", clear_on_submit=False, enter_to_submit=False):
    name = st.text_input(_("Full name *"), key="req_name", max_chars=120)
    c1, c2 = st.columns(2)
    phone = c1.text_input(_("Phone"), key="req_phone", max_chars=40, placeholder="450 555-1234")
    email = c2.text_input(_("Email"), key="req_email", max_chars=160)
    address = st.text_input(
        _("Address of the service call *"), key="req_address", max_chars=200,
        placeholder=_("e.g. 123, rue Dupras, Mascouche"),
    )
    problem = st.text_area(_("Your problem *"), key="req_problem", max_chars=2000, height=120)
    c3, c4 = st.columns(2)
    today = datetime.now(TZ).date()
    upcoming = [d for d in _dates.days_around(today, after=60, weekends=False) if d > today]
    desired = _dates.day_picker(
        _("Desired date (optional)"), [None, *upcoming], key="req_date", default=None, container=c3,
    )
    remote = c4.checkbox(_("A remote session suits me"), key="req_remote")
    consent = st.checkbox(
        _(
            "I agree that my information be used only to handle my request, according to the "
            "privacy policy (Law 25). *"
        ),
        key="req_consent",
    )
    st.caption(_(consent_wording).format(company=s.general.company_name))
    c5, c6 = st.columns(2)
    by_email = c5.checkbox(_("Write to me by e-mail"), key="req_ch_email", value=True)
    by_sms = c6.checkbox(_("Write to me by text message"), key="req_ch_sms")
    sent = st.form_submit_button(_("Send the request"), type="primary")

if sent:
    missing = [
        label
        for label, value in ((_("name"), name), (_("address"), address), (_("problem"), problem))
        if not value.strip()
    ]
    if missing:
        st.warning(_("Required fields missing: {fields}.").format(fields=", ".join(missing)))
    elif not phone.strip() and not email.strip():
        st.warning(_("Give a phone number or an email so that we can reach you."))
    elif not consent:
        st.warning(_("Tick the consent box to send the request."))
    else:
        from dispatch.office import intake  # imported when sent: the form shows at once

        form = intake.RequestForm(
            name=name.strip(), address=address.strip(), phone=phone.strip(),
            email=email.strip(), problem=problem.strip(), desired_date=desired,
            remote_ok=remote, consent=consent,
            channels=tuple(c for c, on in (("email", by_email and bool(email.strip())), ("sms", by_sms)) if on),
        )
        try:
            with st.spinner(_("Sending…")):
                req = intake.submit(db, form, settings=s, region=_common.region(s))
        except DispatchError as err:
            _common.error_box(err)
        else:
            st.session_state["request_done"] = {"id": req.id, "name": form.name}
            st.rerun()
