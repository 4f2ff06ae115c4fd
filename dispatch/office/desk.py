"""What every page of the office starts from: the open database and the office clock.

The dashboard's pages reach storage only through :mod:`dispatch.office` use cases; this
module gives them the database to pass along and the time (Montréal) of the records.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from dispatch import records
from dispatch.settings import Settings

if TYPE_CHECKING:
    from dispatch.records import Database


def open_database(settings: Settings, url: str | None = None) -> Database:
    """The opened, migrated database of ``settings`` (or of ``url``)."""
    return records.open_database(url or settings.database_url, settings=settings)


def now() -> datetime:
    """The current time as stored in the records (aware, Montréal)."""
    return records.now()


__all__ = ["now", "open_database"]
