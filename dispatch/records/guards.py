"""The checks every repository function makes before it writes.

* the row exists (:func:`_get`, else :class:`~dispatch.errors.NotFound`);
* **optimistic locking**: the row is still at the version the user loaded
  (:func:`_check_version`); a save made with an ``expected_version`` that is no longer current
  is refused with :class:`~dispatch.errors.ConflictError` (French message), never silently
  applied;
* a datetime given is timezone-aware (:func:`_aware`);
* a request moves only along the lifecycle of :mod:`dispatch.records.lifecycle`
  (:func:`_set_state`, audited in the same transaction).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from dispatch.errors import ConflictError, InvalidInput, NotFound
from dispatch.i18n import N_
from dispatch.records.audit_trail import audit
from dispatch.records.database import now
from dispatch.records.lifecycle import State, check_transition

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dispatch.records.schema import RequestRow

_Row = TypeVar("_Row")


class _Versioned(Protocol):
    """A row under optimistic locking."""

    @property
    def id(self) -> int: ...

    @property
    def version(self) -> int: ...


#: One message per kind of record (the noun's gender differs in French).
_NOT_FOUND = {
    "customer": N_("No customer with id {id}."),
    "request": N_("No request with id {id}."),
    "appointment": N_("No appointment with id {id}."),
    "technician": N_("No technician with id {id}."),
    "visit": N_("No visit with id {id}."),
}


def _get(s: Session, cls: type[_Row], id_: int, what: str) -> _Row:
    row = s.get(cls, id_)
    if row is None:
        msg = _NOT_FOUND.get(what)
        if msg is None:
            msg = N_("No {what} with id {id}.")
        raise NotFound(msg, what=what, id=id_)
    return row


#: One message per kind of record (the noun's gender differs in French).
_CHANGED = {
    "customer": N_(
        "Customer {id} was changed by someone else while you were editing it (version {version}, "
        "you had version {expected}): your change was not saved. Reload the record and make it again."
    ),
    "request": N_(
        "Request {id} was changed by someone else while you were editing it (version {version}, "
        "you had version {expected}): your change was not saved. Reload the record and make it again."
    ),
    "appointment": N_(
        "Appointment {id} was changed by someone else while you were editing it (version {version}, "
        "you had version {expected}): your change was not saved. Reload the record and make it again."
    ),
    "technician": N_(
        "Technician {id} was changed by someone else while you were editing it (version {version}, "
        "you had version {expected}): your change was not saved. Reload the record and make it again."
    ),
    "visit": N_(
        "Visit {id} was changed by someone else while you were editing it (version {version}, "
        "you had version {expected}): your change was not saved. Reload the record and make it again."
    ),
}


def _check_version(row: _Versioned, expected: int | None, what: str) -> None:
    if expected is not None and row.version != expected:
        msg = _CHANGED.get(what)
        if msg is None:
            msg = N_(
                "Record {what} {id} was changed by someone else while you were editing it (version "
                "{version}, you had version {expected}): your change was not saved. Reload the "
                "record and make it again."
            )
        raise ConflictError(msg, what=what, id=row.id, version=row.version, expected=expected)


def _aware(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        msg = N_("{what} must be a timezone-aware datetime (America/Montreal), got {value!r}.")
        raise InvalidInput(msg, what=what, value=value)
    return value


def _set_state(s: Session, req: RequestRow, target: State | str, actor: str, **details: object) -> None:
    before = req.state
    tgt = check_transition(before, target)
    req.state = tgt.value
    req.updated_at = now()
    audit(s, actor, "transition", "request", req.id, before=before, after=tgt.value, **details)
