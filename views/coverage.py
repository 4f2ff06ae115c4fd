"""Public page "Vérifier ma couverture": address -> zone, road distance, travel fee, map.

No login, embeddable (``/couverture?embed=true``). It stores nothing: the address typed is
geocoded offline (unless the company enabled an online geocoder) and only kept in this
browser session.
"""

from __future__ import annotations

import streamlit as st

from dispatch.errors import DispatchError
from maps.builders import ZONE_LABELS, coverage_map, service_area_map
from views import _common

s = _common.settings()
st.title("Vérifier ma couverture")
st.write(
    "Entrez votre adresse pour savoir si nous nous déplaçons chez vous, à quelle distance "
    "vous êtes de notre atelier et le montant estimé des frais de déplacement."
)
region = _common.require_region(s)
service_area = _common.optional("dispatch.geo.service_area")

with st.form("coverage_form", border=True):
    address = st.text_input(
        "Votre adresse",
        key="coverage_address",
        placeholder="ex. 123, rue Dupras, Mascouche",
        max_chars=200,
    )
    submitted = st.form_submit_button("Vérifier", type="primary", icon=":material/search:")

if submitted:
    st.session_state.pop("coverage_result", None)
    if not address.strip():
        st.warning("Entrez une adresse, par exemple « 123, rue Dupras, Mascouche ».")
    elif service_area is None:
        st.info("La vérification de couverture n'est pas encore installée sur ce poste.")
    else:
        try:
            with st.spinner("Recherche de l'adresse…"):
                result = service_area.check_address(region, address, settings=s)
            st.session_state["coverage_result"] = result
        except DispatchError as err:
            st.error(f"Adresse introuvable ou hors de notre carte : {err}")

result = st.session_state.get("coverage_result")
core_km = float(getattr(region, "core_km", None) or s.service_area.core_km)
ext_km = float(getattr(region, "extended_km", None) or s.service_area.extended_km)

if result is None:
    st.subheader("Notre territoire")
    st.caption(
        f"Zone principale : jusqu'à {core_km:g} km de l'atelier. Zone élargie : jusqu'à "
        f"{ext_km:g} km (frais au kilomètre). Au-delà : sur estimation."
    )
    m = service_area_map(
        region,
        core_km=core_km,
        extended_km=ext_km,
        tile_url=s.online.tile_url,
        base_url=_common.static_base_url(),
        shop_name=s.general.company_name,
    )
    _common.show_map(m, key="coverage_area_map", height=460)
    st.stop()

zone = str(result.zone)
label = ZONE_LABELS.get(zone, zone)
geocode = getattr(result, "geocode", None)
matched_raw = getattr(geocode, "matched", None) or address
matched = _common.md(matched_raw)
if zone == "core":
    st.success(f"Bonne nouvelle : **{matched}** est dans notre {label.lower()}.")
elif zone == "extended":
    st.warning(f"**{matched}** est dans notre {label.lower()} : des frais au kilomètre s'ajoutent.")
else:
    st.error(f"**{matched}** est hors de notre zone de service. Appelez-nous pour une estimation.")

fee = result.travel_fee
c1, c2, c3, c4 = st.columns(4)
c1.metric("Zone", {"core": "Principale", "extended": "Élargie"}.get(zone, "Hors zone"))
c2.metric("Par la route", _common.km(result.road_km) if result.road_km is not None else "—")
c3.metric("Temps de route", _common.minutes(result.drive_min) if result.drive_min is not None else "—")
c4.metric(
    "Frais de déplacement",
    "Sur estimation" if fee.amount is None else _common.money(fee.amount),
)
st.caption(f"{fee.explanation.rstrip('.')}. À vol d'oiseau : {_common.km(result.straight_km)}.")
precision = getattr(geocode, "precision", "")
if precision in ("street", "interpolated"):
    st.caption(
        "Position estimée à partir de la rue (numéro civique non répertorié) : la distance "
        "peut varier de quelques centaines de mètres."
    )

path = None
try:
    path = region.network.route(region.shop, result.point).coords
except DispatchError:
    st.caption("Aucun trajet routier trouvé depuis l'atelier jusqu'à cette adresse.")
details = []
if result.road_km is not None:
    details.append(f"{_common.km(result.road_km)} par la route")
if fee.amount is not None:
    details.append(f"Déplacement : {_common.money(fee.amount)}")
m = coverage_map(
    region,
    point=result.point,
    zone=zone,
    label=matched_raw,
    core_km=core_km,
    extended_km=ext_km,
    path=path,
    details=details,
    tile_url=s.online.tile_url,
    base_url=_common.static_base_url(),
)
_common.show_map(m, key="coverage_result_map", height=460)
if zone != "outside":
    st.page_link(
        "views/request.py", label="Demander une intervention", icon=":material/edit_note:",
        query_params=_common.public_params(),
    )
