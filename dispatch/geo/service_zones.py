"""Service zones: the zone rule (radii, custom polygon, postal-code prefixes) and its inputs.

:func:`classify` gives each point its zone (``core``, ``extended``, ``outside``) from its
straight and road distances and the extra rules of the settings ``service_area``:
``custom_polygon`` (:func:`load_custom_polygon`) and ``fsa_prefixes`` (:func:`fsa_served`).
See :mod:`dispatch.geo.service_area` for the rules in words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import shape

from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from dispatch.settings import Settings

ZONES = ("core", "extended", "outside")


# --- custom polygon ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CustomPolygon:
    """The custom service polygon: served territory, and its explicit core and extended parts."""

    served: shapely.Geometry | None  # lon/lat
    core: shapely.Geometry | None
    extended: shapely.Geometry | None
    geojson: dict[str, Any]


_CUSTOM_CACHE: dict[tuple[str, float], CustomPolygon] = {}


def custom_polygon_path(settings: Settings) -> Path | None:
    """The file of ``service_area.custom_polygon`` (relative to the data folder), or ``None``."""
    raw = (settings.service_area.custom_polygon or "").strip()
    if not raw:
        return None
    p = Path(raw).expanduser()
    if not p.is_absolute():
        p = settings.data_dir / p
    return p


def load_custom_polygon(settings: Settings) -> CustomPolygon | None:
    """The custom service polygon of the settings, or ``None`` when none is set.

    Raises
    ------
    InvalidInput
        The file is missing or is not a GeoJSON polygon.
    """
    p = custom_polygon_path(settings)
    if p is None:
        return None
    if not p.is_file():
        msg = N_("Custom service polygon {path} does not exist; fix service_area.custom_polygon in the settings.")
        raise InvalidInput(msg, path=str(p))
    key = (str(p), p.stat().st_mtime)
    if key in _CUSTOM_CACHE:
        return _CUSTOM_CACHE[key]
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        if data.get("type") == "FeatureCollection":
            feats = data["features"]
        elif data.get("type") == "Feature":
            feats = [data]
        else:
            feats = [{"type": "Feature", "properties": {}, "geometry": data}]
        parts: dict[str, list[shapely.Geometry]] = {"served": [], "core": [], "extended": []}
        for f in feats:
            geom = shape(f["geometry"])
            if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
                continue
            if not geom.is_valid:
                geom = geom.buffer(0)
            zone = str((f.get("properties") or {}).get("zone", "")).lower()
            parts[zone if zone in ("core", "extended") else "served"].append(geom)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        msg = N_("Custom service polygon {path} is not valid GeoJSON ({reason}); fix the file or the setting.")
        raise InvalidInput(msg, path=str(p), reason=str(err)) from err
    if not any(parts.values()):
        msg = N_("Custom service polygon {path} holds no Polygon or MultiPolygon.")
        raise InvalidInput(msg, path=str(p))

    def union(geoms: list[shapely.Geometry]) -> shapely.Geometry | None:
        if not geoms:
            return None
        g = shapely.union_all(geoms)
        shapely.prepare(g)
        return g

    out = CustomPolygon(union(parts["served"]), union(parts["core"]), union(parts["extended"]), data)
    _CUSTOM_CACHE[key] = out
    return out


# --- zone rule (pure, vectorised) --------------------------------------------------------------
def classify(
    straight_m: np.ndarray,
    road_m: np.ndarray,
    *,
    core_km: float,
    extended_km: float,
    zone_by: str = "straight",
    in_served: np.ndarray | None = None,
    in_core: np.ndarray | None = None,
    in_extended: np.ndarray | None = None,
    fsa_served: np.ndarray | None = None,
) -> np.ndarray:
    """Zones (array of ``core``/``extended``/``outside``) from distances and the extra rules.

    Parameters
    ----------
    straight_m, road_m
        Geodesic and road distances from the shop (m); ``inf`` road = unreachable.
    core_km, extended_km
        Zone radii.
    zone_by
        ``straight`` or ``road``: which distance decides.
    in_served, in_core, in_extended
        Membership of the custom polygon's parts (``None`` when no custom polygon).
    fsa_served
        True where the postal code's FSA is in ``service_area.fsa_prefixes``.
    """
    if zone_by not in ("straight", "road"):
        msg = N_("service_area.zone_by must be 'straight' or 'road', got {zone_by!r}.")
        raise InvalidInput(msg, zone_by=zone_by)
    d = np.asarray(straight_m if zone_by == "straight" else road_m, dtype=float)
    d = np.where(np.isnan(d), np.inf, d)
    by_radius = np.where(d <= core_km * 1000.0, "core", np.where(d <= extended_km * 1000.0, "extended", "outside"))
    custom = in_served is not None or in_core is not None or in_extended is not None
    if custom:
        n = len(d)
        served = np.zeros(n, dtype=bool) if in_served is None else np.asarray(in_served, dtype=bool)
        core = np.zeros(n, dtype=bool) if in_core is None else np.asarray(in_core, dtype=bool)
        ext = np.zeros(n, dtype=bool) if in_extended is None else np.asarray(in_extended, dtype=bool)
        zone = np.where(
            core, "core",
            np.where(ext, "extended", np.where(served, np.where(d <= core_km * 1000.0, "core", "extended"), "outside")),
        )
    else:
        zone = by_radius
    if fsa_served is not None:
        zone = np.where((zone == "outside") & np.asarray(fsa_served, dtype=bool), "extended", zone)
    return zone.astype("<U8")


def fsa_served(postcode: str | None, settings: Settings) -> bool:
    """True when the postal code's prefix is one of ``service_area.fsa_prefixes``."""
    if not postcode:
        return False
    code = postcode.replace(" ", "").upper()
    return any(code.startswith(p.replace(" ", "").upper()) for p in settings.service_area.fsa_prefixes if p.strip())


def polygon_membership(
    custom: CustomPolygon | None, lats: np.ndarray, lons: np.ndarray
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Membership of points in the custom polygon's parts: (served, core, extended) arrays,
    ``None`` for a part the polygon lacks (all three ``None`` without a custom polygon)."""
    if custom is None:
        return None, None, None

    def inside(g: shapely.Geometry | None) -> np.ndarray | None:
        if g is None:
            return None
        contained: np.ndarray = shapely.contains_xy(g, lons, lats)
        return contained

    return inside(custom.served), inside(custom.core), inside(custom.extended)


__all__ = [
    "ZONES",
    "CustomPolygon",
    "classify",
    "custom_polygon_path",
    "fsa_served",
    "load_custom_polygon",
    "polygon_membership",
]
