"""Rules for files sent through the dashboard: allowed OpenStreetMap extensions and size limit.

The file's content is checked afterwards by the OSM reader (:class:`OSMFileError` when it is
not OpenStreetMap data); the name sent by the browser is never used as a path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from dispatch.settings import Settings

#: Accepted OpenStreetMap extract formats, longest first (the value is the safe suffix to use).
OSM_SUFFIXES: tuple[str, ...] = (".osm.bz2", ".osm.gz", ".osm.pbf", ".osm")


def check_upload(name: str, size: int, *, settings: Settings) -> str:
    """Check an uploaded OSM extract before it is written to disk.

    Parameters
    ----------
    name : str
        File name as sent by the browser (untrusted: only its ending is looked at).
    size : int
        Size in bytes.
    settings : Settings
        ``settings.security.upload_max_mb`` is the limit.

    Returns
    -------
    str
        The suffix to give the saved file (one of :data:`OSM_SUFFIXES`), never the name itself.

    Raises
    ------
    InvalidInput
        Wrong extension, empty file or file over the limit (French message saying what to do).
    """
    lower = (name or "").strip().lower()
    suffix = next((s for s in OSM_SUFFIXES if lower.endswith(s) and len(lower) > len(s)), None)
    if suffix is None:
        msg = N_("File type refused: choose an OpenStreetMap extract ({suffixes}).")
        raise InvalidInput(msg, suffixes=", ".join(sorted(OSM_SUFFIXES)))
    if size <= 0:
        msg = N_("The file is empty: choose an OpenStreetMap extract that holds data.")
        raise InvalidInput(msg)
    limit_mb = settings.security.upload_max_mb
    if size > limit_mb * 1024 * 1024:
        msg = N_(
            "File too large ({size_mb:.0f} MB): the limit is {limit_mb} MB. Take a smaller "
            "extract of your territory or raise security.upload_max_mb in the configuration."
        )
        raise InvalidInput(msg, size_mb=size / 1024 / 1024, limit_mb=limit_mb)
    return suffix
