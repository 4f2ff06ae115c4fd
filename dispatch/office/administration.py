"""Administration ("Paramètres"): company and tariff settings, the technicians' roster.

Settings are saved to ``<data dir>/settings.toml``, the file the whole product reads.
Amounts typed in the tariff form (``35,00`` or ``35.00``) are read by the one parser
:func:`dispatch.billing.rules.parse_amount` (at most two decimals), the per-km and hourly
rates by :func:`dispatch.money.parse_rate` (up to four: 0.575 $/km); a bad one raises
:class:`~dispatch.errors.InvalidInput` whose message quotes what was typed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING

from dispatch import records
from dispatch.billing.rules import parse_amount
from dispatch.errors import InvalidInput
from dispatch.files import private_file
from dispatch.i18n import N_
from dispatch.money import parse_rate
from dispatch.settings import Settings, settings_to_toml

if TYPE_CHECKING:
    from dispatch.records import Database, TechnicianRecord


def save_settings(new: Settings) -> Path:
    """Write ``new`` to ``<data dir>/settings.toml`` (0600); returns the file's path.

    Fields the environment sets (``OPMS_<SECTION>__<FIELD>``) are not written (see
    :func:`dispatch.settings.settings_to_toml`).
    """
    path = new.data_dir / "settings.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    private_file(path)  # it may hold the mail and SMS passwords typed in Paramètres: 0600
    path.write_text(settings_to_toml(new), encoding="utf-8")
    return path


def company_settings(s: Settings, *, name: str, address: str, phone: str, email: str) -> Settings:
    """``s`` with the company's name and contact details replaced."""
    return s.with_section("general", company_name=name, company_address=address,
                          company_phone=phone, company_email=email)


def legal_settings(
    s: Settings,
    *,
    legal_name: str,
    address: str,
    gst_number: str,
    qst_number: str,
    interac_email: str,
    paypal_link: str = "",
) -> Settings:
    """``s`` with the company's legal identity replaced (printed on every invoice).

    Raises
    ------
    InvalidInput
        An empty name, GST or QST number, or an Interac address that is not an e-mail address.
    """
    clean = {k: " ".join(str(v).split()) for k, v in {
        "legal_name": legal_name, "gst_number": gst_number, "qst_number": qst_number,
        "interac_email": interac_email, "paypal_link": paypal_link, "address": address,
    }.items()}  # fmt: skip
    if not clean["legal_name"]:
        raise InvalidInput(N_("Give the company's legal name (printed on every invoice)."))
    if not clean["gst_number"]:
        raise InvalidInput(N_("Give the company's GST registration number (printed on every invoice)."))
    if not clean["qst_number"]:
        raise InvalidInput(N_("Give the company's QST registration number (printed on every invoice)."))
    if "@" not in clean["interac_email"] or " " in clean["interac_email"]:
        msg = N_("The Interac address {value!r} is not an e-mail address.")
        raise InvalidInput(msg, value=clean["interac_email"])
    if clean["paypal_link"] and not clean["paypal_link"].startswith("https://"):
        msg = N_("The PayPal link must start with https:// (got {value!r}).")
        raise InvalidInput(msg, value=clean["paypal_link"])
    general = replace(s.general, company_name=clean["legal_name"], company_address=clean["address"] or s.general.company_address)
    billing = replace(
        s.billing, gst_number=clean["gst_number"], qst_number=clean["qst_number"],
        interac_email=clean["interac_email"], paypal_link=clean["paypal_link"],
    )  # fmt: skip
    return replace(s, general=general, billing=billing)


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
    "legal_settings",
    "roster",
    "save_settings",
    "tariff_settings",
]
