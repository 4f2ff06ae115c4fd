"""Upload rules of the dashboard's OSM file: extension, size limit, empty file, untrusted names."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dispatch.errors import InvalidInput, OSMFileError
from dispatch.geo.uploads import OSM_SUFFIXES, check_upload
from dispatch.settings import Settings

MB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "suffix"),
    [("mascouche.osm", ".osm"), ("Qc.OSM.PBF", ".osm.pbf"), ("a.osm.bz2", ".osm.bz2"),
     ("a.osm.gz", ".osm.gz")],
)
def test_osm_extracts_are_accepted_with_their_safe_suffix(name, suffix, settings):
    """Each accepted OSM format is allowed and the returned suffix is the canonical one."""
    assert check_upload(name, 10, settings=settings) == suffix


@pytest.mark.parametrize(
    "name", ["carte.exe", "carte.pbf", "carte.bz2", "carte.html", "carte.osm.zip", "carte", ".osm", ""]
)
def test_other_extensions_are_refused_in_french(name, settings):
    """A file that is not named as an OSM extract is refused with the list of accepted types."""
    with pytest.raises(InvalidInput) as info:
        check_upload(name, 10, settings=settings)
    assert "Type de fichier refusé" in info.value.localized("fr_CA")
    assert ".osm.pbf" in str(info.value)


def test_file_over_the_limit_is_refused_with_the_limit(settings):
    """A file one byte over security.upload_max_mb is refused, and the message gives the limit."""
    limit = settings.security.upload_max_mb
    assert check_upload("a.osm", limit * MB, settings=settings) == ".osm"
    with pytest.raises(InvalidInput) as info:
        check_upload("a.osm", limit * MB + 1, settings=settings)
    assert f"la limite est de {limit} Mo" in info.value.localized("fr_CA")


def test_limit_follows_the_setting(settings):
    """Lowering security.upload_max_mb lowers the accepted size."""
    small = settings.with_section("security", upload_max_mb=1)
    with pytest.raises(InvalidInput) as info:
        check_upload("a.osm.pbf", 2 * MB, settings=small)
    assert "trop volumineux" in info.value.localized("fr_CA")


def test_empty_file_is_refused(settings):
    """A zero-byte upload is refused before the OSM reader sees it."""
    with pytest.raises(InvalidInput) as info:
        check_upload("a.osm", 0, settings=settings)
    assert "vide" in info.value.localized("fr_CA")


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.osm", "/etc/shadow.osm.pbf", "..\\..\\win.ini.osm", "a/../../b.osm.gz"]
)
def test_path_like_names_give_only_a_suffix(name, settings):
    """A path in the browser's file name is never returned: only a fixed suffix is."""
    suffix = check_upload(name, 10, settings=settings)
    assert suffix in OSM_SUFFIXES
    assert "/" not in suffix and "\\" not in suffix and ".." not in suffix


def test_default_limit_matches_streamlit_max_upload_size():
    """Streamlit's server.maxUploadSize equals the default security.upload_max_mb (300)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == Settings().security.upload_max_mb == 300


def test_dashboard_upload_goes_through_check_upload():
    """The home page hands the upload to the region set-up, which checks it before writing it
    and never uses the browser's name."""
    page = (ROOT / "views" / "welcome.py").read_text(encoding="utf-8")
    assert "region_setup.build_region_from_upload(" in page
    assert "suffixes" not in page
    setup = (ROOT / "dispatch" / "office" / "region_setup.py").read_text(encoding="utf-8")
    assert "check_upload(filename, len(data), settings=settings)" in setup
    assert setup.index("check_upload(") < setup.index("fh.write(")


@pytest.mark.parametrize(
    ("name", "content"),
    [("fake.osm", b"<html><script>alert(1)</script></html>"), ("bad.osm.bz2", b"BZh91AY&SYgarbage"),
     ("bad.osm.gz", b"\x1f\x8bxx"), ("bad.osm.pbf", bytes(range(256)) * 2)],
)
def test_non_osm_content_with_an_osm_name_is_refused_by_the_reader(name, content, tmp_path, settings):
    """Content sniffing: non-OSM or corrupt content under an OSM name raises OSMFileError."""
    from dispatch.geo.point import GeoPoint
    from dispatch.geo.region import build_region

    fake = tmp_path / name
    fake.write_bytes(content)
    assert name.endswith(check_upload(fake.name, fake.stat().st_size, settings=settings))
    with pytest.raises(OSMFileError):
        build_region(fake, name="faux", shop=GeoPoint(45.746, -73.601), settings=settings)
