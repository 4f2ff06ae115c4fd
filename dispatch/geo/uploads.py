"""Rules for files sent through the dashboard: allowed OpenStreetMap extensions and size limit.

The file's content is checked afterwards by the OSM reader (:class:`OSMFileError` when it is
not OpenStreetMap data); the name sent by the browser is never used as a path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.errors import InvalidInput

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
        msg = (
            "Type de fichier refusé : choisissez un extrait OpenStreetMap "
            f"({', '.join(sorted(OSM_SUFFIXES))})."
        )
        raise InvalidInput(msg)
    if size <= 0:
        msg = "Le fichier est vide : choisissez un extrait OpenStreetMap qui contient des données."
        raise InvalidInput(msg)
    limit_mb = settings.security.upload_max_mb
    if size > limit_mb * 1024 * 1024:
        msg = (
            f"Fichier trop volumineux ({size / 1024 / 1024:.0f} Mo) : la limite est de "
            f"{limit_mb} Mo. Prenez un extrait plus petit de votre territoire ou augmentez "
            "security.upload_max_mb dans la configuration."
        )
        raise InvalidInput(msg)
    return suffix
