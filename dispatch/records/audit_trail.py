"""The audit trail: who changed what, when.

Every write of a repository adds an :class:`~dispatch.records.schema.AuditRow` (actor, action,
entity, id, details) in its own transaction (:func:`audit`). Details hold ids, states and field
*names*, never personal data. :func:`audit_log` reads the entries back.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dispatch.records.database import Database, now
from dispatch.records.schema import AuditRow
from dispatch.records.values import AuditEntry, _rec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def audit(
    s: Session, actor: str, action: str, entity: str, entity_id: int | None, **details: object
) -> None:
    """Add an audit entry to the current transaction (ids, states and field names only)."""
    s.add(
        AuditRow(
            at=now(),
            actor=actor or "system",
            action=action,
            entity=entity,
            entity_id=entity_id,
            details=_jsonable(details),
        )
    )


def _jsonable(value: object) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (Decimal, datetime, date, time)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


def audit_log(
    db: Database, *, entity: str | None = None, entity_id: int | None = None, limit: int = 1000
) -> list[AuditEntry]:
    """Audit entries, most recent first, optionally for one entity."""
    with db.read() as s:
        q = sa.select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if entity is not None:
            q = q.where(AuditRow.entity == entity)
        if entity_id is not None:
            q = q.where(AuditRow.entity_id == entity_id)
        return [_rec(AuditEntry, r, details=dict(r.details or {})) for r in s.scalars(q)]


__all__ = ["audit", "audit_log"]
