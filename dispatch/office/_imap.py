"""The IMAP side of reading the website's mailbox (private transport of :mod:`dispatch.office.mailbox`).

Connection over TLS (IMAPS, or STARTTLS; plain text only to a server on this machine), folder
names in IMAP's modified UTF-7, creating the processed folder, moving a message (MOVE, else
COPY and delete the original). The domain module reads plainly: parse, take in, move.
"""

from __future__ import annotations

import base64
import imaplib
import ipaddress
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dispatch.errors import InvalidInput, ServiceError, ServiceTimeout
from dispatch.i18n import N_

if TYPE_CHECKING:
    from dispatch.settings import Settings

#: Folder the processed messages are moved to (created when missing).
PROCESSED_FOLDER = "Traités"
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def imap_utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3): ``Traités`` -> ``Trait&AOk-s``."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            b64 = "".join(buf).encode("utf-16-be")
            out.append("&" + base64.b64encode(b64).decode().rstrip("=").replace("/", ",") + "-")
            buf.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buf.append(ch)
    flush()
    return "".join(out)


def quoted(name: str) -> str:
    encoded = imap_utf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class MailboxAccount:
    """Where and how to read the mailbox.

    ``security``: ``ssl`` (implicit TLS), ``starttls``, or ``auto`` (``ssl`` on port 993,
    else STARTTLS when the server offers it, else plain text to a server on this machine only).
    """

    host: str
    port: int = 993
    user: str = ""
    password: str = ""
    folder: str = "INBOX"
    processed_folder: str = PROCESSED_FOLDER
    security: str = "auto"
    timeout_s: float = 30.0
    cafile: str | None = None


def account_from_settings(settings: Settings) -> MailboxAccount:
    """The mailbox of ``[mail]`` (``imap_host`` ... ``imap_folder``).

    Raises
    ------
    InvalidInput
        No mailbox is configured (``mail.imap_host`` empty).
    """
    mail = getattr(settings, "mail", None)
    host = str(getattr(mail, "imap_host", "") or "").strip()
    if not host:
        msg = N_(
            "No mailbox to read: set imap_host, imap_user and imap_password in the [mail] "
            "section of the settings (or OPMS_MAIL__IMAP_HOST ...)."
        )
        raise InvalidInput(msg)
    return MailboxAccount(
        host=host, port=int(getattr(mail, "imap_port", 993) or 993),
        user=str(getattr(mail, "imap_user", "") or ""), password=str(getattr(mail, "imap_password", "") or ""),
        folder=str(getattr(mail, "imap_folder", "") or "INBOX"),
        processed_folder=str(getattr(mail, "imap_processed_folder", "") or PROCESSED_FOLDER),
        security=str(getattr(mail, "imap_security", "") or "auto"),
        timeout_s=float(getattr(mail, "timeout_s", 30.0) or 30.0),
    )  # fmt: skip


def loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def fail(account: MailboxAccount, err: BaseException) -> ServiceError:
    if isinstance(err, TimeoutError):
        msg = N_("The mailbox {host}:{port} did not answer in time: the messages wait for the next reading.")
        return ServiceTimeout(msg, host=account.host, port=account.port)
    msg = N_("Could not read the mailbox {host}:{port}: {error}. Check the [mail] imap_ settings.")
    first = err.args[0] if err.args else ""
    text = first.decode(errors="replace") if isinstance(first, bytes) else str(err)
    return ServiceError(msg, host=account.host, port=account.port, error=text or type(err).__name__)


def connect(account: MailboxAccount) -> imaplib.IMAP4:
    """An IMAP connection, over TLS (see :class:`MailboxAccount`), logged in.

    Raises
    ------
    ServiceError
        The server cannot be reached, refuses the login, or offers no TLS to a distant host.
    """
    ctx = ssl.create_default_context(cafile=account.cafile)
    security = account.security
    if security == "auto":
        security = "ssl" if account.port == 993 else "starttls"
    try:
        conn: imaplib.IMAP4
        if security == "ssl":
            conn = imaplib.IMAP4_SSL(account.host, account.port, ssl_context=ctx, timeout=account.timeout_s)
        else:
            conn = imaplib.IMAP4(account.host, account.port, timeout=account.timeout_s)
            if "STARTTLS" in conn.capabilities:
                conn.starttls(ssl_context=ctx)
            elif not loopback(account.host):
                conn.shutdown()
                msg = N_(
                    "The mailbox {host}:{port} offers no encryption (STARTTLS): the password is not "
                    "sent in clear. Use port 993 (IMAPS)."
                )
                raise ServiceError(msg, host=account.host, port=account.port)
        conn.login(account.user, account.password)
    except ServiceError:
        raise
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as err:
        raise fail(account, err) from err
    return conn


def capabilities(conn: imaplib.IMAP4) -> set[str]:
    typ, data = conn.capability()
    if typ != "OK" or not data or not data[0]:
        return set()
    raw = data[0]
    return set((raw.decode() if isinstance(raw, bytes) else str(raw)).upper().split())


def ensure_folder(conn: imaplib.IMAP4, name: str) -> None:
    typ, data = conn.create(quoted(name))
    if typ != "OK" and b"exist" not in b" ".join(d for d in data if isinstance(d, bytes)).lower():
        msg = N_("Could not create the folder {folder!r} in the mailbox: {error}.")
        raise ServiceError(msg, folder=name, error=data)


def move(conn: imaplib.IMAP4, uid: str, folder: str, caps: set[str]) -> None:
    """Move one message (UID) to ``folder``: MOVE, else COPY then delete the original only."""
    if "MOVE" in caps:
        typ, data = conn.uid("MOVE", uid, quoted(folder))
        if typ == "OK":
            return
    typ, data = conn.uid("COPY", uid, quoted(folder))
    if typ != "OK":
        msg = N_("Could not move the message to the folder {folder!r}: {error}.")
        raise ServiceError(msg, folder=folder, error=data)
    conn.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)")
    if "UIDPLUS" in caps:
        conn.uid("EXPUNGE", uid)
    else:
        conn.expunge()


__all__ = ["PROCESSED_FOLDER", "MailboxAccount", "account_from_settings", "connect", "imap_utf7"]
