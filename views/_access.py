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
from views import _common

_USER = "auth_username"
_SEEN = "auth_last_seen"
_NOTICE = "auth_notice"
_VIEWED = "auth_viewed"

#: Roles allowed on each staff page besides ``admin`` (an empty tuple: admin only).
PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "views/dispatcher.py": ("dispatcher",),
    "views/technician.py": ("technician",),
    "views/billing.py": ("billing",),
    "views/parametres.py": (),
}


def _now() -> datetime:
    from dispatch.records.storage import now

    return now()


def _db(s: Any) -> Any:
    db = _common.database(s)
    if db is None:  # pragma: no cover - storage is part of the product
        st.error("Le stockage n'est pas installé sur ce poste : connexion impossible.")
        st.stop()
    return db


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
    from dispatch.office import auth

    try:
        user = auth.check_session(_db(s), name, st.session_state.get(_SEEN), settings=s)
    except AccessDenied as err:
        logout(str(err))
        return None
    st.session_state[_SEEN] = _now()
    return user


def allowed(user: Any | None, page: str) -> bool:
    """Whether ``user`` may open the staff page ``page`` (a ``views/...`` path)."""
    if user is None:
        return False
    from dispatch.office import auth

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
    from dispatch.office import auth

    st.title("Bienvenue")
    st.write(
        "Premier démarrage : aucun compte n'existe encore sur ce poste. Créez le compte "
        "**administrateur** ; il pourra ensuite construire la région, régler les paramètres "
        "et ajouter les comptes de l'équipe (`opms-dispatch user add`)."
    )
    with st.form("first_admin_form"):
        name = st.text_input("Nom d'utilisateur", key="first_username", value="admin")
        pw1 = st.text_input(
            "Mot de passe", type="password", key="first_password",
            help=f"Au moins {auth.MIN_PASSWORD_LENGTH} caractères ; une courte phrase convient.",
        )
        pw2 = st.text_input("Mot de passe (encore)", type="password", key="first_password2")
        go = st.form_submit_button("Créer le compte administrateur", type="primary",
                                   key="first_submit")
    if go:
        if pw1 != pw2:
            st.error("Les deux mots de passe diffèrent : tapez-les de nouveau.")
            return
        db = _db(s)
        if auth.list_users(db):  # someone else created it meanwhile: log in normally
            st.error("Un compte existe déjà : connectez-vous.")
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
    from dispatch.office import auth

    db = _db(s)
    if not auth.list_users(db):
        _first_admin_form(s)
        return
    st.title("Connexion")
    st.write("Cette page est réservée à l'équipe. Connectez-vous avec votre compte.")
    notice = st.session_state.get(_NOTICE)
    if notice:
        st.warning(notice)
    with st.form("login_form"):
        name = st.text_input("Nom d'utilisateur", key="login_username")
        pw = st.text_input("Mot de passe", type="password", key="login_password")
        go = st.form_submit_button("Se connecter", type="primary", key="login_submit")
    if go:
        try:
            user = auth.authenticate(db, name, pw, settings=s)
        except AccessDenied as err:
            st.error(str(err))
            return
        _login_as(user)
        st.rerun()


def require(s: Any, page: str) -> Any:
    """The guard of a staff page: the allowed user, or the login form / refusal and stop."""
    from dispatch.office import auth

    user = current_user(s)
    if user is None:
        login_form(s)
        st.stop()
    try:
        auth.require_role(user, *PAGE_ROLES.get(page, ()))
    except AccessDenied as err:
        st.error(str(err))
        st.stop()
    return user


def sidebar(user: Any) -> None:
    """Who is logged in, and the logout button."""
    with st.sidebar:
        st.caption(f"Connecté : **{_common.md(user.username)}** ({user.role_label})")
        if st.button("Se déconnecter", key="logout", icon=":material/logout:"):
            logout("Vous êtes déconnecté.")
            st.rerun()


def viewed(s: Any, user: Any, entity: str, entity_id: int | None, **details: Any) -> None:
    """Write once per session to the audit log that ``user`` saw a customer's record."""
    seen: set[tuple[str, Any]] = st.session_state.setdefault(_VIEWED, set())
    if (entity, entity_id) in seen:
        return
    from dispatch.office import auth

    auth.record_view(_db(s), user, entity, entity_id, **details)
    seen.add((entity, entity_id))
