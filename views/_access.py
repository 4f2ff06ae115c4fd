"""Staff login of the dashboard: the "Connexion" form, the first admin, roles, logout.

The rules live in :mod:`dispatch.office.auth` (argon2 passwords, throttling, session timeout, roles);
this module only wires them to Streamlit's per-tab session:

* the session keeps the username and the time of its last page load; every page load goes
  through :func:`current_user`, which calls :func:`dispatch.office.auth.check_session` (timeout of
  ``security.session_timeout_min``, account disabled since the login) and logs out on refusal;
* :func:`require` is the guard at the top of every staff page: without a login it shows the
  login form and stops; with a role not allowed it shows the French refusal and stops;
* on a machine without any account, the login form is replaced by the creation of the first
  administrator (username and password twice), who is then logged in.

A Streamlit session lives as long as the browser tab's connection: reloading the page
(or opening a link in a new tab) asks for the login again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import streamlit as st

from dispatch.errors import AccessDenied, DispatchError
from dispatch.i18n import _
from dispatch.office import auth, desk
from views import _common

_USER = "auth_username"
_SEEN = "auth_last_seen"
_NOTICE = "auth_notice"
_VIEWED = "auth_viewed"

#: Roles allowed on each staff page besides ``admin`` (an empty tuple: admin only).
PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "views/dispatcher.py": ("dispatcher",),
    "views/technician.py": ("technician",),
    "views/workshop.py": ("dispatcher", "technician"),
    "views/remote.py": ("dispatcher", "technician"),
    "views/billing.py": ("billing",),
    "views/reports.py": ("billing",),
    "views/messages.py": ("dispatcher",),
    "views/parametres.py": (),
    "views/setup.py": (),
}


def _now() -> datetime:
    return desk.now()


def _db(s: Any) -> Any:
    return _common.database(s)


#: The login client of a visitor whose address Streamlit does not give (``localhost``).
LOCAL_CLIENT = "local"


def client_address() -> str:
    """The visitor's address for the login throttling (:func:`dispatch.office.auth.authenticate`).

    The address of the browser's connection as Streamlit sees it (``st.context.ip_address``;
    behind a reverse proxy, the proxy's unless it forwards the visitor's); :data:`LOCAL_CLIENT`
    on ``localhost`` or when unknown (those visitors then share one budget).
    """
    return st.context.ip_address or LOCAL_CLIENT


def logout(notice: str | None = None) -> None:
    """Forget the session's login (and what it has seen)."""
    for key in (_USER, _SEEN, _VIEWED):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[_NOTICE] = notice


def current_user(s: Any) -> Any | None:
    """The logged-in :class:`dispatch.office.auth.User` of this session, or ``None``.

    Checks the session on each call (timeout, disabled account) and refreshes its last-seen
    time; a refused session is logged out with the reason kept for the login form.
    """
    name = st.session_state.get(_USER)
    if not name:
        return None
    try:
        user = auth.check_session(_db(s), name, st.session_state.get(_SEEN), settings=s)
    except AccessDenied as err:
        logout(_common.error_text(err))
        return None
    st.session_state[_SEEN] = _now()
    return user


def allowed(user: Any | None, page: str) -> bool:
    """Whether ``user`` may open the staff page ``page`` (a ``views/...`` path)."""
    if user is None:
        return False
    try:
        auth.require_role(user, *PAGE_ROLES.get(page, ()))
    except AccessDenied:
        return False
    return True


def _login_as(user: Any) -> None:
    st.session_state[_USER] = user.username
    st.session_state[_SEEN] = _now()
    st.session_state.pop(_NOTICE, None)


def _first_admin_form(s: Any) -> None:
    st.title(_("Welcome"))
    st.write(
        _(
            "First start: no account exists on this computer yet. Create the **administrator** "
            "account; it can then build the region, adjust the settings and add the team's "
            "accounts (`opms-dispatch user add`)."
        )
    )
    with st.form("first_admin_form"):
        name = st.text_input(_("Username"), key="first_username", value="admin")
        pw1 = st.text_input(
            _("Password"), type="password", key="first_password",
            help=_("At least {count} characters; a short sentence will do.").format(
                count=auth.MIN_PASSWORD_LENGTH
            ),
        )
        pw2 = st.text_input(_("Password (again)"), type="password", key="first_password2")
        go = st.form_submit_button(_("Create the administrator account"), type="primary",
                                   key="first_submit")
    if go:
        if pw1 != pw2:
            st.error(_("The two passwords differ: type them again."))
            return
        db = _db(s)
        if auth.list_users(db):  # someone else created it meanwhile: log in normally
            st.error(_("An account already exists: log in."))
            return
        try:
            user = auth.add_user(db, name, pw1, role="admin", actor="first-run")
        except DispatchError as err:
            _common.error_box(err)
            return
        _login_as(user)
        st.rerun()


def login_form(s: Any) -> None:
    """The "Connexion" form (or the first administrator's creation on a fresh machine)."""
    db = _db(s)
    if not auth.list_users(db):
        _first_admin_form(s)
        return
    st.title(_("Login"))
    st.write(_("This page is for the team only. Log in with your account."))
    notice = st.session_state.get(_NOTICE)
    if notice:
        st.warning(_common.plain(notice))
    with st.form("login_form"):
        name = st.text_input(_("Username"), key="login_username")
        pw = st.text_input(_("Password"), type="password", key="login_password")
        go = st.form_submit_button(_("Log in"), type="primary", key="login_submit")
    if go:
        try:
            user = auth.authenticate(db, name, pw, settings=s, client=client_address())
        except AccessDenied as err:
            _common.error_box(err)
            return
        _login_as(user)
        st.rerun()


def require(s: Any, page: str) -> Any:
    """The guard of a staff page: the allowed user, or the login form / refusal and stop."""
    user = current_user(s)
    if user is None:
        login_form(s)
        st.stop()
    try:
        auth.require_role(user, *PAGE_ROLES.get(page, ()))
    except AccessDenied as err:
        _common.error_box(err)
        st.stop()
    return user


def sidebar(user: Any) -> None:
    """Who is logged in, and the logout button."""
    with st.sidebar:
        st.caption(
            _("Logged in: **{user}** ({role})").format(user=_common.plain(user.username), role=user.role_label)
        )
        if st.button(_("Log out"), key="logout", icon=":material/logout:"):
            logout(_("You are logged out."))
            st.rerun()


def viewed(s: Any, user: Any, entity: str, entity_id: int | None, **details: Any) -> None:
    """Write once per session to the audit log that ``user`` saw a customer's record."""
    seen: set[tuple[str, Any]] = st.session_state.setdefault(_VIEWED, set())
    if (entity, entity_id) in seen:
        return
    auth.record_view(_db(s), user, entity, entity_id, **details)
    seen.add((entity, entity_id))
