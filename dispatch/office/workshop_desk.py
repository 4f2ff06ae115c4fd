"""The "Atelier" desk: the devices taken to the workshop, their state and history, and the
test at the customer's home when the device comes back.

A device is ``received`` (taken away with a signed receipt), ``repairing``, ``ready`` (the
return visit then appears in the office's call list, is booked with a call like any visit and
routed by the planner) and ``returned`` once tested at home in the customer's presence (or a
person they designate); the invoice is presented there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from dispatch import records
from dispatch.i18n import N_, _
from dispatch.messaging import events
from dispatch.settings import load_settings

if TYPE_CHECKING:
    from dispatch.records import Database, VisitRecord, WorkshopItem
    from dispatch.settings import Settings

#: French labels of the workshop states (English msgids).
STATE_LABELS = {
    "received": N_("Received at the workshop"),  # not "Received" (money collected, Facturation)
    "repairing": N_("Being repaired"),
    "ready": N_("Ready"),
    "returned": N_("Returned"),
}


def state_label(state: str) -> str:
    """The label of a workshop state in the active language."""
    return _(STATE_LABELS[state]) if state in STATE_LABELS else state


def workshop_board(db: Database, *, states: Sequence[str] = ()) -> list[WorkshopItem]:
    """The workshop's devices (of ``states``; default all), latest change first."""
    return records.workshop_items(db, states=states)


def advance(
    db: Database, request_id: int, state: str, *, actor: str, note: str = "", settings: Settings | None = None
) -> WorkshopItem:
    """Move a device to ``repairing`` or ``ready`` (ready: the return visit is to be booked).

    ``ready`` writes the customer's "device ready" message to the outbox in the same
    transaction (:func:`dispatch.messaging.events.workshop_ready`); ``settings`` default to
    the settings in force (:func:`dispatch.settings.load_settings`).
    """
    with db.write() as s:
        item = records.advance_workshop(db, request_id, state, actor=actor, note=note)
        if state == "ready":
            cfg = settings if settings is not None else load_settings()
            events.workshop_ready(s, request_id, settings=cfg, device=item.device, item_id=item.id)
    return item


def home_test(
    db: Database, request_id: int, *, passed: bool, attended_by: str, actor: str, at: datetime | None = None
) -> VisitRecord:
    """The test at the customer's home: passed (device returned) or failed (back to the workshop)."""
    return records.record_test(db, request_id, passed=passed, attended_by=attended_by, actor=actor, at=at)


__all__ = ["STATE_LABELS", "advance", "home_test", "state_label", "workshop_board"]
