"""The French texts of the messages: Jinja2 templates of ``dispatch/messaging/templates``.

Each event ``E`` has four templates: ``E.subject.txt`` (one line), ``E.txt`` (the plain-text
part), ``E.html`` (the HTML part, **autoescaped**: a customer's name or problem can hold
``<script>``) and ``E.sms.txt`` (a short text message). The plain and HTML parts extend
``base.txt`` / ``base.html``, which sign every message with the company's name and contact
(``[general]`` settings) and, when the customer has a consent, the unsubscribe link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from dispatch.money import format_money
from dispatch.settings import TZ

if TYPE_CHECKING:
    from dispatch.settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "templates"

_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip


def french_time(t: datetime) -> str:
    """``13 h``, ``9 h 30`` (Québec usage), in Québec time."""
    t = t.astimezone(TZ)
    return f"{t.hour} h" if t.minute == 0 else f"{t.hour} h {t.minute:02d}"


def french_day(t: datetime) -> str:
    """``mardi 9 décembre`` (``1er`` for the first of the month)."""
    t = t.astimezone(TZ)
    day = "1er" if t.day == 1 else str(t.day)
    return f"{_DAYS[t.weekday()]} {day} {_MONTHS[t.month - 1]}"


def french_window(start: datetime, end: datetime) -> str:
    """``mardi 9 décembre, entre 13 h et 15 h``."""
    return f"{french_day(start)}, entre {french_time(start)} et {french_time(end)}"


def money(amount: Decimal | None) -> str:
    """``1 234,50 $`` (empty for ``None``)."""
    return "" if amount is None else format_money(amount)


@cache
def _environment(folder: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = money
    env.filters["hour"] = french_time
    env.filters["day"] = french_day
    return env


@dataclass(frozen=True)
class Rendered:
    """The texts of one event's messages."""

    subject: str
    text: str
    html: str
    sms: str


def company(settings: Settings) -> dict[str, str]:
    """The company's name and contact as the templates show them."""
    g = settings.general
    return {
        "name": g.company_name, "address": g.company_address, "phone": g.company_phone,
        "email": g.company_email or settings.mail.from_address,
    }  # fmt: skip


def render(event: str, context: dict[str, Any], *, settings: Settings) -> Rendered:
    """The subject, plain text, HTML and SMS text of ``event`` with ``context``.

    ``company`` (name, address, phone, e-mail) and ``unsubscribe_url`` (may be empty) are
    added to the context.
    """
    env = _environment(str(TEMPLATES))
    ctx = {"company": company(settings), "unsubscribe_url": "", **context}
    subject = " ".join(env.get_template(f"{event}.subject.txt").render(ctx).split())
    sms = " ".join(env.get_template(f"{event}.sms.txt").render(ctx).split())
    text = env.get_template(f"{event}.txt").render(ctx).strip() + "\n"
    html = env.get_template(f"{event}.html").render({**ctx, "title": subject})
    return Rendered(subject, text, html, sms)


__all__ = ["TEMPLATES", "Rendered", "company", "french_day", "french_time", "french_window", "money", "render"]
