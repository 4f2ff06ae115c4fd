"""Login throttling (OWASP authentication guidance): growing delays, never a lockout.

Two budgets of failed logins, kept in the ``login_throttles`` table (migration 0005):

* **per client** (the address the dashboard sees, ``cli`` for the command line): the first
  ``security.max_failed_logins`` (5) failures of a series cost nothing; each further failure
  makes the client wait 1 s, then 2, 4, 8 ... s, at most ``security.lockout_min`` (15) minutes;
* **per account** (existing usernames only): the same rule over the failures of *every*
  client, but its delay applies only to clients that have themselves failed within the last
  hour. A client with a clean record is never delayed by an attack on the account, so the
  owner's right password always gets through from their own machine.

An attempt inside a delay is refused with "try again in N s" **before** the password is checked
(no argon2 work for a flooding client). A series is forgotten :func:`forget_after` (1 hour, or
twice the longest delay if that is longer) after its last failure; the old rows are deleted then.
A success clears the client's count (it stays "having failed" for the account budget until the
hour is over, so an insider cannot launder a client by logging in to their own account between
guesses) and the account's series.

Attempts that do not reach a known account (unknown usernames) and attempts refused during a
delay are written to the audit log **aggregated**: one row per client, per kind and per
:data:`AUDIT_WINDOW` (15 min), whose ``count`` grows; so a flood adds a bounded number of rows.

The rules (:func:`delay_after`, :func:`retry_after`) are pure; the storage helpers take the
caller's session and never commit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from dispatch.errors import NotFound
from dispatch.i18n import N_
from dispatch.records.audit_trail import audit
from dispatch.records.database import Database
from dispatch.records.schema import AuditRow, LoginThrottleRow, UserRow
from dispatch.records.values import _Record
from dispatch.settings import TZ, Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: ``scope`` of a client's row (``key``: the client's address).
CLIENT = "client"
#: ``scope`` of an account's row (``key``: the username).
ACCOUNT = "account"
#: The client of an attempt whose address is unknown (all share one budget).
UNKNOWN_CLIENT = "unknown"
#: The client of the command line.
CLI_CLIENT = "cli"
#: The first delay, in seconds; each further failure doubles it.
BASE_DELAY_S = 1
#: A series is forgotten this long after its last failure (at least; see :func:`forget_after`).
FORGET = timedelta(hours=1)
#: Width of the windows of the aggregated audit rows.
AUDIT_WINDOW = timedelta(minutes=15)
#: Longest client address kept (longer ones are cut).
MAX_CLIENT_LENGTH = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Budget:
    """The free failures of a series and the longest delay (seconds)."""

    free: int
    cap_s: int

    @classmethod
    def of(cls, settings: Settings) -> Budget:
        """The budget of ``settings.security`` (``max_failed_logins``, ``lockout_min``)."""
        sec = settings.security
        return cls(free=max(0, sec.max_failed_logins), cap_s=max(1, sec.lockout_min * 60))


@dataclass(frozen=True)
class Throttle(_Record):
    """One client's or one account's failed logins, as ``user throttles`` shows them."""

    scope: str
    key: str
    failures: int
    refused: int
    first_failure_at: datetime | None
    last_failure_at: datetime | None
    delayed_until: datetime | None
    retry_after: int


def delay_after(failures: int, budget: Budget) -> int:
    """Seconds to wait after the ``failures``-th failure of a series (0 within the free ones).

    >>> [delay_after(n, Budget(free=5, cap_s=900)) for n in (5, 6, 7, 8, 15, 16, 40)]
    [0, 1, 2, 4, 512, 900, 900]
    """
    if failures <= budget.free:
        return 0
    exponent = min(failures - budget.free - 1, 40)
    return min(BASE_DELAY_S * 2**exponent, budget.cap_s)


def forget_after(budget: Budget) -> timedelta:
    """How long after its last failure a series is forgotten (1 h, or twice the cap if longer)."""
    return max(FORGET, timedelta(seconds=2 * budget.cap_s))


def _seconds_left(until: datetime | None, at: datetime) -> int:
    if until is None or until <= at:
        return 0
    return math.ceil((until - at).total_seconds())


def _live(row: LoginThrottleRow | None, at: datetime, forget: timedelta) -> bool:
    return row is not None and row.last_failure_at is not None and at - row.last_failure_at < forget


def retry_after(
    client: LoginThrottleRow | None, account: LoginThrottleRow | None, at: datetime, budget: Budget
) -> int:
    """Seconds before ``client`` may try again on ``account`` (0: now).

    The client's own delay, and the account's delay only if the client has failed within
    :func:`forget_after` (a client with a clean record is never delayed by the account).
    """
    forget = forget_after(budget)
    if not _live(client, at, forget):
        return 0
    assert client is not None  # for mypy: _live checked it
    wait = _seconds_left(client.delayed_until, at)
    if _live(account, at, forget):
        assert account is not None
        wait = max(wait, _seconds_left(account.delayed_until, at))
    return wait


def normalise_client(client: object) -> str:
    """The key of a client address: printable, at most 100 characters, ``unknown`` if empty."""
    text = client if isinstance(client, str) else ""
    text = "".join(ch for ch in text.strip() if ch.isprintable())[:MAX_CLIENT_LENGTH]
    return text or UNKNOWN_CLIENT


# --------------------------------------------------------------------------------------------
# Storage (inside the caller's transaction)
# --------------------------------------------------------------------------------------------


def find(s: Session, scope: str, key: str) -> LoginThrottleRow | None:
    """The row of ``scope``/``key`` (no lock), or ``None``."""
    q = sa.select(LoginThrottleRow).where(LoginThrottleRow.scope == scope, LoginThrottleRow.key == key)
    return s.scalars(q).one_or_none()


def lock(s: Session, scope: str, key: str) -> tuple[LoginThrottleRow, bool]:
    """The row of ``scope``/``key``, created if missing, locked until the commit.

    Returns the row and whether it was created now (a new row has no failure yet). Concurrent
    attempts of one client wait here for each other, so each sees the previous one's failure.
    """
    values = {"scope": scope, "key": key, "failures": 0, "refused": 0}
    bind = s.get_bind()
    insert = postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(LoginThrottleRow).values(**values).on_conflict_do_nothing(index_elements=["scope", "key"])
    created = bool(getattr(s.execute(stmt), "rowcount", 0) == 1)
    q = (
        sa.select(LoginThrottleRow)
        .where(LoginThrottleRow.scope == scope, LoginThrottleRow.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return s.scalars(q).one(), created


def record_failure(row: LoginThrottleRow, at: datetime, budget: Budget) -> None:
    """Count a failure on ``row``: a new series if the last one is forgotten; set the delay."""
    if not _live(row, at, forget_after(budget)) or row.first_failure_at is None:
        row.failures = 0
        row.refused = 0
        row.first_failure_at = at
    elif row.failures == 0:
        row.first_failure_at = at
    row.failures += 1
    row.last_failure_at = at
    wait = delay_after(row.failures, budget)
    row.delayed_until = at + timedelta(seconds=wait) if wait else None


def record_success(s: Session, client: LoginThrottleRow, created: bool, account_key: str) -> None:
    """A login went through: the client's count and delay go, the account's series is deleted.

    The client keeps its last failure time (see the module docstring); a row created for this
    attempt only is deleted.
    """
    if created or client.last_failure_at is None:
        s.delete(client)
    else:
        client.failures = 0
        client.delayed_until = None
    s.execute(sa.delete(LoginThrottleRow).where(
        LoginThrottleRow.scope == ACCOUNT, LoginThrottleRow.key == account_key
    ))


def prune(s: Session, at: datetime, budget: Budget) -> None:
    """Delete the rows whose series is forgotten (bounded table under a distributed attack)."""
    cutoff = at - forget_after(budget)
    s.execute(sa.delete(LoginThrottleRow).where(LoginThrottleRow.last_failure_at < cutoff))


def window_start(at: datetime) -> datetime:
    """Start of the :data:`AUDIT_WINDOW` holding ``at`` (aligned on the epoch, UTC)."""
    step = int(AUDIT_WINDOW.total_seconds())
    seconds = int((at - _EPOCH).total_seconds()) // step * step
    return (_EPOCH + timedelta(seconds=seconds)).astimezone(at.tzinfo)


def audit_aggregated(s: Session, client: str, action: str, at: datetime, **details: object) -> None:
    """Count one attempt in the audit row of ``client``/``action`` for ``at``'s window.

    The row (actor ``client:<address>``, ``at`` = the window's start) holds ``client``,
    ``count``, ``last_at`` and ``details``; it is created by the first attempt of the window.
    """
    start = window_start(at)
    actor = f"client:{client}"[:100]
    q = sa.select(AuditRow).where(AuditRow.actor == actor, AuditRow.action == action, AuditRow.at == start)
    row = s.scalars(q.order_by(AuditRow.id).limit(1)).first()
    if row is None:
        info: dict[str, object] = {**details, "client": client, "count": 1,
                                   "window_min": int(AUDIT_WINDOW.total_seconds() // 60),
                                   "last_at": at.isoformat()}
        s.add(AuditRow(at=start, actor=actor, action=action, entity="user", entity_id=None, details=info))
        return
    old = dict(row.details or {})
    row.details = {**old, "count": int(old.get("count", 0)) + 1, "last_at": at.isoformat()}


def throttles(s: Session, at: datetime, budget: Budget) -> list[Throttle]:
    """The live rows (series not forgotten), clients first, by key."""
    forget = forget_after(budget)
    q = sa.select(LoginThrottleRow).order_by(LoginThrottleRow.scope.desc(), LoginThrottleRow.key)
    return [
        Throttle(
            scope=r.scope, key=r.key, failures=r.failures, refused=r.refused,
            first_failure_at=r.first_failure_at, last_failure_at=r.last_failure_at,
            delayed_until=r.delayed_until, retry_after=_seconds_left(r.delayed_until, at),
        )
        for r in s.scalars(q)
        if _live(r, at, forget)
    ]


def clear(s: Session, *, scope: str | None = None, key: str | None = None) -> int:
    """Delete the rows of one ``scope``/``key`` (or all when both are ``None``); their number."""
    stmt = sa.delete(LoginThrottleRow)
    if scope is not None:
        stmt = stmt.where(LoginThrottleRow.scope == scope)
    if key is not None:
        stmt = stmt.where(LoginThrottleRow.key == key)
    return int(getattr(s.execute(stmt), "rowcount", 0) or 0)


# --------------------------------------------------------------------------------------------
# Administration (``opms-dispatch user throttles``)
# --------------------------------------------------------------------------------------------


def list_throttles(db: Database, *, settings: Settings | None = None, now: datetime | None = None) -> list[Throttle]:
    """The clients and accounts with failed logins not yet forgotten (clients first).

    Parameters
    ----------
    settings
        For the budget (how long a series is remembered); default settings when omitted.
    now
        The current time; default now (tests inject it).
    """
    budget = Budget.of(settings or Settings())
    with db.read() as s:
        return throttles(s, now or datetime.now(TZ), budget)


def clear_throttles(
    db: Database, *, account: str | None = None, client: str | None = None, actor: str
) -> int:
    """Lift delays: one account's, one client's, or (neither given) every one.

    Returns the number of rows removed. An account that does not exist is refused
    (NotFound); an address without a row simply clears nothing (0). Written to the audit log.
    """
    with db.write() as s:
        if account is not None:
            name = account.strip().lower() if isinstance(account, str) else ""
            row = s.scalars(sa.select(UserRow).where(UserRow.username == name).with_for_update()).one_or_none()
            if row is None:
                msg = N_("No account {username!r}: see `opms-dispatch user list`.")
                raise NotFound(msg, username=account)
            row.failed_logins = 0
            row.locked_until = None
            n = clear(s, scope=ACCOUNT, key=row.username)
            audit(s, actor, "throttle_cleared", "user", row.id, scope=ACCOUNT, rows=n)
            return n
        if client is not None:
            source = normalise_client(client)
            n = clear(s, scope=CLIENT, key=source)
            audit(s, actor, "throttle_cleared", "user", None, scope=CLIENT, client=source, rows=n)
            return n
        n = clear(s)
        s.execute(sa.update(UserRow).values(failed_logins=0, locked_until=None))
        audit(s, actor, "throttle_cleared", "user", None, scope="all", rows=n)
        return n


__all__ = [
    "ACCOUNT",
    "AUDIT_WINDOW",
    "BASE_DELAY_S",
    "CLIENT",
    "CLI_CLIENT",
    "FORGET",
    "UNKNOWN_CLIENT",
    "Budget",
    "Throttle",
    "audit_aggregated",
    "clear",
    "clear_throttles",
    "delay_after",
    "find",
    "forget_after",
    "list_throttles",
    "lock",
    "normalise_client",
    "prune",
    "record_failure",
    "record_success",
    "retry_after",
    "throttles",
    "window_start",
]
