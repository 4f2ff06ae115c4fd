"""The workshop track: a device taken away, repaired, brought back and tested at home.

``receive_device`` records the customer's acceptance with the workshop (``diagnosed ->
in_workshop``), the device (description, serial, accessories) and, when given, the
customer's signature on the receipt. The item then moves ``received -> repairing -> ready``
(:func:`advance_workshop`; ``ready`` makes the request ``repaired_in_workshop``, which puts the
return visit in the office's call list); the return visit is booked like any other
(``return_scheduled``), and at the customer's home the technician records the test
(:func:`record_test`): passed, the device is ``returned`` and the invoice can be presented;
failed, it goes back to the workshop (``repairing``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from dispatch.errors import InvalidInput, InvalidTransition, NotFound
from dispatch.i18n import N_
from dispatch.records.audit_trail import audit
from dispatch.records.database import Database, now
from dispatch.records.guards import _aware, _get, _set_state
from dispatch.records.lifecycle import State
from dispatch.records.schema import (
    AppointmentRow,
    CustomerRow,
    RequestRow,
    VisitRow,
    WorkshopEventRow,
    WorkshopItemRow,
)
from dispatch.records.signatures import add_signature
from dispatch.records.values import VisitRecord, _Record, _visit
from dispatch.records.visits import accepted_lines, current_visit, when_on_visit_day

#: States of a workshop item, in order.
ITEM_STATES = ("received", "repairing", "ready", "returned")
#: Moves the workshop itself makes (``returned`` comes with the test at home).
_NEXT = {"received": ("repairing", "ready"), "repairing": ("ready",), "ready": (), "returned": ()}


@dataclass(frozen=True)
class WorkshopEvent(_Record):
    state: str
    at: datetime
    actor: str
    note: str


@dataclass(frozen=True)
class WorkshopItem(_Record):
    """A device in (or back from) the workshop, with its history."""

    id: int
    request_id: int
    customer_name: str
    device: str
    serial: str
    accessories: str
    state: str
    received_at: datetime
    updated_at: datetime
    request_state: str
    history: tuple[WorkshopEvent, ...]


def _event(s: sa.orm.Session, item: WorkshopItemRow, state: str, at: datetime, actor: str, note: str = "") -> None:
    item.state = state
    item.updated_at = at
    s.add(WorkshopEventRow(item_id=item.id, state=state, at=at, actor=actor, note=note))


def receive_device(
    db: Database,
    request_id: int,
    *,
    actor: str,
    device: str = "",
    serial: str = "",
    accessories: str = "",
    signer_name: str = "",
    signature_png: bytes | None = None,
    repair_lines: Sequence[object] = (),
    at: datetime | None = None,
) -> VisitRecord:
    """The customer accepts the estimate with the workshop: the device is taken away.

    The accepted estimate's lines (or ``repair_lines``) become the repair lines billed once the
    device is back. With ``signature_png`` the customer's signature on the receipt is stored
    (``signer_name`` required then).
    """
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        v = current_visit(s, req, "visit")
        when = when_on_visit_day(s, v, at)
        lines = accepted_lines(s, v, repair_lines, required=False)
        _set_state(s, req, State.IN_WORKSHOP, actor)
        v.outcome = "in_workshop"
        v.outcome_at = when
        v.repair_lines = lines
        item = WorkshopItemRow(
            request_id=req.id, visit_id=v.id, device=" ".join(device.split())[:200],
            serial=" ".join(serial.split())[:100], accessories=accessories.strip(),
            state="received", received_at=when, updated_at=when,
        )  # fmt: skip
        s.add(item)
        s.flush()
        _event(s, item, "received", when, actor)
        if signature_png is not None:
            add_signature(
                s, request_id=req.id, visit_id=v.id, workshop_item_id=item.id,
                purpose="workshop_receipt", signer_name=signer_name, png=signature_png, signed_at=when,
            )  # fmt: skip
        audit(s, actor, "create", "workshop_item", item.id, request_id=req.id)
        s.flush()
        return _visit(v)


def _item_of(s: sa.orm.Session, request_id: int) -> WorkshopItemRow:
    item = s.scalars(
        sa.select(WorkshopItemRow).where(WorkshopItemRow.request_id == request_id).order_by(WorkshopItemRow.id.desc())
    ).first()
    if item is None:
        raise NotFound(N_("Request {id} has no device in the workshop."), id=request_id)
    return item


def advance_workshop(
    db: Database,
    request_id: int,
    state: str,
    *,
    actor: str,
    note: str = "",
    repair_lines: Sequence[object] = (),
    at: datetime | None = None,
) -> WorkshopItem:
    """Move the request's device to ``repairing`` or ``ready``.

    ``ready`` makes the request ``repaired_in_workshop`` (the return visit goes to the office's
    call list); ``repair_lines`` given then replace the estimate's lines (work found in the
    workshop, agreed with the customer).
    """
    if state not in ("repairing", "ready"):
        msg = N_("Unknown workshop step {state!r}; expected repairing or ready.")
        raise InvalidInput(msg, state=state)
    when = _aware(at, "at") if at is not None else now()
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        item = _item_of(s, req.id)
        if state not in _NEXT[item.state]:
            msg = N_("The device of request {id} is « {current} »: it cannot become « {target} ».")
            raise InvalidTransition(msg, id=req.id, current=item.state, target=state)
        if state == "ready":
            v = current_visit(s, req, "visit")
            if repair_lines or not v.repair_lines:
                v.repair_lines = accepted_lines(s, v, repair_lines)
            _set_state(s, req, State.REPAIRED_IN_WORKSHOP, actor)
        _event(s, item, state, when, actor, note.strip())
        s.flush()
        return _item(s, item)


def record_test(
    db: Database,
    request_id: int,
    *,
    passed: bool,
    attended_by: str,
    actor: str,
    note: str = "",
    at: datetime | None = None,
) -> VisitRecord:
    """The test at the customer's home, in the presence of ``attended_by``.

    Passed: the request is ``returned`` and the device ``returned`` (the invoice is presented
    there). Failed: the device goes back to the workshop (``repairing``), the request to
    ``in_workshop``.
    """
    who = " ".join(str(attended_by).split())
    if not who:
        raise InvalidInput(N_("Say who attended the test at the customer's home (the customer or their delegate)."))
    with db.write() as s:
        req = _get(s, RequestRow, request_id, "request")
        if req.state != State.RETURN_SCHEDULED.value:
            msg = N_("The test at home comes with the return visit (request {id} is « {state} »).")
            raise InvalidTransition(msg, id=req.id, state=req.state)
        v = s.scalars(
            sa.select(VisitRow).where(VisitRow.request_id == req.id, VisitRow.kind == "return")
            .where(VisitRow.test_passed.is_(None)).order_by(VisitRow.id.desc())
        ).first()
        if v is None:  # the arrival was not recorded: the return visit starts with the test
            appt = s.scalars(
                sa.select(AppointmentRow).where(AppointmentRow.request_id == req.id, AppointmentRow.kind == "return")
                .where(AppointmentRow.status != "cancelled").order_by(AppointmentRow.window_start.desc())
            ).first()
            if appt is not None:
                appt.status = "done"
            v = VisitRow(request_id=req.id, appointment_id=appt.id if appt else None, kind="return",
                         arrived_at=_aware(at, "at") if at is not None else now())
            s.add(v)
            s.flush()
            audit(s, actor, "create", "visit", v.id, request_id=req.id, kind="return")
        when = when_on_visit_day(s, v, at)
        v.tested_with = who
        v.test_passed = bool(passed)
        v.notes = note.strip()
        item = _item_of(s, req.id)
        if passed:
            _set_state(s, req, State.RETURNED, actor)
            _event(s, item, "returned", when, actor, note.strip())
        else:
            _set_state(s, req, State.IN_WORKSHOP, actor, test="failed")
            _event(s, item, "repairing", when, actor, note.strip() or "test failed at home")
        s.flush()
        return _visit(v)


def record_return(
    db: Database, request_id: int, *, tested_with: str, actor: str, at: datetime | None = None
) -> VisitRecord:
    """Return visit done and the test passed (``return_scheduled -> returned``)."""
    return record_test(db, request_id, passed=True, attended_by=tested_with, actor=actor, at=at)


def record_workshop_repair(
    db: Database, request_id: int, *, repair_lines: Sequence[object] = (), actor: str
) -> VisitRecord:
    """The device is repaired and ready (``in_workshop -> repaired_in_workshop``)."""
    with db.read() as s:
        has_item = s.scalars(sa.select(WorkshopItemRow.id).where(WorkshopItemRow.request_id == request_id)).first()
    if has_item is None:
        raise NotFound(N_("Request {id} has no device in the workshop."), id=request_id)
    item = advance_workshop(db, request_id, "ready", actor=actor, repair_lines=repair_lines)
    with db.read() as s:
        return _visit(s.get_one(VisitRow, s.get_one(WorkshopItemRow, item.id).visit_id))


def _item(s: sa.orm.Session, item: WorkshopItemRow) -> WorkshopItem:
    req = s.get_one(RequestRow, item.request_id)
    cust = s.get_one(CustomerRow, req.customer_id)
    events = s.scalars(sa.select(WorkshopEventRow).where(WorkshopEventRow.item_id == item.id).order_by(WorkshopEventRow.id))
    return WorkshopItem(
        item.id, item.request_id, cust.name, item.device, item.serial, item.accessories, item.state,
        item.received_at, item.updated_at, req.state,
        tuple(WorkshopEvent(e.state, e.at, e.actor, e.note) for e in events),
    )  # fmt: skip


def workshop_items(db: Database, *, states: Sequence[str] = ()) -> list[WorkshopItem]:
    """The devices of the workshop (of ``states``; default: all), latest change first."""
    with db.read() as s:
        q = sa.select(WorkshopItemRow).order_by(WorkshopItemRow.updated_at.desc(), WorkshopItemRow.id.desc())
        if states:
            q = q.where(WorkshopItemRow.state.in_(list(states)))
        return [_item(s, it) for it in s.scalars(q)]


def workshop_item(db: Database, request_id: int) -> WorkshopItem:
    """The (latest) workshop item of a request."""
    with db.read() as s:
        return _item(s, _item_of(s, request_id))


__all__ = [
    "ITEM_STATES",
    "WorkshopEvent",
    "WorkshopItem",
    "advance_workshop",
    "receive_device",
    "record_return",
    "record_test",
    "record_workshop_repair",
    "workshop_item",
    "workshop_items",
]
