"""The office's side of the messages to customers: the "Messages" page, the request's list,
the technician's "On my way", and the mail/SMS part of "Paramètres".

Thin use cases over :mod:`dispatch.messaging`, one per section of a page:

* :func:`outbox_board`: the outbox (filtered by state and request), the counts per state, the
  worker's health and whether each channel has a server (e-mails wait queued without one);
* :func:`retry_message` / :func:`cancel_message`: the office's buttons;
* :func:`request_messages`: the short "Messages sent" list of one request;
* :func:`announce_departure`: the technician starts the leg: the customer's "on the way" with
  the arrival time of the published plan, written to the outbox in the same transaction;
* :func:`messaging_settings`, :func:`update_mail_settings`, :func:`send_test_message`: the
  settings in force (secrets masked, with the ``OPMS_...`` variable naming each), a new set of
  them to save, and the test message (the same function as ``opms-dispatch outbox test``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dispatch.errors import InvalidInput, InvalidTransition
from dispatch.i18n import N_, _
from dispatch.messaging import events, outbox
from dispatch.messaging.delivery import configured_channels, send_test
from dispatch.messaging.worker import WorkerHealth, health
from dispatch.records import AppointmentRow, RequestRow, audit, now
from dispatch.records.guards import _aware, _get
from dispatch.records.lifecycle import State

if TYPE_CHECKING:
    from dispatch.records import Database
    from dispatch.settings import Settings

#: Request states in which the technician may still announce that they are on the way.
DEPARTURE_STATES = frozenset({State.CONTACTED.value, State.CONFIRMED.value})

#: Settings shown as ``••••••`` (never displayed, never put back in a page).
SECRETS = frozenset({"smtp_password", "imap_password", "token"})

MASK = "••••••"

#: Labels of the channels (English msgids).
CHANNEL_LABELS = {"email": N_("E-mail"), "sms": N_("Text message")}


@dataclass(frozen=True)
class MessageLine:
    """One message as the office sees it (labels in the active language)."""

    id: int
    request_id: int | None
    event: str
    event_label: str
    channel: str
    channel_label: str
    recipient: str
    subject: str
    state: str
    state_label: str
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None

    @property
    def can_retry(self) -> bool:
        """A failed or cancelled message may be queued again."""
        return self.state in {"failed", "cancelled"}

    @property
    def can_cancel(self) -> bool:
        """A queued or failed message may be cancelled."""
        return self.state in {"queued", "failed"}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "request_id": self.request_id, "event": self.event,
            "event_label": self.event_label, "channel": self.channel, "recipient": self.recipient,
            "subject": self.subject, "state": self.state, "state_label": self.state_label,
            "attempts": self.attempts, "last_error": self.last_error,
            "created_at": self.created_at.isoformat(),
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }  # fmt: skip


def _line(m: outbox.OutboxMessage) -> MessageLine:
    label = events.EVENTS.get(m.event)
    return MessageLine(
        id=m.id, request_id=m.request_id, event=m.event,
        event_label=_(label) if label else m.event, channel=m.channel,
        channel_label=_(CHANNEL_LABELS.get(m.channel, m.channel)), recipient=m.recipient,
        subject=m.subject, state=m.state, state_label=_(outbox.STATE_LABELS[m.state]),
        attempts=m.attempts, last_error=m.last_error, created_at=m.created_at,
        next_attempt_at=m.next_attempt_at, sent_at=m.sent_at,
    )  # fmt: skip


@dataclass(frozen=True)
class OutboxBoard:
    """The "Messages" page: the messages listed, the counts, the worker and the channels.

    Attributes
    ----------
    messages
        The messages of the filter, newest first.
    counts
        How many messages are in each state (the whole outbox).
    health
        The worker's heartbeat and the last run of each of its jobs.
    channels
        The channels whose server is configured (``email``: ``[mail] smtp_host``; ``sms``:
        ``[sms] enabled``); the messages of the others wait, queued.
    """

    messages: tuple[MessageLine, ...]
    counts: dict[str, int]
    health: WorkerHealth
    channels: tuple[str, ...]

    @property
    def waiting_channels(self) -> tuple[str, ...]:
        """Channels with queued messages but no server configured."""
        return tuple(c for c in outbox.CHANNELS if c not in self.channels)


def outbox_board(
    db: Database,
    settings: Settings,
    *,
    state: str | None = None,
    request_id: int | None = None,
    limit: int = 200,
) -> OutboxBoard:
    """The outbox of the "Messages" page, optionally of one state and one request."""
    items = outbox.list_messages(db, state=state or None, request_id=request_id, limit=limit)
    return OutboxBoard(
        messages=tuple(_line(m) for m in items),
        counts=outbox.state_counts(db),
        health=health(db, settings),
        channels=tuple(configured_channels(settings)),
    )


def retry_message(db: Database, message_id: int, *, actor: str) -> MessageLine:
    """Queue a failed or cancelled message again, due now."""
    return _line(outbox.retry(db, message_id, actor=actor))


def cancel_message(db: Database, message_id: int, *, actor: str) -> MessageLine:
    """Cancel a queued or failed message (it will not be sent)."""
    return _line(outbox.cancel(db, message_id, actor=actor, reason=_("Cancelled by the office.")))


def request_messages(db: Database, request_id: int) -> list[MessageLine]:
    """The messages of one request, newest first (the request's "Messages sent")."""
    return [_line(m) for m in outbox.list_messages(db, request_id=request_id, limit=100)]


def worker_health(db: Database, settings: Settings) -> WorkerHealth:
    """The worker's heartbeat and jobs (also shown in Paramètres)."""
    return health(db, settings)


def announce_departure(
    db: Database,
    appointment_id: int,
    *,
    eta: datetime,
    settings: Settings,
    actor: str,
    at: datetime | None = None,
) -> list[int]:
    """The technician leaves for the visit: the customer's "on the way" message, with ``eta``
    (the arrival of the published plan), written to the outbox in the same transaction as the
    audit row. Once per appointment and day: a second tap writes nothing new.

    Returns the ids of the messages (one per channel).

    Raises
    ------
    InvalidTransition
        The appointment is cancelled, or the visit already started (or is over).
    """
    eta = _aware(eta, "eta")
    with db.write() as s:
        appt = _get(s, AppointmentRow, appointment_id, "appointment")
        req = _get(s, RequestRow, appt.request_id, "request")
        if appt.status == "cancelled" or req.state not in DEPARTURE_STATES:
            msg = N_("Request {id} is {state}: the customer is told of the departure only before the visit.")
            raise InvalidTransition(msg, id=req.id, state=req.state)
        ids = events.en_route(s, appt.id, eta=eta, settings=settings, at=at)
        audit(s, actor, "en_route", "request", req.id, appointment_id=appt.id, eta=eta.isoformat())
        return ids


# --------------------------------------------------------------------------------------------
# Paramètres: the mail and SMS settings
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingLine:
    """One mail/SMS setting in force: ``[section] name``, its value (secrets masked) and the
    environment variable that sets it."""

    section: str
    name: str
    value: str
    env: str
    secret: bool


def messaging_settings(settings: Settings) -> list[SettingLine]:
    """The ``[mail]`` and ``[sms]`` settings in force; passwords and tokens masked."""
    out = []
    for section in ("mail", "sms"):
        obj = getattr(settings, section)
        for f in fields(obj):
            value = getattr(obj, f.name)
            secret = f.name in SECRETS
            shown = (MASK if value else "") if secret else str(value)
            out.append(SettingLine(section, f.name, shown, f"OPMS_{section.upper()}__{f.name.upper()}", secret))
    return out


def _port(value: object, name: str) -> int:
    try:
        port = int(str(value).strip())
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        msg = N_("{name} = {value!r} is not a port number (1 to 65535).")
        raise InvalidInput(msg, name=name, value=value)
    return port


def update_mail_settings(
    settings: Settings,
    *,
    smtp_host: str,
    smtp_port: object,
    smtp_user: str,
    smtp_security: str,
    from_address: str,
    public_url: str,
    smtp_password: str = "",
    sms_enabled: bool | None = None,
    sms_account: str | None = None,
    sms_from_number: str | None = None,
    sms_token: str = "",
) -> Settings:
    """``settings`` with the mail (and SMS) fields typed in Paramètres; save with
    :func:`dispatch.office.administration.save_settings`.

    An empty password or token keeps the one in force (the page never shows it).

    Raises
    ------
    InvalidInput
        A port that is not a number, an unknown security, a sender that is not an address.
    """
    if smtp_security not in {"none", "starttls", "ssl"}:
        msg = N_("Security {value!r} is not one of none, starttls, ssl.")
        raise InvalidInput(msg, value=smtp_security)
    sender = from_address.strip()
    if sender and "@" not in sender:
        msg = N_("{address!r} is not an e-mail address.")
        raise InvalidInput(msg, address=sender)
    url = public_url.strip().rstrip("/")
    if url and not url.startswith(("https://", "http://")):
        msg = N_("The public address {url!r} must start with https://.")
        raise InvalidInput(msg, url=url)
    mail = replace(
        settings.mail, smtp_host=smtp_host.strip(), smtp_port=_port(smtp_port, "smtp_port"),
        smtp_user=smtp_user.strip(), smtp_security=smtp_security, from_address=sender,
        public_url=url, smtp_password=smtp_password or settings.mail.smtp_password,
    )  # fmt: skip
    sms = replace(
        settings.sms,
        enabled=settings.sms.enabled if sms_enabled is None else bool(sms_enabled),
        account=settings.sms.account if sms_account is None else sms_account.strip(),
        from_number=settings.sms.from_number if sms_from_number is None else sms_from_number.strip(),
        token=sms_token or settings.sms.token,
    )
    return replace(settings, mail=mail, sms=sms)


def send_test_message(settings: Settings, recipient: str, *, channel: str = "email") -> str:
    """Send the test message to ``recipient`` at once (``opms-dispatch outbox test``).

    Returns the ``Message-ID`` (e-mail) or the provider's id (SMS).

    Raises
    ------
    InvalidInput
        The channel has no server configured, or the recipient is not an address / number.
    DeliveryError
        The server refused or did not answer (its reason, in French).
    """
    if channel == "email" and not settings.mail.smtp_host:
        msg = N_("No SMTP server is set ([mail] smtp_host, OPMS_MAIL__SMTP_HOST): set it first.")
        raise InvalidInput(msg)
    if channel == "sms" and not settings.sms.enabled:
        msg = N_("Text messages are off ([sms] enabled, OPMS_SMS__ENABLED): turn them on first.")
        raise InvalidInput(msg)
    return send_test(settings, channel, recipient.strip())


def job_label(name: str) -> str:
    """The label of a worker job (its name when unknown)."""
    labels = {"outbox": N_("Sending the messages"), "reminders": N_("Day-before reminders"),
              "mailbox": N_("Reading the website's mailbox")}  # fmt: skip
    return _(labels[name]) if name in labels else name


def ago(at: datetime | None, *, when: datetime | None = None) -> str:
    """``il y a 12 s`` / ``il y a 3 min`` / ``il y a 2 h``; ``—`` for never."""
    if at is None:
        return "—"
    secs = max(0, int(((when or now()) - at).total_seconds()))
    if secs < 120:
        return _("{n} s ago").format(n=secs)
    if secs < 7200:
        return _("{n} min ago").format(n=secs // 60)
    return _("{n} h ago").format(n=secs // 3600)


__all__ = [
    "CHANNEL_LABELS",
    "DEPARTURE_STATES",
    "MessageLine",
    "OutboxBoard",
    "SettingLine",
    "ago",
    "announce_departure",
    "cancel_message",
    "job_label",
    "messaging_settings",
    "outbox_board",
    "request_messages",
    "retry_message",
    "send_test_message",
    "update_mail_settings",
    "worker_health",
]
