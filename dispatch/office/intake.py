"""Intake: intervention requests from the public form and from the website's e-mails.

A request holds the customer (name, phone, e-mail), the address, the desired date (not
binding), the problem, whether remote support may do, and the customer's consent to the
privacy policy. Each request is geocoded and its coverage (zone, road km, travel fee) attached
at intake. Nothing is dropped: an address that cannot be placed is stored flagged
``adresse à vérifier``, an address outside the service area ``hors zone``, both for the office.

E-mails of the website's "Demande d'interventions" form follow the plain-text layout of
docs/intake.md (``Champ : valeur`` lines). :func:`intake_path` reads one ``.eml`` file, a
Maildir, or a folder of ``.eml`` files; the same Message-ID never creates two requests.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import html
import mailbox
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from dispatch.errors import (
    AddressNotFound,
    ConflictError,
    DispatchError,
    InvalidInput,
    RegionNotFound,
)
from dispatch.geo.region import load_region
from dispatch.geo.service_area import check_address
from dispatch.i18n import N_, _
from dispatch.messaging import consent, events
from dispatch.records import create_request, request_by_message_id

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dispatch.geo.built_region import Region
    from dispatch.geo.coverage import Coverage
    from dispatch.records import Database, InterventionRequest
    from dispatch.settings import Settings

#: Office flags set at intake.
FLAG_ADDRESS = "adresse à vérifier"
FLAG_OUTSIDE = "hors zone"
FLAG_ON_QUOTE = "déplacement sur devis"
FLAG_CONSENT = "consentement à confirmer"
FLAG_NO_REGION = "couverture non calculée (aucune région)"


@dataclass(frozen=True)
class RequestForm:
    """What a customer submits (public form or e-mail)."""

    name: str
    address: str
    phone: str = ""
    email: str = ""
    problem: str = ""
    desired_date: date | None = None
    remote_ok: bool = False
    consent: bool = False
    #: Channels the customer agreed to be written on (``email``, ``sms``; empty: none), with
    #: the wording :data:`dispatch.messaging.consent.WORDING` shown beside the choice.
    channels: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "address": self.address, "phone": self.phone, "email": self.email,
            "problem": self.problem,
            "desired_date": self.desired_date.isoformat() if self.desired_date else None,
            "remote_ok": self.remote_ok, "consent": self.consent, "channels": list(self.channels),
        }  # fmt: skip


# --------------------------------------------------------------------------------------------
# Coverage at intake
# --------------------------------------------------------------------------------------------


def locate(address: str, *, region: Region | str, settings: Settings) -> tuple[Coverage | None, list[str]]:
    """Geocode ``address`` and compute its coverage; never raises for an unplaceable address.

    Parameters
    ----------
    address
        The address as the customer wrote it.
    region
        A loaded :class:`dispatch.geo.built_region.Region` or a region name.
    settings
        Settings in force.

    Returns
    -------
    (Coverage or None, flags)
        The coverage (``None`` when the address cannot be placed) and the office flags.
    """
    if isinstance(region, str):
        region = load_region(region, settings=settings)
    try:
        cov = check_address(region, address, settings=settings)
    except AddressNotFound:
        return None, [FLAG_ADDRESS]
    flags = []
    if cov.zone == "outside":
        flags.append(FLAG_OUTSIDE)
    fee = getattr(cov, "travel_fee", None)
    if fee is not None and getattr(fee, "amount", 0) is None:
        flags.append(FLAG_ON_QUOTE)
    geo = getattr(cov, "geocode", None)
    if geo is not None and getattr(geo, "precision", "exact") in {"approximate", "street", "none"}:
        flags.append(FLAG_ADDRESS)
    return cov, flags


def coverage_record(cov: Coverage | Mapping[str, Any]) -> dict[str, Any]:
    """Flatten a Coverage (or its ``to_dict()``) into what the address row stores."""
    d = cov.to_dict() if hasattr(cov, "to_dict") else dict(cov)
    geo = d.get("geocode") or {}
    point = d.get("point") or {}
    fee = d.get("travel_fee")
    obj = getattr(cov, "travel_fee", None)
    if obj is not None and hasattr(obj, "explanation"):
        fee = {"amount": None if obj.amount is None else str(obj.amount), "explanation": obj.explanation}
    elif not isinstance(fee, dict):
        fee = {"amount": fee, "explanation": d.get("travel_fee_explanation", "")}
    return {
        **d,
        "lat": d.get("lat", point.get("lat", geo.get("lat"))),
        "lon": d.get("lon", point.get("lon", geo.get("lon"))),
        "precision": d.get("precision") or geo.get("precision") or "exact",
        "matched": d.get("matched") or geo.get("matched") or "",
        "travel_fee": fee,
    }


def submit(
    db: Database,
    form: RequestForm,
    *,
    settings: Settings,
    region: Region | str | None = None,
    source: str = "form",
    message_id: str | None = None,
    actor: str = "formulaire",
    at: datetime | None = None,
) -> InterventionRequest:
    """Store a request with its coverage (the public form's and the e-mail intake's path).

    The public form (``source="form"``) requires the customer's consent to the privacy policy
    (nothing is stored without it); an e-mail without a clear consent is stored flagged
    ``consentement à confirmer``.

    In the same transaction, the channels the customer agreed to (``form.channels``) are
    recorded and the acknowledgement is written to the outbox
    (:func:`dispatch.messaging.events.request_received`): a request that is not stored sends
    nothing, a stored one cannot lose its acknowledgement.
    """
    if source == "form" and not form.consent:
        msg = N_("Consent to the privacy policy is required to send the request.")
        raise InvalidInput(msg)
    flags: list[str] = []
    coverage: dict[str, Any] | None = None
    region = region if region is not None else (settings.general.default_region or None)
    region_name = getattr(region, "name", region) or ""
    if region is None:
        flags.append(FLAG_NO_REGION)
    else:
        try:
            cov, flags = locate(form.address, region=region, settings=settings)
        except RegionNotFound:  # a configuration problem must not lose a customer's request
            cov, flags = None, [FLAG_NO_REGION]
        if cov is not None:
            coverage = coverage_record(cov)
    if not form.consent:
        flags.append(FLAG_CONSENT)
    with db.write() as s:
        req = create_request(
            db,
            name=form.name,
            phone=form.phone,
            email=form.email,
            address=form.address,
            problem=form.problem,
            desired_date=form.desired_date,
            remote_ok=form.remote_ok,
            consent=form.consent,
            source=source,
            message_id=message_id,
            coverage=coverage,
            region=str(region_name),
            flags=flags,
            actor=actor,
            at=at,
        )
        _acknowledge(s, req, form, settings=settings, source=source, actor=actor)
    return req


def _acknowledge(
    s: Session, req: InterventionRequest, form: RequestForm, *, settings: Settings, source: str, actor: str
) -> None:
    """Record the channels the customer chose, then enqueue the acknowledgement (caller's transaction)."""
    if form.channels:
        wording = _(consent.WORDING).format(company=settings.general.company_name)
        consent.record_consent(s, req.customer.id, form.channels, wording=wording, source=source, actor=actor)
    events.request_received(s, req.id, settings=settings)


# --------------------------------------------------------------------------------------------
# E-mail layout
# --------------------------------------------------------------------------------------------


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = text.replace("’", "'")
    return re.sub(r"[^a-z0-9']+", " ", text).strip()


#: Field labels accepted in e-mails (compared without accents, case or punctuation).
FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("nom", "nom complet", "prenom et nom", "nom et prenom", "name", "full name"),
    "phone": ("telephone", "tel", "no de telephone", "numero de telephone", "cellulaire", "phone"),
    "email": ("courriel", "adresse courriel", "e mail", "email", "adresse electronique"),
    "address": ("adresse", "adresse de l'intervention", "adresse civique", "address"),
    "city": ("ville", "municipalite", "city"),
    "postcode": ("code postal", "postal code"),
    "desired_date": ("date souhaitee", "date desiree", "date preferee", "desired date", "date"),
    "remote_ok": (
        "soutien a distance", "soutien a distance possible", "support a distance",
        "assistance a distance", "a distance", "remote support",
    ),
    "consent": (
        "consentement", "politique de confidentialite", "j'accepte la politique de confidentialite",
        "consent",
    ),
    "problem": (
        "description du probleme", "probleme", "description", "message", "details", "problem",
    ),
}  # fmt: skip
_LABELS = {label: name for name, labels in FIELDS.items() for label in labels}
_LINE = re.compile(r"^\s*([^:\n]{1,60}?)\s*:\s?(.*)$")

_MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}  # fmt: skip


def parse_yes(text: str) -> bool:
    """``oui``/``yes``/``x``/``coché``/``true``/``1``/``j'accepte`` -> True; anything else False."""
    k = _key(text)
    return bool(k) and (
        k.split()[0] in {"oui", "yes", "y", "o", "x", "coche", "true", "vrai", "1", "accepte"}
        or k.startswith("j'accepte")
    )


def parse_date(text: str) -> date | None:
    """``2026-12-03``, ``03/12/2026`` (day first), ``3 décembre 2026``; else None (not binding)."""
    t = text.strip()
    if not t:
        return None
    m = re.search(r"(\d{4})-(\d{1,2})-(\d{1,2})", t)
    try:
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = re.search(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", t)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        m = re.search(r"(\d{1,2})(?:er)?\s+([a-z]+)\s+(\d{4})", _key(t))
        if m and m[2] in _MONTHS:
            return date(int(m[3]), _MONTHS[m[2]], int(m[1]))
    except ValueError:
        return None
    return None


def parse_form_text(text: str) -> dict[str, str]:
    """Read ``Champ : valeur`` lines into field values; a value may continue on the next lines.

    Unknown labels are kept in the value of the field being read (a description may hold
    colons). The ``problem`` field takes every following line up to the next known label.
    """
    values: dict[str, list[str]] = {}
    current: str | None = None
    for raw in text.replace("\r\n", "\n").split("\n"):
        m = _LINE.match(raw)
        name = _LABELS.get(_key(m[1])) if m else None
        if name is not None and m is not None:
            current = name
            values.setdefault(name, []).append(m[2].strip())
            continue
        if current is not None and raw.strip():
            if raw.strip().startswith(("--", "__")):  # signature / footer
                current = None
                continue
            values[current].append(raw.strip())
        elif current is not None and current != "problem":
            current = None
    out = {}
    for k, parts in values.items():
        sep = "\n" if k == "problem" else " "
        out[k] = sep.join(p for p in parts if p).strip()
    return out


def _body_text(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content: str = part.get_content()  # a text part's content is its text
    if part.get_content_subtype() == "html":
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</li>", "\n", content)
        content = html.unescape(re.sub(r"<[^>]+>", "", content))
    return content


@dataclass(frozen=True)
class ParsedEmail:
    """One e-mail read as a request."""

    message_id: str
    form: RequestForm
    received_at: datetime | None
    source: str = ""


def parse_email(raw: bytes, *, source: str = "") -> ParsedEmail:
    """Read a website e-mail (bytes of an RFC 5322 message) into a :class:`RequestForm`.

    Raises
    ------
    InvalidInput
        When the name or the address is missing (the message says which file and field).
    """
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = str(msg.get("Message-ID", "") or "").strip()
    if not message_id:
        message_id = f"<sha256-{hashlib.sha256(raw).hexdigest()[:32]}@opms-intake>"
    values = parse_form_text(_body_text(msg))
    if not values.get("name"):
        if source:
            msg_ = N_(
                "No 'Nom :' line in {source}: not a request e-mail of the website form (see docs/intake.md)."
            )
        else:
            msg_ = N_("No 'Nom :' line: not a request e-mail of the website form (see docs/intake.md).")
        raise InvalidInput(msg_, source=source)
    address = values.get("address", "")
    if values.get("city") and _key(values["city"]) not in _key(address):
        address = f"{address}, {values['city']}" if address else values["city"]
    if values.get("postcode") and _key(values["postcode"]) not in _key(address):
        address = f"{address} {values['postcode']}".strip()
    if not address:
        if source:
            msg_ = N_("No 'Adresse :' line in {source}; the request needs the address of the intervention.")
        else:
            msg_ = N_("No 'Adresse :' line; the request needs the address of the intervention.")
        raise InvalidInput(msg_, source=source)
    mail = values.get("email", "")
    if not mail:
        reply = msg.get("Reply-To")
        if reply and getattr(reply, "addresses", None):
            mail = reply.addresses[0].addr_spec
    received = None
    if msg.get("Date"):
        try:
            received = parsedate_to_datetime(str(msg["Date"]))
            if received.tzinfo is None:
                received = None
        except (TypeError, ValueError):
            received = None
    form = RequestForm(
        name=values["name"],
        address=address,
        phone=values.get("phone", ""),
        email=mail,
        problem=values.get("problem", ""),
        desired_date=parse_date(values.get("desired_date", "")),
        remote_ok=parse_yes(values.get("remote_ok", "")),
        consent=parse_yes(values.get("consent", "")),
    )
    return ParsedEmail(message_id, form, received, source)


def iter_messages(path: str | Path) -> Iterator[tuple[str, bytes]]:
    """``(name, raw bytes)`` of one ``.eml`` file, every message of a Maildir, or of a folder's ``.eml`` files."""
    p = Path(path).expanduser()
    if p.is_file():
        yield str(p), p.read_bytes()
        return
    if not p.is_dir():
        msg = N_("{path} is neither an e-mail file (.eml) nor a Maildir folder.")
        raise InvalidInput(msg, path=p)
    if (p / "cur").is_dir() or (p / "new").is_dir():
        box = mailbox.Maildir(p, factory=None, create=False)
        for key in sorted(box.keys()):
            with box.get_file(key) as fh:
                yield f"{p}/{key}", fh.read()
        return
    for f in sorted(p.glob("*.eml")):
        yield str(f), f.read_bytes()


class CreatedRequest(TypedDict):
    """A request an intake run created, as reported."""

    id: int
    message_id: str
    name: str
    zone: str | None
    flags: list[str]
    file: str


@dataclass
class IntakeReport:
    """What one intake run did."""

    created: list[CreatedRequest] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "duplicates": self.duplicates,
            "errors": self.errors,
            "counts": {
                "created": len(self.created), "duplicates": len(self.duplicates),
                "errors": len(self.errors),
            },
        }  # fmt: skip


def create_once(
    db: Database, message_id: str, create: Callable[[], InterventionRequest]
) -> InterventionRequest | None:
    """``create()`` the request of e-mail ``message_id``; ``None`` when another reader took
    the same e-mail in meanwhile (the unique Message-ID refused the second request).

    The caller checks for an existing request first (:func:`request_by_message_id`); this
    covers the race between that check and the insert.
    """
    try:
        return create()
    except ConflictError:
        if request_by_message_id(db, message_id) is None:
            raise
        return None


def intake_path(
    db: Database,
    path: str | Path,
    *,
    settings: Settings,
    region: Region | str | None = None,
    actor: str = "courriel",
) -> IntakeReport:
    """Create one request per new e-mail of ``path``; already seen Message-IDs are skipped.

    Each e-mail is its own transaction: a bad e-mail is reported in ``errors`` and the others
    are still taken in.
    """
    if region is None and settings.general.default_region:
        region = load_region(settings.general.default_region, settings=settings)
    elif isinstance(region, str):
        region = load_region(region, settings=settings)
    report = IntakeReport()
    for name, raw in iter_messages(path):
        try:
            parsed = parse_email(raw, source=name)
            if request_by_message_id(db, parsed.message_id) is not None:
                report.duplicates.append(parsed.message_id)
                continue
            req = create_once(db, parsed.message_id, partial(
                submit, db, parsed.form, settings=settings, region=region, source="email",
                message_id=parsed.message_id, actor=actor, at=parsed.received_at,
            ))  # fmt: skip
            if req is None:
                report.duplicates.append(parsed.message_id)  # taken in concurrently
                continue
            report.created.append(
                {
                    "id": req.id, "message_id": parsed.message_id, "name": req.customer.name,
                    "zone": req.address.zone, "flags": list(req.flags), "file": name,
                }
            )  # fmt: skip
        except DispatchError as err:
            report.errors.append({"file": name, "error": err.localized()})
    return report


__all__ = [
    "FIELDS",
    "FLAG_ADDRESS",
    "FLAG_CONSENT",
    "FLAG_ON_QUOTE",
    "FLAG_OUTSIDE",
    "CreatedRequest",
    "IntakeReport",
    "ParsedEmail",
    "RequestForm",
    "coverage_record",
    "create_once",
    "intake_path",
    "iter_messages",
    "locate",
    "parse_date",
    "parse_email",
    "parse_form_text",
    "parse_yes",
    "submit",
]
