"""Home page "Accueil": the staff login, then (admin) build the region and load demo data.

Logged out it is the "Connexion" page; on a fresh machine without any account it offers to
create the first administrator. A staff member who is not an admin sees links to their pages.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import streamlit as st

from dispatch.errors import DispatchError, OSMFileError
from dispatch.geo.point import GeoPoint
from views import _access, _common


def _upload_refused(err: OSMFileError, saved: Path | None) -> str:
    """The French refusal of an uploaded file, without the server's file path."""
    detail = str(err)
    if saved is not None:
        detail = detail.replace(str(saved), "the uploaded file")
    return (
        "Ce fichier ne permet pas de construire la région : il faut un extrait OpenStreetMap "
        "complet (.osm, .osm.bz2, .osm.gz ou .osm.pbf, par exemple de Geofabrik ou BBBike) "
        "qui couvre le territoire desservi. Le fichier refusé n'a pas été conservé.\n\n"
        f"Détail technique : {_common.md(detail)}"
    )


if _common.public_mode():  # the website's iframe never shows the staff home page
    st.switch_page("views/coverage.py")

s = _common.settings()
user = _access.current_user(s)
if user is None:
    _access.login_form(s)
    st.stop()
st.title("Bienvenue")
if user.role != "admin":
    st.write(f"Bonjour **{_common.md(user.username)}** ({user.role_label}). Vos pages :")
    for path, label in (("views/dispatcher.py", "Répartition"), ("views/technician.py", "Technicien"),
                        ("views/billing.py", "Facturation")):
        if _access.allowed(user, path):
            st.page_link(path, label=label)
    st.stop()

names = _common.region_names(s)
step1 = ":material/check_circle:" if names else "1."
st.subheader(f"{step1} La carte routière de votre territoire")
if names:
    st.success(
        f"Région prête : **{', '.join(names)}**. Le calcul des distances, des trajets et des "
        "tournées se fait sur ce poste, sans internet."
    )
else:
    st.write(
        "Tout fonctionne hors ligne à partir d'un extrait OpenStreetMap de votre territoire "
        "(fichier `.osm`, `.osm.bz2` ou `.osm.pbf`, par exemple d'un fournisseur d'extraits "
        "régionaux). Indiquez aussi la position de l'atelier : c'est le point de départ des "
        "techniciens et le centre des zones de service."
    )

with st.expander("Construire une région", expanded=not names):
    tab_file, tab_download = st.tabs(["À partir d'un fichier", "Télécharger (en ligne)"])
    with tab_file:
        with st.form("region_file_form"):
            upload = st.file_uploader(
                "Fichier OpenStreetMap",
                type=["osm", "pbf", "bz2", "gz"],
                key="region_upload",
                help=f"Extrait .osm, .osm.bz2, .osm.gz ou .osm.pbf, au plus "
                f"{s.security.upload_max_mb} Mo.",
            )
            name = st.text_input("Nom de la région", value="mascouche", key="region_name_file")
            shop = st.text_input(
                "Position de l'atelier (latitude, longitude)",
                value="45.7460, -73.6010",
                key="region_shop_file",
            )
            c1, c2 = st.columns(2)
            core = c1.number_input("Zone principale (km)", 1.0, 100.0, float(s.service_area.core_km))
            ext = c2.number_input("Zone élargie (km)", 1.0, 150.0, float(s.service_area.extended_km))
            go = st.form_submit_button("Construire la région", type="primary")
        if go:
            if upload is None:
                st.warning("Choisissez d'abord un fichier OpenStreetMap.")
            else:
                from dispatch.geo.region import build_region
                from dispatch.geo.uploads import check_upload

                bar = st.progress(0.0, text="Lecture du fichier…")

                def progress(stage: str, fraction: float | None) -> None:
                    bar.progress(min(max(fraction or 0.0, 0.0), 1.0), text=stage)

                saved: Path | None = None
                try:
                    # checked before anything is written; the browser's name is never a path
                    suffix = check_upload(upload.name, upload.size, settings=s)
                    target = s.data_dir / "uploads"
                    target.mkdir(parents=True, exist_ok=True)
                    with tempfile.NamedTemporaryFile(
                        dir=target, suffix=suffix, delete=False
                    ) as fh:
                        saved = Path(fh.name)
                        fh.write(upload.getbuffer())
                    build_region(
                        fh.name,
                        name=name.strip(),
                        shop=GeoPoint.parse(shop),
                        core_km=core,
                        extended_km=ext,
                        settings=s,
                        progress=progress,
                    )
                except OSMFileError as err:
                    bar.empty()
                    if saved is not None:  # a refused file (e.g. not OSM) does not stay on disk
                        saved.unlink(missing_ok=True)
                    st.error(_upload_refused(err, saved))
                except DispatchError as err:
                    bar.empty()
                    if saved is not None:
                        saved.unlink(missing_ok=True)
                    _common.error_box(err)
                else:
                    bar.progress(1.0, text="Région prête.")
                    st.session_state["region_name"] = name.strip()
                    st.rerun()
    with tab_download:
        st.write(
            "Télécharge les routes et les adresses autour de l'atelier depuis OpenStreetMap "
            "(service Overpass). **Il faut une connexion internet** ; sans connexion, utilisez "
            "un fichier."
        )
        with st.form("region_download_form"):
            name_d = st.text_input("Nom de la région", value="ma-region", key="region_name_dl")
            shop_d = st.text_input(
                "Position de l'atelier (latitude, longitude)", value="", key="region_shop_dl",
                placeholder="45.7460, -73.6010",
            )
            go_d = st.form_submit_button("Télécharger et construire")
        if go_d:
            from dispatch.geo.region import build_region

            try:
                with st.spinner("Téléchargement depuis OpenStreetMap…"):
                    build_region(
                        "download", name=name_d.strip(), shop=GeoPoint.parse(shop_d), settings=s
                    )
            except (ConnectionError, TimeoutError) as err:
                st.error(
                    "Téléchargement impossible : ce poste semble hors ligne ou le service "
                    f"OpenStreetMap ne répond pas ({err}). Utilisez plutôt un fichier `.osm`."
                )
            except DispatchError as err:
                _common.error_box(err)
            else:
                st.session_state["region_name"] = name_d.strip()
                st.rerun()

st.subheader("2. Essayer avec des données de démonstration")
demo = _common.optional("dispatch.routing.demo")
if not names:
    st.caption("Disponible dès qu'une région est construite.")
elif demo is None:
    st.info("Le générateur de données de démonstration n'est pas encore installé sur ce poste.")
else:
    st.write(
        "Crée des techniciens, des demandes et des rendez-vous à de vraies adresses de la "
        "région, pour essayer tout de suite la planification de la journée."
    )
    c1, c2, c3 = st.columns(3)
    n_tech = c1.number_input("Techniciens", 1, 10, 4, key="demo_techs")
    n_visits = c2.number_input("Visites", 1, 80, 20, key="demo_visits")
    day = c3.date_input("Jour", date.today() + timedelta(days=1), key="demo_day", format="YYYY-MM-DD")
    if st.button("Charger les données de démonstration", key="demo_load"):
        from dispatch.office import planning

        try:
            with st.spinner("Création des données…"):
                summary = planning.load_demo(
                    _common.region(s), settings=s, db=_common.database(s), day=day,
                    n_technicians=int(n_tech), n_visits=int(n_visits),
                )
        except DispatchError as err:
            _common.error_box(err)
        else:
            st.success(
                f"{summary['technicians']} techniciens et {summary['visits']} rendez-vous créés "
                f"pour le {_common.long_date(day)}."
            )
            st.page_link("views/dispatcher.py", label="Planifier cette journée", icon=":material/route:")

st.subheader("3. Au quotidien")
st.markdown(
    "- **Vérifier ma couverture** et **Demande d'intervention** sont les pages publiques, à "
    "intégrer au site web (ajoutez `?embed=true&public=1` à leur adresse dans un `<iframe>`).\n"
    "- **Répartition** : demandes à rappeler, rendez-vous du jour, *Optimiser la journée*.\n"
    "- **Technicien** : la tournée du jour sur téléphone, le formulaire de visite, la facture.\n"
    "- **Paramètres** : atelier, zones, tarifs, techniciens."
)
