"""Staff page "Technicien" (phone-sized): today's route, navigation, the visit form, invoice.

One visit follows the lifecycle: arrival -> policy signed -> diagnostic (timer) -> the
customer's answer to the estimate -> invoice -> payment, each step one button.
"""

from __future__ import annotations

import time as _time
from datetime import datetime
from decimal import Decimal, InvalidOperation

import streamlit as st

from dispatch.errors import DispatchError
from maps.builders import RouteView, StopView, technician_route_map
from views import _access, _common

s = _common.settings()
user = _access.require(s, "views/technician.py")
st.title("Ma tournée")
region = _common.require_region(s)
db = _common.database(s)
if db is None:
    st.info("Le stockage n'est pas encore installé sur ce poste.")
    st.stop()

from dispatch.office import daysheet as exports  # noqa: E402
from dispatch.office import planning  # noqa: E402
from dispatch.office.auth import can_see_appointment  # noqa: E402
from dispatch.records import storage  # noqa: E402
from dispatch.records.lifecycle import LABELS, State  # noqa: E402

techs = storage.technicians(db)
if user.role == "technician":  # a technician sees only their own visits
    techs = [t for t in techs if t.id == user.technician_id]
if not techs:
    st.info("Aucun technicien n'est inscrit : ajoutez-en dans Paramètres.")
    st.stop()
tz = planning.TZ
c1, c2 = st.columns(2)
tech = c1.selectbox("Technicien", techs, format_func=lambda t: t.name, key="tech_pick")
st.session_state.setdefault("tech_day", datetime.now(tz).date())
day = c2.date_input("Jour", key="tech_day", format="YYYY-MM-DD")

cache_key = f"tech_plan_{tech.id}_{day}"
if cache_key not in st.session_state or st.button("Actualiser", key="tech_refresh"):
    with st.spinner("Calcul de la tournée…"):
        st.session_state[cache_key] = planning.technician_day(region, db, day, tech.id, settings=s)
day_plan, route = st.session_state[cache_key]
stops = [] if route is None else [
    x for x in route.stops if can_see_appointment(user, day_plan.visits[x.visit])
]
if not stops:
    st.info("Aucune visite publiée pour vous ce jour-là. La répartition publie les tournées.")
    st.stop()

st.caption(
    f"Départ {_common.hhmm(route.departure)} · retour {_common.hhmm(route.return_time)} · "
    f"{len(stops)} visite(s) · {_common.km(route.km)}"
)
stops_view = []
for stop in stops:
    a = day_plan.visits[stop.visit]
    stops_view.append(
        StopView(lat=a.lat, lon=a.lon, title=a.customer_name, eta=_common.hhmm(stop.arrival),
                 lines=(a.address,))
    )
m = technician_route_map(
    region,
    RouteView(technician=tech.name, stops=tuple(stops_view),
              path=tuple(day_plan.paths.get(planning.technician_id(tech.id), ()))),
    tile_url=s.online.tile_url,
    base_url=_common.static_base_url(),
)
_common.show_map(m, key=f"tech_map_{tech.id}_{day}", height=360)


def _refresh() -> None:
    st.session_state.pop(cache_key, None)
    st.rerun()


def _visit_form(a, rid: int) -> None:
    req = storage.get_request(db, rid)
    state = State(req.state)
    st.write(f"**État :** {LABELS[state]}")
    if state == State.CONFIRMED:
        if st.button("Je suis arrivé", key=f"arrive_{rid}", type="primary"):
            storage.record_arrival(db, rid, actor=f"tech:{tech.name}")
            st.session_state[f"timer_{rid}"] = _time.time()
            _refresh()
    elif state == State.ON_SITE:
        st.write("Faites signer la politique de service (diagnostic facturé au temps, frais de "
                 "déplacement).")
        if st.button("Politique signée", key=f"policy_{rid}", type="primary"):
            storage.record_policy_signed(db, rid, actor=f"tech:{tech.name}")
            st.session_state.setdefault(f"timer_{rid}", _time.time())
            _refresh()
    elif state == State.POLICY_SIGNED:
        started = st.session_state.get(f"timer_{rid}")
        if started is None:
            if st.button("Démarrer le chrono du diagnostic", key=f"start_{rid}"):
                st.session_state[f"timer_{rid}"] = _time.time()
                st.rerun()
            elapsed = 0
        else:
            elapsed = max(1, round((_time.time() - started) / 60))
            st.write(f"Diagnostic en cours depuis **{elapsed} min**.")
        minutes = st.number_input("Minutes de diagnostic", 1, 600, max(elapsed, 30), key=f"min_{rid}")
        estimate = st.text_input("Estimation donnée au client ($)", key=f"est_{rid}", placeholder="ex. 180,00")
        if st.button("Enregistrer le diagnostic", key=f"diag_{rid}", type="primary"):
            try:
                amount = Decimal(estimate.replace(",", ".").replace(" ", "")) if estimate.strip() else None
                storage.record_diagnosis(db, rid, minutes=int(minutes), estimate=amount,
                                         actor=f"tech:{tech.name}")
            except (InvalidOperation, DispatchError) as err:
                st.error(f"Estimation invalide : {err}")
            else:
                _refresh()
    elif state == State.DIAGNOSED:
        choices = {
            "repaired_on_site": "Accepté : réparé sur place",
            "in_workshop": "Accepté : équipement apporté à l'atelier",
            "workshop_refused": "Accepté, mais refuse l'atelier",
            "estimate_refused": "Estimation refusée",
        }
        outcome = st.radio("Réponse du client", list(choices), format_func=choices.get, key=f"out_{rid}")
        lines = []
        if outcome == "repaired_on_site":
            label = st.text_input("Travaux faits", key=f"rep_label_{rid}", value="Réparation sur place")
            price = st.text_input("Montant des travaux ($)", key=f"rep_amount_{rid}", value="0,00")
            lines = [(label, price.replace(",", ".").replace(" ", ""))]
        if st.button("Enregistrer la réponse", key=f"outcome_{rid}", type="primary"):
            try:
                storage.record_outcome(db, rid, outcome, actor=f"tech:{tech.name}", repair_lines=lines)
            except DispatchError as err:
                _common.error_box(err)
            else:
                _refresh()
    elif state in (State.REPAIRED_ON_SITE, State.WORKSHOP_REFUSED, State.ESTIMATE_REFUSED) and st.button(
        "Produire la facture", key=f"invoice_{rid}", type="primary"
    ):
        from dispatch.billing.invoices import issue_invoice

        try:
            issue_invoice(db, rid, settings=s, actor=f"tech:{tech.name}")
        except DispatchError as err:
            _common.error_box(err)
        else:
            _refresh()
    if state in (State.INVOICED, State.PAID):
        from dispatch.billing.documents import invoice_documents
        from dispatch.billing.invoices import list_invoices, record_payment
        from dispatch.billing.rules import PAYMENT_LABELS

        for inv in list_invoices(db, request_id=rid, kind="invoice"):
            st.write(f"Facture **{inv.number}** : {_common.money(inv.total)} — {inv.status_label}, "
                     f"solde {_common.money(inv.balance)}")
            _, pdf = invoice_documents(db, inv.number, settings=s)
            st.download_button("Télécharger la facture (PDF)", pdf, file_name=f"{inv.number}.pdf",
                               mime="application/pdf", key=f"pdf_{inv.number}")
            if inv.balance > 0:
                method = st.selectbox("Mode de paiement", list(PAYMENT_LABELS),
                                      format_func=PAYMENT_LABELS.get, key=f"pay_m_{inv.number}")
                ref = st.text_input("Référence (sauf comptant)", key=f"pay_r_{inv.number}")
                if st.button(f"Encaisser {_common.money(inv.balance)}", key=f"pay_{inv.number}"):
                    try:
                        record_payment(db, inv.number, method=str(method), amount=inv.balance,
                                       reference=ref, actor=f"tech:{tech.name}")
                    except DispatchError as err:
                        _common.error_box(err)
                    else:
                        _refresh()


for i, stop in enumerate(stops, start=1):
    a = day_plan.visits[stop.visit]
    with st.expander(f"{i}. {_common.hhmm(stop.arrival)} — {_common.md(a.customer_name)}", expanded=(i == 1)):
        _access.viewed(s, user, "request", a.request_id, page="technicien")
        st.write(f"{_common.md(a.address)}  \nTél. : {_common.md(a.phone or '—')}  \n"
                 f"Problème : {_common.md(a.problem or '—')}")
        if a.lat is not None:
            nav = exports.navigation_links(a.lat, a.lon, label=a.address)
            st.markdown(f"[Google Maps]({nav['google']}) · [Waze]({nav['waze']}) · [Carte du téléphone]({nav['geo']})")
        _visit_form(a, a.request_id)
