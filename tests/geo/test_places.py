"""Places beyond the region's map (dispatch.geo.places): an address in another city of the area,
or a postal code alone, is answered by straight line with the zone and a clear note; an address
in another city is never taken for a street of the map (the real Mascouche region)."""

from __future__ import annotations

import json

import pytest

from dispatch.errors import AddressNotFound, InvalidInput
from dispatch.geo.geocode import geocode
from dispatch.geo.geodesy import geodesic_m
from dispatch.geo.places import (
    MAX_CITY_RADIUS_M,
    RURAL_FSA_RADIUS_M,
    locate,
    on_map,
    postal_code_alone,
    quebec_places,
)
from dispatch.geo.service_area import check_address
from dispatch.i18n import set_language


@pytest.fixture()
def french():
    set_language("fr_CA")
    yield
    set_language(None)


def test_the_shipped_table_holds_quebec_postal_areas_and_municipalities():
    """420 Québec FSAs and the municipalities of the area, with centroids where they belong."""
    t = quebec_places()
    assert len(t) > 900
    j6w = t.fsa("j6w 1a1")
    assert j6w is not None and j6w.key == "J6W" and "Terrebonne" in j6w.name
    terrebonne = t.municipality("TERREBONNE")
    assert terrebonne is not None
    # Terrebonne's centre is about 6 km south-west of Mascouche's
    assert 4_000 < float(geodesic_m(t.municipality("Mascouche").point, [terrebonne.lat], [terrebonne.lon])[0]) < 9_000
    assert t.municipality("St-Roch-de-l'Achigan").name == "Saint-Roch-de-l'Achigan"
    assert t.municipality("Ville de Québec").name == "Québec"
    assert t.municipality("Nulle-Part-sur-Mer") is None
    assert t.fsa("K1A") is None  # Ottawa: not a Québec area
    assert t.fsa("J0K").radius_m == RURAL_FSA_RADIUS_M
    assert t.municipality("Québec").radius_m == MAX_CITY_RADIUS_M


def test_postal_area_names_are_french():
    """Canada Post names its areas in English ("Terrebonne Central"); the coverage note shows
    them to Québec customers: the shipped table has them in French."""
    import csv
    import re

    from dispatch.geo import places

    path = places.__file__.rsplit("/", 1)[0] + "/data/quebec_places.csv"
    with open(path, encoding="utf-8") as fh:
        names = [r["name"] for r in csv.DictReader(fh) if r["kind"] == "fsa"]
    english = re.compile(r"\b(North|South|East|West|Northeast|Northwest|Southeast|Southwest|Central|"
                         r"Extremities|Outskirts|Downtown|Inner|Outer|Riverbank|Quebec City|Montreal|RCM)\b")
    assert [n for n in names if english.search(n)] == []
    assert not [n for n in names if "- " in n]  # hyphenated names the source had split
    t = quebec_places()
    assert t.fsa("J6W").name == "Terrebonne (centre)"
    assert t.fsa("J7K").name == "Mascouche (périphérie)"


@pytest.mark.parametrize(
    ("text", "code"),
    [("J6W 1A1", "J6W 1A1"), ("j6w1a1, QC, Canada", "J6W 1A1"), ("123 rue Dupras J6W 1A1", None),
     ("rue Dupras", None)],
)
def test_a_postal_code_alone_is_recognised_and_nothing_else(text, code):
    found = postal_code_alone(text)
    assert (found.code if found else None) == code


@pytest.mark.parametrize(
    "text",
    ["123 rue Saint-Jean, Québec", "1200 boulevard des Seigneurs, Terrebonne",
     "2036 2e Avenue, Terrebonne", "45 rue Principale, Saint-Roch-de-l'Achigan"],
)
def test_an_address_in_another_city_is_never_taken_for_a_street_of_the_map(mascouche, region_settings, text):
    """Even "2e Avenue", a street of the Mascouche map, is not placed when the city is Terrebonne:
    the map's street is at most offered as a suggestion that names its own city."""
    result = geocode(mascouche, text, settings=region_settings)
    assert not result.found and result.off_map
    assert result.street == "" and result.matched == "" and result.point is None
    assert all(s.endswith(", Mascouche") for s in result.suggestions)


def test_the_same_street_in_the_maps_city_is_still_found(mascouche, region_settings):
    result = geocode(mascouche, "2036 2e Avenue, Mascouche", settings=region_settings)
    assert result.found and not result.off_map


def test_an_address_in_terrebonne_gets_the_straight_line_zone_and_a_fee_to_confirm(mascouche, region_settings, french):
    """Terrebonne lies inside the advertised area but beyond the shared map: zone by straight
    line from the city's centre, no road figures, no amount, and notes that say so."""
    c = check_address(mascouche, "1200 boulevard des Seigneurs, Terrebonne", settings=region_settings)
    assert c.by_straight_line and c.place.name == "Terrebonne"
    assert c.zone == "core" and 4 < c.straight_km < 9
    assert c.road_km is None and c.drive_min is None
    assert c.travel_fee.amount is None and "à confirmer" in c.travel_fee.explanation
    assert "non disponible" in " ".join(c.notes) and "Terrebonne" in " ".join(c.notes)
    # the city is large: within its radius the place may also be in the extended zone
    assert c.zones == ("core", "extended") and c.zone_uncertain
    doc = c.to_dict()
    assert doc["located_by"] == "city" and doc["road_km"] is None and doc["travel_fee"] is None
    # the city's centre is not a place to drive to: the address keeps no position
    assert doc["lat"] is None and doc["precision"] == "none" and doc["place_lat"] == pytest.approx(45.70004)
    json.dumps(doc)


def test_an_address_in_quebec_city_is_outside_by_straight_line(mascouche, region_settings):
    c = check_address(mascouche, "123 rue Saint-Jean, Québec", settings=region_settings)
    assert c.zone == "outside" and c.zones == ("outside",) and c.straight_km > 200
    assert c.place.name == "Québec"


def test_a_postal_code_alone_is_answered_from_its_postal_area(mascouche, region_settings, french):
    """J6W (Terrebonne centre) is about 6.6 km away: core zone by straight line, fee to confirm."""
    c = check_address(mascouche, "J6W 1A1", settings=region_settings)
    assert c.place.key == "J6W" and c.zone == "core" and 5 < c.straight_km < 8
    assert c.travel_fee.amount is None and c.to_dict()["located_by"] == "postal_code"
    assert "J6W" in " ".join(c.notes)
    # a postal code of the map's own area says what to add for the road distance
    own = check_address(mascouche, "J7K 3B5", settings=region_settings)
    assert on_map(own.place, mascouche.bbox) and "numéro" in own.notes[0]


def test_the_postal_code_beside_a_street_of_another_area_decides(mascouche, region_settings):
    """No city written: a postal code of Québec City is not matched to a Mascouche street."""
    c = check_address(mascouche, "2036 2e Avenue, G1R 4R3", settings=region_settings)
    assert c.by_straight_line and c.place.key == "G1R" and c.zone == "outside"


def test_unknown_places_and_typos_keep_the_old_answers(mascouche, region_settings):
    """A street missing from the map with no place known is still 'not found' (exit 3), and a
    postal code alone stays refused by the geocoder itself (exit 2)."""
    with pytest.raises(AddressNotFound):
        check_address(mascouche, "12 rue Inexistante", settings=region_settings)
    with pytest.raises(InvalidInput):
        geocode(mascouche, "J6W 1A1", settings=region_settings)
    assert locate(postcode="", city="Nulle-Part") is None


def test_the_region_warning_follows_the_active_language(mascouche):
    """The data-coverage warning is built when read, in the language in force."""
    set_language("en")
    try:
        english = mascouche.summary()["warnings"]
    finally:
        set_language("fr_CA")
    try:
        french_text = mascouche.summary()["warnings"]
    finally:
        set_language(None)
    assert english and english[0].startswith("The data covers only about 3")
    assert french_text and french_text[0].startswith("Les données ne couvrent qu'environ 3")
    assert not mascouche.covers_service_area
