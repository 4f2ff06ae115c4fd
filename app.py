"""The OPMS dashboard: a router over thin pages (``streamlit run app.py``).

Public pages (no login, embeddable in the company's website):
``/couverture`` and ``/demande``; with ``?embed=true&public=1`` (the iframe's address) the
staff navigation is not shown at all, only the two public pages can be reached, without login.
Every other page needs a staff login (``views/_access.py`` over ``dispatch.office.auth``): logged
out, the navigation holds only the home page (the "Connexion" form, or the creation of the
first administrator on a fresh machine) and the public pages; logged in, it lists only the
pages of the user's role (admin: all; dispatcher: Répartition; technician: Technicien;
billing: Facturation), and each staff page checks the role again itself. The home page (``/``) guides a fresh machine: build the region, load demo
data. (The default page of ``st.navigation`` is always served at ``/``, so it is the one
page without a path of its own.)

The page scripts live in ``views/``, not ``pages/``: Streamlit treats a ``pages/`` folder
beside the entry script as an old-style multipage app until ``st.navigation`` first runs in
the server process, so the first visitor of a deep link (``/couverture``) got a "Page not
found" dialog.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dispatch.i18n import _, set_language
from views import _access, _common

s = _common.settings()
set_language(s.general.language)  # every text of this run in ``general.language``

st.set_page_config(
    page_title=_("OPMS — Dispatch and coverage"),
    page_icon=str(Path(__file__).parent / "maps" / "static" / "app" / "icon.png"),
    layout="wide",
    initial_sidebar_state="auto",
)
# Phone widths: nothing scrolls sideways, and the menu closes after a page is chosen.
_common.phone_layout(menu=not _common.public_mode())

coverage = st.Page(
    "views/coverage.py", title=_("Check my coverage"), icon=":material/location_on:",
    url_path="couverture",
)
request = st.Page(
    "views/request.py", title=_("Service request"), icon=":material/edit_note:",
    url_path="demande",
)
slot_page = st.Page(  # the customer's signed link (/creneau?t=TOKEN): public, no login
    "views/slots.py", title=_("Choose a time"), icon=":material/event:", url_path="creneau",
)
dispatcher = st.Page(
    "views/dispatcher.py", title=_("Dispatch"), icon=":material/route:", url_path="repartition",
)
technician = st.Page(
    "views/technician.py", title=_("Technician"), icon=":material/build:", url_path="technicien"
)
billing = st.Page(
    "views/billing.py", title=_("Billing"), icon=":material/receipt_long:",
    url_path="facturation",
)
workshop_page = st.Page(
    "views/workshop.py", title=_("Workshop"), icon=":material/handyman:", url_path="atelier",
)
remote_page = st.Page(
    "views/remote.py", title=_("Remote"), icon=":material/support_agent:", url_path="a-distance",
)
reports_page = st.Page(
    "views/reports.py", title=_("Reports"), icon=":material/bar_chart:", url_path="rapports",
)
messages_page = st.Page(
    "views/messages.py", title=_("Messages"), icon=":material/mail:", url_path="messages",
)
settings_page = st.Page(
    "views/parametres.py", title=_("Settings"), icon=":material/settings:", url_path="parametres"
)
welcome = st.Page("views/welcome.py", title=_("Home"), icon=":material/home:", default=True)
setup_page = st.Page(
    "views/setup.py", title=_("Getting started"), icon=":material/checklist:",
    url_path="mise-en-route",
)

if _common.public_mode():
    # The website's iframe (``?embed=true&public=1``): the public pages only, no navigation.
    nav = st.navigation([welcome, coverage, request, slot_page], position="hidden")
else:
    user = _access.current_user(s)
    staff = [
        page for page, path in ((dispatcher, "views/dispatcher.py"),
                                (technician, "views/technician.py"), (workshop_page, "views/workshop.py"),
                                (remote_page, "views/remote.py"), (billing, "views/billing.py"),
                                (reports_page, "views/reports.py"), (messages_page, "views/messages.py"))
        if _access.allowed(user, path)
    ]
    sections = {"": [welcome], _("Customers"): [coverage, request, slot_page]}
    if staff:
        sections[_("Team")] = staff
    if _access.allowed(user, "views/parametres.py"):
        sections[_("Administration")] = [settings_page]
    if _access.allowed(user, "views/setup.py"):
        sections.setdefault(_("Administration"), []).insert(0, setup_page)
    nav = st.navigation(sections, expanded=True)  # every page listed (13 for an admin; not "View 3 more")
    if user is not None:
        _access.sidebar(user)
nav.run()
