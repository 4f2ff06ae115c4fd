"""Labels of stored codes (dispatch.office.labels): zones and skills as people read them."""

from __future__ import annotations

import pytest

from dispatch.i18n import set_language
from dispatch.office.labels import SKILLS, skill_label, skills_text, zone_label


@pytest.fixture()
def french():
    set_language("fr_CA")
    yield
    set_language(None)


def test_zone_codes_read_as_french_zone_names(french):
    assert zone_label("core") == "zone principale"
    assert zone_label("extended") == "zone élargie"
    assert zone_label("outside") == "hors zone"
    assert zone_label("core", capital=True) == "Zone principale"
    assert zone_label(None) == "—" and zone_label("") == "—"


def test_skills_have_display_names_and_unknown_ones_are_shown_as_typed(french):
    assert skill_label("reseau") == "Réseau"
    assert skill_label("RESEAU") == "Réseau"
    assert skill_label("pc") == "PC (Windows)"
    assert skill_label("soudure") == "Soudure"
    assert skills_text(["pc", "reseau", " "]) == "PC (Windows), Réseau"
    assert skills_text([]) == "—"
    assert all(skill_label(s) != s for s in SKILLS if s != "mac")


def test_labels_follow_the_language_in_force():
    set_language("en")
    try:
        assert zone_label("extended") == "extended zone" and skill_label("reseau") == "Network"
    finally:
        set_language(None)
