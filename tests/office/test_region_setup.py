"""Setting up the territory: a refused upload leaves nothing behind and hides the server path."""

from __future__ import annotations

import pytest

from dispatch.errors import InvalidInput, OSMFileError
from dispatch.office import region_setup


def test_a_file_that_is_not_osm_is_refused_and_removed(settings):
    """A ".osm" holding text: OSMFileError without the saved path, the uploads folder emptied."""
    with pytest.raises(OSMFileError) as info:
        region_setup.build_region_from_upload(
            "ma-region.osm", b"ceci n'est pas un fichier OpenStreetMap", name="essai",
            shop="45.7460, -73.6010", core_km=10, extended_km=25, settings=settings,
        )
    uploads = settings.data_dir / "uploads"
    assert list(uploads.iterdir()) == []
    assert str(uploads) not in str(info.value)
    assert str(uploads) not in info.value.localized("fr_CA")


def test_a_wrong_extension_is_refused_before_anything_is_written(settings):
    """A ".exe" never reaches the disk."""
    with pytest.raises(InvalidInput):
        region_setup.build_region_from_upload(
            "virus.exe", b"MZ", name="essai", shop="45.7460, -73.6010", core_km=10,
            extended_km=25, settings=settings,
        )
    assert not (settings.data_dir / "uploads").exists() or not any((settings.data_dir / "uploads").iterdir())


def test_a_downloaded_region_cannot_be_rebuilt_from_a_file(mascouche, region_settings):
    """A region without its source file says, in French, to rebuild it from the home page."""

    class Downloaded:
        meta = {"source": "download", "source_path": ""}
        name = "ailleurs"

    with pytest.raises(InvalidInput, match="home page"):
        region_setup.rebuild_region(Downloaded(), shop="45.7460, -73.6010", core_km=8,
                                    extended_km=20, settings=region_settings)
