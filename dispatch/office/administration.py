"""Administration ("Paramètres"): company and tariff settings, the technicians' roster.

Settings are saved to ``<data dir>/settings.toml``, the file the whole product reads.
Amounts typed in the tariff form (``35,00`` or ``35.00``) are read by the one parser
:func:`dispatch.billing.rules.parse_amount` (at most two decimals), the per-km and hourly
rates by :func:`dispatch.money.parse_rate` (up to four: 0.575 $/km); a bad one raises
:class:`~dispatch.errors.InvalidInput` whose message quotes what was typed.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING

from dispatch import records
from dispatch.billing.rules import parse_amount
from dispatch.money import parse_rate
from dispatch.settings import Settings, settings_to_toml

if TYPE_CHECKING:
    from dispatch.records import Database, TechnicianRecord


def save_settings(new: Settings) -> Path:
    """Write ``new`` to ``<data dir>/settings.toml``; returns the file's path."""
    path = new.data_dir / "settings.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(settings_to_toml(new), encoding="utf-8")
    return path


def company_settings(s: Settings, *, name: str, address: str, phone: str, email: str) -> Settings:
    """``s`` with the company's name and contact details replaced."""
    return s.with_section("general", company_name=name, company_address=address,
                          company_phone=phone, company_email=email)


def tariff_settings(
    s: Settings,
    *,
    core_flat: str,
    extended_flat: str,
    extended_per_km: str,
    hourly_rate: str,
    increment_min: int,
) -> Settings:
    """``s`` with the travel tariff and the diagnostic rate typed in "Tarifs".

    Raises
    ------
    InvalidInput
        An amount that cannot be read (the message quotes what was typed).
    """
    return s.with_section(
        "tariff",
        core_flat=parse_amount(core_flat),
        extended_flat=parse_amount(extended_flat),
        extended_per_km=parse_rate(extended_per_km),  # a rate: 0.575 $/km is allowed
    ).with_section(
        "billing", hourly_rate=parse_rate(hourly_rate),
        increment_min=int(increment_min),
    )


def roster(db: Database) -> list[TechnicianRecord]:
    """Every technician, active or not, by name."""
    return records.technicians(db, active_only=False)


def add_technician(
    db: Database, *, name: str, shift_start: time, shift_end: time, skills: list[str], actor: str
) -> TechnicianRecord:
    """Add a technician (lunch at noon by default); returns the stored technician."""
    return records.add_technician(db, name=name, shift_start=shift_start, shift_end=shift_end,
                                  skills=skills, actor=actor)


__all__ = [
    "add_technician",
    "company_settings",
    "roster",
    "save_settings",
    "tariff_settings",
]
