"""The outbox: messages written with their event, claimed by a worker, sent once, or explained.

States: ``queued`` (waiting for ``next_attempt_at``), ``sending`` (claimed by a worker until
``lease_until``), ``sent``, ``failed`` (given up: refused by the server, or
``mail.max_attempts`` reached; ``last_error`` says why) and ``cancelled`` (no consent for the
channel, no address or number, or by the office).

* :func:`enqueue` writes a message in the **caller's session** (the transaction of the event);
  the same ``key`` twice gives one message (``INSERT ... ON CONFLICT DO NOTHING``).
* :func:`claim` takes the due messages in one short transaction (``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL; SQLite serialises writers): ``attempts + 1``, ``state = sending``, a lease. A
  message whose lease is over (its worker died) is due again. Messages to a customer who has
  no consent for the channel (or withdrew it since) are cancelled here, never handed out.
* :func:`mark_sent` / :func:`mark_failed` close the attempt; the attempt number is the fence:
  a worker whose lease expired and whose message was re-claimed cannot overwrite the newer
  attempt's outcome. A transient failure is retried after :func:`backoff`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dispatch.errors import InvalidInput, InvalidTransition, NotFound
from dispatch.i18n import N_, _
from dispatch.records import audit, now
from dispatch.records.schema import OutboxRow

if TYPE_CHECKING:
    from dispatch.records import Database
    from dispatch.settings import Settings

STATES = ("queued", "sending", "sent", "failed", "cancelled")
CHANNELS = ("email", "sms")

#: Labels of the states (English msgids; the pages translate them).
STATE_LABELS: dict[str, str] = {
    "queued": N_("Queued"),
    "sending": N_("Sending"),
    "sent": N_("Sent"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
}


@dataclass(frozen=True)
class Attachment:
    """A file attached to an e-mail."""

    name: str
    mime: str
    data: bytes

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "mime": self.mime, "data": base64.b64encode(self.data).decode()}

    @classmethod
    def from_json(cls, d: dict[str, str]) -> Attachment:
        return cls(d["name"], d["mime"], base64.b64decode(d["data"]))


@dataclass(frozen=True)
class Draft:
    """A message to put in the outbox (built by :mod:`dispatch.messaging.events`)."""

    channel: str
    event: str
    recipient: str
    body: str
    subject: str = ""
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    request_id: int | None = None
    customer_id: int | None = None


@dataclass(frozen=True)
class OutboxMessage:
    """A stored message (detached from any session)."""

    id: int
    key: str
    message_id: str
    channel: str
    event: str
    request_id: int | None
    customer_id: int | None
    recipient: str
    subject: str
    body: str
    html: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    attachments: tuple[Attachment, ...] = field(default=(), repr=False)

    def to_dict(self, *, content: bool = False) -> dict[str, Any]:
        """JSON-ready form; ``content`` adds the texts and the attachments' names."""
        d: dict[str, Any] = {
            "id": self.id, "key": self.key, "message_id": self.message_id,
            "channel": self.channel, "event": self.event, "request_id": self.request_id,
            "customer_id": self.customer_id, "recipient": self.recipient,
            "subject": self.subject, "state": self.state, "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat(), "last_error": self.last_error,
            "created_at": self.created_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }  # fmt: skip
        if content:
            d["body"] = self.body
            d["html"] = self.html
            d["attachments"] = [{"name": a.name, "mime": a.mime, "bytes": len(a.data)} for a in self.attachments]
        return d


def _message(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(
        id=row.id, key=row.idempotency_key, message_id=row.message_id, channel=row.channel,
        event=row.event, request_id=row.request_id, customer_id=row.customer_id,
        recipient=row.recipient, subject=row.subject, body=row.body, html=row.html,
        state=row.state, attempts=row.attempts, next_attempt_at=row.next_attempt_at,
        last_error=row.last_error, created_at=row.created_at, sent_at=row.sent_at,
        attachments=tuple(Attachment.from_json(a) for a in (row.attachments or [])),
    )  # fmt: skip


def sender_domain(settings: Settings) -> str:
    """The domain of the sender address (for ``Message-ID``), ``opms-dispatch.local`` without one."""
    sender = settings.mail.from_address or settings.general.company_email
    domain = sender.rpartition("@")[2].strip(" >")
    return domain or "opms-dispatch.local"


def message_id_for(key: str, domain: str) -> str:
    """The ``Message-ID`` of the message of idempotency key ``key``: the same on every attempt."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 1, 2, 4, 8 ... minutes, at most one hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(OutboxRow)
    if dialect == "sqlite":
        return sqlite.insert(OutboxRow)
    msg = N_("Database {dialect} is not supported by the outbox (SQLite or PostgreSQL).")
    raise InvalidInput(msg, dialect=dialect)


def enqueue(
    session: Session,
    draft: Draft,
    *,
    key: str,
    settings: Settings,
    at: datetime | None = None,
    cancelled_reason: str | None = None,
) -> tuple[int, bool]:
    """Write ``draft`` to the outbox in ``session`` (the caller's transaction).

    Parameters
    ----------
    key
        Idempotency key of the event and channel (``"request_received:42:email"``): a second
        enqueue with the same key writes nothing.
    cancelled_reason
        Store the message as ``cancelled`` with this reason (no consent, no address): the
        office sees that it was not sent, and why.

    Returns
    -------
    (id, created)
        The message's id and whether this call created it.
    """
    if draft.channel not in CHANNELS:
        msg = N_("Unknown channel {channel!r}; expected email or sms.")
        raise InvalidInput(msg, channel=draft.channel)
    when = at or now()
    values = {
        "idempotency_key": key[:200],
        "message_id": message_id_for(key, sender_domain(settings)),
        "channel": draft.channel, "event": draft.event, "request_id": draft.request_id,
        "customer_id": draft.customer_id, "recipient": draft.recipient[:254],
        "subject": draft.subject[:300], "body": draft.body, "html": draft.html,
        "attachments": [a.to_json() for a in draft.attachments],
        "state": "cancelled" if cancelled_reason else "queued", "attempts": 0,
        "next_attempt_at": when, "lease_until": None, "last_error": cancelled_reason or "",
        "created_at": when, "sent_at": None,
    }  # fmt: skip
    stmt = _insert(session).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
    created = _rowcount(session.execute(stmt)) == 1
    row_id = session.scalar(sa.select(OutboxRow.id).where(OutboxRow.idempotency_key == key[:200]))
    assert row_id is not None  # inserted now or before
    return row_id, created


@dataclass(frozen=True)
class Claimed:
    """A message handed to a worker for one attempt (``attempt`` fences its outcome)."""

    message: OutboxMessage
    attempt: int


def claim(
    db: Database,
    *,
    at: datetime | None = None,
    limit: int = 50,
    lease_s: float = 120.0,
    channels: Sequence[str] = CHANNELS,
) -> list[Claimed]:
    """Claim up to ``limit`` due messages for one attempt each, oldest first.

    Due: ``queued`` with ``next_attempt_at`` reached, or ``sending`` whose lease is over (the
    worker holding it died). Messages to a customer without consent for the channel are
    cancelled instead (:func:`dispatch.messaging.consent.allowed`).
    """
    from dispatch.messaging import consent

    when = at or now()
    out: list[Claimed] = []
    with db.write() as s:
        q = (
            sa.select(OutboxRow)
            .where(OutboxRow.channel.in_(list(channels)))
            .where(
                sa.or_(
                    sa.and_(OutboxRow.state == "queued", OutboxRow.next_attempt_at <= when),
                    sa.and_(OutboxRow.state == "sending", OutboxRow.lease_until <= when),
                )
            )
            .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
            .limit(limit)
        )
        if s.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        for row in s.scalars(q).all():
            if row.customer_id is not None and not consent.allowed(s, row.customer_id, row.channel):
                row.state = "cancelled"
                row.lease_until = None
                row.last_error = _("No consent of the customer for this channel.")
                continue
            row.state = "sending"
            row.attempts += 1
            row.lease_until = when + timedelta(seconds=lease_s)
            out.append(Claimed(_message(row), row.attempts))
    return out


def mark_sent(db: Database, claimed: Claimed, *, at: datetime | None = None) -> bool:
    """Record that the server accepted the message; False when the attempt lost its lease."""
    with db.write() as s:
        n = _rowcount(s.execute(
            sa.update(OutboxRow)
            .where(OutboxRow.id == claimed.message.id, OutboxRow.attempts == claimed.attempt)
            .where(OutboxRow.state == "sending")
            .values(state="sent", sent_at=at or now(), lease_until=None, last_error="")
        ))
    return bool(n)


def mark_failed(
    db: Database,
    claimed: Claimed,
    *,
    error: str,
    permanent: bool,
    max_attempts: int,
    at: datetime | None = None,
) -> str:
    """Record a failed attempt: ``failed`` when ``permanent`` or out of attempts, else ``queued``
    again after :func:`backoff`. Returns the new state (``""`` when the attempt lost its lease)."""
    when = at or now()
    give_up = permanent or claimed.attempt >= max_attempts
    state = "failed" if give_up else "queued"
    with db.write() as s:
        n = _rowcount(s.execute(
            sa.update(OutboxRow)
            .where(OutboxRow.id == claimed.message.id, OutboxRow.attempts == claimed.attempt)
            .where(OutboxRow.state == "sending")
            .values(
                state=state, lease_until=None, last_error=error[:2000],
                next_attempt_at=when if give_up else when + backoff(claimed.attempt),
            )
        ))
    return state if n else ""


def release(db: Database, claimed: Sequence[Claimed]) -> None:
    """Give claimed messages back unattempted (the worker stops): queued again, attempt undone."""
    with db.write() as s:
        for c in claimed:
            s.execute(
                sa.update(OutboxRow)
                .where(OutboxRow.id == c.message.id, OutboxRow.attempts == c.attempt)
                .where(OutboxRow.state == "sending")
                .values(state="queued", lease_until=None, attempts=c.attempt - 1)
            )


def _row(s: Session, message_id: int) -> OutboxRow:
    row = s.get(OutboxRow, message_id)
    if row is None:
        msg = N_("No message {id} in the outbox.")
        raise NotFound(msg, id=message_id)
    return row


def retry(db: Database, message_id: int, *, actor: str, at: datetime | None = None) -> OutboxMessage:
    """Queue a failed or cancelled message again, due now (the office's "Retry")."""
    with db.write() as s:
        row = _row(s, message_id)
        if row.state not in {"failed", "cancelled", "queued"}:
            msg = N_("Message {id} is {state}: only a failed, cancelled or queued message can be retried.")
            raise InvalidTransition(msg, id=row.id, state=row.state)
        row.state = "queued"
        row.next_attempt_at = at or now()
        row.attempts = 0
        row.last_error = ""
        s.flush()
        audit(s, actor, "outbox_retry", "outbox", row.id)
        return _message(row)


def cancel(db: Database, message_id: int, *, actor: str, reason: str = "") -> OutboxMessage:
    """Cancel a queued (or failed) message: it will not be sent (the office's "Cancel")."""
    with db.write() as s:
        row = _row(s, message_id)
        if row.state not in {"queued", "failed"}:
            msg = N_("Message {id} is {state}: only a queued or failed message can be cancelled.")
            raise InvalidTransition(msg, id=row.id, state=row.state)
        row.state = "cancelled"
        row.last_error = reason or _("Cancelled by the office.")
        s.flush()
        audit(s, actor, "outbox_cancel", "outbox", row.id)
        return _message(row)


def get_message(db: Database, message_id: int) -> OutboxMessage:
    """The stored message ``message_id``."""
    with db.read() as s:
        return _message(_row(s, message_id))


def list_messages(
    db: Database,
    *,
    state: str | None = None,
    request_id: int | None = None,
    channel: str | None = None,
    limit: int = 500,
) -> list[OutboxMessage]:
    """Messages, newest first, optionally of one state, request or channel."""
    if state is not None and state not in STATES:
        msg = N_("Unknown message state {state!r}; expected one of {expected}.")
        raise InvalidInput(msg, state=state, expected=", ".join(STATES))
    with db.read() as s:
        q = sa.select(OutboxRow).order_by(OutboxRow.created_at.desc(), OutboxRow.id.desc()).limit(limit)
        if state is not None:
            q = q.where(OutboxRow.state == state)
        if request_id is not None:
            q = q.where(OutboxRow.request_id == request_id)
        if channel is not None:
            q = q.where(OutboxRow.channel == channel)
        return [_message(r) for r in s.scalars(q).all()]


def state_counts(db: Database) -> dict[str, int]:
    """How many messages are in each state (every state present, zero included)."""
    with db.read() as s:
        rows = s.execute(sa.select(OutboxRow.state, sa.func.count()).group_by(OutboxRow.state)).all()
    counts = dict.fromkeys(STATES, 0)
    counts.update({str(k): int(v) for k, v in rows})
    return counts


__all__ = [
    "CHANNELS",
    "STATES",
    "STATE_LABELS",
    "Attachment",
    "Claimed",
    "Draft",
    "OutboxMessage",
    "backoff",
    "cancel",
    "claim",
    "enqueue",
    "get_message",
    "list_messages",
    "mark_failed",
    "mark_sent",
    "message_id_for",
    "release",
    "retry",
    "sender_domain",
    "state_counts",
]
