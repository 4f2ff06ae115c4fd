"""Shared helpers of the storage-backed commands (private: not a command)."""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING

from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from argparse import Namespace

    from dispatch.records import Database
    from dispatch.settings import Settings


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[Database]:
    """The product database (``settings.database_url``), closed at the end of the command."""
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.records imports in 0.26 s)
    from dispatch.records import open_database

    db = open_database(settings=settings)
    try:
        yield db
    finally:
        db.close()


def actor(args: Namespace) -> str:
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
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.records imports in 0.26 s)
    from datetime import timedelta

    from dispatch.records import now

    t = text.strip().lower()
    today = now().date()
    if t in {"today", "aujourd'hui", "aujourdhui"}:
        return today
    if t in {"tomorrow", "demain"}:
        return today + timedelta(days=1)
    try:
        return date.fromisoformat(t)
    except ValueError as err:
        msg = N_("Expected a date YYYY-MM-DD (or today/tomorrow), got {text!r}.")
        raise InvalidInput(msg, text=text) from err


def parse_instant(text: str) -> datetime:
    """``YYYY-MM-DDTHH:MM`` (local Montréal time unless an offset is given)."""
    from dispatch.settings import TZ

    try:
        dt = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError as err:
        msg = N_("Expected a date and time YYYY-MM-DDTHH:MM, got {text!r}.")
        raise InvalidInput(msg, text=text) from err
    return dt if dt.tzinfo else dt.replace(tzinfo=TZ)
