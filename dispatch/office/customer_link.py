"""The customer's link: confirm, cancel or ask to move an appointment, without a login.

A link carries a signed, expiring token (:func:`make_token`): ``REQUEST.EXPIRY.SIGNATURE``,
where the signature is an HMAC-SHA256 of the request id and the expiry time (Unix seconds)
with the installation's key. The key is a random 32-byte secret kept in
``<data_dir>/keys/customer_link.key`` (made at first use, readable by its owner only, see
:mod:`dispatch.files`); deleting that file invalidates every link ever sent. A token names one
request and nothing else: whoever holds the link may act on that request's next appointment
only, as the customer would on the phone.

What the link page does (:mod:`views.slots`):

* :func:`link_view`: the request's state and appointment, with what a cancellation would cost
  **now** (late inside ``tariff.cancellation_notice_h`` hours, with the tariff's fee), shown
  before the customer confirms the cancellation;
* :func:`confirm_by_link`: the customer confirms the time (flag :data:`FLAG_CONFIRMED`, for
  the office's day-before call list; the office's call still settles a tentative window);
* :func:`cancel_by_link`: the cancellation, recorded by
  :func:`dispatch.records.cancel_request` (on time or late, with the fee);
* :func:`ask_to_move`: a tentative window is moved to another offered window at once; an
  agreed time gets the flag :data:`FLAG_MOVE` and the wished window in the audit log, and the
  office calls back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import sqlalchemy as sa

from dispatch import records
from dispatch.errors import InvalidInput, InvalidTransition
from dispatch.files import private_file, private_folder
from dispatch.i18n import N_
from dispatch.messaging import events
from dispatch.money import CENT
from dispatch.office import calls
from dispatch.office.slots import (
    CUSTOMER,
    TENTATIVE,
    book_tentative,
    clock,
    slot_label,
)
from dispatch.records import AppointmentRow, RequestRow
from dispatch.records.audit_trail import audit
from dispatch.records.guards import _get
from dispatch.records.lifecycle import CANCELLABLE, State, cancellation_timing

if TYPE_CHECKING:
    from dispatch.office.slots import Slot
    from dispatch.records import Database, InterventionRequest
    from dispatch.settings import Settings

#: Office flag: the customer confirmed the time through the link.
FLAG_CONFIRMED = calls.CONFIRMED_BY_LINK
#: Office flag: the customer asked through the link to move the appointment.
FLAG_MOVE = "déplacement demandé par le client"
#: How long a link stays valid.
LINK_DAYS = 30
#: Query parameter of the link (``/creneau?t=TOKEN``).
TOKEN_PARAM = "t"
#: The page of the link.
PAGE = "creneau"
#: Where the dashboard answers when nothing says otherwise.
DEFAULT_BASE_URL = "http://127.0.0.1:8501"
#: Who acts through the link (audit log).
ACTOR = f"{CUSTOMER} (lien)"

_CONTEXT = b"opms-customer-link-v1:"


def key_path(settings: Settings) -> Path:
    """Where the signing key lives: ``<data_dir>/keys/customer_link.key``."""
    return Path(settings.data_dir) / "keys" / "customer_link.key"


def link_key(settings: Settings) -> bytes:
    """The installation's signing key, made (random, 0600) at first use."""
    path = key_path(settings)
    if not path.is_file():
        private_folder(path.parent)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made at the same moment by another process: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
        private_file(path)
    key = bytes.fromhex(path.read_text().strip() or "00")
    if len(key) < 16:
        msg = N_("The link key {path} is damaged: delete it (links already sent will stop working).")
        raise InvalidInput(msg, path=path)
    return key


def _sign(key: bytes, request_id: int, expiry: int) -> str:
    mac = hmac.new(key, _CONTEXT + f"{request_id}.{expiry}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def make_token(settings: Settings, request_id: int, *, now: datetime | None = None, days: int = LINK_DAYS) -> str:
    """A token for ``request_id`` valid ``days`` days from ``now``."""
    at = now if now is not None else clock()
    expiry = int((at + timedelta(days=days)).timestamp())
    return f"{int(request_id)}.{expiry}.{_sign(link_key(settings), int(request_id), expiry)}"


def read_token(settings: Settings, token: str, *, now: datetime | None = None) -> int:
    """The request id of a valid token.

    Raises
    ------
    InvalidInput
        The token is malformed, its signature is wrong, or it has expired.
    """
    parts = (token or "").strip().split(".")
    bad = N_("This link is not valid: check that it was copied whole, or call us.")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise InvalidInput(bad)
    request_id, expiry = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(_sign(link_key(settings), request_id, expiry), parts[2]):
        raise InvalidInput(bad)
    at = now if now is not None else clock()
    if at.timestamp() > expiry:
        msg = N_("This link has expired: call us to change your appointment.")
        raise InvalidInput(msg)
    return request_id


def link_params(settings: Settings, request_id: int, *, now: datetime | None = None) -> dict[str, str]:
    """The query parameters of the customer's page for ``request_id`` (``{"t": TOKEN}``)."""
    return {TOKEN_PARAM: make_token(settings, request_id, now=now)}


def customer_url(
    settings: Settings, request_id: int, *, base_url: str | None = None, now: datetime | None = None
) -> str:
    """The full link to send (e-mail, SMS): ``{base_url}/creneau?t=TOKEN``.

    ``base_url`` defaults to ``mail.public_url`` when the settings have it, else
    :data:`DEFAULT_BASE_URL`.
    """
    base = base_url or str(getattr(getattr(settings, "mail", None), "public_url", "") or DEFAULT_BASE_URL)
    return f"{base.rstrip('/')}/{PAGE}?{urlencode(link_params(settings, request_id, now=now))}"


@dataclass(frozen=True)
class LinkView:
    """What the link page shows.

    Attributes
    ----------
    request_id, name, state
        The request, the customer's name and the request's state.
    appointment_id, window_start, window_end, status
        The next appointment (``None`` when no time is set yet); ``status`` is ``tentative``
        (picked, not yet agreed by the office), ``scheduled`` or ``confirmed``.
    label
        The window said plainly (``mardi 9 décembre, entre 13 h et 15 h``), ``""`` without one.
    cancellable
        The customer may still cancel (the technician is not on site yet).
    cancellation
        ``on_time`` or ``late`` if cancelled now; ``late_fee`` the fee a late cancellation
        records (``None`` when on time or when the tariff has none); ``notice_h`` the notice.
    confirmed_by_customer, move_asked
        The customer already confirmed / asked to move through the link.
    """

    request_id: int
    name: str
    state: str
    appointment_id: int | None
    window_start: datetime | None
    window_end: datetime | None
    status: str | None
    label: str
    cancellable: bool
    cancellation: str
    late_fee: Decimal | None
    notice_h: int
    confirmed_by_customer: bool
    move_asked: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id, "name": self.name, "state": self.state,
            "appointment_id": self.appointment_id,
            "window_start": self.window_start.isoformat() if self.window_start else None,
            "window_end": self.window_end.isoformat() if self.window_end else None,
            "status": self.status, "label": self.label, "cancellable": self.cancellable,
            "cancellation": self.cancellation,
            "late_fee": None if self.late_fee is None else str(self.late_fee),
            "notice_h": self.notice_h, "confirmed_by_customer": self.confirmed_by_customer,
            "move_asked": self.move_asked,
        }  # fmt: skip


def _next_appointment(db: Database, request_id: int) -> records.Appointment | None:
    with db.read() as s:
        row = s.scalars(
            sa.select(AppointmentRow)
            .where(AppointmentRow.request_id == request_id)
            .where(AppointmentRow.status.in_([TENTATIVE, "scheduled", "confirmed"]))
            .order_by(AppointmentRow.window_start, AppointmentRow.id)
        ).first()
        appt_id = None if row is None else row.id
    return None if appt_id is None else records.get_appointment(db, appt_id)


def view_request(db: Database, settings: Settings, request_id: int, *, now: datetime | None = None) -> LinkView:
    """:class:`LinkView` of a request (what its link shows at ``now``)."""
    at = now if now is not None else clock()
    req = records.get_request(db, request_id)
    appt = _next_appointment(db, request_id)
    start = appt.window_start if appt is not None else None
    notice = int(settings.tariff.cancellation_notice_h)
    timing = cancellation_timing(start, at, notice_h=notice)
    fee = Decimal(settings.tariff.late_cancellation_fee).quantize(CENT, ROUND_HALF_UP)
    return LinkView(
        request_id=req.id, name=req.customer.name, state=req.state,
        appointment_id=appt.id if appt else None, window_start=start,
        window_end=appt.window_end if appt else None, status=appt.status if appt else None,
        label=slot_label(appt.window_start, appt.window_end) if appt else "",
        cancellable=State(req.state) in CANCELLABLE, cancellation=timing,
        late_fee=fee if timing == "late" and fee > 0 else None, notice_h=notice,
        confirmed_by_customer=FLAG_CONFIRMED in req.flags, move_asked=FLAG_MOVE in req.flags,
    )  # fmt: skip


def link_view(db: Database, settings: Settings, token: str, *, now: datetime | None = None) -> LinkView:
    """What the link ``token`` shows at ``now`` (raise InvalidInput for a bad or expired link)."""
    return view_request(db, settings, read_token(settings, token, now=now), now=now)


def _flag(db: Database, request_id: int, flag: str, action: str, **details: object) -> None:
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        if flag not in (req.flags or []):
            req.flags = [*(req.flags or []), flag]
        s.flush()
        audit(s, ACTOR, action, "request", req.id, **details)


def confirm_by_link(db: Database, settings: Settings, token: str, *, now: datetime | None = None) -> LinkView:
    """The customer confirms the time shown (flag :data:`FLAG_CONFIRMED`).

    Raises
    ------
    InvalidTransition
        No time to confirm (none set, or the request is cancelled or past the visit).
    """
    view = link_view(db, settings, token, now=now)
    if view.appointment_id is None or not view.cancellable:
        msg = N_("There is no appointment to confirm for request {id}.")
        raise InvalidTransition(msg, id=view.request_id)
    _flag(db, view.request_id, FLAG_CONFIRMED, "customer_confirm", appointment_id=view.appointment_id)
    return view_request(db, settings, view.request_id, now=now)


def cancel_by_link(
    db: Database, settings: Settings, token: str, *, now: datetime | None = None, reason: str = ""
) -> InterventionRequest:
    """Cancel the request at the customer's demand (late inside the notice, with the fee).

    The acknowledgement (late or not, and the fee) is written to the outbox in the same
    transaction (:func:`dispatch.messaging.events.cancellation_acknowledged`).
    """
    request_id = read_token(settings, token, now=now)
    at = now if now is not None else clock()
    with db.write() as s:
        req = records.cancel_request(
            db, request_id, settings=settings, actor=ACTOR, at=at,
            reason=reason or "annulé par le client (lien)",
        )  # fmt: skip
        events.cancellation_acknowledged(s, request_id, settings=settings)
    return req


def ask_to_move(
    db: Database,
    settings: Settings,
    token: str,
    *,
    slot: Slot | None = None,
    now: datetime | None = None,
) -> LinkView:
    """The customer asks to move the appointment, to ``slot`` if they chose one of those offered.

    A tentative window is moved at once (still tentative); an agreed time is flagged
    :data:`FLAG_MOVE` for the office (the wished window is kept in the audit log).
    """
    view = link_view(db, settings, token, now=now)
    if not view.cancellable:
        msg = N_("Request {id} is {state}: its appointment can no longer be moved.")
        raise InvalidTransition(msg, id=view.request_id, state=view.state)
    if slot is not None and view.status in {TENTATIVE, None} and view.state == State.REQUESTED.value:
        book_tentative(db, view.request_id, start=slot.window_start, end=slot.window_end, actor=ACTOR, now=now)
    else:
        wished = {} if slot is None else {"wished_start": slot.window_start.isoformat(),
                                          "wished_end": slot.window_end.isoformat()}
        _flag(db, view.request_id, FLAG_MOVE, "customer_move", **wished)
    return view_request(db, settings, view.request_id, now=now)


__all__ = [
    "ACTOR",
    "FLAG_CONFIRMED",
    "FLAG_MOVE",
    "LINK_DAYS",
    "TOKEN_PARAM",
    "LinkView",
    "ask_to_move",
    "cancel_by_link",
    "confirm_by_link",
    "customer_url",
    "key_path",
    "link_key",
    "link_params",
    "link_view",
    "make_token",
    "read_token",
    "view_request",
]
