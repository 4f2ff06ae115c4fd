"""One pass over the outbox: claim the due messages, hand them to their server, record the outcome.

A channel is used only when it is configured (``[mail] smtp_host`` for e-mail, ``[sms]
enabled`` for text messages); otherwise its messages wait, queued. When a server cannot be
reached, the message being sent is counted as a failed attempt (retried after the backoff),
the other claimed messages of that channel are given back unattempted, and the channel is
reported ``down`` so the worker pauses it instead of knocking every few seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from dispatch.messaging import outbox
from dispatch.messaging._sms import SmsTransport
from dispatch.messaging._smtp import DeliveryError, SmtpTransport
from dispatch.records import now

if TYPE_CHECKING:
    from dispatch.records import Database
    from dispatch.settings import Settings


class Transport(Protocol):
    def send(self, msg: outbox.OutboxMessage) -> Any: ...

    def close(self) -> None: ...


@dataclass
class PassReport:
    """What one pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    down: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent, "retried": self.retried, "failed": self.failed,
            "released": self.released, "down": dict(self.down),
        }  # fmt: skip


def configured_channels(settings: Settings) -> list[str]:
    """The channels whose server is configured."""
    out = []
    if settings.mail.smtp_host:
        out.append("email")
    if settings.sms.enabled:
        out.append("sms")
    return out


def default_transports(settings: Settings) -> dict[str, Transport]:
    """SMTP for e-mail, the HTTP SMS API for text messages."""
    return {"email": SmtpTransport(settings), "sms": SmsTransport(settings)}


def send_due(
    db: Database,
    settings: Settings,
    *,
    channels: list[str] | None = None,
    transports: dict[str, Transport] | None = None,
    batch: int = 50,
    max_messages: int = 1000,
    clock: Callable[[], datetime] = now,
) -> PassReport:
    """Send the due messages of ``channels`` (default: the configured ones), at most ``max_messages``.

    Each message is marked sent in its own transaction right after its server accepted it.
    """
    report = PassReport()
    active = list(configured_channels(settings) if channels is None else channels)
    own = transports is None
    ts = default_transports(settings) if transports is None else transports
    try:
        handled = 0
        while active and handled < max_messages:
            claimed = outbox.claim(
                db, at=clock(), limit=min(batch, max_messages - handled),
                lease_s=settings.mail.lease_s, channels=active,
            )  # fmt: skip
            if not claimed:
                break
            handled += len(claimed)
            given_back: set[int] = set()
            for i, c in enumerate(claimed):
                if c.message.id in given_back:
                    continue
                try:
                    ts[c.message.channel].send(c.message)
                except DeliveryError as err:
                    state = outbox.mark_failed(
                        db, c, error=err.localized(), permanent=err.permanent,
                        max_attempts=settings.mail.max_attempts, at=clock(),
                    )  # fmt: skip
                    if state == "failed":
                        report.failed += 1
                    else:
                        report.retried += 1
                    if err.connection:
                        report.down[c.message.channel] = err.localized()
                        active.remove(c.message.channel)
                        rest = [r for r in claimed[i + 1 :] if r.message.channel == c.message.channel]
                        outbox.release(db, rest)
                        report.released += len(rest)
                        given_back.update(r.message.id for r in rest)
                    continue
                outbox.mark_sent(db, c, at=clock())
                report.sent += 1
    finally:
        if own:
            for t in ts.values():
                t.close()
    return report


def send_test(settings: Settings, channel: str, recipient: str) -> str:
    """Send the test message to ``recipient`` at once (not through the outbox).

    Returns the ``Message-ID`` (e-mail) or the provider's id (SMS); raises
    :class:`~dispatch.messaging._smtp.DeliveryError` with the server's reason.
    """
    from dispatch.errors import InvalidInput
    from dispatch.i18n import N_
    from dispatch.messaging.events import sms_number
    from dispatch.messaging.rendering import render

    at = now()
    texts = render("test", {"customer_name": "", "at": at, "request_id": None}, settings=settings)
    key = f"test:{channel}:{recipient}:{time.time_ns()}"
    if channel == "sms":
        number = sms_number(recipient)
        if number is None:
            msg = N_("{number!r} is not a phone number a text message can be sent to.")
            raise InvalidInput(msg, number=recipient)
        recipient, body, subject, html = number, texts.sms, "", ""
    elif channel == "email":
        if "@" not in recipient:
            msg = N_("{address!r} is not an e-mail address.")
            raise InvalidInput(msg, address=recipient)
        body, subject, html = texts.text, texts.subject, texts.html
    else:
        msg = N_("Unknown channel {channel!r}; expected email or sms.")
        raise InvalidInput(msg, channel=channel)
    message = outbox.OutboxMessage(
        id=0, key=key, message_id=outbox.message_id_for(key, outbox.sender_domain(settings)),
        channel=channel, event="test", request_id=None, customer_id=None, recipient=recipient,
        subject=subject, body=body, html=html, state="sending", attempts=1, next_attempt_at=at,
        last_error="", created_at=at, sent_at=None,
    )  # fmt: skip
    transport: Transport = SmtpTransport(settings) if channel == "email" else SmsTransport(settings)
    try:
        result = transport.send(message)
    finally:
        transport.close()
    return message.message_id if channel == "email" else str(result)


__all__ = ["PassReport", "Transport", "configured_channels", "default_transports", "send_due", "send_test"]
