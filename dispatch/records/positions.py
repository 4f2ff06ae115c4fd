"""Technicians' live positions: the day's consent, the points shared, their daily purge.

A technician's phone shares its position only on a day the technician agreed to it
(:func:`give_consent`, withdrawn with :func:`withdraw_consent`); :func:`record_position`
refuses a point without that day's consent. The points are personal data kept for the day
only (Law 25): :func:`purge_positions` (run by the worker, see
:func:`dispatch.office.live.worker_jobs`) deletes the points of past days and keeps, per
technician and day, only their number and the first and last time (``position_days``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.errors import AccessDenied, InvalidInput, NotFound
from dispatch.i18n import N_
from dispatch.records.audit_trail import audit
from dispatch.records.database import Database, now
from dispatch.records.schema import (
    PositionConsentRow,
    PositionDayRow,
    TechnicianPositionRow,
    TechnicianRow,
)
from dispatch.records.values import _Record
from dispatch.settings import TZ


class PositionConsentMissing(AccessDenied):
    """A position was sent on a day the technician did not agree to share it."""


@dataclass(frozen=True)
class Position(_Record):
    """One shared position of a technician (``recorded_at`` aware, America/Montreal)."""

    technician_id: int
    lat: float
    lon: float
    accuracy_m: float | None
    recorded_at: datetime


@dataclass(frozen=True)
class PositionDay(_Record):
    """What is kept of a past day's positions of a technician once purged."""

    technician_id: int
    day: date
    points: int
    first_at: datetime | None
    last_at: datetime | None


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=TZ)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ)


def _check_technician(s: Session, technician_id: int) -> None:
    if s.get(TechnicianRow, technician_id) is None:
        raise NotFound(N_("No technician {id}: choose a technician of the list."), id=technician_id)


def _consent_row(s: Session, technician_id: int, day: date) -> PositionConsentRow | None:
    q = sa.select(PositionConsentRow).where(
        PositionConsentRow.technician_id == technician_id, PositionConsentRow.day == day
    )
    return s.scalars(q).first()


def give_consent(db: Database, technician_id: int, day: date, *, actor: str, at: datetime | None = None) -> None:
    """Record that technician ``technician_id`` agrees to share their position on ``day``."""
    when = at or now()
    with db.write() as s:
        _check_technician(s, technician_id)
        row = _consent_row(s, technician_id, day)
        if row is None:
            row = PositionConsentRow(technician_id=technician_id, day=day, consented_at=when)
            s.add(row)
        else:
            row.consented_at, row.withdrawn_at = when, None
        s.flush()
        audit(s, actor, "consent", "position", row.id, technician_id=technician_id, day=day.isoformat())


def withdraw_consent(db: Database, technician_id: int, day: date, *, actor: str, at: datetime | None = None) -> None:
    """The technician stops sharing on ``day``: no more point is accepted, none is shown."""
    with db.write() as s:
        row = _consent_row(s, technician_id, day)
        if row is None or row.withdrawn_at is not None:
            return
        row.withdrawn_at = at or now()
        audit(s, actor, "withdraw", "position", row.id, technician_id=technician_id, day=day.isoformat())


def has_consent(db: Database, technician_id: int, day: date) -> bool:
    """Whether the technician agreed to share their position on ``day`` (and did not withdraw)."""
    with db.read() as s:
        row = _consent_row(s, technician_id, day)
        return row is not None and row.withdrawn_at is None


def record_position(
    db: Database,
    technician_id: int,
    lat: float,
    lon: float,
    *,
    accuracy_m: float | None = None,
    at: datetime | None = None,
) -> Position:
    """Store one position shared by a technician's phone.

    Raises
    ------
    PositionConsentMissing
        The technician did not agree to share their position that day (or withdrew).
    InvalidInput
        Coordinates out of range, a negative accuracy or a naive time.
    """
    when = at or now()
    if when.tzinfo is None:
        raise InvalidInput(N_("The position's time must be timezone-aware (America/Montreal)."))
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        msg = N_("Position {lat}, {lon} is not a latitude and longitude: check the phone's location.")
        raise InvalidInput(msg, lat=lat, lon=lon)
    if accuracy_m is not None and not (math.isfinite(accuracy_m) and accuracy_m >= 0):
        raise InvalidInput(N_("The position's accuracy must be a positive number of metres."))
    day = when.astimezone(TZ).date()
    with db.write() as s:
        consent = _consent_row(s, technician_id, day)
        if consent is None or consent.withdrawn_at is not None:
            msg = N_(
                "Position sharing is off for {day}: turn on 'Share my position during the route' "
                "on the technician page first."
            )
            raise PositionConsentMissing(msg, day=day.isoformat())
        row = TechnicianPositionRow(
            technician_id=technician_id, lat=float(lat), lon=float(lon),
            accuracy_m=None if accuracy_m is None else float(accuracy_m), recorded_at=when,
        )
        s.add(row)
        s.flush()
        return Position(technician_id, row.lat, row.lon, row.accuracy_m, when.astimezone(TZ))


def latest_positions(db: Database, day: date) -> dict[int, Position]:
    """Technician id -> their last position of ``day`` (only technicians sharing that day)."""
    start, end = _bounds(day)
    out: dict[int, Position] = {}
    with db.read() as s:
        sharing = set(s.scalars(
            sa.select(PositionConsentRow.technician_id).where(
                PositionConsentRow.day == day, PositionConsentRow.withdrawn_at.is_(None)
            )
        ))
        q = (
            sa.select(TechnicianPositionRow)
            .where(TechnicianPositionRow.recorded_at >= start, TechnicianPositionRow.recorded_at < end)
            .order_by(TechnicianPositionRow.recorded_at, TechnicianPositionRow.id)
        )
        for r in s.scalars(q):
            if r.technician_id in sharing:
                out[r.technician_id] = Position(r.technician_id, r.lat, r.lon, r.accuracy_m, r.recorded_at)
    return out


def purge_positions(db: Database, before: date) -> int:
    """Delete the points of the days before ``before``, keeping a count per technician and day.

    Idempotent; returns the number of points deleted. A day purged in two passes (points
    arriving late) adds up in the same ``position_days`` row.
    """
    limit, _end = _bounds(before)
    with db.write() as s:
        rows = list(s.scalars(sa.select(TechnicianPositionRow).where(TechnicianPositionRow.recorded_at < limit)))
        groups: dict[tuple[int, date], list[datetime]] = {}
        for r in rows:
            groups.setdefault((r.technician_id, r.recorded_at.astimezone(TZ).date()), []).append(r.recorded_at)
        for (tech, day), times in groups.items():
            agg = s.scalars(
                sa.select(PositionDayRow).where(PositionDayRow.technician_id == tech, PositionDayRow.day == day)
            ).first()
            if agg is None:
                agg = PositionDayRow(technician_id=tech, day=day, points=0)
                s.add(agg)
            agg.points = (agg.points or 0) + len(times)
            agg.first_at = min([*times, *([agg.first_at] if agg.first_at else [])])
            agg.last_at = max([*times, *([agg.last_at] if agg.last_at else [])])
        if rows:
            s.execute(sa.delete(TechnicianPositionRow).where(TechnicianPositionRow.recorded_at < limit))
        return len(rows)


def position_days(db: Database, technician_id: int | None = None) -> list[PositionDay]:
    """The kept summaries of past days (oldest first), optionally for one technician."""
    with db.read() as s:
        q = sa.select(PositionDayRow).order_by(PositionDayRow.day, PositionDayRow.technician_id)
        if technician_id is not None:
            q = q.where(PositionDayRow.technician_id == technician_id)
        return [PositionDay(r.technician_id, r.day, r.points, r.first_at, r.last_at) for r in s.scalars(q)]


def positions_of_day(db: Database, technician_id: int, day: date) -> list[Position]:
    """Every stored point of one technician on ``day``, oldest first."""
    start, end = _bounds(day)
    with db.read() as s:
        q = (
            sa.select(TechnicianPositionRow)
            .where(
                TechnicianPositionRow.technician_id == technician_id,
                TechnicianPositionRow.recorded_at >= start,
                TechnicianPositionRow.recorded_at < end,
            )
            .order_by(TechnicianPositionRow.recorded_at, TechnicianPositionRow.id)
        )
        return [Position(r.technician_id, r.lat, r.lon, r.accuracy_m, r.recorded_at) for r in s.scalars(q)]


__all__ = [
    "Position",
    "PositionConsentMissing",
    "PositionDay",
    "give_consent",
    "has_consent",
    "latest_positions",
    "position_days",
    "positions_of_day",
    "purge_positions",
    "record_position",
    "withdraw_consent",
]
