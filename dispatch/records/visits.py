"""The visit workflow on site: arrival, the signed policy, the diagnostic clock, the estimate
and the customer's answer.

The order is the company's published process: the customer reads and signs the policy before
anything else (``on_site -> policy_signed``); the diagnostic is timed by a clock kept on the
server (:mod:`dispatch.records.diagnostic_clock`), and stopping it records its minutes
(``-> diagnosed``); the estimate's lines are stored before the customer answers, and an
accepted estimate becomes the repair lines of the invoice. Each step moves the request along
:mod:`dispatch.records.lifecycle` and fills the current :class:`~dispatch.records.values.VisitRecord`.
The workshop track is in :mod:`dispatch.records.workshop`, remote support in
:mod:`dispatch.records.remote`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from dispatch.billing import rules
from dispatch.errors import InvalidInput, InvalidTransition
from dispatch.i18n import N_
from dispatch.money import parse_amount
from dispatch.records.audit_trail import audit
from dispatch.records.database import Database, now
from dispatch.records.diagnostic_clock import ClockReading, check_action, read_clock
from dispatch.records.guards import _aware, _get, _set_state
from dispatch.records.lifecycle import State
from dispatch.records.schema import (
    AppointmentRow,
    ClockEventRow,
    EstimateLineRow,
    RequestRow,
    VisitRow,
)
from dispatch.records.signatures import add_signature
from dispatch.records.values import VisitRecord, _visit
from dispatch.settings import TZ

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dispatch.records.policies import PolicyVersion

#: Kinds of estimate lines.
LINE_KINDS = ("labour", "parts")


def current_visit(s: Session, req: RequestRow, kind: str | None = None) -> VisitRow:
    """The request's latest visit row (of ``kind``), inside the caller's transaction."""
    q = sa.select(VisitRow).where(VisitRow.request_id == req.id).order_by(VisitRow.id.desc())
    if kind is not None:
        q = q.where(VisitRow.kind == kind)
    row = s.scalars(q).first()
    if row is None:
        msg = N_("Request {id} has no visit recorded yet (record the arrival on site first).")
        raise InvalidTransition(msg, id=req.id)
    return row


def _appointment(s: Session, req: RequestRow, kind: str) -> AppointmentRow | None:
    return s.scalars(
        sa.select(AppointmentRow)
        .where(AppointmentRow.request_id == req.id, AppointmentRow.kind == kind)
        .where(AppointmentRow.status != "cancelled")
        .order_by(AppointmentRow.window_start.desc())
    ).first()


def visit_day(s: Session, visit: VisitRow) -> date | None:
    """The day a visit belongs to: its appointment's day, else the day of the arrival."""
    if visit.appointment_id is not None:
        appt = s.get(AppointmentRow, visit.appointment_id)
        if appt is not None:
            return appt.window_start.astimezone(TZ).date()
    return visit.arrived_at.astimezone(TZ).date() if visit.arrived_at else None


def when_on_visit_day(s: Session, visit: VisitRow, at: datetime | None) -> datetime:
    """``at`` (checked to fall on the visit's day: records entered after the fact) or now."""
    if at is None:
        return now()
    when = _aware(at, "at")
    day = visit_day(s, visit)
    if day is not None and when.astimezone(TZ).date() != day:
        msg = N_("The time {at} is not on the day of the appointment ({day}); give a time of that day.")
        raise InvalidInput(msg, at=when.isoformat(timespec="minutes"), day=day.isoformat())
    return when


def record_arrival(
    db: Database, request_id: int, *, actor: str, at: datetime | None = None
) -> VisitRecord:
    """The technician is on site: starts the visit record.

    A first visit moves the request to ``on_site`` (from ``confirmed``, or ``contacted``: the
    day-before call confirms but is not a precondition). At a return visit (``return_scheduled``)
    the return visit's record starts; the state changes with the test (:mod:`dispatch.records.workshop`).
    """
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        kind = "return" if req.state == State.RETURN_SCHEDULED.value else "visit"
        if kind == "visit":
            _set_state(s, req, State.ON_SITE, actor)
        appt = _appointment(s, req, kind)
        if appt is not None:
            appt.status = "done"
        row = VisitRow(request_id=req.id, appointment_id=appt.id if appt else None, kind=kind, arrived_at=when)
        s.add(row)
        s.flush()
        audit(s, actor, "create", "visit", row.id, request_id=req.id, kind=kind)
        return _visit(row)


def record_policy_signed(
    db: Database,
    request_id: int,
    *,
    policy: PolicyVersion,
    signer_name: str,
    signature_png: bytes,
    actor: str,
    at: datetime | None = None,
) -> VisitRecord:
    """The customer read ``policy`` and signed it (``on_site -> policy_signed``).

    The drawn signature (PNG, checked not blank) and the signer's name are stored with the
    policy's version and SHA-256.
    """
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        v = current_visit(s, req, "visit")
        when = when_on_visit_day(s, v, at)
        _set_state(s, req, State.POLICY_SIGNED, actor, policy_version=policy.version)
        add_signature(
            s, request_id=req.id, visit_id=v.id, purpose="policy", signer_name=signer_name,
            png=signature_png, signed_at=when, document_version=policy.version,
            document_sha256=policy.sha256,
        )  # fmt: skip
        v.policy_signed_at = when
        v.policy_version = policy.version
        v.policy_sha256 = policy.sha256
        s.flush()
        return _visit(v)


def _clock_events(s: Session, visit_id: int) -> list[tuple[str, datetime]]:
    rows = s.scalars(sa.select(ClockEventRow).where(ClockEventRow.visit_id == visit_id).order_by(ClockEventRow.id))
    return [(r.action, r.at) for r in rows]


def add_clock_event(s: Session, v: VisitRow, action: str, when: datetime, actor: str) -> ClockReading:
    """Check and store one clock action of visit ``v``; the reading after it."""
    events = _clock_events(s, v.id)
    check_action(events, action, when)
    s.add(ClockEventRow(visit_id=v.id, action=action, at=when, actor=actor))
    s.flush()
    return read_clock([*events, (action, when)], max(when, now()) if action != "stop" else when)


def diagnostic_clock(
    db: Database, request_id: int, action: str, *, actor: str, at: datetime | None = None
) -> ClockReading:
    """Start, pause, resume or stop the diagnostic of the current visit.

    The diagnostic starts only once the policy is signed. Stopping records the minutes counted
    (``policy_signed -> diagnosed``). ``at`` records a time after the fact; it must fall on the
    appointment's day.

    Raises
    ------
    InvalidTransition
        No signature yet (French message), or an action the clock's state does not allow.
    """
    if action not in ("start", "pause", "resume", "stop"):
        msg = N_("Unknown clock action {action!r}; expected start, pause, resume or stop.")
        raise InvalidInput(msg, action=action)
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        if req.state in (State.CONTACTED.value, State.CONFIRMED.value, State.ON_SITE.value):
            raise InvalidTransition(
                N_("The customer has not signed the policy yet: have it read and signed before the diagnostic.")
            )
        if req.state != State.POLICY_SIGNED.value:
            msg = N_("The diagnostic of request {id} is over (state « {state} »).")
            raise InvalidTransition(msg, id=req.id, state=req.state)
        v = current_visit(s, req, "visit")
        when = when_on_visit_day(s, v, at)
        reading = add_clock_event(s, v, action, when, actor)
        if action == "stop":
            v.diagnostic_min = reading.minutes
            _set_state(s, req, State.DIAGNOSED, actor, minutes=reading.minutes)
        audit(s, actor, f"clock_{action}", "visit", v.id, request_id=req.id)
        return reading


def clock_of(db: Database, request_id: int, *, at: datetime | None = None) -> ClockReading:
    """The reading of the current visit's (or remote session's) clock at ``at`` (now)."""
    when = _aware(at, "at") if at is not None else now()
    with db.read() as s:
        req = _get(s, RequestRow, request_id, "request")
        v = s.scalars(
            sa.select(VisitRow).where(VisitRow.request_id == req.id, VisitRow.kind.in_(["visit", "remote"]))
            .order_by(VisitRow.id.desc())
        ).first()
        events = _clock_events(s, v.id) if v is not None else []
        return read_clock(events, when)


def _minutes(minutes: object) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        msg = N_("Diagnostic minutes must be a whole number >= 0, got {minutes!r}.")
        raise InvalidInput(msg, minutes=minutes)
    return minutes


def record_diagnosis(
    db: Database,
    request_id: int,
    *,
    minutes: int,
    actor: str,
    estimate: Decimal | str | None = None,
    notes: str = "",
) -> VisitRecord:
    """Diagnostic minutes entered by hand, with an estimate total (``policy_signed -> diagnosed``).

    For records written after the fact; on site the clock (:func:`diagnostic_clock`) counts the
    minutes and :func:`record_estimate` stores the estimate's lines.
    """
    minutes = _minutes(minutes)
    amount = None if estimate is None else parse_amount(estimate)
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, State.DIAGNOSED, actor, minutes=minutes)
        v = current_visit(s, req, "visit")
        v.diagnostic_min = minutes
        v.estimate = amount
        v.notes = notes
        s.flush()
        return _visit(v)


def estimate_lines(items: Sequence[object]) -> list[tuple[str, str, Decimal]]:
    """Estimate lines checked: ``(kind, label, amount)`` or ``(label, amount)`` (labour).

    Raises
    ------
    InvalidInput
        No line, an empty label, an unknown kind or a bad amount (French message).
    """
    out: list[tuple[str, str, Decimal]] = []
    for item in items:
        if isinstance(item, tuple | list) and len(item) == 3:
            kind, label, amount = item
        elif isinstance(item, tuple | list) and len(item) == 2:
            (label, amount), kind = item, "labour"
        else:
            msg = N_("An estimate line is a description and an amount, got {item!r}.")
            raise InvalidInput(msg, item=item)
        if kind not in LINE_KINDS:
            msg = N_("Unknown estimate line kind {kind!r}; expected labour or parts.")
            raise InvalidInput(msg, kind=kind)
        (line,) = rules.repair_lines([(label, amount)])
        out.append((str(kind), line.label, line.amount))
    if not out:
        raise InvalidInput(N_("The estimate has no line: give at least one description and amount."))
    return out


def record_estimate(
    db: Database, request_id: int, lines: Sequence[object], *, actor: str, at: datetime | None = None
) -> VisitRecord:
    """Store the estimate presented to the customer (replaces an earlier one of this visit).

    Allowed once the diagnostic is done and until the customer answers.
    """
    checked = estimate_lines(lines)
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        if req.state != State.DIAGNOSED.value:
            msg = N_("An estimate is presented after the diagnostic and before the customer's answer (request {id} is « {state} »).")
            raise InvalidTransition(msg, id=req.id, state=req.state)
        v = current_visit(s, req, "visit")
        when = when_on_visit_day(s, v, at)
        s.execute(sa.delete(EstimateLineRow).where(EstimateLineRow.visit_id == v.id))
        for pos, (kind, label, amount) in enumerate(checked, start=1):
            s.add(EstimateLineRow(visit_id=v.id, position=pos, kind=kind, label=label, amount=amount))
        v.estimate = sum((a for _k, _l, a in checked), Decimal("0.00"))
        v.estimate_at = when
        s.flush()
        audit(s, actor, "estimate", "visit", v.id, request_id=req.id, total=v.estimate, lines=len(checked))
        return _visit(v)


def estimate_of(s: Session, visit_id: int) -> list[tuple[str, str, Decimal]]:
    """The stored estimate lines of a visit, in order, inside a transaction."""
    rows = s.scalars(sa.select(EstimateLineRow).where(EstimateLineRow.visit_id == visit_id).order_by(EstimateLineRow.position))
    return [(r.kind, r.label, r.amount) for r in rows]


#: Diagnosis outcomes accepted by :func:`record_outcome` (with the command line's names).
OUTCOMES = {
    "repaired_on_site": State.REPAIRED_ON_SITE,
    "in_workshop": State.IN_WORKSHOP,
    "workshop_refused": State.WORKSHOP_REFUSED,
    "estimate_refused": State.ESTIMATE_REFUSED,
}
ALIASES = {
    "accepted_on_site": "repaired_on_site",
    "accepted_workshop": "in_workshop",
    "refused": "estimate_refused",
}


def outcome_name(outcome: str) -> str:
    """The stored name of an outcome given by either name (``accepted_on_site`` ...)."""
    name = ALIASES.get(outcome, outcome)
    if name not in OUTCOMES:
        expected = ", ".join([*ALIASES, "workshop_refused"])
        msg = N_("Unknown outcome {outcome!r}; expected one of {expected}.")
        raise InvalidInput(msg, outcome=outcome, expected=expected)
    return name


def accepted_lines(
    s: Session, v: VisitRow, given: Sequence[object], *, required: bool = True
) -> list[dict[str, str]]:
    """The repair lines of an accepted estimate: ``given``, else the stored estimate's.

    ``required=False``: no line at all is allowed (a device taken to the workshop before the
    work is priced; the lines are then required when it is ready).

    Raises
    ------
    InvalidInput
        No line, or a line or total of 0,00 $: an accepted estimate bills the work agreed.
    """
    if given:
        lines = [(ln.label, ln.amount) for ln in rules.repair_lines(given)]
    else:
        lines = [(label, amount) for _kind, label, amount in estimate_of(s, v.id)]
    if not lines and not required:
        return []
    if not lines:
        raise InvalidInput(N_("The customer accepted, but no estimate is recorded: enter the estimate's lines first."))
    if any(amount <= 0 for _label, amount in lines):
        raise InvalidInput(N_("An accepted estimate cannot have a line at 0,00 $: correct the estimate."))
    return [{"label": label, "amount": str(amount)} for label, amount in lines]


def record_outcome(
    db: Database,
    request_id: int,
    outcome: str,
    *,
    actor: str,
    repair_lines: Sequence[object] = (),
    at: datetime | None = None,
) -> VisitRecord:
    """The customer's answer to the estimate (``diagnosed -> <outcome>``).

    ``outcome``: ``repaired_on_site`` / ``accepted_on_site`` (the repair lines are the accepted
    estimate's, or ``repair_lines`` if given), ``workshop_refused``, ``estimate_refused`` /
    ``refused``. Taking the device to the workshop (``in_workshop`` / ``accepted_workshop``)
    is :func:`dispatch.records.workshop.receive_device` (it also writes the receipt); here it
    records the device with no details.
    """
    name = outcome_name(outcome)
    if name == "in_workshop":
        from dispatch.records.workshop import (
            receive_device,  # the workshop track builds on this module
        )

        return receive_device(db, request_id, actor=actor, at=at, repair_lines=repair_lines)
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        v = current_visit(s, req, "visit")
        when = when_on_visit_day(s, v, at)
        lines = accepted_lines(s, v, repair_lines) if name == "repaired_on_site" else []
        _set_state(s, req, OUTCOMES[name], actor)
        v.outcome = name
        v.outcome_at = when
        if lines:
            v.repair_lines = lines
        s.flush()
        return _visit(v)


def visits_of(db: Database, request_id: int) -> list[VisitRecord]:
    """The visits (and remote sessions) of a request, oldest first."""
    with db.read() as s:
        q = sa.select(VisitRow).where(VisitRow.request_id == request_id).order_by(VisitRow.id)
        return [_visit(r) for r in s.scalars(q)]


def estimate_lines_of(db: Database, request_id: int) -> list[tuple[str, str, Decimal]]:
    """The estimate of the request's current visit: ``(kind, label, amount)`` lines."""
    with db.read() as s:
        v = s.scalars(
            sa.select(VisitRow).where(VisitRow.request_id == request_id, VisitRow.kind == "visit")
            .order_by(VisitRow.id.desc())
        ).first()
        return estimate_of(s, v.id) if v is not None else []


__all__ = [
    "ALIASES",
    "LINE_KINDS",
    "OUTCOMES",
    "accepted_lines",
    "add_clock_event",
    "clock_of",
    "current_visit",
    "diagnostic_clock",
    "estimate_lines",
    "estimate_lines_of",
    "estimate_of",
    "outcome_name",
    "record_arrival",
    "record_diagnosis",
    "record_estimate",
    "record_outcome",
    "record_policy_signed",
    "visit_day",
    "visits_of",
    "when_on_visit_day",
]
