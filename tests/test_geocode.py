"""Offline geocoding on the real Mascouche address points, and the opt-in Nominatim adapter
against a local stand-in server (dispatch.geocode, dispatch._nominatim)."""

from __future__ import annotations

import random
import time
import unicodedata
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from dispatch.addresses import street_key
from dispatch.errors import AddressNotFound, InvalidInput
from dispatch.geocode import (
    AddressIndex,
    GeocodeResult,
    address_index,
    geocode,
    geocode_many,
    require,
)
from tests.conftest import MASCOUCHE_OSM
from tests.servers.nominatim import NominatimStandIn

# --- helpers -----------------------------------------------------------------------------------
_ABBR = {
    "Rue": "r.", "Boulevard": "boul.", "Avenue": "av.", "Chemin": "ch.", "Montée": "mtée",
    "Place": "pl.", "Croissant": "crois.", "Terrasse": "terr.", "Rang": "rg", "Route": "rte",
}


def _unaccent(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def written_forms(number: int | str, street: str) -> list[str]:
    """Ways customers write one address: abbreviations, no accents, case, city, postal code, units."""
    generic, _, rest = street.partition(" ")
    saint = street.replace("Saint-", "St-").replace("Sainte-", "Ste-")
    return [
        f"{number} {street}",
        f"{number} {_ABBR.get(generic, generic)} {rest}".strip(),
        _unaccent(f"{number} {street}").upper(),
        f"{number} {street}".lower(),
        f"{number} {street}, Mascouche, QC J7K 3B5",
        f"4-{number} {street}",
        f"{number} {street}, app. 4, Mascouche",
        f"{number}, {_unaccent(street)} Mascouche QC j7k3b5 Canada",
        f"{number} {saint}",
        f"{number} {street} #12 Mascouche (Québec)",
    ]


def _geod_m(lat1, lon1, lat2, lon2) -> float:
    from pyproj import Geod

    return float(Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2])


def _straight_interpolation(train, n):
    """Baseline of MEASUREMENTS.md: straight line between the nearest same-parity neighbours."""
    same = [t for t in train if t[0] % 2 == n % 2]
    lo = max(t[0] for t in same if t[0] < n)
    hi = min(t[0] for t in same if t[0] > n)
    p0 = np.mean([t[1:] for t in same if t[0] == lo], axis=0)
    p1 = np.mean([t[1:] for t in same if t[0] == hi], axis=0)
    return p0 + (p1 - p0) * (n - lo) / (hi - lo)


@pytest.fixture(scope="module")
def holdout(mascouche):
    """Seeded 5-fold hold-out: each fold's points are removed from the index and geocoded in a
    random written form; kept are numbers found once on their street and lying between known
    same-parity neighbours. Returns the measurements of the product and of the baseline."""
    a = mascouche.addresses.reset_index(drop=True)
    keys = [street_key(s).compact for s in a["street"]]
    nums = a["housenumber"].astype(int).to_numpy()
    lat = a["lat"].to_numpy()
    lon = a["lon"].to_numpy()
    once = Counter(zip(keys, nums.tolist(), strict=True))
    folds = np.random.default_rng(2026).integers(0, 5, len(a))
    errors, base_errors, wrong, none = [], [], [], 0
    for f in range(5):
        held = folds == f
        index = AddressIndex(a[~held], mascouche.streets, region_name="Mascouche")
        train: dict[str, list[tuple[int, float, float]]] = {}
        for i in np.flatnonzero(~held):
            train.setdefault(keys[i], []).append((int(nums[i]), float(lat[i]), float(lon[i])))
        rng = random.Random(f)
        for i in np.flatnonzero(held):
            k, n = keys[i], int(nums[i])
            same = [t[0] for t in train.get(k, []) if t[0] % 2 == n % 2]
            if once[(k, n)] != 1 or not (any(m < n for m in same) and any(m > n for m in same)):
                continue
            text = rng.choice(written_forms(n, a["street"][i]))
            res = index.geocode(text)
            if not res.found:
                none += 1
                continue
            if street_key(res.street).compact != k:
                wrong.append((text, res.street))
            errors.append(_geod_m(lat[i], lon[i], res.lat, res.lon))
            blat, blon = _straight_interpolation(train[k], n)
            base_errors.append(_geod_m(lat[i], lon[i], blat, blon))

    def stats(e):
        e = np.asarray(e)
        return {
            "n": len(e),
            "within_25m": float(np.mean(e <= 25)),
            "within_50m": float(np.mean(e <= 50)),
            "within_100m": float(np.mean(e <= 100)),
            "median_m": float(np.median(e)),
        }

    out = {"product": stats(errors), "baseline": stats(base_errors), "wrong": wrong, "none": none}
    print(
        "\nheld-out geocoding (5 folds, seed 2026): "
        f"product {out['product']}, straight interpolation {out['baseline']}, "
        f"wrong street {len(wrong)}, not found {none}"
    )
    return out


# --- accuracy -----------------------------------------------------------------------------------
def test_held_out_numbers_are_placed_better_than_straight_interpolation(holdout):
    """On held-out points, our estimator beats the straight-line baseline by 5+ points at 25 m."""
    p, b = holdout["product"], holdout["baseline"]
    assert p["n"] > 1500
    assert p["within_25m"] >= b["within_25m"] + 0.05
    assert p["within_100m"] >= b["within_100m"]
    assert p["median_m"] < b["median_m"] - 3.0


def test_held_out_accuracy_floors_median_under_20_m(holdout):
    """Measured floors: >= 67% within 25 m, >= 92.5% within 100 m, median under 20 m."""
    p = holdout["product"]
    assert p["median_m"] < 20.0
    assert p["within_25m"] >= 0.67
    assert p["within_100m"] >= 0.925


@pytest.mark.xfail(
    strict=True,
    reason="issue target not reached yet: measured about 68% within 25 m and 93% within 100 m "
    "(straight interpolation on the same split: 58% / 92%); irregular numbering on some streets limits the along-street estimate",
)
def test_held_out_accuracy_reaches_the_issue_targets(holdout):
    """Issue 3 targets: >= 70% within 25 m and >= 95% within 100 m."""
    p = holdout["product"]
    assert p["within_25m"] >= 0.70 and p["within_100m"] >= 0.95


def test_held_out_addresses_never_land_on_a_wrong_street(holdout):
    """Whatever the written form, the street matched is the true one (or nothing)."""
    assert holdout["wrong"] == []
    assert holdout["none"] == 0


def test_every_address_point_geocodes_exactly_onto_itself(mascouche, region_settings):
    """Each number found once on its street comes back 'exact' at its own point (< 0.5 m)."""
    a = mascouche.addresses
    keys = [street_key(s).compact for s in a["street"]]  # "Rue Glen Abbey" = "Rue Glen-Abbey"
    counts = Counter(zip(keys, a["housenumber"], strict=True))
    texts, truth = [], []
    for k, hn, st, la, lo in zip(keys, a["housenumber"], a["street"], a["lat"], a["lon"], strict=True):
        if counts[(k, hn)] == 1:
            texts.append(f"{hn} {st}, Mascouche")
            truth.append((la, lo))
    results = geocode_many(mascouche, texts, settings=region_settings)
    assert Counter(r.precision for r in results) == {"exact": len(texts)}
    worst = max(abs(r.lat - t[0]) + abs(r.lon - t[1]) for r, t in zip(results, truth, strict=True))
    assert worst < 5e-6  # about 0.5 m


def test_written_forms_of_one_address_give_one_position(mascouche, region_settings):
    """Abbreviations, accents, case, units, city and postal code do not move the result."""
    a = mascouche.addresses.sample(60, random_state=7)
    for hn, st in zip(a["housenumber"], a["street"], strict=True):
        results = {
            (r.precision, round(r.lat, 7), round(r.lon, 7))
            for r in (geocode(mascouche, t, settings=region_settings) for t in written_forms(hn, st))
        }
        assert len(results) == 1, (hn, st, results)


# --- precisions and refusals -------------------------------------------------------------------
def test_missing_number_between_neighbours_is_interpolated_on_its_side(mascouche, region_settings):
    """3001 chemin Saint-Henri (not in the data) is interpolated between 2997-ish neighbours."""
    idx = address_index(mascouche)
    st = idx._streets[street_key("Chemin Saint-Henri").compact]
    known = set(st.num.tolist())
    n = next(m for m in range(int(st.num.min()) + 1, int(st.num.max())) if m not in known and m % 2 == 1
             and any(k < m and k % 2 == 1 for k in known) and any(k > m and k % 2 == 1 for k in known))
    r = geocode(mascouche, f"{n} ch. St-Henri", settings=region_settings)
    assert r.precision == "interpolated"
    assert r.matched.startswith(f"{n} Chemin Saint-Henri")


def test_number_outside_the_known_range_gives_the_street(mascouche, region_settings):
    """A number past the last known one is placed on the street, precision 'street', with a warning."""
    r = geocode(mascouche, "99999 Montée Masson", settings=region_settings)
    assert r.precision == "street" and r.found
    assert any("hors des numéros connus" in w for w in r.warnings)


def test_street_without_number_gives_the_street(mascouche, region_settings):
    """'1e avenue' (no civic number) is the street, precision 'street'."""
    r = geocode(mascouche, "1ère avenue, Mascouche", settings=region_settings)
    assert r.precision == "street"
    assert r.street in ("1e Avenue", "1re Avenue")


def test_small_typo_is_corrected_with_a_warning(mascouche, region_settings):
    """'rue Principal' matches Rue Principale by fuzzy matching, and says so."""
    r = geocode(mascouche, "2700 rue Principal", settings=region_settings)
    assert r.street == "Rue Principale"
    assert any("corrigé" in w for w in r.warnings)


@pytest.mark.parametrize(
    "text",
    ["123 rue Inexistante", "100 rue Principale Nord", "12 rue Ray", "45 boulevard des Merveilles"],
)
def test_unknown_streets_get_no_position_rather_than_a_near_miss(mascouche, region_settings, text):
    """Streets not in the region give precision 'none' (with suggestions), never a similar street."""
    r = geocode(mascouche, text, settings=region_settings)
    assert r.precision == "none" and r.lat is None
    with pytest.raises(AddressNotFound) as info:
        require(r)
    assert info.value.exit_code == 3


def test_ambiguous_street_name_lists_both_streets(mascouche, region_settings):
    """'12 Sullivan' could be Place Sullivan or Crescent Sullivan: none, both suggested."""
    r = geocode(mascouche, "12 Sullivan", settings=region_settings)
    assert r.precision == "none"
    assert {"Place Sullivan", "Crescent Sullivan"} <= set(r.suggestions)


def test_address_in_another_province_is_not_found(mascouche, region_settings):
    """'123 rue Main, Toronto ON' is outside Québec: none, with a notice saying so."""
    r = geocode(mascouche, "123 rue Main, Toronto ON M5V 2T6", settings=region_settings)
    assert r.precision == "none"
    assert "Ontario" in r.notice


def test_right_street_in_the_wrong_city_is_not_placed(mascouche, region_settings):
    """'Rue Principale, Terrebonne' is not Mascouche's Rue Principale: none, with the suggestion."""
    r = geocode(mascouche, "2700 rue Principale, Terrebonne", settings=region_settings)
    assert r.precision == "none"
    assert r.suggestions == ("2700 Rue Principale, Mascouche",)


@pytest.mark.parametrize("text", ["", "🏠", "J7K 3B5", "C.P. 123", "x" * 10_000])
def test_bad_input_raises_invalid_input(mascouche, region_settings, text):
    """Empty, emoji, postal code alone, PO box, 10,000 characters: InvalidInput (exit 2)."""
    with pytest.raises(InvalidInput):
        geocode(mascouche, text, settings=region_settings)


def test_batch_turns_bad_rows_into_none_results(mascouche, region_settings):
    """geocode_many never raises on a bad row; it reports why, and calls the progress callback."""
    seen = []
    res = geocode_many(mascouche, ["2036 2e Avenue", "", "C.P. 5"], settings=region_settings,
                       progress=seen.append)
    assert [r.precision for r in res] == ["exact", "none", "none"]
    assert "case postale" in res[2].notice
    assert seen[-1] == 3


def test_index_is_built_once_per_region(mascouche):
    """address_index caches the index with the region object."""
    assert address_index(mascouche) is address_index(mascouche)
    assert len(address_index(mascouche)) == len(mascouche.addresses)


def test_result_serialises_the_contract_fields():
    """to_dict has lat, lon, precision, matched, source first; precision is validated."""
    r = GeocodeResult(45.7, -73.6, "exact", "1 Rue X, Mascouche", "offline")
    assert list(r.to_dict())[:5] == ["lat", "lon", "precision", "matched", "source"]
    with pytest.raises(ValueError):
        GeocodeResult(None, None, "approximate", "", "offline")


# --- online (Nominatim stand-in on 127.0.0.1) ----------------------------------------------------
@pytest.fixture(scope="module")
def nominatim():
    """The local Nominatim stand-in answering from the Mascouche address points."""
    with NominatimStandIn(MASCOUCHE_OSM, delay=1.5) as server:
        yield server


@pytest.fixture()
def online(nominatim, region_settings, tmp_path):
    """Settings opting in to Nominatim at the stand-in, with a fresh cache folder."""
    nominatim.mode = "ok"
    nominatim.requests.clear()
    s = region_settings.with_section(
        "geocoding", service="nominatim", nominatim_url=nominatim.url,
        user_agent="opms-dispatch-tests/1.0 (tests@example.com)", min_delay_s=0.4, timeout_s=0.5,
    )
    return replace(s, data_dir=tmp_path)


def test_online_geocoder_is_asked_only_for_what_offline_cannot_place_exactly(mascouche, online, nominatim):
    """An exact offline match never leaves the machine; a number beyond the data goes online."""
    r1 = geocode(mascouche, "2036 2e Avenue", settings=online)
    assert r1.source == "offline" and nominatim.requests == []
    r2 = geocode(mascouche, "2999 Montée Masson", settings=online)
    assert r2.source == "nominatim" and r2.found
    assert "transmise à Nominatim" in r2.notice  # says which service received the address
    req = nominatim.requests[-1]
    assert req["user_agent"] == "opms-dispatch-tests/1.0 (tests@example.com)"
    assert req["params"]["bounded"] == "1" and req["params"]["countrycodes"] == "ca"
    west, south, east, north = (float(v) for v in req["params"]["viewbox"].split(","))
    assert south < mascouche.bbox[0] and north > mascouche.bbox[2]
    assert west < mascouche.bbox[1] and east > mascouche.bbox[3]


def test_online_answers_are_cached_on_disk(mascouche, online, nominatim):
    """The same address asked twice is sent once; the answer is read from the disk cache."""
    geocode(mascouche, "2999 Montée Masson, Mascouche", settings=online)
    geocode(mascouche, "2999 Montée Masson, Mascouche", settings=online)
    assert len(nominatim.requests) == 1
    assert list((online.cache_dir / "nominatim").glob("*.json"))


def test_online_requests_are_paced_by_the_rate_limiter(mascouche, online, nominatim):
    """Three different addresses: requests at least min_delay_s apart."""
    for q in ("2999 Montée Masson", "2037 2e Avenue", "5 Rue Inconnue-du-Lot"):
        geocode(mascouche, q, settings=online)
    times = [r["time"] for r in nominatim.requests]
    assert len(times) == 3
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.38


@pytest.mark.parametrize(
    ("mode", "words"),
    [("timeout", "n'a pas répondu"), ("429", "HTTP 429"), ("500", "HTTP 500"), ("503", "HTTP 503")],
)
def test_online_failures_fall_back_to_the_offline_result_with_a_notice(mascouche, online, nominatim, mode, words):
    """Timeout, rate limit and server errors: the offline result, and a notice saying why."""
    nominatim.mode = mode
    offline = geocode(mascouche, "2999 Montée Masson", settings=online.with_section("geocoding", service="offline"))
    started = time.perf_counter()
    r = geocode(mascouche, "2999 Montée Masson", settings=online)
    assert time.perf_counter() - started < 3.0
    assert r.source == "offline" and (r.lat, r.lon, r.precision) == (offline.lat, offline.lon, offline.precision)
    assert words in r.notice and "hors ligne" in r.notice


def test_unreachable_online_service_falls_back(mascouche, online):
    """Nothing listening at the URL: offline result with an 'injoignable' notice."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = online.with_section("geocoding", nominatim_url=f"http://127.0.0.1:{port}")
    r = geocode(mascouche, "2999 Montée Masson", settings=down)
    assert r.source == "offline" and "injoignable" in r.notice


def test_online_geocoding_without_user_agent_is_refused(mascouche, online):
    """Nominatim's policy needs a user agent: an empty one is a settings error (exit 2)."""
    with pytest.raises(InvalidInput, match="user_agent"):
        geocode(mascouche, "2999 Montée Masson", settings=online.with_section("geocoding", user_agent=""))


def test_any_text_geocodes_or_is_refused_cleanly(mascouche, region_settings):
    """Random unicode text and mangled real addresses: a result or InvalidInput, nothing else."""
    from hypothesis import given
    from hypothesis import settings as hsettings
    from hypothesis import strategies as st

    streets = sorted(set(mascouche.addresses["street"]))

    @hsettings(max_examples=150, deadline=None)
    @given(st.one_of(
        st.text(max_size=120),
        st.builds(lambda n, s, junk: f"{n} {s}{junk}", st.integers(0, 10**6), st.sampled_from(streets),
                  st.text(max_size=20)),
    ))
    def check(text):
        try:
            r = geocode(mascouche, text, settings=region_settings)
        except InvalidInput:
            return
        assert r.precision in ("exact", "interpolated", "street", "none")
        assert (r.lat is None) == (r.precision == "none")

    check()
