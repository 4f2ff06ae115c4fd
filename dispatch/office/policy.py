"""The service policy: the document the customer reads and signs before the diagnostic.

The text in force is the latest stored version (:mod:`dispatch.records.policies`). On a fresh
installation the company's default policy, written from its published rules with the current
tariff filled in (``templates/policy_fr.md``), is stored as version 1 the first time it is
needed. The administrator replaces it in Paramètres (:func:`set_policy`); each change is a new
version with its own SHA-256, and a signature keeps the version and hash it was given for.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dispatch import records
from dispatch.money import format_money
from dispatch.records.policies import PolicyVersion

if TYPE_CHECKING:
    from dispatch.records import Database, VisitRecord
    from dispatch.settings import Settings

TEMPLATE = Path(__file__).with_name("templates") / "policy_fr.md"


def _km(value: float) -> str:
    return f"{value:g}".replace(".", ",") + " km"


def default_policy_text(settings: Settings, *, core_km: float = 10.0, extended_km: float = 15.0) -> str:
    """The company's default policy (French Markdown) with the tariff of ``settings``."""
    t, b = settings.tariff, settings.billing
    late = t.late_cancellation_fee
    late_text = f" et des frais de {format_money(late)} s'appliquent" if late > 0 else ""
    pct = f"{b.workshop_refused_pct.normalize():f}".replace(".", ",")
    return TEMPLATE.read_text(encoding="utf-8").format(
        company=settings.general.company_name,
        notice_h=t.cancellation_notice_h,
        late_fee_text=late_text,
        core_flat=format_money(t.core_flat),
        extended_flat=format_money(t.extended_flat),
        per_km=format_money(t.extended_per_km),
        core_km=_km(core_km),
        extended_km=_km(extended_km),
        hourly_rate=format_money(b.hourly_rate),
        increment_min=b.increment_min,
        minimum_min=b.minimum_min,
        workshop_refused_pct=pct,
    )


def policy_in_force(db: Database, settings: Settings, *, actor: str = "system") -> PolicyVersion:
    """The version in force; the default text becomes version 1 on first use."""
    current = records.current_policy(db)
    if current is not None:
        return current
    return records.store_policy(db, default_policy_text(settings), actor=actor)


def set_policy(db: Database, text: str, *, actor: str) -> PolicyVersion:
    """Store a new version of the policy (Markdown); identical text adds nothing."""
    return records.store_policy(db, text, actor=actor)


def sign_policy(
    db: Database,
    request_id: int,
    *,
    signer_name: str,
    signature_png: bytes,
    settings: Settings,
    actor: str,
    at: datetime | None = None,
) -> VisitRecord:
    """The customer signed the policy in force (drawn signature + name)."""
    policy = policy_in_force(db, settings, actor=actor)
    return records.record_policy_signed(
        db, request_id, policy=policy, signer_name=signer_name, signature_png=signature_png,
        actor=actor, at=at,
    )  # fmt: skip


__all__ = ["TEMPLATE", "default_policy_text", "policy_in_force", "set_policy", "sign_policy"]
