"""Personal data readable by its owner only: the database, its journals, exports and uploads.

Every file holding personal data is 0600 and every folder the product creates for it 0700,
whatever the umask (tested with 0o022, the usual one, and 0o000, the widest).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from dispatch import records as st
from dispatch.cli.main import main
from dispatch.files import private_folder
from tests.conftest import MASCOUCHE_OSM, MASCOUCHE_SHOP
from tests.storage_data import make_request

UMASKS = [pytest.param(0o022, id="umask022"), pytest.param(0o000, id="umask000")]


@pytest.fixture(params=UMASKS)
def umask(request) -> Iterator[int]:
    """Run the test under this process umask (restored after)."""
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_file_its_journals_and_new_data_folder_are_owner_only(umask, tmp_path):
    """A fresh data folder: opms.sqlite3, -wal and -shm 0600 while open, the folders 0700."""
    folder = tmp_path / "data" / "sub"
    path = folder / "opms.sqlite3"
    db = st.open_database(f"sqlite:///{path}")
    try:
        make_request(db)  # a write: the WAL journal and its index exist while the database is open
        journals = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
        assert all(j.exists() for j in journals)
        assert {p.name: oct(mode(p)) for p in [path, *journals]} == {
            "opms.sqlite3": "0o600", "opms.sqlite3-wal": "0o600", "opms.sqlite3-shm": "0o600",
        }  # fmt: skip
        assert oct(mode(folder)) == "0o700" and oct(mode(folder.parent)) == "0o700"
    finally:
        db.close()


def test_a_database_made_world_readable_by_an_older_version_is_tightened(umask, tmp_path):
    """An existing 0644 file and its journals (older versions) become 0600 on the next open."""
    path = tmp_path / "opms.sqlite3"
    st.open_database(f"sqlite:///{path}").close()
    os.chmod(path, 0o644)
    st.open_database(f"sqlite:///{path}").close()
    assert oct(mode(path)) == "0o600"


def test_default_data_dir_of_the_cli_is_created_owner_only(umask, tmp_path, capsys, monkeypatch):
    """`--data-dir NEW` (a folder that does not exist yet): created 0700, its database 0600."""
    monkeypatch.delenv("OPMS_CONFIG", raising=False)
    monkeypatch.delenv("OPMS_DATABASE__URL", raising=False)
    data = tmp_path / "new-data"
    assert main(["--data-dir", str(data), "calls", "contact", "--json"]) == 0
    capsys.readouterr()
    assert oct(mode(data)) == "0o700"
    assert oct(mode(data / "opms.sqlite3")) == "0o600"


def test_customer_export_file_is_owner_only(umask, tmp_path, data_dir, capsys):
    """`customer export ID --out FILE` holds everything about a person: written 0600."""
    db = st.open_database(f"sqlite:///{data_dir / 'opms.sqlite3'}")
    try:
        req = make_request(db)
    finally:
        db.close()
    out = tmp_path / "export.json"
    code = main(["customer", "export", str(req.customer_id), "--out", str(out), "--json"])
    capsys.readouterr()
    assert code == 0 and out.stat().st_size > 0
    assert oct(mode(out)) == "0o600"


def test_customer_export_over_an_existing_world_readable_file_is_tightened(umask, tmp_path, data_dir, capsys):
    """An export written over an existing 0644 file leaves it 0600, not 0644."""
    db = st.open_database(f"sqlite:///{data_dir / 'opms.sqlite3'}")
    try:
        req = make_request(db)
    finally:
        db.close()
    out = tmp_path / "export.json"
    out.write_text("old")
    os.chmod(out, 0o644)
    assert main(["customer", "export", str(req.customer_id), "--out", str(out), "--json"]) == 0
    capsys.readouterr()
    assert oct(mode(out)) == "0o600" and "old" not in out.read_text()


def test_private_folder_leaves_an_existing_folder_alone(umask, tmp_path):
    """A folder the user chose (already there) keeps its mode; the ones created are 0700."""
    mine = tmp_path / "mine"
    mine.mkdir()
    os.chmod(mine, 0o755)
    private_folder(mine / "a" / "b")
    assert oct(mode(mine)) == "0o755"
    assert oct(mode(mine / "a")) == "0o700" and oct(mode(mine / "a" / "b")) == "0o700"


def test_an_uploaded_osm_file_and_its_folder_are_owner_only(umask, settings, monkeypatch):
    """The uploaded extract is kept (source of a later rebuild): uploads/ 0700, the file 0600."""
    from dispatch.office import region_setup

    seen = {}

    def fake_build(source, **kw):
        seen["file"] = oct(mode(Path(source)))
        seen["folder"] = oct(mode(Path(source).parent))
        return "built"

    monkeypatch.setattr(region_setup, "build_region", fake_build)
    got = region_setup.build_region_from_upload(
        "ma-region.osm", b"<osm version='0.6'></osm>", name="essai", shop="45.7460, -73.6010",
        core_km=10, extended_km=25, settings=settings,
    )
    assert got == "built"
    assert seen == {"file": "0o600", "folder": "0o700"}


def test_a_region_built_before_any_database_creates_the_data_folder_owner_only(umask, tmp_path, shared_data):
    """`region build` is often the first command: the data folder it creates is 0700 too."""
    data_dir = tmp_path / "fresh" / "data"
    code = main([
        "--data-dir", str(data_dir), "--quiet", "region", "build", str(MASCOUCHE_OSM),
        "--name", "m", "--shop-latlon", "{},{}".format(*MASCOUCHE_SHOP),
    ])  # fmt: skip
    assert code == 0
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "regions") == 0o700
