"""The visit workflow: the steps of a visit on site, of the return visit and of a remote session.

On site: arrival (``confirmed -> on_site``), the service policy signed, the diagnostic (its
minutes and the estimate given), the customer's answer (repaired on site, taken to the
workshop, refused); then a workshop repair and the return visit where the equipment is tested
in front of the customer. Remote support: a session started, then completed or interrupted.
Each step moves the request along :mod:`dispatch.records.lifecycle` and fills the current
:class:`~dispatch.records.values.VisitRecord`; repair lines and amounts are validated by
:mod:`dispatch.billing.rules`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from dispatch.billing import rules
from dispatch.errors import InvalidInput, InvalidTransition
from dispatch.i18n import N_
from dispatch.money import parse_amount
from dispatch.records.audit_trail import audit
from dispatch.records.database import Database, now
from dispatch.records.guards import _aware, _get, _set_state
from dispatch.records.lifecycle import State
from dispatch.records.schema import AppointmentRow, RequestRow, VisitRow
from dispatch.records.values import VisitRecord, _visit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def _current_visit(s: Session, req: RequestRow, kind: str | None = None) -> VisitRow:
    q = sa.select(VisitRow).where(VisitRow.request_id == req.id).order_by(VisitRow.id.desc())
    if kind is not None:
        q = q.where(VisitRow.kind == kind)
    row = s.scalars(q).first()
    if row is None:
        msg = N_("Request {id} has no visit recorded yet (record the arrival on site first).")
        raise InvalidTransition(msg, id=req.id)
    return row


def record_arrival(
    db: Database, request_id: int, *, actor: str, at: datetime | None = None
) -> VisitRecord:
    """The technician is on site (``confirmed -> on_site``); starts the visit record."""
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, State.ON_SITE, actor)
        appt = s.scalars(
            sa.select(AppointmentRow)
            .where(AppointmentRow.request_id == req.id, AppointmentRow.kind == "visit")
            .where(AppointmentRow.status != "cancelled")
            .order_by(AppointmentRow.window_start.desc())
        ).first()
        if appt is not None:
            appt.status = "done"
        row = VisitRow(request_id=req.id, appointment_id=appt.id if appt else None, arrived_at=when)
        s.add(row)
        s.flush()
        audit(s, actor, "create", "visit", row.id, request_id=req.id)
        return _visit(row)


def record_policy_signed(
    db: Database, request_id: int, *, actor: str, at: datetime | None = None
) -> VisitRecord:
    """The customer signed the service policy (``on_site -> policy_signed``)."""
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, State.POLICY_SIGNED, actor)
        v = _current_visit(s, req, "visit")
        v.policy_signed_at = when
        s.flush()
        return _visit(v)


def _minutes(minutes: object) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        msg = N_("Diagnostic minutes must be a whole number >= 0, got {minutes!r}.")
        raise InvalidInput(msg, minutes=minutes)
    return minutes


def _repair_lines(lines: Sequence[object]) -> list[dict[str, str]]:
    """Repair lines validated by the billing rules (label, amount >= 0, two decimals)."""
    return [{"label": ln.label, "amount": str(ln.amount)} for ln in rules.repair_lines(lines)]


def record_diagnosis(
    db: Database,
    request_id: int,
    *,
    minutes: int,
    actor: str,
    estimate: Decimal | str | None = None,
    notes: str = "",
) -> VisitRecord:
    """Diagnostic done: its minutes and the estimate given (``policy_signed -> diagnosed``).

    ``estimate`` is a ``Decimal``, an ``int`` or text as typed (``"180,00"`` or ``"180.00"``),
    read by :func:`dispatch.money.parse_amount` (``InvalidInput``, in French, otherwise).
    """
    minutes = _minutes(minutes)
    amount = None if estimate is None else parse_amount(estimate)
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, State.DIAGNOSED, actor, minutes=minutes)
        v = _current_visit(s, req, "visit")
        v.diagnostic_min = minutes
        v.estimate = amount
        v.notes = notes
        s.flush()
        return _visit(v)


#: Diagnosis outcomes accepted by :func:`record_outcome`.
OUTCOMES = {
    "repaired_on_site": State.REPAIRED_ON_SITE,
    "in_workshop": State.IN_WORKSHOP,
    "workshop_refused": State.WORKSHOP_REFUSED,
    "estimate_refused": State.ESTIMATE_REFUSED,
}


def record_outcome(
    db: Database,
    request_id: int,
    outcome: str,
    *,
    actor: str,
    repair_lines: Sequence[object] = (),
) -> VisitRecord:
    """The customer's answer to the estimate (``diagnosed -> <outcome>``).

    ``outcome``: ``repaired_on_site`` (with the ``repair_lines`` done, ``(label, amount)``),
    ``in_workshop`` (equipment taken to the workshop), ``workshop_refused`` or
    ``estimate_refused``.
    """
    if outcome not in OUTCOMES:
        msg = N_("Unknown outcome {outcome!r}; expected one of {expected}.")
        raise InvalidInput(msg, outcome=outcome, expected=", ".join(OUTCOMES))
    lines = _repair_lines(repair_lines)
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, OUTCOMES[outcome], actor)
        v = _current_visit(s, req, "visit")
        v.outcome = outcome
        if lines:
            v.repair_lines = lines
        s.flush()
        return _visit(v)


def record_workshop_repair(
    db: Database, request_id: int, *, repair_lines: Sequence[object], actor: str
) -> VisitRecord:
    """The equipment was repaired in the workshop (``in_workshop -> repaired_in_workshop``)."""
    lines = _repair_lines(repair_lines)
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, State.REPAIRED_IN_WORKSHOP, actor)
        v = _current_visit(s, req, "visit")
        v.repair_lines = lines
        s.flush()
        return _visit(v)


def record_return(
    db: Database,
    request_id: int,
    *,
    tested_with: str,
    actor: str,
    at: datetime | None = None,
) -> VisitRecord:
    """Return visit done: equipment brought back and tested (``return_scheduled -> returned``).

    ``tested_with`` names who attended the test: the customer or the person they designated.
    """
    if not tested_with.strip():
        msg = N_("Say who attended the test at the customer's home (the customer or their delegate).")
        raise InvalidInput(msg)
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, State.RETURNED, actor)
        appt = s.scalars(
            sa.select(AppointmentRow)
            .where(AppointmentRow.request_id == req.id, AppointmentRow.kind == "return")
            .where(AppointmentRow.status != "cancelled")
            .order_by(AppointmentRow.window_start.desc())
        ).first()
        if appt is not None:
            appt.status = "done"
        row = VisitRow(
            request_id=req.id,
            appointment_id=appt.id if appt else None,
            kind="return",
            arrived_at=when,
            tested_with=tested_with.strip(),
        )
        s.add(row)
        s.flush()
        audit(s, actor, "create", "visit", row.id, request_id=req.id, kind="return")
        return _visit(row)


def start_remote_session(
    db: Database, request_id: int, *, actor: str, at: datetime | None = None
) -> VisitRecord:
    """Start remote support (``requested|contacted -> remote_session``)."""
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, State.REMOTE_SESSION, actor)
        row = VisitRow(request_id=req.id, kind="remote", arrived_at=when)
        s.add(row)
        s.flush()
        audit(s, actor, "create", "visit", row.id, request_id=req.id, kind="remote")
        return _visit(row)


def end_remote_session(
    db: Database,
    request_id: int,
    *,
    minutes: int,
    interrupted: bool,
    actor: str,
    repair_lines: Sequence[object] = (),
) -> VisitRecord:
    """End remote support: completed, or interrupted by the customer (minutes done so far)."""
    minutes = _minutes(minutes)
    lines = _repair_lines(repair_lines)
    target = State.REMOTE_INTERRUPTED if interrupted else State.REMOTE_COMPLETED
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, target, actor, minutes=minutes)
        v = _current_visit(s, req, "remote")
        v.diagnostic_min = minutes
        v.outcome = target.value
        if lines:
            v.repair_lines = lines
        s.flush()
        return _visit(v)


def visits_of(db: Database, request_id: int) -> list[VisitRecord]:
    """The visits (and remote sessions) of a request, oldest first."""
    with db.read() as s:
        q = sa.select(VisitRow).where(VisitRow.request_id == request_id).order_by(VisitRow.id)
        return [_visit(r) for r in s.scalars(q)]


__all__ = [
    "OUTCOMES",
    "end_remote_session",
    "record_arrival",
    "record_diagnosis",
    "record_outcome",
    "record_policy_signed",
    "record_return",
    "record_workshop_repair",
    "start_remote_session",
    "visits_of",
]
