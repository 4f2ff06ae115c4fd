"""Staff access: accounts, roles, argon2 passwords, login throttling and session timeout.

Every page of the dashboard except the public coverage and request pages needs a logged-in
staff member. This module is the backend of that login (the dashboard wiring is separate):

* accounts live in the ``users`` table (migration 0003), with one role among :data:`ROLES`;
  a ``technician`` account is linked to a row of ``technicians`` and sees only that
  technician's appointments (:func:`own_appointments`, :func:`can_see_appointment`);
* passwords are hashed with argon2id (``argon2-cffi``, its RFC 9106 default parameters); the
  password itself is never stored, logged or returned;
* :func:`authenticate` gives the same French message for an unknown user, a wrong password,
  a locked and a disabled account (no one can learn which accounts exist); after
  ``security.max_failed_logins`` failures in a row the account is locked for
  ``security.lockout_min`` minutes;
* every login success, failure, refusal and lockout is written to the audit log (ids and
  reasons only: never a password, never a username that does not exist, since it may be a
  password typed in the wrong field);
* :func:`session_expired` applies ``security.session_timeout_min`` of inactivity;
* :func:`require_role` refuses a user whose role is not allowed (``admin`` may do anything).

Examples
--------
>>> user = authenticate(db, "marie", "un mot de passe long", settings=settings)  # doctest: +SKIP
>>> require_role(user, "dispatcher", "billing")  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from dispatch.errors import AccessDenied, ConflictError, InvalidInput, NotFound
from dispatch.i18n import N_, _
from dispatch.records import Database, TechnicianRow, UserRow, audit
from dispatch.records import now as _now
from dispatch.records.values import _Record

if TYPE_CHECKING:
    from dispatch.settings import Settings

#: The staff roles, from the most to the least powerful.
ROLES = ("admin", "dispatcher", "technician", "billing")
#: Labels of the roles (for the dashboard; marked, translated where shown).
ROLE_LABELS = {
    "admin": N_("Administrator"),
    "dispatcher": N_("Dispatcher"),
    "technician": N_("Technician"),
    "billing": N_("Billing"),
}
#: Shortest password accepted for a staff account.
MIN_PASSWORD_LENGTH = 10
#: Longest password accepted (longer input is refused before hashing).
MAX_PASSWORD_LENGTH = 1024
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

#: The one message of every refused login (unknown user, wrong password, locked, disabled).
LOGIN_REFUSED = N_(
    "Wrong username or password. After several failed attempts the account is locked for a "
    "few minutes; if the problem persists, ask an administrator to check your account."
)


class LoginRefused(AccessDenied):
    """A refused login; ``reason`` (for logs and tests, never shown) says why.

    ``reason`` is one of ``unknown_user``, ``wrong_password``, ``locked``, ``disabled``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(LOGIN_REFUSED)
        self.reason = reason


@dataclass(frozen=True)
class User(_Record):
    """A staff account as the rest of the product sees it (never the password hash)."""

    id: int
    username: str
    role: str
    technician_id: int | None
    disabled: bool
    failed_logins: int
    locked_until: datetime | None
    last_login_at: datetime | None
    password_changed_at: datetime
    created_at: datetime

    @property
    def role_label(self) -> str:
        """The role in the active language."""
        return _(ROLE_LABELS[self.role]) if self.role in ROLE_LABELS else self.role


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        role=row.role,
        technician_id=row.technician_id,
        disabled=bool(row.disabled),
        failed_logins=row.failed_logins,
        locked_until=row.locked_until,
        last_login_at=row.last_login_at,
        password_changed_at=row.password_changed_at,
        created_at=row.created_at,
    )


# --------------------------------------------------------------------------------------------
# Passwords
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against when the user is unknown (same time as a real check)."""
    return _hasher().hash("opms-dispatch: no such user")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (a ``$argon2id$...`` string, salted)."""
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash`` (false for any malformed hash)."""
    try:
        return bool(_hasher().verify(stored_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_policy(password: object, *, username: str = "") -> None:
    """Refuse a password too short, too long, or equal to the username (InvalidInput)."""
    if not isinstance(password, str):
        msg = N_("The password must be text.")
        raise InvalidInput(msg)
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = N_(
            "Password too short ({length} characters): it needs at least {minimum}. "
            "A short sentence is easier to remember."
        )
        raise InvalidInput(msg, length=len(password), minimum=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        msg = N_("Password too long: at most {maximum} characters.")
        raise InvalidInput(msg, maximum=MAX_PASSWORD_LENGTH)
    if "\x00" in password:
        msg = N_("The password cannot contain a null character.")
        raise InvalidInput(msg)
    if username and password.strip().lower() == username.lower():
        msg = N_("The password cannot be the username.")
        raise InvalidInput(msg)


def normalise_username(username: str) -> str:
    """``username`` trimmed and lower-cased; InvalidInput when it is not a valid name."""
    name = username.strip().lower() if isinstance(username, str) else ""
    if not _USERNAME.match(name):
        msg = N_(
            "Invalid username {username!r}: 2 to 64 characters among a-z, 0-9, dot, dash and "
            "underscore, starting with a letter or a digit."
        )
        raise InvalidInput(msg, username=username)
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        msg = N_("Unknown role {role!r}: choose among {roles}.")
        raise InvalidInput(msg, role=role, roles=", ".join(ROLES))
    return role


# --------------------------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------------------------


def _row(s: Session, username: str, *, lock: bool = False) -> UserRow:
    q = sa.select(UserRow).where(UserRow.username == normalise_username(username))
    if lock:
        q = q.with_for_update()
    row = s.scalars(q).one_or_none()
    if row is None:
        msg = N_("No account {username!r}: see `opms-dispatch user list`.")
        raise NotFound(msg, username=username)
    return row


def add_user(
    db: Database,
    username: str,
    password: str,
    *,
    role: str,
    technician_id: int | None = None,
    actor: str,
    now: datetime | None = None,
) -> User:
    """Create a staff account.

    Parameters
    ----------
    username
        Login name (stored lower-case; see :func:`normalise_username`).
    password
        At least :data:`MIN_PASSWORD_LENGTH` characters; only its argon2 hash is stored.
    role
        One of :data:`ROLES`.
    technician_id
        Required for (and only for) the ``technician`` role: the technician whose visits the
        account sees.
    actor
        Who creates the account (audit log).

    Raises
    ------
    InvalidInput
        Bad name, role or password; technician link missing or not allowed.
    NotFound
        No technician ``technician_id``.
    ConflictError
        The username is taken.
    """
    name = normalise_username(username)
    _check_role(role)
    check_password_policy(password, username=name)
    if role == "technician" and technician_id is None:
        msg = N_("A technician account must be linked to a technician: add --technician-id N.")
        raise InvalidInput(msg)
    if role != "technician" and technician_id is not None:
        msg = N_("Only a technician account is linked to a technician (role asked for: {role}).")
        raise InvalidInput(msg, role=role)
    at = now or _now()
    digest = hash_password(password)
    with db.write() as s:
        if technician_id is not None and s.get(TechnicianRow, technician_id) is None:
            msg = N_("No technician no. {id}: see the list of technicians.")
            raise NotFound(msg, id=technician_id)
        if s.scalars(sa.select(UserRow.id).where(UserRow.username == name)).first() is not None:
            msg = N_("The username {name!r} is already taken: choose another one.")
            raise ConflictError(msg, name=name)
        row = UserRow(
            username=name,
            password_hash=digest,
            role=role,
            technician_id=technician_id,
            disabled=False,
            failed_logins=0,
            password_changed_at=at,
            created_at=at,
        )
        s.add(row)
        s.flush()
        audit(s, actor, "user_created", "user", row.id, role=role, technician_id=technician_id)
        return _user(row)


def set_password(
    db: Database, username: str, password: str, *, actor: str, now: datetime | None = None
) -> User:
    """Replace a user's password (and clear its failed logins and lockout)."""
    name = normalise_username(username)
    check_password_policy(password, username=name)
    digest = hash_password(password)
    with db.write() as s:
        row = _row(s, name, lock=True)
        row.password_hash = digest
        row.password_changed_at = now or _now()
        row.failed_logins = 0
        row.locked_until = None
        audit(s, actor, "password_changed", "user", row.id)
        return _user(row)


def disable_user(db: Database, username: str, *, actor: str) -> User:
    """Disable an account: it can no longer log in (its history stays)."""
    with db.write() as s:
        row = _row(s, username, lock=True)
        row.disabled = True
        audit(s, actor, "user_disabled", "user", row.id)
        return _user(row)


def enable_user(db: Database, username: str, *, actor: str) -> User:
    """Re-enable a disabled account (and clear its lockout)."""
    with db.write() as s:
        row = _row(s, username, lock=True)
        row.disabled = False
        row.failed_logins = 0
        row.locked_until = None
        audit(s, actor, "user_enabled", "user", row.id)
        return _user(row)


def get_user(db: Database, username: str) -> User:
    """The account ``username`` (NotFound if none)."""
    with db.read() as s:
        return _user(_row(s, username))


def list_users(db: Database) -> list[User]:
    """Every account, by username."""
    with db.read() as s:
        return [_user(r) for r in s.scalars(sa.select(UserRow).order_by(UserRow.username))]


# --------------------------------------------------------------------------------------------
# Login
# --------------------------------------------------------------------------------------------


def authenticate(
    db: Database, username: str, password: str, *, settings: Settings, now: datetime | None = None
) -> User:
    """Check a login; return the user or raise :class:`LoginRefused` (an AccessDenied).

    The message is the same for every refusal (:data:`LOGIN_REFUSED`). A wrong password
    counts as a failure; at ``settings.security.max_failed_logins`` failures in a row the
    account is locked for ``settings.security.lockout_min`` minutes, during which even the
    right password is refused. A success clears the counter. The password is verified even
    for unknown, locked and disabled accounts so that the answer takes the same time, and
    before the write transaction (which then only updates the counters), so that a flood of
    logins does not hold the database's write lock.

    Parameters
    ----------
    now
        The current time (timezone-aware); default now. Tests inject it to pass the lockout.
    """
    at = now or _now()
    sec = settings.security
    try:
        name = normalise_username(username)
    except InvalidInput:
        name = ""
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
        password = ""  # still hashed below (same timing), never matches a stored hash
        too_long = True
    else:
        too_long = False
    # The password is verified OUTSIDE the write transaction: argon2 takes ~0.1 s and a
    # transaction held meanwhile would block every other write (SQLite) during a brute force.
    seen_hash = None
    if name:
        with db.read() as s:
            seen_hash = s.scalars(sa.select(UserRow.password_hash).where(UserRow.username == name)).one_or_none()
    ok = verify_password(seen_hash or _dummy_hash(), password) and seen_hash is not None and not too_long
    rehash = ok and seen_hash is not None and _hasher().check_needs_rehash(seen_hash)
    new_hash = hash_password(password) if rehash else None
    refusal: LoginRefused | None = None
    with db.write() as s:
        row = None
        if name:
            q = sa.select(UserRow).where(UserRow.username == name).with_for_update()
            row = s.scalars(q).one_or_none()
        if row is None:
            audit(s, "anonymous", "login_failed", "user", None, reason="unknown_user")
            refusal = LoginRefused("unknown_user")
        else:
            actor = f"user:{row.username}"
            ok = ok and row.password_hash == seen_hash  # the password did not change meanwhile
            if row.locked_until is not None and row.locked_until <= at:
                row.locked_until = None  # the lockout is over: a fresh series of attempts
                row.failed_logins = 0
            if row.disabled:
                audit(s, actor, "login_refused", "user", row.id, reason="disabled")
                refusal = LoginRefused("disabled")
            elif row.locked_until is not None:
                audit(s, actor, "login_refused", "user", row.id, reason="locked",
                      locked_until=row.locked_until)
                refusal = LoginRefused("locked")
            elif not ok:
                row.failed_logins += 1
                audit(s, actor, "login_failed", "user", row.id, reason="wrong_password",
                      failures=row.failed_logins)
                if row.failed_logins >= sec.max_failed_logins:
                    row.locked_until = at + timedelta(minutes=sec.lockout_min)
                    audit(s, actor, "account_locked", "user", row.id,
                          failures=row.failed_logins, minutes=sec.lockout_min)
                refusal = LoginRefused("wrong_password")
            else:
                if new_hash is not None:
                    row.password_hash = new_hash
                row.failed_logins = 0
                row.locked_until = None
                row.last_login_at = at
                audit(s, actor, "login", "user", row.id)
                user = _user(row)
    if refusal is not None:  # raised after the commit: the failure and the lockout are kept
        raise refusal
    return user


def session_expired(last_seen: datetime | None, *, settings: Settings, now: datetime | None = None) -> bool:
    """Whether a session last active at ``last_seen`` has timed out.

    True after ``settings.security.session_timeout_min`` minutes of inactivity, when
    ``last_seen`` is missing or naive, or when it lies in the future (a forged or corrupted
    session): in doubt, log in again.
    """
    if last_seen is None or last_seen.tzinfo is None:
        return True
    at = now or _now()
    idle = at - last_seen
    if idle < timedelta(seconds=-5):
        return True
    return idle >= timedelta(minutes=settings.security.session_timeout_min)


def check_session(
    db: Database, username: str, last_seen: datetime | None, *, settings: Settings,
    now: datetime | None = None,
) -> User:
    """The user of a dashboard session, checked on each page load.

    Refuses (AccessDenied) a session idle for ``security.session_timeout_min`` minutes and a
    user disabled or deleted since the login (a disabled account loses its open sessions).
    The caller then stores ``now`` as the session's new ``last_seen``.
    """
    if session_expired(last_seen, settings=settings, now=now):
        msg = N_("Session expired after {minutes} minutes of inactivity: log in again.")
        raise AccessDenied(msg, minutes=settings.security.session_timeout_min)
    try:
        user = get_user(db, username)
    except (NotFound, InvalidInput) as err:
        msg = N_("This account no longer exists: log in again.")
        raise AccessDenied(msg) from err
    if user.disabled:
        msg = N_("This account is disabled: ask an administrator.")
        raise AccessDenied(msg)
    return user


def require_role(user: User | None, *roles: str) -> User:
    """Return ``user`` if it may act with one of ``roles`` (admin may always); else AccessDenied."""
    for r in roles:
        _check_role(r)
    if user is None:
        msg = N_("Log in to access this page.")
        raise AccessDenied(msg)
    if user.disabled:
        msg = N_("This account is disabled: ask an administrator.")
        raise AccessDenied(msg)
    if user.role == "admin" or user.role in roles:
        return user
    wanted = ", ".join(_(ROLE_LABELS[r]) for r in roles) or _(ROLE_LABELS["admin"])
    msg = N_("Access denied: this page is reserved for the roles {wanted} (your role: {role}).")
    raise AccessDenied(msg, wanted=wanted, role=user.role_label)


# --------------------------------------------------------------------------------------------
# What a user may see
# --------------------------------------------------------------------------------------------

T = TypeVar("T")


def _technician_of(item: object) -> int | None:
    appt = getattr(item, "appointment", item)  # DayAppointment wraps an Appointment
    return getattr(appt, "technician_id", None)


def can_see_appointment(user: User, item: object) -> bool:
    """Whether ``user`` may see an Appointment / DayAppointment (technicians: their own only)."""
    if user.disabled:
        return False
    if user.role != "technician":
        return True
    return user.technician_id is not None and _technician_of(item) == user.technician_id


def own_appointments(user: User, items: Iterable[T]) -> list[T]:
    """The appointments of ``items`` that ``user`` may see (all, or a technician's own)."""
    return [i for i in items if can_see_appointment(user, i)]


def record_view(db: Database, user: User, entity: str, entity_id: int | None, **details: object) -> None:
    """Write to the audit log that ``user`` viewed a record (customer, request, invoice...)."""
    with db.write() as s:
        audit(s, f"user:{user.username}", "view", entity, entity_id, **details)


__all__ = [
    "LOGIN_REFUSED",
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "ROLE_LABELS",
    "LoginRefused",
    "User",
    "add_user",
    "authenticate",
    "can_see_appointment",
    "check_password_policy",
    "check_session",
    "disable_user",
    "enable_user",
    "get_user",
    "hash_password",
    "list_users",
    "normalise_username",
    "own_appointments",
    "record_view",
    "require_role",
    "session_expired",
    "set_password",
    "verify_password",
]
