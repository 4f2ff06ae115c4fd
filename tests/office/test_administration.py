"""Administration ("Paramètres"): tariff typed the Québec way, settings file, technicians."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest

from dispatch import records
from dispatch.errors import DispatchError, InvalidInput
from dispatch.office import administration
from dispatch.settings import load_settings


def test_tariff_amounts_accept_comma_and_point(settings):
    """"35,50" and "0.95" are read exactly, as Decimals."""
    new = administration.tariff_settings(
        settings, core_flat="35,50", extended_flat=" 60 ", extended_per_km="0.95",
        hourly_rate="95,00", increment_min=15,
    )
    assert new.tariff.core_flat == Decimal("35.50")
    assert new.tariff.extended_flat == Decimal("60")
    assert new.tariff.extended_per_km == Decimal("0.95")
    assert (new.billing.hourly_rate, new.billing.increment_min) == (Decimal("95.00"), 15)


@pytest.mark.parametrize("kwargs", [{"core_flat": "trente"}, {"extended_per_km": ""},
                                    {"hourly_rate": "1e12"}])
def test_a_bad_tariff_amount_is_refused_by_the_parser(settings, kwargs):
    """Any field that is not an amount raises the parser's InvalidInput (quoting what was typed)."""
    typed = {"core_flat": "35", "extended_flat": "60", "extended_per_km": "1", "hourly_rate": "90"}
    typed.update(kwargs)
    with pytest.raises(InvalidInput) as info:
        administration.tariff_settings(settings, increment_min=15, **typed)
    assert "amount" in info.value.template.lower()
    (value,) = kwargs.values()
    assert info.value.params.get("shown", "") == value


def test_saved_settings_are_read_back(settings):
    """save_settings writes <data dir>/settings.toml, which load_settings then reads."""
    new = administration.company_settings(
        settings, name="Ordi Plus Mascouche", address="1 rue Dupras", phone="450 555-0000",
        email="info@example.com",
    )
    path = administration.save_settings(
        administration.tariff_settings(new, core_flat="41,25", extended_flat="60",
                                       extended_per_km="1", hourly_rate="90", increment_min=15)
    )
    assert path == settings.data_dir / "settings.toml"
    again = load_settings(data_dir=settings.data_dir, env={})
    assert again.general.company_name == "Ordi Plus Mascouche"
    assert again.tariff.core_flat == Decimal("41.25")


def test_a_password_from_the_environment_never_lands_in_the_settings_file(settings, monkeypatch):
    """Saving Paramètres keeps secrets given by OPMS_* variables out of settings.toml (0600)."""
    monkeypatch.setenv("OPMS_MAIL__SMTP_PASSWORD", "s3cret-from-env")
    from_env = load_settings(data_dir=settings.data_dir)
    assert from_env.mail.smtp_password == "s3cret-from-env"
    path = administration.save_settings(
        administration.company_settings(from_env, name="Ordi Plus", address="1 rue Dupras",
                                        phone="450 555-0000", email="info@example.com")
    )
    text = path.read_text(encoding="utf-8")
    assert "s3cret-from-env" not in text and "Ordi Plus" in text
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_settings(data_dir=settings.data_dir).mail.smtp_password == "s3cret-from-env"


def test_roster_lists_added_technicians_active_or_not(settings):
    """A technician added from the form appears in the roster; a blank name is refused."""
    db = records.open_database(settings=settings)
    try:
        added = administration.add_technician(db, name="Alex Côté", shift_start=time(8), shift_end=time(16),
                                              skills=["pc", "mac"], actor="test")
        records.update_technician(db, added.id, expected_version=None, active=False, actor="test")
        (listed,) = administration.roster(db)
        assert (listed.name, list(listed.skills), listed.active) == ("Alex Côté", ["pc", "mac"], False)
        with pytest.raises(DispatchError):
            administration.add_technician(db, name="  ", shift_start=time(8), shift_end=time(16),
                                          skills=["pc"], actor="test")
    finally:
        db.close()
