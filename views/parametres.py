"""Staff page "Paramètres": company, zones, tariff, technicians, regions, map exports.

Values are saved to ``<data dir>/settings.toml`` (the file the whole product reads); the
region itself (shop position, radii) is built on the home page.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from dispatch.errors import DispatchError
from views import _access, _common

s = _common.settings()
user = _access.require(s, "views/parametres.py")
st.title("Paramètres")


def _save(new) -> None:
    from dispatch.settings import settings_to_toml

    path = s.data_dir / "settings.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(settings_to_toml(new), encoding="utf-8")
    st.success(f"Paramètres enregistrés dans {path}.")


tab_company, tab_tariff, tab_techs, tab_region = st.tabs(
    ["Entreprise", "Tarifs", "Techniciens", "Région et carte"]
)

with tab_company, st.form("company_form"):
    g = s.general
    name = st.text_input("Nom de l'entreprise", g.company_name)
    address = st.text_input("Adresse", g.company_address)
    c1, c2 = st.columns(2)
    phone = c1.text_input("Téléphone", g.company_phone)
    email = c2.text_input("Courriel", g.company_email)
    if st.form_submit_button("Enregistrer"):
        _save(s.with_section("general", company_name=name, company_address=address,
                             company_phone=phone, company_email=email))

with tab_tariff, st.form("tariff_form"):
    t = s.tariff
    c1, c2, c3 = st.columns(3)
    core_flat = c1.text_input("Forfait zone principale ($)", str(t.core_flat))
    ext_flat = c2.text_input("Forfait zone élargie ($)", str(t.extended_flat))
    per_km = c3.text_input("Par km au-delà de la zone principale ($)", str(t.extended_per_km))
    b = s.billing
    c4, c5 = st.columns(2)
    hourly = c4.text_input("Taux horaire du diagnostic ($)", str(b.hourly_rate))
    increment = c5.number_input("Facturé par tranches de (min)", 1, 60, b.increment_min)
    if st.form_submit_button("Enregistrer"):
        try:
            new = s.with_section(
                "tariff", core_flat=Decimal(core_flat.replace(",", ".")),
                extended_flat=Decimal(ext_flat.replace(",", ".")),
                extended_per_km=Decimal(per_km.replace(",", ".")),
            ).with_section(
                "billing", hourly_rate=Decimal(hourly.replace(",", ".")), increment_min=int(increment)
            )
        except InvalidOperation:
            st.error("Montant invalide : écrivez par exemple 35,00.")
        else:
            _save(new)

with tab_techs:
    db = _common.database(s)
    if db is None:
        st.info("Le stockage n'est pas encore installé sur ce poste.")
    else:
        from dispatch.records import storage

        techs = storage.technicians(db, active_only=False)
        if techs:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Nom": t.name,
                            "Quart": f"{_common.hhmm(t.shift_start)} – {_common.hhmm(t.shift_end)}",
                            "Dîner": f"{t.break_min} min" if t.break_start else "—",
                            "Compétences": ", ".join(t.skills),
                            "Actif": "oui" if t.active else "non",
                        }
                        for t in techs
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
        with st.form("tech_form", clear_on_submit=True):
            st.write("Ajouter un technicien")
            c1, c2, c3 = st.columns(3)
            tname = c1.text_input("Nom")
            start = c2.time_input("Début du quart", time(8, 0))
            end = c3.time_input("Fin du quart", time(17, 0))
            skills = st.multiselect("Compétences", ["pc", "mac", "reseau"], default=["pc"])
            if st.form_submit_button("Ajouter"):
                try:
                    storage.add_technician(db, name=tname, shift_start=start, shift_end=end,
                                           skills=skills, actor="paramètres")
                except DispatchError as err:
                    _common.error_box(err)
                else:
                    st.rerun()

with tab_region:
    names = _common.region_names(s)
    if not names:
        st.info("Aucune région construite : voir l'Accueil.")
    else:
        current = _common.region_name(s)
        choice = st.selectbox("Région utilisée", names, index=names.index(current), key="region_pick")
        st.session_state["region_name"] = choice
        reg = _common.region(s)
        st.subheader("Atelier et zones")
        source = reg.meta.get("source_path", "")
        with st.form("zones_form"):
            shop_txt = st.text_input(
                "Position de l'atelier (latitude, longitude)", f"{reg.shop.lat:.6f}, {reg.shop.lon:.6f}"
            )
            c1, c2 = st.columns(2)
            core_km = c1.number_input("Zone principale (km)", 1.0, 100.0, float(reg.core_km))
            ext_km = c2.number_input("Zone élargie (km)", 1.0, 150.0, float(reg.extended_km))
            if st.form_submit_button("Appliquer (reconstruit la région)"):
                from dispatch.geo.point import GeoPoint
                from dispatch.geo.region import build_region

                if not source or reg.meta.get("source") == "download":
                    st.error("Le fichier d'origine de la région n'est plus là : reconstruisez-la "
                             "depuis l'Accueil.")
                else:
                    try:
                        with st.spinner("Reconstruction de la région…"):
                            build_region(source, name=reg.name, shop=GeoPoint.parse(shop_txt),
                                         core_km=core_km, extended_km=ext_km, settings=s, force=True)
                    except DispatchError as err:
                        _common.error_box(err)
                    else:
                        st.success("Atelier et zones mis à jour.")
                        st.rerun()
        st.subheader("Carte du territoire pour le site web")
        st.write(
            "Un fichier HTML autonome (aucune connexion requise) pour le lien « Voir en plein "
            "écran » du site, et le territoire en GeoJSON."
        )
        from maps import export

        c1, c2 = st.columns(2)
        if c1.button("Préparer les fichiers", key="export_prepare"):
            with st.spinner("Préparation…"):
                st.session_state["export_html"] = export.service_area_html(reg, settings=s)
                import json

                st.session_state["export_geojson"] = json.dumps(
                    export.service_area_geojson(reg, settings=s), ensure_ascii=False
                )
        if "export_html" in st.session_state:
            c1.download_button("Carte HTML autonome", st.session_state["export_html"],
                               file_name="territoire.html", mime="text/html", key="export_html_dl")
            c2.download_button("Territoire (GeoJSON)", st.session_state["export_geojson"],
                               file_name="territoire.geojson", mime="application/geo+json",
                               key="export_geojson_dl")
