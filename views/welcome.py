"""Home page "Accueil": the staff login, then (admin) build the region and load demo data.

Logged out it is the "Connexion" page; on a fresh machine without any account it offers to
create the first administrator, and then (when the region is built) opens "Mise en route", the
setup checklist. A staff member who is not an admin sees links to their pages.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from dispatch.errors import DispatchError, OSMFileError
from dispatch.i18n import _
from dispatch.office import auth, setup_checklist
from views import _access, _common


def _upload_refused(err: OSMFileError) -> str:
    """The French refusal of an uploaded file (its message never holds the server's path)."""
    detail = _common.error_text(err)
    return _(
        "This file cannot build the region: it takes a complete OpenStreetMap extract "
        "(.osm, .osm.bz2, .osm.gz or .osm.pbf, for example from Geofabrik or BBBike) that covers "
        "the territory served. The refused file was not kept.\n\nTechnical detail: {detail}"
    ).format(detail=_common.plain(detail))


#: Session key: this visitor is creating the first administrator of a fresh machine.
FIRST_ADMIN_KEY = "welcome_first_admin"

if _common.public_mode():  # the website's iframe never shows the staff home page
    st.switch_page("views/coverage.py")

s = _common.settings()
user = _access.current_user(s)
if user is None:
    # a fresh machine: whoever creates the first administrator is taken to the checklist next
    st.session_state[FIRST_ADMIN_KEY] = not auth.list_users(_common.database(s))
    _access.login_form(s)
    st.stop()
if st.session_state.pop(FIRST_ADMIN_KEY, False) and user.role == "admin" and _common.region_names(s):
    st.switch_page("views/setup.py")  # the region is there: "Mise en route" is the next step
st.title(_("Welcome"))
# Imported once someone is logged in: the login form of a fresh server shows without waiting
# for the road network and the solvers (numpy, shapely, pyvrp...).
from dispatch.office import planning, region_setup  # noqa: E402

if user.role != "admin":
    st.write(
        _("Hello **{user}** ({role}). Your pages:").format(
            user=_common.plain(user.username), role=user.role_label
        )
    )
    for path, label in (("views/dispatcher.py", _("Dispatch")), ("views/technician.py", _("Technician")),
                        ("views/billing.py", _("Billing"))):
        if _access.allowed(user, path):
            st.page_link(path, label=label)
    st.stop()

checklist = setup_checklist.setup_checklist(s, _common.database(s))
if checklist.missing_for_invoice:
    with st.container(border=True, key="setup_missing"):
        st.markdown(_("**Before the first invoice**, still to set: {items}.").format(
            items=", ".join(_common.plain(i.title) for i in checklist.missing_for_invoice)))
        st.page_link("views/setup.py", label=_("Open the getting-started checklist"),
                     icon=":material/checklist:")
elif not checklist.complete:
    st.page_link("views/setup.py", label=_("Getting started: {count} item(s) left").format(
        count=len(checklist.missing)), icon=":material/checklist:")

names = _common.region_names(s)
step1 = ":material/check_circle:" if names else "1."
st.subheader(_("{step} The road map of your territory").format(step=step1))
if names:
    st.success(
        _(
            "Region ready: **{names}**. Distances, paths and routes are computed on this "
            "computer, without internet."
        ).format(names=_common.plain(", ".join(names)))
    )
else:
    st.write(
        _(
            "Everything works offline from an OpenStreetMap extract of your territory (`.osm`, "
            "`.osm.bz2` or `.osm.pbf` file, for example from a provider of regional extracts). Also "
            "give the position of the shop: it is the technicians' starting point and the centre of "
            "the service zones."
        )
    )

with st.expander(_("Build a region"), expanded=not names):
    tab_file, tab_download = st.tabs([_("From a file"), _("Download (online)")])
    with tab_file:
        with st.form("region_file_form"):
            upload = st.file_uploader(
                _("OpenStreetMap file"),
                type=["osm", "pbf", "bz2", "gz"],
                key="region_upload",
                help=_("A .osm, .osm.bz2, .osm.gz or .osm.pbf extract, at most {mb} MB.").format(
                    mb=s.security.upload_max_mb
                ),
            )
            name = st.text_input(_("Region name"), value="mascouche", key="region_name_file")
            shop = st.text_input(
                _("Shop position (latitude, longitude)"),
                value="45.7460, -73.6010",
                key="region_shop_file",
            )
            c1, c2 = st.columns(2)
            core = c1.number_input(_("Core zone (km)"), 1.0, 100.0, float(s.service_area.core_km))
            ext = c2.number_input(_("Extended zone (km)"), 1.0, 150.0, float(s.service_area.extended_km))
            go = st.form_submit_button(_("Build the region"), type="primary")
        if go:
            if upload is None:
                st.warning(_("Choose an OpenStreetMap file first."))
            else:
                bar = st.progress(0.0, text=_("Reading the file…"))

                def progress(stage: str, fraction: float | None) -> None:
                    bar.progress(min(max(fraction or 0.0, 0.0), 1.0), text=stage)

                try:
                    region_setup.build_region_from_upload(
                        upload.name, upload.getbuffer(), name=name, shop=shop, core_km=core,
                        extended_km=ext, settings=s, progress=progress,
                    )
                except OSMFileError as err:
                    bar.empty()
                    st.error(_upload_refused(err))
                except DispatchError as err:
                    bar.empty()
                    _common.error_box(err)
                else:
                    bar.progress(1.0, text=_("Region ready."))
                    st.session_state["region_name"] = name.strip()
                    st.rerun()
    with tab_download:
        st.write(
            _(
                "Downloads the roads and addresses around the shop from OpenStreetMap (Overpass "
                "service). **An internet connection is needed**; without one, use a file."
            )
        )
        with st.form("region_download_form"):
            name_d = st.text_input(_("Region name"), value="ma-region", key="region_name_dl")
            shop_d = st.text_input(
                _("Shop position (latitude, longitude)"), value="", key="region_shop_dl",
                placeholder="45.7460, -73.6010",
            )
            go_d = st.form_submit_button(_("Download and build"))
        if go_d:
            try:
                with st.spinner(_("Downloading from OpenStreetMap…")):
                    region_setup.download_region(name_d, shop=shop_d, settings=s)
            except (ConnectionError, TimeoutError) as err:
                st.error(
                    _(
                        "Download failed: this computer seems to be offline or the OpenStreetMap "
                        "service does not answer ({reason}). Use an `.osm` file instead."
                    ).format(reason=_common.plain(_common.error_text(err)))
                )
            except DispatchError as err:
                _common.error_box(err)
            else:
                st.session_state["region_name"] = name_d.strip()
                st.rerun()

st.subheader(_("2. Try with demo data"))
if not names:
    st.caption(_("Available as soon as a region is built."))
else:
    st.write(
        _(
            "Creates technicians, requests and appointments at real addresses of the region, to try "
            "the day's planning right away."
        )
    )
    c1, c2, c3 = st.columns(3)
    n_tech = c1.number_input(_("Technicians"), 1, 10, 4, key="demo_techs")
    n_visits = c2.number_input(_("Visits"), 1, 80, 20, key="demo_visits")
    day = c3.date_input(_("Day"), date.today() + timedelta(days=1), key="demo_day", format="YYYY-MM-DD")
    if st.button(_("Load the demo data"), key="demo_load"):
        try:
            with st.spinner(_("Creating the data…")):
                summary = planning.load_demo(
                    _common.region(s), settings=s, db=_common.database(s), day=day,
                    n_technicians=int(n_tech), n_visits=int(n_visits),
                )
        except DispatchError as err:
            _common.error_box(err)
        else:
            st.success(
                _("{technicians} technicians and {visits} appointments created for {day}.").format(
                    technicians=summary["technicians"], visits=summary["visits"],
                    day=_common.long_date(day),
                )
            )
            st.page_link("views/dispatcher.py", label=_("Plan this day"), icon=":material/route:")

st.subheader(_("3. Day to day"))
st.markdown(
    _(
        "- **Check my coverage** and **Service request** are the public pages, to embed in the "
        "website (add `?embed=true&public=1` to their address in an `<iframe>`).\n"
        "- **Dispatch**: requests to call back, the day's appointments, *Optimise the day*.\n"
        "- **Technician**: the day's route on a phone, the visit form, the invoice.\n"
        "- **Settings**: shop, zones, rates, technicians."
    )
)
