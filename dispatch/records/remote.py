"""Remote support: a session started with the customer's consent, timed, ended by the
technician or interrupted by the customer at any time.

There is no travel and no workshop; the time already spent is billed with no compensation
(:mod:`dispatch.billing.rules`). The one-time password of the remote-control tool is never
asked for nor stored. The session is a visit of kind ``remote`` whose clock
(:mod:`dispatch.records.diagnostic_clock`) starts with the session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from dispatch.billing import rules
from dispatch.errors import InvalidInput, NotFound
from dispatch.i18n import N_
from dispatch.records.audit_trail import audit
from dispatch.records.database import Database, now
from dispatch.records.guards import _aware, _get, _set_state
from dispatch.records.lifecycle import State
from dispatch.records.schema import RequestRow, VisitRow
from dispatch.records.values import VisitRecord, _visit
from dispatch.records.visits import _minutes, add_clock_event, current_visit


def start_remote_session(
    db: Database, request_id: int, *, actor: str, consent: bool = False, at: datetime | None = None
) -> VisitRecord:
    """Start remote support with the customer's recorded consent (``-> remote_session``).

    Raises
    ------
    InvalidInput
        ``consent`` is not given: the customer must agree to the session first.
    """
    if consent is not True:
        raise InvalidInput(
            N_("Record the customer's consent to the remote session first (they can stop it at any time).")
        )
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        _set_state(s, req, State.REMOTE_SESSION, actor)
        row = VisitRow(request_id=req.id, kind="remote", arrived_at=when, consent_at=when)
        s.add(row)
        s.flush()
        add_clock_event(s, row, "start", when, actor)
        audit(s, actor, "create", "visit", row.id, request_id=req.id, kind="remote", consent=True)
        return _visit(row)


def end_remote_session(
    db: Database,
    request_id: int,
    *,
    interrupted: bool,
    actor: str,
    minutes: int | None = None,
    repair_lines: Sequence[object] = (),
    at: datetime | None = None,
) -> VisitRecord:
    """End remote support: completed, or interrupted by the customer.

    The minutes are the session clock's (``minutes`` overrides them, for records written
    after the fact).
    """
    lines = [{"label": ln.label, "amount": str(ln.amount)} for ln in rules.repair_lines(repair_lines)]
    target = State.REMOTE_INTERRUPTED if interrupted else State.REMOTE_COMPLETED
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        v = current_visit(s, req, "remote")
        if req.state != State.REMOTE_SESSION.value:
            _set_state(s, req, target, actor)  # refused with the allowed next steps
        reading = add_clock_event(s, v, "stop", max(when, v.arrived_at or when), actor)
        counted = reading.minutes if minutes is None else _minutes(minutes)
        _set_state(s, req, target, actor, minutes=counted)
        v.diagnostic_min = counted
        v.outcome = target.value
        v.outcome_at = when
        if lines:
            v.repair_lines = lines
        s.flush()
        return _visit(v)


def session_request(db: Database, session_id: int) -> int:
    """The request of a remote session (the session's id is the visit's)."""
    with db.read() as s:
        row = s.scalars(sa.select(VisitRow).where(VisitRow.id == session_id, VisitRow.kind == "remote")).first()
        if row is None:
            raise NotFound(N_("No remote session with id {id}."), id=session_id)
        return row.request_id


__all__ = ["end_remote_session", "session_request", "start_remote_session"]
