"""Staff access: accounts, roles, argon2 passwords, login throttling and session timeout.

Every page of the dashboard except the public coverage and request pages needs a logged-in
staff member. This module is the backend of that login (the dashboard wiring is separate):

* accounts live in the ``users`` table (migration 0003), with one role among :data:`ROLES`;
  a ``technician`` account is linked to a row of ``technicians`` and sees only that
  technician's appointments (:func:`own_appointments`, :func:`can_see_appointment`);
* passwords are hashed with argon2id (``argon2-cffi``, its RFC 9106 default parameters); the
  password itself is never stored, logged or returned;
* :func:`authenticate` gives the same French message for an unknown user, a wrong password
  and a disabled account (no one can learn which accounts exist);
* failed logins are **throttled, never locked out** (:mod:`dispatch.office.login_throttle`):
  per client address and per account, growing delays after ``security.max_failed_logins``
  free failures, at most ``security.lockout_min`` minutes; the account's delay only applies
  to clients that have themselves failed, so the owner's right password from a clean client
  always works; an attempt inside a delay is refused with "try again in N s"
  (:class:`LoginThrottled`) without checking the password; :func:`list_throttles` and
  :func:`clear_throttles` (``opms-dispatch user throttles``) show and lift the delays;
* every login success, failure and refusal is written to the audit log (ids and reasons only:
  never a password, never a username that does not exist, since it may be a password typed in
  the wrong field); unknown-user and delayed attempts are aggregated into one row per client
  and 15-minute window, with a count;
* :func:`session_expired` applies ``security.session_timeout_min`` of inactivity;
* :func:`require_role` refuses a user whose role is not allowed (``admin`` may do anything).

Examples
--------
>>> user = authenticate(db, "marie", "un mot de passe long", settings=settings,
...                     client="192.168.1.20")  # doctest: +SKIP
>>> require_role(user, "dispatcher", "billing")  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TypeVar

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from dispatch.errors import AccessDenied, ConflictError, InvalidInput, NotFound
from dispatch.i18n import N_, _
from dispatch.office import login_throttle as throttle
from dispatch.office.login_throttle import (
    CLI_CLIENT,
    UNKNOWN_CLIENT,
    Throttle,
    clear_throttles,
    list_throttles,
)
from dispatch.records import Database, TechnicianRow, UserRow, audit
from dispatch.records import now as _now
from dispatch.records.schema import LoginThrottleRow
from dispatch.records.values import _Record
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

#: The one message of every refused login (unknown user, wrong password, disabled).
LOGIN_REFUSED = N_(
    "Wrong username or password. After several failed attempts, new attempts are slowed down "
    "for a while; if the problem persists, ask an administrator to check your account."
)
#: The message of an attempt refused inside a delay (same for a client's and an account's).
LOGIN_THROTTLED = N_(
    "Too many failed logins from this device or for this account: try again in {seconds} s."
)


class LoginRefused(AccessDenied):
    """A refused login; ``reason`` (for logs and tests, never shown) says why.

    ``reason`` is one of ``unknown_user``, ``wrong_password``, ``disabled``, ``throttled``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(LOGIN_REFUSED)
        self.reason = reason


class LoginThrottled(LoginRefused):
    """An attempt refused inside a delay, before the password was checked.

    ``retry_after`` is the number of seconds to wait (shown in the message).
    """

    def __init__(self, seconds: int) -> None:
        AccessDenied.__init__(self, LOGIN_THROTTLED, seconds=seconds)
        self.reason = "throttled"
        self.retry_after = seconds


@dataclass(frozen=True)
class User(_Record):
    """A staff account as the rest of the product sees it (never the password hash).

    ``failed_logins`` is the account's current series of failures (all clients) and
    ``locked_until`` the end of the account's delay, which applies only to clients that have
    themselves failed (the column keeps its old name: no account is ever locked).
    """

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
    """Replace a user's password (and clear the account's failed logins and delay)."""
    name = normalise_username(username)
    check_password_policy(password, username=name)
    digest = hash_password(password)
    with db.write() as s:
        row = _row(s, name, lock=True)
        row.password_hash = digest
        row.password_changed_at = now or _now()
        row.failed_logins = 0
        row.locked_until = None
        throttle.clear(s, scope=throttle.ACCOUNT, key=row.username)
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
    """Re-enable a disabled account (and clear the account's delay)."""
    with db.write() as s:
        row = _row(s, username, lock=True)
        row.disabled = False
        row.failed_logins = 0
        row.locked_until = None
        throttle.clear(s, scope=throttle.ACCOUNT, key=row.username)
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
    db: Database,
    username: str,
    password: str,
    *,
    settings: Settings,
    client: str = UNKNOWN_CLIENT,
    now: datetime | None = None,
) -> User:
    """Check a login; return the user or raise :class:`LoginRefused` (an AccessDenied).

    The message is the same for every refusal (:data:`LOGIN_REFUSED`) except an attempt
    inside a delay (:class:`LoginThrottled`, "try again in N s"), which is refused before the
    password is checked. Failures are throttled per client and per account
    (:mod:`dispatch.office.login_throttle`): no account is ever locked, and a client with a
    clean record is never delayed by the failures of others. A success clears the client's
    count and the account's series. The password is verified even for unknown and disabled
    accounts so that the answer takes the same time, and before the write transaction (which
    then only updates the counters), so that a flood of logins does not hold the database's
    write lock.

    Parameters
    ----------
    client
        The client's address (the dashboard's visitor; :data:`CLI_CLIENT` for the command
        line; :data:`UNKNOWN_CLIENT`, shared by every caller that does not know it).
    now
        The current time (timezone-aware); default now. Tests inject it instead of sleeping.
    """
    at = now or _now()
    budget = throttle.Budget.of(settings)
    source = throttle.normalise_client(client)
    try:
        name = normalise_username(username)
    except InvalidInput:
        name = ""
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
        password = ""  # still hashed below (same timing), never matches a stored hash
        too_long = True
    else:
        too_long = False
    seen_hash = None
    with db.read() as s:
        if name:
            seen_hash = s.scalars(sa.select(UserRow.password_hash).where(UserRow.username == name)).one_or_none()
        account = throttle.find(s, throttle.ACCOUNT, name) if seen_hash is not None else None
        wait = throttle.retry_after(throttle.find(s, throttle.CLIENT, source), account, at, budget)
    if wait > 0:  # inside a delay: refused without the ~0.1 s of argon2
        with db.write() as s:
            crow, _created = throttle.lock(s, throttle.CLIENT, source)
            _refuse_throttled(s, crow, source, at)
        throttled = LoginThrottled(wait)
        raise throttled
    # The password is verified OUTSIDE the write transaction: argon2 takes ~0.1 s and a
    # transaction held meanwhile would block every other write (SQLite) during a brute force.
    ok = verify_password(seen_hash or _dummy_hash(), password) and seen_hash is not None and not too_long
    rehash = ok and seen_hash is not None and _hasher().check_needs_rehash(seen_hash)
    new_hash = hash_password(password) if rehash else None
    refusal: LoginRefused | None = None
    with db.write() as s:
        # the client's row first: concurrent attempts of one client wait for each other here
        crow, created = throttle.lock(s, throttle.CLIENT, source)
        row = None
        if name:
            q = sa.select(UserRow).where(UserRow.username == name).with_for_update()
            row = s.scalars(q).one_or_none()
        account = throttle.find(s, throttle.ACCOUNT, row.username) if row is not None else None
        wait = throttle.retry_after(crow, account, at, budget)
        if wait > 0:  # a concurrent attempt of this client failed meanwhile
            _refuse_throttled(s, crow, source, at)
            refusal = LoginThrottled(wait)
        elif row is None:
            throttle.record_failure(crow, at, budget)
            throttle.audit_aggregated(s, source, "login_failed", at, reason="unknown_user")
            refusal = LoginRefused("unknown_user")
        else:
            actor = f"user:{row.username}"
            ok = ok and row.password_hash == seen_hash  # the password did not change meanwhile
            if row.disabled:
                throttle.record_failure(crow, at, budget)
                audit(s, actor, "login_refused", "user", row.id, reason="disabled", client=source)
                refusal = LoginRefused("disabled")
            elif not ok:
                throttle.record_failure(crow, at, budget)
                arow, _new = throttle.lock(s, throttle.ACCOUNT, row.username)
                throttle.record_failure(arow, at, budget)
                row.failed_logins = arow.failures
                row.locked_until = arow.delayed_until
                audit(s, actor, "login_failed", "user", row.id, reason="wrong_password",
                      failures=arow.failures, client=source, client_failures=crow.failures)
                refusal = LoginRefused("wrong_password")
            else:
                if new_hash is not None:
                    row.password_hash = new_hash
                throttle.record_success(s, crow, created, row.username)
                row.failed_logins = 0
                row.locked_until = None
                row.last_login_at = at
                audit(s, actor, "login", "user", row.id, client=source)
                user = _user(row)
        if refusal is not None and not isinstance(refusal, LoginThrottled):
            throttle.prune(s, at, budget)
    if refusal is not None:  # raised after the commit: the failure and the delay are kept
        raise refusal
    return user


def _refuse_throttled(s: Session, crow: LoginThrottleRow, source: str, at: datetime) -> None:
    """Count an attempt refused inside a delay (client's row and aggregated audit row)."""
    crow.refused += 1
    throttle.audit_aggregated(s, source, "login_throttled", at)


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
    "CLI_CLIENT",
    "LOGIN_REFUSED",
    "LOGIN_THROTTLED",
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "ROLE_LABELS",
    "UNKNOWN_CLIENT",
    "LoginRefused",
    "LoginThrottled",
    "Throttle",
    "User",
    "add_user",
    "authenticate",
    "can_see_appointment",
    "check_password_policy",
    "check_session",
    "clear_throttles",
    "disable_user",
    "enable_user",
    "get_user",
    "hash_password",
    "list_throttles",
    "list_users",
    "normalise_username",
    "own_appointments",
    "record_view",
    "require_role",
    "session_expired",
    "set_password",
    "verify_password",
]
