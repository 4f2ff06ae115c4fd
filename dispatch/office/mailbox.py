"""The website's mailbox read by itself: IMAP, form e-mails and free-text e-mails become requests.

:func:`poll_mailbox` logs in to the mailbox of ``[mail]`` (``imap_host``, ``imap_port``,
``imap_user``, ``imap_password``, ``imap_folder``), reads the folder's unseen messages and
takes each one in:

* an e-mail of the website's form (``Nom :``, ``Adresse :`` ... lines, docs/intake.md) becomes a
  request exactly as with ``opms-dispatch intake FILE`` (:func:`dispatch.office.intake.parse_email`);
* any other e-mail (**free text**, :func:`parse_free_text`) becomes a request too, with what
  can be found: the name from the ``From`` header, the phone number and the address found in
  the text (:func:`find_phone`, :func:`find_address` over the Québec address parser of
  :mod:`dispatch.geo.addresses`), the subject and the text as the problem, and the flag
  :data:`FLAG_CHECK` (``à vérifier``) for the office;
* automatic messages (``Auto-Submitted``, delivery reports) are not requests: they are moved
  without a request.

A message taken in (or already taken in: the same ``Message-ID``, stored unique with the
request, is never taken twice) is then **moved** to the folder :data:`PROCESSED_FOLDER`
(``Traités``, created when missing), never deleted. The request is committed before the move,
so a crash between the two leaves the message in the inbox and the next reading only moves it.
A message that cannot become a request is flagged (``\\Flagged``, ``\\Seen``) and left where it
is for a person to read; a database failure stops the reading and leaves the message unread.

Security: the password is sent only over TLS (port 993: implicit TLS; other ports: STARTTLS),
except to a server on this machine (``127.0.0.1``, ``localhost``) that offers no TLS; the
server's certificate is checked against the system's authorities (``cafile`` for a private one).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import imaplib
import re
import ssl
import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from dispatch.errors import (
    InvalidInput,
    RegionNotFound,
    ServiceError,
    StorageError,
)
from dispatch.i18n import N_
from dispatch.office._imap import (
    PROCESSED_FOLDER,
    MailboxAccount,
    account_from_settings,
    capabilities,
    connect,
    ensure_folder,
    fail,
    imap_utf7,
    move,
    quoted,
)
from dispatch.office.intake import (
    FLAG_ADDRESS,
    FLAG_CONSENT,
    FLAG_NO_REGION,
    IntakeReport,
    ParsedEmail,
    RequestForm,
    coverage_record,
    create_once,
    locate,
    parse_date,
    parse_email,
    submit,
)
from dispatch.records import create_request, request_by_message_id

if TYPE_CHECKING:
    from dispatch.geo.built_region import Region
    from dispatch.records import Database, InterventionRequest
    from dispatch.settings import Settings

#: Office flag of a request made from a free-text e-mail.
FLAG_CHECK = "à vérifier"
#: Address stored when a free-text e-mail gives none (flagged ``adresse à vérifier``).
NO_ADDRESS = "(adresse non trouvée dans le courriel)"
#: Longest problem text kept from a free-text e-mail (characters).
MAX_PROBLEM = 4000
#: Most messages taken in by one reading (the rest wait for the next one).
MAX_MESSAGES = 200


# --------------------------------------------------------------------------------------------
# Free-text e-mails
# --------------------------------------------------------------------------------------------

_PHONE_RE = re.compile(r"(?<![\d-])(?:\+?1[\s.-]?)?\(?([2-9]\d{2})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})(?![\d-])")


def find_phone(text: str) -> str:
    """The first North-American phone number of ``text``, as ``450 555-1234``; ``""`` if none."""
    m = _PHONE_RE.search(text)
    return f"{m[1]} {m[2]}-{m[3]}" if m else ""


def _fold_same_length(text: str) -> str:
    """Lower case without accents, one character for one (so positions match ``text``)."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFKD", ch)[:1] or ch
        out.append(base.lower() if len(base.lower()) == 1 else ch)
    return "".join(out)


def _generic_pattern() -> str:
    from dispatch.geo.address_tables import GENERICS

    forms = {f for fs in GENERICS.values() for f in fs if len(f) > 1} | {"st", "ste"}
    forms -= {"st", "ste", "a", "r"}  # initials, not street words, when alone
    return "|".join(sorted((re.escape(f).replace(r"\ ", r"\s+") for f in forms), key=len, reverse=True))


_ADDRESS_START = re.compile(
    r"(?<![\w-])(?:\d{1,5}\s*-\s*)?\d{1,6}[a-z]?(?:\s*1/2)?\s*,?\s+"
    r"(?:\d{1,3}(?:e|er|eme|ieme)\s+)?(?:" + _generic_pattern() + r")\b\.?",
)
#: Words after which a sentence goes on with something else than the address.
_ADDRESS_END = re.compile(
    r"\s(?:et|merci|svp|s'il|pour|mon|ma|mes|j'|je|depuis|car|parce|mais|ou|avec|t[ée]l|"
    r"t[ée]l[ée]phone|cell|cellulaire|courriel|and|please|my|thanks)\b|[!?;()\[\]<>]",
    re.IGNORECASE,
)
#: A full stop that ends a sentence (checked: not after an abbreviation such as ``boul.``).
_SENTENCE_END = re.compile(r"(\w+)\.(?=\s+[A-ZÀ-Ý]|\s*$)")


def _phrase_end(rest: str) -> int:
    """Where the address written at the start of ``rest`` ends."""
    end = len(rest)
    m = _ADDRESS_END.search(rest)
    if m:
        end = m.start()
    for dot in _SENTENCE_END.finditer(rest, 0, end):
        if len(dot[1]) > 4 or dot[1].isdigit():
            return dot.end() - 1
    return end
_CITY_JOIN = re.compile(r"\s+(?:a|à|in)\s+(?=[A-ZÀ-Ý])")


def find_address(text: str, *, cities: tuple[str, ...] = ()) -> str:
    """The first Québec civic address written in free ``text`` (``""`` if none).

    An address starts with a civic number followed by a street generic (``123 rue ...``,
    ``4-56, boul. ...``, ``12 10e Avenue``) and goes to the end of its line or of its phrase;
    ``à Mascouche`` becomes ``, Mascouche``. It is kept only if the Québec address parser
    (:func:`dispatch.geo.addresses.parse_address`) reads a number and a street in it.
    """
    from dispatch.geo.address_tables import KNOWN_CITIES
    from dispatch.geo.addresses import parse_address

    known = tuple(dict.fromkeys((*cities, *KNOWN_CITIES)))
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.lstrip().startswith(">"):
            continue  # quoted reply
        folded = _fold_same_length(line)
        for m in _ADDRESS_START.finditer(folded):
            rest = line[m.end():]
            candidate = (line[m.start():m.end()] + rest[: _phrase_end(rest)]).strip()
            candidate = _CITY_JOIN.sub(", ", candidate).strip(" ,.-:")
            try:
                parsed = parse_address(candidate, cities=known)
            except InvalidInput:
                continue
            if parsed.number is not None and parsed.street:
                return candidate
    return ""


def _name_from(msg: EmailMessage) -> tuple[str, str]:
    """(name, e-mail) of the sender: the display name, else the address's local part."""
    pairs = getaddresses([str(msg.get("Reply-To", "") or ""), str(msg.get("From", "") or "")])
    addr = next((a for _n, a in pairs if "@" in a), "")
    name = parseaddr(str(msg.get("From", "") or ""))[0].strip().strip('"')
    if not name and addr:
        local = addr.split("@", 1)[0]
        name = " ".join(w.capitalize() for w in re.split(r"[._+-]+", local) if w)
    return name, addr


def _plain_text(msg: EmailMessage) -> str:
    from dispatch.office.intake import _body_text

    text = _body_text(msg)
    kept = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.rstrip() in {"--", "-- "}:
            break  # signature
        if line.lstrip().startswith(">"):
            continue  # quoted reply
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _received(msg: EmailMessage) -> Any:
    if not msg.get("Date"):
        return None
    try:
        at = parsedate_to_datetime(str(msg["Date"]))
    except (TypeError, ValueError):
        return None
    return at if at.tzinfo is not None else None


def message_id_of(raw: bytes) -> str:
    """The ``Message-ID`` of a raw message (a hash of the bytes when it has none)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    mid = str(msg.get("Message-ID", "") or "").strip()
    return mid or f"<sha256-{hashlib.sha256(raw).hexdigest()[:32]}@opms-intake>"


def is_automatic(raw: bytes) -> bool:
    """An automatic message (auto-reply, delivery report, list traffic): never a request."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    auto = str(msg.get("Auto-Submitted", "") or "").strip().lower()
    precedence = str(msg.get("Precedence", "") or "").strip().lower()
    sender = parseaddr(str(msg.get("From", "") or ""))[1].lower()
    return (
        (auto not in {"", "no"})
        or precedence in {"bulk", "junk", "auto_reply", "list"}
        or sender.startswith(("mailer-daemon@", "postmaster@"))
        or msg.get_content_type() == "multipart/report"
    )


def parse_free_text(raw: bytes, *, source: str = "", cities: tuple[str, ...] = ()) -> ParsedEmail:
    """Read any e-mail as a request: name and e-mail from ``From``, phone and address from the text.

    The problem is the subject and the text (quoted replies and the signature left out); the
    consent is not given (an e-mail is not the form's box); the date is read if one is written.

    Raises
    ------
    InvalidInput
        The message gives no way to reach its sender (no e-mail address, no phone number).
    """
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    name, addr = _name_from(msg)
    body = _plain_text(msg)
    subject = str(msg.get("Subject", "") or "").strip()
    phone = find_phone(body)
    if not addr and not phone:
        msg_ = N_("The e-mail {source} has neither a sender address nor a phone number: nobody to call back.")
        raise InvalidInput(msg_, source=source or message_id_of(raw))
    problem = "\n\n".join(p for p in (subject, body) if p)[:MAX_PROBLEM]
    form = RequestForm(
        name=name or addr or phone, address=find_address(f"{subject}\n{body}", cities=cities),
        phone=phone, email=addr, problem=problem, desired_date=parse_date(body), consent=False,
    )  # fmt: skip
    return ParsedEmail(message_id_of(raw), form, _received(msg), source)


def read_request_email(raw: bytes, *, source: str = "", cities: tuple[str, ...] = ()) -> tuple[ParsedEmail, bool]:
    """``(parsed, free_text)``: the website form's layout when the e-mail follows it, else free text."""
    try:
        return parse_email(raw, source=source), False
    except InvalidInput:
        return parse_free_text(raw, source=source, cities=cities), True


def _submit_free(
    db: Database, parsed: ParsedEmail, *, settings: Settings, region: Region | str | None, actor: str
) -> InterventionRequest:
    """Store a free-text request, flagged :data:`FLAG_CHECK`, in one transaction."""
    form = parsed.form
    flags: list[str] = [FLAG_CHECK]
    coverage = None
    region_name = getattr(region, "name", region) or ""
    if not form.address:
        flags.append(FLAG_ADDRESS)
    elif region is None:
        flags.append(FLAG_NO_REGION)
    else:
        try:
            cov, found = locate(form.address, region=region, settings=settings)
        except RegionNotFound:
            cov, found = None, [FLAG_NO_REGION]
        flags.extend(found)
        if cov is not None:
            coverage = coverage_record(cov)
    flags.append(FLAG_CONSENT)
    from dispatch.messaging import events

    with db.write() as s:  # the acknowledgement is queued with the request (a cancelled trace without consent)
        req = create_request(
            db, name=form.name, phone=form.phone, email=form.email, address=form.address or NO_ADDRESS,
            problem=form.problem, desired_date=form.desired_date, remote_ok=False, consent=False,
            source="email", message_id=parsed.message_id, coverage=coverage, region=str(region_name),
            flags=flags, actor=actor, at=parsed.received_at,
        )  # fmt: skip
        events.request_received(s, req.id, settings=settings)
    return req


def take_in(
    db: Database,
    raw: bytes,
    *,
    settings: Settings,
    region: Region | str | None,
    source: str = "",
    actor: str = "courriel",
) -> tuple[str, InterventionRequest | None, str]:
    """Take one message in: ``("created", request, message_id)``, ``("duplicate", None, id)``
    or ``("automatic", None, id)``. Idempotent on the Message-ID.

    Raises
    ------
    InvalidInput
        The message cannot become a request (see :func:`parse_free_text`).
    """
    message_id = message_id_of(raw)
    if is_automatic(raw):
        return "automatic", None, message_id
    if request_by_message_id(db, message_id) is not None:
        return "duplicate", None, message_id
    cities = tuple(getattr(region, "cities", ()) or ())
    parsed, free = read_request_email(raw, source=source, cities=cities)
    if free:
        req = create_once(db, parsed.message_id,
                          lambda: _submit_free(db, parsed, settings=settings, region=region, actor=actor))
    else:
        req = create_once(db, parsed.message_id, lambda: submit(
            db, parsed.form, settings=settings, region=region, source="email",
            message_id=parsed.message_id, actor=actor, at=parsed.received_at,
        ))  # fmt: skip
    if req is None:
        return "duplicate", None, parsed.message_id  # taken in concurrently
    return "created", req, parsed.message_id


# --------------------------------------------------------------------------------------------
# Reading the mailbox (the IMAP transport is dispatch.office._imap)
# --------------------------------------------------------------------------------------------


@dataclass
class MailboxReport(IntakeReport):
    """What one reading of the mailbox did (an :class:`IntakeReport` plus the moves)."""

    moved: list[str] = field(default_factory=list)
    automatic: list[str] = field(default_factory=list)
    free_text: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["moved"] = self.moved
        out["automatic"] = self.automatic
        out["free_text"] = self.free_text
        out["counts"].update(moved=len(self.moved), automatic=len(self.automatic), free_text=len(self.free_text))
        return out


def poll_mailbox(
    db: Database,
    settings: Settings,
    *,
    account: MailboxAccount | None = None,
    region: Region | str | None = None,
    actor: str = "courriel",
    limit: int = MAX_MESSAGES,
) -> MailboxReport:
    """Read the mailbox once: take in its unseen messages, move them to the processed folder.

    Parameters
    ----------
    account
        The mailbox (default: :func:`account_from_settings`).
    region
        Region for the coverage (default: ``general.default_region``).
    limit
        Most messages taken in by this reading.

    Raises
    ------
    ServiceError
        The mailbox cannot be read (the messages wait, nothing is lost).
    StorageError
        The database failed: the reading stops, the message stays unread.
    """
    from dispatch.geo.region import load_region

    acc = account or account_from_settings(settings)
    if region is None and settings.general.default_region:
        region = load_region(settings.general.default_region, settings=settings)
    elif isinstance(region, str):
        region = load_region(region, settings=settings)
    report = MailboxReport()
    conn = connect(acc)
    try:
        caps = capabilities(conn)
        ensure_folder(conn, acc.processed_folder)
        typ, data = conn.select(quoted(acc.folder))
        if typ != "OK":
            msg = N_("The mailbox has no folder {folder!r}: check mail.imap_folder.")
            raise ServiceError(msg, folder=acc.folder)
        typ, data = conn.uid("SEARCH", "UNSEEN")
        uids = (data[0] or b"").decode().split() if typ == "OK" and data else []
        for uid in uids[:limit]:
            typ, fetched = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in fetched or [] if isinstance(part, tuple)), None)
            if typ != "OK" or not isinstance(raw, bytes):
                continue  # expunged meanwhile by another reader
            source = f"imap:{acc.folder}/{uid}"
            try:
                outcome, req, mid = take_in(db, raw, settings=settings, region=region, source=source, actor=actor)
            except StorageError:
                raise
            except InvalidInput as err:
                report.errors.append({"file": source, "error": err.localized()})
                conn.uid("STORE", uid, "+FLAGS.SILENT", "(\\Flagged \\Seen)")
                continue
            if outcome == "created" and req is not None:
                report.created.append(
                    {"id": req.id, "message_id": mid, "name": req.customer.name, "zone": req.address.zone,
                     "flags": list(req.flags), "file": source}
                )  # fmt: skip
                if FLAG_CHECK in req.flags:
                    report.free_text.append(req.id)
            elif outcome == "duplicate":
                report.duplicates.append(mid)
            else:
                report.automatic.append(mid)
            move(conn, uid, acc.processed_folder, caps)
            report.moved.append(mid)
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as err:
        raise fail(acc, err) from err
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()
    return report


def worker_jobs(settings: Settings) -> list[Any]:
    """The worker's job reading the mailbox every ``[mail] poll_interval_s`` seconds.

    None when no mailbox is configured (``mail.imap_host`` empty). Found by
    :data:`dispatch.messaging.worker.JOB_PROVIDERS`; an unreachable mailbox is the job's
    recorded error (the messages wait on the server) and the next reading tries again.
    """
    from dispatch.messaging.worker import PeriodicJob

    mail = getattr(settings, "mail", None)
    if not str(getattr(mail, "imap_host", "") or "").strip():
        return []

    def read(db: Database, settings: Settings, at: Any) -> dict[str, Any]:
        report = poll_mailbox(db, settings)
        return dict(report.to_dict()["counts"])

    return [PeriodicJob("mailbox", float(getattr(mail, "poll_interval_s", 60.0) or 60.0), read)]


__all__ = [
    "FLAG_CHECK",
    "NO_ADDRESS",
    "PROCESSED_FOLDER",
    "MailboxAccount",
    "MailboxReport",
    "account_from_settings",
    "connect",
    "find_address",
    "find_phone",
    "imap_utf7",
    "is_automatic",
    "message_id_of",
    "parse_free_text",
    "poll_mailbox",
    "read_request_email",
    "take_in",
    "worker_jobs",
]
