"""Shared helpers of the visit-process commands (private: not a command).

``technician``, ``request``, ``visit``, ``workshop``, ``remote`` and ``policy`` print either
the JSON document (``--json``) or a few French lines (:func:`answer`); times given with
``--at`` are read by :func:`visit_time`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from dispatch.cli.commands._db import parse_instant
from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace

    from dispatch.records import Database


def answer(args: Namespace, result: object, lines: Sequence[str]) -> object:
    """``result`` for ``--json``; otherwise print ``lines`` (French) and exit 0."""
    if args.json:
        return result
    for line in lines:
        print(line)
    sys.stdout.flush()
    return 0


def parse_clock(text: str, option: str) -> time:
    """``HH:MM`` as a time of day.

    Raises
    ------
    InvalidInput
        Not ``HH:MM`` (French message naming the option).
    """
    try:
        return time.fromisoformat(text.strip())
    except ValueError as err:
        msg = N_("{option} expects a time HH:MM (for example 08:30), got {text!r}.")
        raise InvalidInput(msg, option=option, text=text) from err


def visit_time(db: Database, request_id: int, text: str | None) -> datetime | None:
    """The instant of ``--at``: ``YYYY-MM-DDTHH:MM``, or ``HH:MM`` on the appointment's day.

    ``None`` (no ``--at``): now. The records check that the instant falls on the day of the
    appointment.

    Raises
    ------
    InvalidInput
        A bad time, or ``HH:MM`` for a request with no appointment (French message).
    """
    if text is None:
        return None
    if "T" in text or " " in text.strip() or "-" in text:
        return parse_instant(text)
    from dispatch import records
    from dispatch.settings import TZ

    clock = parse_clock(text, "--at")
    appts = [a for a in records.appointments_of(db, request_id) if a.status != "cancelled"]
    if not appts:
        msg = N_("Request {id} has no appointment: give --at as a full date and time YYYY-MM-DDTHH:MM.")
        raise InvalidInput(msg, id=request_id)
    day = max(appts, key=lambda a: a.window_start).window_start.astimezone(TZ).date()
    return datetime.combine(day, clock, tzinfo=TZ)


def add_at(parser: ArgumentParser) -> None:
    """The ``--at`` option of a step recorded after the fact."""
    parser.add_argument(
        "--at", metavar="WHEN",
        help="when it happened: HH:MM on the appointment's day, or YYYY-MM-DDTHH:MM (default now)",
    )  # fmt: skip


def read_file(path: str) -> bytes:
    """The bytes of a file given on the command line.

    Raises
    ------
    InvalidInput
        The file is missing or unreadable (French message).
    """
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as err:
        msg = N_("Cannot read the file {path}: {error}.")
        raise InvalidInput(msg, path=path, error=err.strerror or err) from err

