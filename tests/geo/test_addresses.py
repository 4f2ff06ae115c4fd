"""Québec address parsing and normalisation (dispatch.geo.addresses), on forms people really write."""

from __future__ import annotations

import pytest

from dispatch.errors import InvalidInput
from dispatch.geo.addresses import (
    MAX_LENGTH,
    display_street,
    parse_address,
    parse_housenumber,
    parse_postal_code,
    street_key,
)


@pytest.mark.parametrize(
    ("text", "number", "suffix", "unit", "street"),
    [
        ("123 rue Principale", 123, "", "", "Rue Principale"),
        ("123A rue Principale", 123, "A", "", "Rue Principale"),
        ("123 A rue Principale", 123, "A", "", "Rue Principale"),
        ("123-B rue Principale", 123, "B", "", "Rue Principale"),
        ("123 1/2 rue Principale", 123, "1/2", "", "Rue Principale"),
        ("123 ½ rue Principale", 123, "1/2", "", "Rue Principale"),
        ("4-123 rue Principale", 123, "", "4", "Rue Principale"),
        ("4-123A rue Principale", 123, "A", "4", "Rue Principale"),
        ("123 rue Principale, app. 4", 123, "", "4", "Rue Principale"),
        ("123 rue Principale app 4", 123, "", "4", "Rue Principale"),
        ("123 rue Principale #4", 123, "", "4", "Rue Principale"),
        ("123 rue Principale, bureau 200", 123, "", "200", "Rue Principale"),
        ("123 rue Principale, suite 3", 123, "", "3", "Rue Principale"),
        ("app. 4, 123 rue Principale", 123, "", "4", "Rue Principale"),
        ("123 rue Principale, 4", 123, "", "4", "Rue Principale"),
        ("123, rue Principale", 123, "", "", "Rue Principale"),
        ("123 r. Principale", 123, "", "", "Rue Principale"),
        ("1200 boul. Raymond", 1200, "", "", "Boulevard Raymond"),
        ("1200 bd Raymond", 1200, "", "", "Boulevard Raymond"),
        ("1200 blvd Raymond", 1200, "", "", "Boulevard Raymond"),
        ("2345 MTÉE MASSON", 2345, "", "", "Montée Masson"),
        ("2345 mtee masson", 2345, "", "", "Montée Masson"),
        ("3000 ch. St-Henri", 3000, "", "", "Chemin Saint-Henri"),
        ("3000 chemin Ste-Marie", 3000, "", "", "Chemin Sainte-Marie"),
        ("1000 rg du Grand-Coteau", 1000, "", "", "Rang du Grand-Coteau"),
        ("22 pl. de la Brise", 22, "", "", "Place de la Brise"),
        ("2 imp. des Lilas", 2, "", "", "Impasse des Lilas"),
        ("1 terr. Dupuis", 1, "", "", "Terrasse Dupuis"),
        ("12 crois. Guay", 12, "", "", "Croissant Guay"),
        ("55 10e avenue", 55, "", "", "10e Avenue"),
        ("12 1ère Avenue", 12, "", "", "1e Avenue"),
        ("12 1re av.", 12, "", "", "1e Avenue"),
        ("1e avenue", None, "", "", "1e Avenue"),
        ("Rue Principale", None, "", "", "Rue Principale"),
    ],
)
def test_civic_number_unit_and_street_are_split_as_quebecers_write_them(text, number, suffix, unit, street):
    """Number with suffix, unit before (4-123) or after (app., #, bureau, suite), street tidied."""
    p = parse_address(text)
    assert (p.number, p.suffix, p.unit, p.street) == (number, suffix, unit, street)


@pytest.mark.parametrize(
    ("text", "city", "province", "postcode"),
    [
        ("123 rue Principale, Mascouche, QC J7K 3B5", "Mascouche", "QC", "J7K 3B5"),
        ("123 rue Principale Mascouche QC j7k3b5", "Mascouche", "QC", "J7K 3B5"),
        ("123 rue Principale, Mascouche (Québec) J7K-3B5, Canada", "Mascouche", "QC", "J7K 3B5"),
        ("123 rue Principale, Mascouche, Quebec", "Mascouche", "QC", None),
        ("  123   rue   Principale   Mascouche  Qc  ", "Mascouche", "QC", None),
        ("123 rue Principale Terrebonne", "Terrebonne", "", None),
        ("123 rue Principale, Toronto, ON M5V 2T6", "Toronto", "ON", "M5V 2T6"),
        ("123 rue Principale, j7k 3b5", "", "", "J7K 3B5"),
    ],
)
def test_city_province_and_postal_code_in_any_spacing_case_or_punctuation(text, city, province, postcode):
    """City, province (QC, Québec, Quebec) and postal code (any spacing/case) are recognised."""
    p = parse_address(text)
    assert p.street == "Rue Principale"
    assert (p.city, p.province, p.postcode.code if p.postcode else None) == (city, province, postcode)


def test_streets_named_after_provinces_or_cities_keep_their_name():
    """'Rue Ontario' and 'rue Laval' are streets, not a province or a city."""
    assert parse_address("1550 rue Ontario").street == "Rue Ontario"
    assert parse_address("1550 rue Ontario").province == ""
    assert parse_address("12 rue Laval").street == "Rue Laval"
    assert parse_address("12 rue Laval, Mascouche").city == "Mascouche"


def test_postal_code_outside_quebec_is_a_warning_not_an_error():
    """A K (Ontario) postal code parses, with a French warning naming the province."""
    p = parse_address("123 rue Principale, K1A 0B1")
    assert p.postcode.province == "ON"
    assert any("Ontario" in w for w in p.warnings)


@pytest.mark.parametrize("code", ["D1D 1D1", "J7O 3B5", "Z1A 1A1", "J7K 3U5"])
def test_postal_code_with_letters_canada_post_never_uses_is_refused(code):
    """D, F, I, O, Q, U never appear in postal codes (W, Z never first)."""
    with pytest.raises(InvalidInput) as info:
        parse_postal_code(f"123 rue X, {code}")
    assert "Code postal invalide" in info.value.localized("fr_CA")


def test_postal_code_forms_and_fsa():
    """j7k3b5, J7K-3B5 and 'J7K 3B5' give the same code and FSA J7K."""
    codes = {parse_postal_code(t).code for t in ("j7k3b5", "J7K-3B5", "J7K 3B5", "j 7 k 3 b 5")}
    assert codes == {"J7K 3B5"}
    assert parse_postal_code("J7K 3B5").fsa == "J7K"
    assert parse_postal_code("123 rue Principale") is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Mnt. Masson", "Montée Masson"),
        ("MONTÉE MASSON", "mtee masson"),
        ("1e Avenue", "1re Avenue"),
        ("1ère avenue", "Avenue 1re"),
        ("10ème av.", "10e Avenue"),
        ("Rue Glen Abbey", "Rue Glen-Abbey"),
        ("Croissant de Bourguignon", "Croissant Bourguignon"),
        ("Crescent Sullivan", "Croissant Sullivan"),
        ("ch. St-Henri", "Chemin Saint-Henri"),
        ("Ste-Marie", "Sainte Marie"),
        ("Avenue de L'Étang", "av. de l'etang"),
        ("boul. de Mascouche", "Boulevard de Mascouche"),
        ("rte 337", "Route 337"),
        ("aut. 25", "Autoroute 25"),
    ],
)
def test_street_keys_agree_across_abbreviations_accents_case_and_particles(a, b):
    """The loose key ignores case, accents, abbreviations, saints, ordinals and particles."""
    assert street_key(a).loose == street_key(b).loose


def test_different_generics_or_names_keep_different_keys():
    """Place Sullivan and Crescent Sullivan stay different; Rue Roy is not Rue Ray."""
    assert street_key("Place Sullivan").loose != street_key("Crescent Sullivan").loose
    assert street_key("Rue Roy").loose != street_key("Rue Ray").loose
    assert street_key("Rue McCune").compact == street_key("Rue Mc Cune").compact


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "Adresse vide"),
        ("   , ,  ", "Adresse vide"),
        ("🏠🏠🏠", "illisible"),
        ("123", "aucun nom de rue"),
        ("J7K 3B5", "code postal seul"),
        ("j7k3b5, Canada", "code postal seul"),
        ("C.P. 123, Mascouche", "case postale"),
        ("CP 45 succ. Bureau-chef", "case postale"),
        ("Case postale 12, Mascouche QC", "case postale"),
        ("PO Box 55, Mascouche", "case postale"),
        ("x" * (MAX_LENGTH + 1), "trop longue"),
        ("a" * 10_000, "trop longue"),
    ],
)
def test_bad_input_is_refused_with_a_french_explanation(text, match):
    """Empty, emoji only, number only, postal code alone, PO box, 10,000 chars: InvalidInput."""
    with pytest.raises(InvalidInput) as info:
        parse_address(text)
    assert match in info.value.localized("fr_CA")
    assert info.value.exit_code == 2


def test_emoji_inside_an_address_are_dropped_with_a_warning():
    """'123 🏠 rue Principale' still parses, and says characters were ignored."""
    p = parse_address("123 🏠 rue Principale 🙂")
    assert (p.number, p.street) == (123, "Rue Principale")
    assert p.warnings


def test_non_text_input_is_invalid():
    """A number instead of text raises InvalidInput, not TypeError."""
    with pytest.raises(InvalidInput):
        parse_address(123)  # type: ignore[arg-type]


def test_formatted_gives_the_canada_post_one_line_form():
    """Unit-number street, city province postal code."""
    p = parse_address("123a r. principale app 4 mascouche qc j7k3b5")
    assert p.formatted() == "4-123A Rue Principale, Mascouche QC J7K 3B5"


def test_tagged_house_numbers_split_into_number_and_suffix():
    """OSM housenumbers: '123', '123A', '123 1/2', '123-125' (first number kept)."""
    assert parse_housenumber("123") == (123, "")
    assert parse_housenumber("123A") == (123, "A")
    assert parse_housenumber("123 1/2") == (123, "1/2")
    assert parse_housenumber("123-125") == (123, "")
    assert parse_housenumber("abc") == (None, "")


def test_display_street_tidies_case_and_saints():
    """'ch. st-henri' -> 'Chemin Saint-henri' keeps words, expands generic and saint."""
    assert display_street("boul. de mascouche") == "Boulevard de Mascouche"
    assert display_street("CHEMIN STE-MARIE").startswith("Chemin Sainte")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=400))
def test_any_text_parses_or_is_refused_cleanly(text):
    """Whatever the text (unicode, controls, emoji, very long), parsing returns an address or
    raises InvalidInput: never another exception."""
    try:
        p = parse_address(text)
    except InvalidInput as err:
        assert str(err)
    else:
        assert p.street and (p.number is None or p.number >= 0)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 99999), st.sampled_from(["rue", "boul.", "av.", "ch.", "mtée", "pl.", "rang"]),
       st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàç-' ", min_size=1, max_size=30))
def test_generated_street_addresses_keep_their_number(number, generic, name):
    """'N generic name' keeps N as the civic number whenever it parses."""
    try:
        p = parse_address(f"{number} {generic} {name}")
    except InvalidInput:
        return
    assert p.number == number


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("１０００ ｒｕｅ Ｐｒｉｎｃｉｐａｌｅ", "1000 rue Principale"),
        ("１２３Ａ ｃｈｅｍｉｎ Ｓａｉｎｔｅ－Ｍａｒｉｅ， Ｍａｓｃｏｕｃｈｅ", "123A chemin Sainte-Marie, Mascouche"),
        ("４－１２３ rue Principale, Mascouche QC Ｊ７Ｋ　３Ｂ５", "4-123 rue Principale, Mascouche QC J7K 3B5"),
        ("123 ½ rue Principale", "123 1/2 rue Principale"),
        ("2ᵉ Avenue", "2e Avenue"),
    ],
)
def test_full_width_and_compatibility_characters_read_as_plain_ones(typed, plain):
    """NFKC: full-width digits and letters (a phone's Asian keyboard, a copied PDF) are the plain address."""
    a, b = parse_address(typed), parse_address(plain)
    assert (a.number, a.suffix, a.unit, a.street, a.city, a.postcode) == (
        b.number, b.suffix, b.unit, b.street, b.city, b.postcode,
    )
    assert a.number is not None or "Avenue" in plain
