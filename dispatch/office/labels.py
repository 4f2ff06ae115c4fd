"""What people read for the stored codes: zone names and skills.

The database, the settings and the command line keep short codes (zones ``core``,
``extended``, ``outside``; skills ``pc``, ``mac``, ``reseau``); the pages show them through
these labels, in the active language (``core`` -> "zone principale", ``reseau`` -> "Réseau").
An unknown skill (one an administrator typed) is shown as written, its first letter capitalised.
"""

from __future__ import annotations

from collections.abc import Iterable

from dispatch.i18n import N_, _

#: Zone codes -> label (English msgids, read through :func:`zone_label`).
ZONE_NAMES: dict[str, str] = {
    "core": N_("Core zone"),
    "extended": N_("Extended zone"),
    "outside": N_("Outside the zone"),
}

#: Skill codes -> display name (English msgids, read through :func:`skill_label`).
SKILL_NAMES: dict[str, str] = {
    "pc": N_("PC (Windows)"),
    "mac": N_("Mac"),
    "reseau": N_("Network"),
    "imprimante": N_("Printers"),
    "serveur": N_("Servers"),
    "donnees": N_("Data recovery"),
}

#: The skills offered when a technician is added or edited, in this order.
SKILLS: tuple[str, ...] = ("pc", "mac", "reseau")


def zone_label(zone: str | None, *, capital: bool = False) -> str:
    """The name of a zone code (``core`` -> "zone principale"); "—" when there is none.

    ``capital`` gives it a capital first letter, for a heading or a table cell.
    """
    if not zone:
        return "—"
    text = _(ZONE_NAMES[zone]) if zone in ZONE_NAMES else str(zone)
    return text[:1].upper() + text[1:] if capital else text[:1].lower() + text[1:]


def skill_label(skill: str) -> str:
    """The display name of a skill code (``reseau`` -> "Réseau")."""
    code = (skill or "").strip()
    if code.casefold() in SKILL_NAMES:
        return _(SKILL_NAMES[code.casefold()])
    return code[:1].upper() + code[1:]


def skills_text(skills: Iterable[str], *, none: str = "—") -> str:
    """Skills as a list to read (``["pc", "reseau"]`` -> "PC (Windows), Réseau")."""
    names = [skill_label(s) for s in skills if str(s).strip()]
    return ", ".join(names) if names else none


__all__ = ["SKILLS", "SKILL_NAMES", "ZONE_NAMES", "skill_label", "skills_text", "zone_label"]
