"""The contract's ``opms-dispatch region build`` through a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import MASCOUCHE_OSM, VANCOUVER_PBF


def run(*args, data_dir):
    env = {"OPMS_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "dispatch", *args], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.mark.parametrize(("src", "shop"), [(MASCOUCHE_OSM, "45.7460,-73.6010"), (VANCOUVER_PBF, "49.2606,-123.1140")])
def test_region_build_prints_the_contract_json(tmp_path, src, shop):
    """region build --json prints one JSON document with name, nodes, edges, addresses, shop, seconds."""
    p = run("region", "build", str(src), "--name", "r", "--shop-latlon", shop, "--json", data_dir=tmp_path)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert {"name", "nodes", "edges", "addresses", "shop", "seconds"} <= doc.keys()
    assert doc["name"] == "r" and doc["nodes"] > 1000 and doc["shop"]["lat"] == float(shop.split(",")[0])
    assert "Lecture" in p.stderr  # progress goes to stderr, never into the JSON


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["region", "build", "/nope.osm", "--name", "x", "--shop-latlon", "45.7,-73.6"], 2, "introuvable"),
        (["region", "build", str(MASCOUCHE_OSM), "--name", "x", "--shop-latlon", "-73.6010,45.7460"], 2, "hors des données"),
        (["region", "build", str(MASCOUCHE_OSM), "--name", "x", "--shop-latlon", "45.80,-73.52"], 2, "route carrossable la plus proche"),
        (["region", "build", str(MASCOUCHE_OSM), "--name", "../x", "--shop-latlon", "45.746,-73.601"], 2, "Nom de région invalide"),
        (["region", "build", str(MASCOUCHE_OSM), "--name", "x", "--shop-latlon", "abc"], 2, "LAT,LON"),
        (["region", "show", "nowhere"], 3, "pas été construite"),
    ],
)
def test_bad_region_input_exits_with_contract_codes(tmp_path, args, code, words):
    """Bad input exits 2 (3 for an unknown region) with a one-line message and no traceback."""
    p = run(*args, "--json", data_dir=tmp_path)
    assert p.returncode == code
    assert words in p.stderr and "Traceback" not in p.stderr
    assert p.stdout == ""
