"""Remote support from the office: a session started with the customer's consent, timed, ended
by the technician or interrupted by the customer (no travel, no compensation).

The consent wording shown to the customer is :data:`CONSENT_TEXT`; the one-time password of
the remote-control tool is never asked for nor stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from dispatch import records
from dispatch.i18n import N_

if TYPE_CHECKING:
    from dispatch.records import Database, VisitRecord

#: What the customer agrees to (English msgid; shown in French).
CONSENT_TEXT = N_(
    "The customer agrees to a remote-support session: the technician sees and controls the "
    "computer while the session lasts; the customer can end it at any time; the time spent is "
    "billed at the diagnostic rate, with no travel fee. The session's one-time password is "
    "never kept."
)


def start_session(
    db: Database, request_id: int, *, consent: bool, actor: str, at: datetime | None = None
) -> VisitRecord:
    """Start a remote session (its id is the returned visit's ``id``); its clock starts."""
    return records.start_remote_session(db, request_id, consent=consent, actor=actor, at=at)


def stop_request_session(
    db: Database, request_id: int, *, interrupted: bool, actor: str, at: datetime | None = None
) -> VisitRecord:
    """End the remote session of a request: done, or interrupted by the customer."""
    return records.end_remote_session(db, request_id, interrupted=interrupted, actor=actor, at=at)


def stop_session(
    db: Database, session_id: int, *, interrupted: bool, actor: str, at: datetime | None = None
) -> VisitRecord:
    """End remote session ``session_id`` (the id :func:`start_session` returned)."""
    request_id = records.session_request(db, session_id)
    return stop_request_session(db, request_id, interrupted=interrupted, actor=actor, at=at)


__all__ = ["CONSENT_TEXT", "start_session", "stop_request_session", "stop_session"]
