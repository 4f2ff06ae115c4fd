"""Public page "Demande d'intervention": the intake form, with consent.

No login, embeddable (``/demande?embed=true``). Nothing is stored until the form is sent
with the consent box ticked; the address is geocoded offline to attach its coverage for the
office. The confirmation shows only what the customer typed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import streamlit as st

from dispatch.errors import DispatchError
from views import _common

s = _common.settings()
st.title("Demande d'intervention")
st.write(
    "Décrivez votre problème informatique : nous vous rappelons pour convenir d'un rendez-vous "
    "à domicile (ou d'une session à distance)."
)

intake = _common.optional("dispatch.office.intake")
db = _common.database(s)
if intake is None or db is None:
    st.info("Le formulaire de demande n'est pas encore installé sur ce poste.")
    st.stop()

done = st.session_state.get("request_done")
if done:
    st.success(
        f"Merci, {_common.md(done['name'])} ! Votre demande n° {done['id']} est reçue. Nous vous "
        "rappelons au plus tard le prochain jour ouvrable."
    )
    if st.button("Envoyer une autre demande", key="request_again"):
        st.session_state.pop("request_done", None)
        st.rerun()
    st.stop()

with st.form("request_form", clear_on_submit=False):
    name = st.text_input("Nom complet *", key="req_name", max_chars=120)
    c1, c2 = st.columns(2)
    phone = c1.text_input("Téléphone", key="req_phone", max_chars=40, placeholder="450 555-1234")
    email = c2.text_input("Courriel", key="req_email", max_chars=160)
    address = st.text_input(
        "Adresse de l'intervention *", key="req_address", max_chars=200,
        placeholder="ex. 123, rue Dupras, Mascouche",
    )
    problem = st.text_area("Votre problème *", key="req_problem", max_chars=2000, height=120)
    c3, c4 = st.columns(2)
    tomorrow = datetime.now().date() + timedelta(days=1)
    desired = c3.date_input(
        "Date souhaitée (AAAA-MM-JJ, facultatif)", value=None, min_value=tomorrow, key="req_date", format="YYYY-MM-DD"
    )
    remote = c4.checkbox("Une session à distance me convient", key="req_remote")
    consent = st.checkbox(
        "J'accepte que mes renseignements servent uniquement à traiter ma demande, selon la "
        "politique de confidentialité (Loi 25). *",
        key="req_consent",
    )
    sent = st.form_submit_button("Envoyer la demande", type="primary")

if sent:
    missing = [
        label
        for label, value in (("nom", name), ("adresse", address), ("problème", problem))
        if not value.strip()
    ]
    if missing:
        st.warning("Champs obligatoires manquants : " + ", ".join(missing) + ".")
    elif not phone.strip() and not email.strip():
        st.warning("Indiquez un numéro de téléphone ou un courriel pour qu'on puisse vous joindre.")
    elif not consent:
        st.warning("Cochez la case de consentement pour envoyer la demande.")
    else:
        form = intake.RequestForm(
            name=name.strip(), address=address.strip(), phone=phone.strip(),
            email=email.strip(), problem=problem.strip(), desired_date=desired,
            remote_ok=remote, consent=consent,
        )
        try:
            with st.spinner("Envoi…"):
                req = intake.submit(db, form, settings=s, region=_common.region(s))
        except DispatchError as err:
            _common.error_box(err)
        else:
            st.session_state["request_done"] = {"id": req.id, "name": form.name}
            st.rerun()
