"""The technicians: who works, with which daily shift, break, skills and starting point.

The planner (:mod:`dispatch.office.planning`) turns the active technicians into the routing
problem's technicians; appointments may name the technician booked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Any

import sqlalchemy as sa

from dispatch.errors import InvalidInput
from dispatch.i18n import N_
from dispatch.records.audit_trail import audit
from dispatch.records.database import Database
from dispatch.records.guards import _check_version, _get
from dispatch.records.schema import TechnicianRow
from dispatch.records.values import TechnicianRecord, _technician


def add_technician(
    db: Database,
    *,
    name: str,
    shift_start: time = time(8, 0),
    shift_end: time = time(17, 0),
    break_start: time | None = time(12, 0),
    break_min: int = 30,
    skills: Sequence[str] = (),
    phone: str = "",
    email: str = "",
    start: tuple[float, float] | None = None,
    actor: str = "system",
) -> TechnicianRecord:
    """Add a technician with a daily shift, a break and skills; ``start`` (lat, lon) or the shop."""
    if not name.strip():
        msg = N_("A technician needs a name.")
        raise InvalidInput(msg)
    if shift_end <= shift_start:
        msg = N_("The shift must end after it starts ({start} - {end}).")
        raise InvalidInput(msg, start=shift_start, end=shift_end)
    with db.write() as s:
        row = TechnicianRow(
            name=name.strip(),
            phone=phone,
            email=email,
            skills=list(skills),
            shift_start=shift_start,
            shift_end=shift_end,
            break_start=break_start,
            break_min=int(break_min),
            start_lat=start[0] if start else None,
            start_lon=start[1] if start else None,
            active=True,
        )
        s.add(row)
        s.flush()
        audit(s, actor, "create", "technician", row.id)
        return _technician(row)


def technicians(db: Database, *, active_only: bool = True) -> list[TechnicianRecord]:
    """The technicians (active ones by default), by name."""
    with db.read() as s:
        q = sa.select(TechnicianRow).order_by(TechnicianRow.name, TechnicianRow.id)
        if active_only:
            q = q.where(TechnicianRow.active.is_(True))
        return [_technician(r) for r in s.scalars(q)]


def update_technician(
    db: Database, technician_id: int, *, expected_version: int | None, actor: str, **changes: Any
) -> TechnicianRecord:
    """Change a technician's fields (name, phone, email, skills, shift, break, start, active)."""
    allowed = {
        "name", "phone", "email", "skills", "shift_start", "shift_end", "break_start",
        "break_min", "start_lat", "start_lon", "active",
    }  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        msg = N_("Cannot change {fields} of a technician.")
        raise InvalidInput(msg, fields=", ".join(sorted(unknown)))
    with db.write() as s:
        row = _get(s, TechnicianRow, technician_id, "technician")
        _check_version(row, expected_version, "technician")
        for k, v in changes.items():
            setattr(row, k, list(v) if k == "skills" else v)
        s.flush()
        audit(s, actor, "update", "technician", row.id, fields=sorted(changes))
        return _technician(row)


__all__ = ["add_technician", "technicians", "update_technician"]
