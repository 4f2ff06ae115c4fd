"""The channels each customer agreed to be written on (Law 25, Canada's anti-spam law).

One ``customer_consents`` row per channel (``email``, ``sms``) a customer agreed to, with the
time, **the wording shown** when they agreed and where (``form``, ``email``, ``phone``,
``office``). A customer who chose "none" simply has no row. Withdrawing (the unsubscribe
link, the office) sets ``withdrawn_at``: messages already queued for that channel are then
cancelled by :func:`dispatch.messaging.outbox.claim`, never sent, and the events enqueue
nothing new but a cancelled trace.

Each row has a random ``token``: the unsubscribe link of every message carries it
(:func:`unsubscribe_token`); :func:`unsubscribe` withdraws every channel of that customer.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.errors import InvalidInput, NotFound
from dispatch.i18n import N_, _
from dispatch.messaging.wording import WORDING
from dispatch.records import audit, now
from dispatch.records.schema import ConsentRow, CustomerRow, OutboxRow

if TYPE_CHECKING:
    from dispatch.records import Database

CHANNELS = ("email", "sms")


@dataclass(frozen=True)
class Consent:
    """A customer's consent to one channel."""

    customer_id: int
    channel: str
    consented_at: datetime
    wording: str
    source: str
    withdrawn_at: datetime | None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id, "channel": self.channel,
            "consented_at": self.consented_at.isoformat(), "wording": self.wording,
            "source": self.source, "active": self.active,
            "withdrawn_at": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
        }  # fmt: skip


def _check_channels(channels: Iterable[str]) -> list[str]:
    chosen = [c for c in dict.fromkeys(channels) if c != "none"]
    bad = [c for c in chosen if c not in CHANNELS]
    if bad:
        msg = N_("Unknown channel {channel!r}; expected email, sms or none.")
        raise InvalidInput(msg, channel=bad[0])
    return chosen


def record_consent(
    session: Session,
    customer_id: int,
    channels: Iterable[str],
    *,
    wording: str,
    source: str,
    actor: str,
    at: datetime | None = None,
) -> list[str]:
    """Record that ``customer_id`` agreed to ``channels`` (``email``, ``sms``; ``none`` = nothing)
    in the caller's transaction, with the wording shown. A channel already agreed keeps its
    first consent. Returns the channels newly recorded.
    """
    if not wording.strip():
        msg = N_("A consent needs the wording shown to the customer.")
        raise InvalidInput(msg)
    when = at or now()
    added = []
    for channel in _check_channels(channels):
        if allowed(session, customer_id, channel):
            continue
        session.add(
            ConsentRow(
                customer_id=customer_id, channel=channel, consented_at=when, wording=wording,
                source=source, token=secrets.token_urlsafe(32), withdrawn_at=None, withdrawn_how="",
            )
        )  # fmt: skip
        added.append(channel)
    if added:
        session.flush()
        audit(session, actor, "consent", "customer", customer_id, channels=added, source=source)
    return added


def allowed(session: Session, customer_id: int, channel: str) -> bool:
    """Whether the customer has an active consent for ``channel``."""
    q = sa.select(ConsentRow.id).where(
        ConsentRow.customer_id == customer_id, ConsentRow.channel == channel,
        ConsentRow.withdrawn_at.is_(None),
    )  # fmt: skip
    return session.scalar(q.limit(1)) is not None


def unsubscribe_token(session: Session, customer_id: int) -> str | None:
    """The token of the customer's unsubscribe link (``None`` without any active consent)."""
    return session.scalar(
        sa.select(ConsentRow.token)
        .where(ConsentRow.customer_id == customer_id, ConsentRow.withdrawn_at.is_(None))
        .order_by(ConsentRow.id)
        .limit(1)
    )


def _withdraw(s: Session, customer_id: int, channels: Iterable[str], *, how: str, when: datetime) -> int:
    rows = s.scalars(
        sa.select(ConsentRow).where(
            ConsentRow.customer_id == customer_id, ConsentRow.withdrawn_at.is_(None),
            ConsentRow.channel.in_(list(channels)),
        )
    ).all()  # fmt: skip
    for r in rows:
        r.withdrawn_at = when
        r.withdrawn_how = how
    s.execute(
        sa.update(OutboxRow)
        .where(OutboxRow.customer_id == customer_id, OutboxRow.state == "queued")
        .where(OutboxRow.channel.in_(list(channels)))
        .values(state="cancelled", last_error=_("Consent withdrawn by the customer."))
    )
    return len(rows)


def withdraw(
    db: Database,
    customer_id: int,
    channels: Iterable[str] = CHANNELS,
    *,
    actor: str,
    how: str = "office",
    at: datetime | None = None,
) -> int:
    """Withdraw the customer's consent to ``channels``; queued messages on them are cancelled.
    Returns how many consents ended."""
    chosen = _check_channels(channels)
    with db.write() as s:
        if s.get(CustomerRow, customer_id) is None:
            msg = N_("No customer {id}: check the number.")
            raise NotFound(msg, id=customer_id)
        n = _withdraw(s, customer_id, chosen, how=how, when=at or now())
        audit(s, actor, "consent_withdrawn", "customer", customer_id, channels=chosen, how=how)
        return n


def unsubscribe(db: Database, token: str, *, at: datetime | None = None) -> int:
    """Honour an unsubscribe link: withdraw every channel of the token's customer.

    Returns the customer's id. Raises :class:`NotFound` for an unknown token.
    """
    with db.write() as s:
        row = s.scalar(sa.select(ConsentRow).where(ConsentRow.token == token.strip()))
        if row is None:
            msg = N_("This unsubscribe link is not valid (it may have been copied incompletely).")
            raise NotFound(msg)
        _withdraw(s, row.customer_id, CHANNELS, how="link", when=at or now())
        audit(s, "lien de désabonnement", "consent_withdrawn", "customer", row.customer_id, how="link")
        return row.customer_id


def consents_of(db: Database, customer_id: int) -> list[Consent]:
    """Every consent of a customer (active and withdrawn), oldest first."""
    with db.read() as s:
        rows = s.scalars(
            sa.select(ConsentRow).where(ConsentRow.customer_id == customer_id).order_by(ConsentRow.id)
        ).all()
        return [
            Consent(r.customer_id, r.channel, r.consented_at, r.wording, r.source, r.withdrawn_at)
            for r in rows
        ]


__all__ = [
    "CHANNELS",
    "WORDING",
    "Consent",
    "allowed",
    "consents_of",
    "record_consent",
    "unsubscribe",
    "unsubscribe_token",
    "withdraw",
]
