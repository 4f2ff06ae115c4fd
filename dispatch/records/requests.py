"""Intervention requests: created at intake (with the customer and the address), read, listed,
cancelled at the customer's demand.

A request starts ``requested`` and moves along :mod:`dispatch.records.lifecycle`; the
appointments (:mod:`dispatch.records.appointments`) and the visit steps
(:mod:`dispatch.records.visits`) move it further.

Typical use::

    req = create_request(db, name="Marie Tremblay", phone="450 555-1234", address=..., ...)
    cancel_request(db, req.id, settings=settings, actor="bureau")
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, SupportsFloat

import sqlalchemy as sa

from dispatch.errors import InvalidInput, InvalidTransition
from dispatch.i18n import N_
from dispatch.money import CENT
from dispatch.records.audit_trail import _jsonable, audit
from dispatch.records.customers import _find_customer
from dispatch.records.database import Database, now
from dispatch.records.guards import _aware, _get, _set_state
from dispatch.records.lifecycle import CANCELLABLE, State, cancellation_timing
from dispatch.records.schema import AddressRow, AppointmentRow, CustomerRow, RequestRow
from dispatch.records.values import InterventionRequest, _request

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dispatch.settings import Settings


def create_request(
    db: Database,
    *,
    name: str,
    phone: str = "",
    email: str = "",
    address: str,
    problem: str = "",
    desired_date: date | None = None,
    remote_ok: bool = False,
    consent: bool = False,
    source: str = "form",
    message_id: str | None = None,
    coverage: dict[str, Any] | None = None,
    region: str = "",
    flags: Sequence[str] = (),
    actor: str = "system",
    at: datetime | None = None,
) -> InterventionRequest:
    """Store a new intervention request (state ``requested``), in one transaction.

    The customer is matched on e-mail, else phone number, or created. The address is stored
    with the coverage found at intake (``coverage``: the ``to_dict()`` of a
    :class:`dispatch.geo.coverage.Coverage`, possibly with the geocode fields); ``flags`` are
    notes for the office (``"hors zone"``, ``"adresse à vérifier"``...). A ``message_id``
    already stored raises :class:`ConflictError` (use :func:`request_by_message_id` first).

    Returns
    -------
    InterventionRequest
        The stored request with its customer and address.
    """
    name = (name or "").strip()
    if not name:
        msg = N_("A request needs the customer's name.")
        raise InvalidInput(msg)
    if not (address or "").strip():
        msg = N_("A request needs the address of the intervention.")
        raise InvalidInput(msg)
    if not (phone or "").strip() and not (email or "").strip():
        msg = N_("A request needs a phone number or an e-mail address to reach the customer.")
        raise InvalidInput(msg)
    if source not in {"form", "email", "phone", "office"}:
        msg = N_("Unknown request source {source!r}; expected form, email, phone or office.")
        raise InvalidInput(msg, source=source)
    when = _aware(at, "at") if at is not None else now()
    cov = dict(coverage or {})
    with db.write() as s:
        existing = _find_customer(s, email=email, phone=phone)
        if existing is None:
            cust = CustomerRow(
                name=name,
                phone=phone.strip(),
                email=email.strip(),
                consent_at=when if consent else None,
                created_at=when,
            )
            s.add(cust)
            s.flush()
            audit(s, actor, "create", "customer", cust.id, source=source)
        else:
            found = s.get(CustomerRow, existing.id)
            assert found is not None  # just matched by the query above
            cust = found
            if consent and cust.consent_at is None:
                cust.consent_at = when
        fee = cov.get("travel_fee")
        fee_amount = fee.get("amount") if isinstance(fee, dict) else fee
        addr = AddressRow(
            customer_id=cust.id,
            text=address.strip(),
            region=region,
            lat=cov.get("lat", (cov.get("point") or {}).get("lat")),
            lon=cov.get("lon", (cov.get("point") or {}).get("lon")),
            precision=str(cov.get("precision") or ("exact" if cov.get("lat") else "none")),
            matched=str(cov.get("matched") or ""),
            zone=cov.get("zone"),
            straight_km=cov.get("straight_km"),
            road_km=_finite(cov.get("road_km")),
            drive_min=_finite(cov.get("drive_min")),
            travel_fee=None if fee_amount in (None, "") else Decimal(str(fee_amount)),
            fee_explanation=str(fee.get("explanation", "")) if isinstance(fee, dict) else "",
            coverage=_jsonable(cov) if cov else None,
            created_at=when,
        )
        s.add(addr)
        s.flush()
        req = RequestRow(
            customer_id=cust.id,
            address_id=addr.id,
            source=source,
            message_id=message_id or None,
            desired_date=desired_date,
            problem=(problem or "").strip(),
            remote_ok=bool(remote_ok),
            consent=bool(consent),
            state=State.REQUESTED.value,
            flags=list(dict.fromkeys(flags)),
            created_at=when,
            updated_at=when,
        )
        s.add(req)
        s.flush()
        audit(s, actor, "create", "request", req.id, source=source, flags=list(req.flags))
        return _request(s, req)


def _finite(v: SupportsFloat | str | None) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if f == f and f not in (float("inf"), float("-inf")) else None


def get_request(db: Database, request_id: int) -> InterventionRequest:
    """The request with this id (raise NotFound)."""
    with db.read() as s:
        return _request(s, _get(s, RequestRow, request_id, "request"))


def request_by_message_id(db: Database, message_id: str) -> InterventionRequest | None:
    """The request created from the e-mail with this Message-ID, if any.

    Requests of erased customers keep only a hash of the Message-ID
    (:func:`dispatch.office.privacy.hash_message_id`); they are found too, so an erased request is
    never taken in again.
    """
    hashed = "sha256:" + hashlib.sha256(message_id.encode("utf-8")).hexdigest()
    with db.read() as s:
        row = s.scalars(
            sa.select(RequestRow).where(RequestRow.message_id.in_([message_id, hashed]))
        ).first()
        return None if row is None else _request(s, row)


def list_requests(
    db: Database, *, state: str | None = None, customer_id: int | None = None
) -> list[InterventionRequest]:
    """Requests, oldest first, optionally of one state or one customer."""
    with db.read() as s:
        q = sa.select(RequestRow).order_by(RequestRow.created_at, RequestRow.id)
        if state is not None:
            q = q.where(RequestRow.state == State(state).value)
        if customer_id is not None:
            q = q.where(RequestRow.customer_id == customer_id)
        return [_request(s, r) for r in s.scalars(q)]


def cancel_request(
    db: Database,
    request_id: int,
    *,
    settings: Settings,
    actor: str,
    at: datetime | None = None,
    reason: str = "",
) -> InterventionRequest:
    """Cancel a request at the customer's demand.

    The cancellation is ``on_time`` when made at least ``tariff.cancellation_notice_h`` hours
    before the window of the next scheduled appointment, else ``late``; a late cancellation
    records ``tariff.late_cancellation_fee`` (when non-zero). The appointments are cancelled.
    """
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        return _request(s, _cancel(s, request_id, settings=settings, actor=actor, when=when, reason=reason))


def _cancel(
    s: Session, request_id: int, *, settings: Settings, actor: str, when: datetime, reason: str
) -> RequestRow:
    row = _get(s, RequestRow, request_id, "request")
    if State(row.state) not in CANCELLABLE:
        msg = N_(
            "Request {id} is {state}: it can be cancelled only before the "
            "technician is on site (requested, contacted or confirmed)."
        )
        raise InvalidTransition(msg, id=row.id, state=row.state)
    appts = s.scalars(
        sa.select(AppointmentRow)
        .where(AppointmentRow.request_id == row.id, AppointmentRow.status != "cancelled")
        .order_by(AppointmentRow.window_start)
    ).all()
    start = appts[0].window_start if appts else None
    timing = cancellation_timing(start, when, notice_h=settings.tariff.cancellation_notice_h)
    for a in appts:
        a.status = "cancelled"
    fee = Decimal(settings.tariff.late_cancellation_fee).quantize(CENT, ROUND_HALF_UP)
    row.cancelled_at = when
    row.cancellation = timing
    row.cancellation_fee = fee if timing == "late" and fee > 0 else None
    _set_state(s, row, State.CANCELLED, actor, timing=timing, reason=reason)
    s.flush()
    return row


__all__ = ["cancel_request", "create_request", "get_request", "list_requests", "request_by_message_id"]
