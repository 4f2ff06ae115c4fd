"""E-mail over SMTP (standard library ``smtplib`` and ``email``).

``[mail] smtp_security``: ``none`` (plain, for a local relay), ``starttls`` (port 587, the
connection upgraded to TLS before the login) or ``ssl`` (port 465, TLS from the start); the
server's certificate is verified (system CA store). ``smtp_user`` empty = no login.

One connection serves a whole pass over the outbox (:class:`SmtpTransport` is a context
manager) and is opened again after a drop. Each message is a ``multipart/alternative`` (plain
text and HTML), inside a ``multipart/mixed`` when it has attachments, with the outbox's
stable ``Message-ID`` (derived from the idempotency key: a copy sent again is recognisable).

Errors become :class:`DeliveryError`: ``permanent`` for a 5xx refusal of the recipient or the
message (retrying cannot help), ``connection`` when the server could not be reached or the
connection dropped (the rest of the pass waits for the next one).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from types import TracebackType
from typing import TYPE_CHECKING

from dispatch.errors import ServiceError
from dispatch.i18n import N_

if TYPE_CHECKING:
    from dispatch.messaging.outbox import OutboxMessage
    from dispatch.settings import Settings


class DeliveryError(ServiceError):
    """A message could not be handed to the e-mail or SMS server.

    ``permanent``: the server refused it for good (do not retry). ``connection``: the server
    could not be reached (nothing else can be sent on this channel now).
    """

    def __init__(self, template: str = "", /, *, permanent: bool = False, connection: bool = False, **params: object) -> None:
        super().__init__(template, **params)
        self.permanent = permanent
        self.connection = connection


def sender(settings: Settings) -> str:
    """The ``From`` address (``[mail] from_address``, else ``general.company_email``)."""
    return settings.mail.from_address or settings.general.company_email


def build_email(msg: OutboxMessage, *, settings: Settings) -> EmailMessage:
    """The RFC 5322 message of an outbox e-mail."""
    em = EmailMessage()
    em["From"] = formataddr((settings.general.company_name, sender(settings)))
    em["To"] = msg.recipient
    em["Subject"] = msg.subject
    em["Date"] = formatdate(localtime=True)
    em["Message-ID"] = msg.message_id
    em["Auto-Submitted"] = "auto-generated"
    em["X-OPMS-Event"] = msg.event
    if settings.general.company_email:
        em["Reply-To"] = settings.general.company_email
    em.set_content(msg.body)
    if msg.html:
        em.add_alternative(msg.html, subtype="html")
    for a in msg.attachments:
        maintype, _, subtype = a.mime.partition("/")
        em.add_attachment(a.data, maintype=maintype, subtype=subtype or "octet-stream", filename=a.name)
    return em


def _code_error(err: smtplib.SMTPResponseException, host: str) -> DeliveryError:
    text = err.smtp_error.decode(errors="replace") if isinstance(err.smtp_error, bytes) else str(err.smtp_error)
    msg = N_("The e-mail server {host} refused the message: {code} {reason}")
    return DeliveryError(msg, permanent=err.smtp_code >= 500, host=host, code=err.smtp_code, reason=text)


class SmtpTransport:
    """Sends outbox e-mails over one SMTP connection (opened on first use)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.mail = settings.mail
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        m = self.mail
        host = f"{m.smtp_host}:{m.smtp_port}"
        if not m.smtp_host:
            msg = N_("No e-mail server configured: set [mail] smtp_host (see the README).")
            raise DeliveryError(msg, connection=True)
        try:
            if m.smtp_security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    m.smtp_host, m.smtp_port, timeout=m.timeout_s, context=ssl.create_default_context()
                )
            else:
                conn = smtplib.SMTP(m.smtp_host, m.smtp_port, timeout=m.timeout_s)
                if m.smtp_security == "starttls":
                    conn.starttls(context=ssl.create_default_context())
            if m.smtp_user:
                conn.login(m.smtp_user, m.smtp_password)
        except smtplib.SMTPAuthenticationError as err:
            msg = N_("The e-mail server {host} refused the login of {user}: check [mail] smtp_user and smtp_password.")
            raise DeliveryError(msg, connection=True, host=host, user=m.smtp_user) from err
        except smtplib.SMTPNotSupportedError as err:
            msg = N_("The e-mail server {host} does not offer {security}: check [mail] smtp_security and smtp_port.")
            raise DeliveryError(msg, connection=True, host=host, security=m.smtp_security) from err
        except (OSError, smtplib.SMTPException) as err:
            msg = N_("The e-mail server {host} does not answer ({reason}); the messages wait and will be sent later.")
            raise DeliveryError(msg, connection=True, host=host, reason=str(err) or type(err).__name__) from err
        return conn

    def send(self, msg: OutboxMessage) -> None:
        """Hand one e-mail to the server; raises :class:`DeliveryError`."""
        if self._conn is None:
            self._conn = self._connect()
        host = f"{self.mail.smtp_host}:{self.mail.smtp_port}"
        em = build_email(msg, settings=self.settings)
        try:
            refused = self._conn.send_message(em, from_addr=sender(self.settings), to_addrs=[msg.recipient])
        except smtplib.SMTPRecipientsRefused as err:
            code, reason = next(iter(err.recipients.values()))
            text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
            message = N_("The e-mail server {host} refused the address {address}: {code} {reason}")
            raise DeliveryError(
                message, permanent=code >= 500, host=host, address=msg.recipient, code=code, reason=text
            ) from err
        except smtplib.SMTPResponseException as err:
            self._reset_if_broken()
            raise _code_error(err, host) from err
        except (OSError, smtplib.SMTPException) as err:
            self.close()
            message = N_("The connection to the e-mail server {host} was lost ({reason}); the message will be sent again.")
            raise DeliveryError(message, connection=True, host=host, reason=str(err) or type(err).__name__) from err
        if refused:
            message = N_("The e-mail server {host} refused the address {address}.")
            raise DeliveryError(message, permanent=True, host=host, address=msg.recipient)

    def _reset_if_broken(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        """Say goodbye to the server (or just drop a broken connection)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            conn.close()

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


__all__ = ["DeliveryError", "SmtpTransport", "build_email", "sender"]
