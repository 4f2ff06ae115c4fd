"""Shared helpers of the storage-backed commands (private: not a command)."""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from dispatch.errors import InvalidInput


@contextlib.contextmanager
def database(settings) -> Iterator[Any]:
    """The product database (``settings.database_url``), closed at the end of the command."""
    from dispatch.records.storage import open_database

    db = open_database(settings=settings)
    try:
        yield db
    finally:
        db.close()


def actor(args) -> str:
    """Who runs the command (``--actor``, else ``$OPMS_ACTOR``, else the login name)."""
    name = getattr(args, "actor", None) or os.environ.get("OPMS_ACTOR")
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "cli"
    return f"cli:{name}"


def parse_day(text: str) -> date:
    """``YYYY-MM-DD``, ``today`` / ``aujourd'hui``, ``tomorrow`` / ``demain``."""
    from datetime import timedelta

    from dispatch.records.storage import now

    t = text.strip().lower()
    today = now().date()
    if t in {"today", "aujourd'hui", "aujourdhui"}:
        return today
    if t in {"tomorrow", "demain"}:
        return today + timedelta(days=1)
    try:
        return date.fromisoformat(t)
    except ValueError as err:
        msg = f"Expected a date YYYY-MM-DD (or today/tomorrow), got {text!r}."
        raise InvalidInput(msg) from err


def parse_instant(text: str) -> datetime:
    """``YYYY-MM-DDTHH:MM`` (local Montréal time unless an offset is given)."""
    from dispatch.records.storage import TZ

    try:
        dt = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError as err:
        msg = f"Expected a date and time YYYY-MM-DDTHH:MM, got {text!r}."
        raise InvalidInput(msg) from err
    return dt if dt.tzinfo else dt.replace(tzinfo=TZ)
