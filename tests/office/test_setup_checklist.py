"""The "Mise en route" checklist: what a fresh installation lacks, and when each item is done."""

from __future__ import annotations

from datetime import time

from dispatch.office import administration
from dispatch.office.setup_checklist import (
    PLACEHOLDERS,
    lookup_policy_check,
    placeholder_fields,
    setup_checklist,
)

pytest_plugins = ["tests.storage_support"]

REAL = {"gst_number": "871234567 RT0001", "qst_number": "1219876543 TQ0001",
        "interac_email": "paiements@opms.example.ca"}


def _fresh(settings):
    """``settings`` as shipped: the placeholder legal numbers (the suite's fixture sets real ones)."""
    return settings.with_section("billing", **PLACEHOLDERS)


def _checklist(settings, db, **kwargs):
    kwargs.setdefault("policy_check", None)
    kwargs.setdefault("env", {})
    return setup_checklist(settings, db, **kwargs)


def test_fresh_installation_lacks_region_technicians_and_legal_numbers_before_any_invoice(
    settings, db
):
    """A fresh data folder: nothing built, no team, the shipped placeholder numbers."""
    checklist = _checklist(_fresh(settings), db)
    assert [i.key for i in checklist.items] == [
        "region", "technicians", "tariff", "company", "policy", "mail"]
    assert {i.key for i in checklist.missing_for_invoice} == {"region", "technicians", "company"}
    assert not checklist.complete
    assert checklist.item("region").page == "views/welcome.py"
    assert all(i.page.startswith("views/") for i in checklist.items)


def test_placeholder_gst_qst_and_interac_count_as_not_done(settings, db):
    """The shipped ``123456789 RT0001`` / ``paiement@example.com`` are never a company's."""
    settings = _fresh(settings)
    assert placeholder_fields(settings) == list(PLACEHOLDERS)
    company = _checklist(settings, db).item("company")
    assert not company.done
    assert "TPS" in company.detail or "GST" in company.detail
    half = settings.with_section("billing", gst_number=REAL["gst_number"])
    assert placeholder_fields(half) == ["qst_number", "interac_email"]
    assert not _checklist(half, db).item("company").done
    real = settings.with_section("billing", **REAL)
    company = _checklist(real, db).item("company")
    assert company.done
    assert REAL["gst_number"] in company.detail


def test_an_empty_legal_name_is_not_done(settings, db):
    """The legal name printed on invoices must be given."""
    nameless = settings.with_section("billing", **REAL).with_section("general", company_name=" ")
    assert not _checklist(nameless, db).item("company").done


def test_technician_item_is_done_once_an_active_technician_exists(settings, db):
    """Adding a technician (as the Settings page does) completes the item, named in the detail."""
    assert not _checklist(settings, db).item("technicians").done
    administration.add_technician(db, name="Alex Tremblay", shift_start=time(8),
                                  shift_end=time(17), skills=["pc"], actor="test")
    item = _checklist(settings, db).item("technicians")
    assert item.done
    assert "Alex Tremblay" in item.detail


def test_tariff_is_done_once_saved_in_the_settings_file(settings, db):
    """Defaults are shown as "to check" until the owner saves the rates (settings.toml)."""
    item = _checklist(settings, db).item("tariff")
    assert not item.done
    assert "35" in item.detail and "85" in item.detail
    administration.save_settings(administration.tariff_settings(
        settings, core_flat="40", extended_flat="40", extended_per_km="1,75",
        hourly_rate="90", increment_min=15))
    from dispatch.settings import load_settings

    saved = load_settings(data_dir=settings.data_dir, env={})
    item = _checklist(saved, db).item("tariff")
    assert item.done
    assert "1.75" in item.detail or "1,75" in item.detail


def test_tariff_set_by_environment_counts_as_done(settings, db):
    """``OPMS_TARIFF__CORE_FLAT`` is a deliberate choice too."""
    assert _checklist(settings, db, env={"OPMS_TARIFF__CORE_FLAT": "40"}).item("tariff").done


def test_region_item_is_done_with_a_built_region(mascouche, region_settings, db):
    """The real Mascouche region in the data folder completes "shop address and region"."""
    item = _checklist(region_settings, db).item("region")
    assert item.done
    assert "mascouche" in item.detail


def test_missing_policy_module_is_not_available_and_never_missing(settings, db):
    """Without a policy document in this version, the item is shown as not available."""
    checklist = _checklist(settings, db, policy_check=None)
    policy = checklist.item("policy")
    assert not policy.available
    assert policy not in checklist.missing


def test_policy_check_passed_in_decides_the_item(settings, db):
    """A policy check given by the caller is used as is."""
    done = _checklist(settings, db, policy_check=lambda db, s: (True, "v3")).item("policy")
    assert (done.done, done.detail, done.available) == (True, "v3", True)
    todo = _checklist(settings, db, policy_check=lambda db, s: (False, "rien")).item("policy")
    assert not todo.done
    missing = _checklist(settings, db, policy_check=lambda db, s: (False, "rien")).missing
    assert "policy" in {i.key for i in missing}


def test_stored_policy_version_completes_the_policy_item(settings, db):
    """With the versioned policy document installed, storing a version completes the item."""
    from dispatch.records import policies
    check = lookup_policy_check()
    assert check is not None
    assert not _checklist(settings, db, policy_check=check).item("policy").done
    policies.store_policy(db, "# Politique\n\nRendez-vous, annulation 24 h.", actor="test")
    item = _checklist(settings, db, policy_check=check).item("policy")
    assert item.done
    assert "1" in item.detail


def test_mail_item_needs_an_smtp_server_and_a_sender(settings, db):
    """``[mail] smtp_host`` and ``from_address`` make the e-mail item done."""
    assert not _checklist(settings, db).item("mail").done
    host_only = settings.with_section("mail", smtp_host="smtp.example.ca")
    assert not _checklist(host_only, db).item("mail").done
    ready = host_only.with_section("mail", from_address="bonjour@opms.example.ca")
    item = _checklist(ready, db).item("mail")
    assert item.done
    assert "smtp.example.ca" in item.detail


def test_a_complete_installation_has_nothing_missing(mascouche, region_settings, db):
    """Region, technician, saved tariff, real numbers, policy and mail: complete."""
    administration.add_technician(db, name="Sam", shift_start=time(8), shift_end=time(16),
                                  skills=["pc"], actor="test")
    s = region_settings.with_section("billing", **REAL)
    if hasattr(s, "mail"):
        s = s.with_section("mail", smtp_host="smtp.example.ca", from_address="a@b.ca")
    checklist = _checklist(s, db, policy_check=lambda db, s: (True, "v1"),
                           env={"OPMS_TARIFF__CORE_FLAT": "35"})
    assert checklist.missing == ()
    assert checklist.complete
    assert checklist.to_dict()["complete"] is True
