"""Setting up the territory: build a region from an uploaded OSM file or a download, rebuild it.

Used by the home page ("Construire une région") and "Paramètres" ("Atelier et zones").
The uploaded file is checked before anything is written (its browser name is never a
path), saved under ``<data dir>/uploads`` (folder 0700, file 0600, whatever the umask) and
removed again when it is refused.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from dispatch.errors import InvalidInput, OSMFileError
from dispatch.files import private_folder
from dispatch.geo import GeoPoint, build_region, check_upload
from dispatch.i18n import N_, _
from dispatch.settings import Settings

if TYPE_CHECKING:
    from dispatch.geo import Region

_V = TypeVar("_V")

#: What replaces the server's path of a refused upload in its message.
UPLOADED_FILE = N_("the uploaded file")


def _without_path(err: OSMFileError, saved: Path) -> OSMFileError:
    """``err`` with the server's path of the saved upload replaced by :data:`UPLOADED_FILE`."""
    path = str(saved)

    def scrub(value: _V) -> _V | str:
        return str(value).replace(path, _(UPLOADED_FILE)) if path in str(value) else value

    params = {k: scrub(v) for k, v in err.params.items()}
    return OSMFileError(scrub(err.template) if not params else err.template, **params)


def build_region_from_upload(
    filename: str,
    data: bytes | memoryview,
    *,
    name: str,
    shop: str,
    core_km: float,
    extended_km: float,
    settings: Settings,
    progress: Callable[[str, float | None], None] | None = None,
) -> Region:
    """Build the region ``name`` from an uploaded OpenStreetMap extract.

    Parameters
    ----------
    filename
        The name the browser sent (only its ending is looked at).
    data
        The file's bytes.
    name
        Region name.
    shop
        The shop's position as typed, ``"lat, lon"``.
    core_km, extended_km
        Radii of the zones.
    settings
        Settings in force (upload limit, data directory).
    progress
        Called with the stage's French text and the fraction done.

    Returns
    -------
    Region

    Raises
    ------
    OSMFileError
        The file is not a usable extract; it is removed and its message never holds the
        server's path.
    DispatchError
        Wrong extension or size, bad shop position, ... (the saved file is removed).
    """
    suffix = check_upload(filename, len(data), settings=settings)
    target = settings.data_dir / "uploads"
    private_folder(target)  # 0700 whatever the umask
    with tempfile.NamedTemporaryFile(dir=target, suffix=suffix, delete=False) as fh:
        saved = Path(fh.name)
        os.chmod(saved, 0o600)  # mkstemp's mode, said explicitly: the owner only
        fh.write(data)
    try:
        return build_region(
            str(saved), name=name.strip(), shop=GeoPoint.parse(shop), core_km=core_km,
            extended_km=extended_km, settings=settings, progress=progress,
        )
    except OSMFileError as err:
        saved.unlink(missing_ok=True)  # a refused file (e.g. not OSM) does not stay on disk
        raise _without_path(err, saved) from err
    except Exception:
        saved.unlink(missing_ok=True)
        raise


def download_region(name: str, *, shop: str, settings: Settings) -> Region:
    """Download the roads and addresses around ``shop`` (Overpass) and build region ``name``.

    Raises
    ------
    ConnectionError, TimeoutError
        No network, or the service does not answer.
    DispatchError
        Bad name or shop position.
    """
    return build_region("download", name=name.strip(), shop=GeoPoint.parse(shop), settings=settings)


def rebuild_region(
    region: Region, *, shop: str, core_km: float, extended_km: float, settings: Settings
) -> Region:
    """Rebuild ``region`` from its source file with a new shop position and zone radii.

    Raises
    ------
    InvalidInput
        The region was downloaded, or its source file is gone.
    """
    source = region.meta.get("source_path", "")
    if not source or region.meta.get("source") == "download":
        msg = N_("The region's source file is no longer there: rebuild the region from the home page.")
        raise InvalidInput(msg)
    return build_region(source, name=region.name, shop=GeoPoint.parse(shop), core_km=core_km,
                        extended_km=extended_km, settings=settings, force=True)


__all__ = ["build_region_from_upload", "download_region", "rebuild_region"]
