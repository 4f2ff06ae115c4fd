"""A built region: its road network, address points, named streets, shop and zones.

:class:`Region` wraps the arrays of a region bundle (see :mod:`dispatch.geo.region`, which
builds, caches and loads bundles) and builds its parts on first use: the road
:class:`~dispatch.geo.network.Network`, the address points (a pandas DataFrame), the named
street polylines (:class:`StreetTable`), an osmnx-compatible graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import LineString

from dispatch.geo.geodesy import decimal_text
from dispatch.geo.network import Network
from dispatch.geo.point import GeoPoint
from dispatch.i18n import _

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from dispatch.geo.network import OneToAll
    from dispatch.settings import Settings


@dataclass(frozen=True)
class StreetTable:
    """Named street polylines of the region (for geocoding and interpolation)."""

    names: list[str]
    way_name: np.ndarray
    offsets: np.ndarray
    coords: np.ndarray  # (N, 2) lat, lon

    def __len__(self) -> int:
        return len(self.way_name)

    def polyline(self, i: int) -> np.ndarray:
        """Coordinates (lat, lon rows) of polyline ``i``."""
        return self.coords[self.offsets[i] : self.offsets[i + 1]]

    def polylines(self, name: str) -> list[np.ndarray]:
        """Every polyline carrying exactly this name."""
        try:
            idx = self.names.index(name)
        except ValueError:
            return []
        return [self.polyline(int(i)) for i in np.flatnonzero(self.way_name == idx)]


class Region:
    """A built region: road network, addresses, streets, shop and zones."""

    def __init__(self, path: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray], *,
                 settings: Settings) -> None:
        self.path = path
        self.meta = meta
        self._a = arrays
        self.settings = settings
        self.name: str = meta["name"]
        self.shop = GeoPoint(meta["shop"]["lat"], meta["shop"]["lon"])
        self.core_km: float = float(meta["core_km"])
        self.extended_km: float = float(meta["extended_km"])
        self.bbox: tuple[float, float, float, float] = tuple(meta["bbox"])
        self.highway_names: list[str] = list(meta["highway_names"])
        self.street_names: list[str] = list(meta["street_names"])

    def __repr__(self) -> str:
        return f"Region({self.name!r}, nodes={self.meta['nodes']}, addresses={self.meta['addresses']})"

    # --- parts -------------------------------------------------------------------------------
    @cached_property
    def network(self) -> Network:
        """The road :class:`~dispatch.geo.network.Network` (built on first use)."""
        a = self._a
        net = self.settings.network
        return Network(
            node_lat=a["node_lat"],
            node_lon=a["node_lon"],
            seg_u=a["seg_u"],
            seg_v=a["seg_v"],
            seg_length=a["seg_length"],
            seg_speed=a["seg_speed"],
            seg_oneway=a["seg_oneway"],
            seg_offsets=a["seg_offsets"],
            seg_coords=a["seg_coords"],
            seg_name=a["seg_name"],
            names=self.street_names,
            traffic_factor=net.traffic_factor,
            snap_max_m=net.snap_max_m,
            workers=net.matrix_workers,
        )

    @cached_property
    def addresses(self) -> pd.DataFrame:
        """Address points as a DataFrame (housenumber, street, city, postcode, unit, lat, lon)."""
        import pandas as pd  # lazy: pandas costs about 200 ms at import (measured); routing does not need it

        a = self._a
        return pd.DataFrame(
            {
                "housenumber": a["addr_housenumber"].astype(str),
                "street": a["addr_street"].astype(str),
                "city": a["addr_city"].astype(str),
                "postcode": a["addr_postcode"].astype(str),
                "unit": a["addr_unit"].astype(str),
                "lat": a["addr_lat"],
                "lon": a["addr_lon"],
            }
        )

    @cached_property
    def streets(self) -> StreetTable:
        """Named street polylines."""
        a = self._a
        return StreetTable(
            names=self.street_names,
            way_name=a["street_way_name"],
            offsets=a["street_offsets"],
            coords=a["street_coords"],
        )

    def drive_from_shop(self) -> OneToAll:
        """Drive times and distances from the shop to everywhere (cached)."""
        if "_shop_drive" not in self.__dict__:
            self.__dict__["_shop_drive"] = self.network.drive_from(self.shop)
        drive: OneToAll = self.__dict__["_shop_drive"]
        return drive

    def road_lines(
        self, *, simplify_m: float = 5.0, min_class: str | None = None
    ) -> list[tuple[np.ndarray, str, str]]:
        """Road geometry for drawing a basemap: list of (coords (k,2) lat/lon, highway, name).

        Parameters
        ----------
        simplify_m
            Douglas-Peucker tolerance in metres (0 keeps every vertex).
        min_class
            Unused placeholder for filtering by road class (all roads are returned).
        """
        net = self.network
        lines = net.lines
        if simplify_m > 0:
            lines = shapely.simplify(lines, simplify_m)
        out: list[tuple[np.ndarray, str, str]] = []
        hw = self._a["seg_highway"]
        for i, line in enumerate(lines):
            xy = shapely.get_coordinates(line)
            lat, lon = net.unproject(xy[:, 0], xy[:, 1])
            nm = int(net.seg_name[i])
            out.append(
                (np.column_stack([lat, lon]), self.highway_names[int(hw[i])],
                 self.street_names[nm] if nm >= 0 else "")
            )
        return out

    def to_networkx(self) -> nx.MultiDiGraph:
        """The road network as an osmnx-compatible ``networkx.MultiDiGraph``.

        Nodes carry ``x`` (lon), ``y`` (lat) and ``street_count``; edges carry ``osmid``,
        ``highway``, ``name``, ``oneway``, ``reversed``, ``length`` (m), ``speed_kph``,
        ``travel_time`` (s) and a shapely ``geometry``. The graph's ``crs`` is EPSG:4326.
        """
        import networkx as nx  # lazy: networkx costs 110-290 ms at import (measured); only osmnx users need it

        a = self._a
        net = self.network
        g = nx.MultiDiGraph(crs="epsg:4326", name=self.name)
        node_ids = a["node_ids"]
        degree = np.bincount(np.concatenate([a["seg_u"], a["seg_v"]]), minlength=len(node_ids))
        for i, nid in enumerate(node_ids.tolist()):
            g.add_node(nid, x=float(a["node_lon"][i]), y=float(a["node_lat"][i]),
                       street_count=int(degree[i]))
        for s in range(len(a["seg_u"])):
            coords = net.segment_coords(s)
            u, v = int(node_ids[a["seg_u"][s]]), int(node_ids[a["seg_v"][s]])
            nm = int(a["seg_name"][s])
            attrs = {
                "osmid": int(a["seg_osmid"][s]),
                "highway": self.highway_names[int(a["seg_highway"][s])],
                "oneway": bool(a["seg_oneway"][s]),
                "length": float(a["seg_length"][s]),
                "speed_kph": float(a["seg_speed"][s]),
                "travel_time": float(net.seg_time[s]),
            }
            if nm >= 0:
                attrs["name"] = self.street_names[nm]
            geom = LineString([(c[1], c[0]) for c in coords])
            g.add_edge(u, v, reversed=False, geometry=geom, **attrs)
            if not a["seg_oneway"][s]:
                g.add_edge(v, u, reversed=True, geometry=geom.reverse(), **attrs)
        return g

    def summary(self) -> dict[str, Any]:
        """The contract's JSON for a region."""
        m = self.meta
        out = {
            "name": self.name,
            "nodes": m["nodes"],
            "edges": m["edges"],
            "addresses": m["addresses"],
            "streets": m["streets"],
            "shop": self.shop.to_dict(),
            "core_km": self.core_km,
            "extended_km": self.extended_km,
            "bbox": list(self.bbox),
            "source": m["source"],
            "source_sha256": m["source_sha256"],
            "built_at": m["built_at"],
            "warnings": self.warnings(),
        }
        return out

    @property
    def data_radius_km(self) -> float | None:
        """How far the data reaches around the shop in its nearest direction (km); ``None``
        for a bundle built before it was recorded."""
        r = self.meta.get("data_radius_km")
        return None if r is None else float(r)

    @property
    def covers_service_area(self) -> bool:
        """True when the data reaches the extended radius in every direction (or is not known)."""
        r = self.data_radius_km
        return r is None or r + 0.05 >= self.extended_km

    def warnings(self) -> list[str]:
        """The region's warnings in the active language (the data covering less than the area)."""
        r = self.data_radius_km
        if r is None:
            return list(self.meta.get("warnings", []))
        return coverage_warnings(r, self.extended_km)

    def to_dict(self) -> dict[str, Any]:
        return self.summary()


def coverage_warnings(data_radius_km: float, extended_km: float) -> list[str]:
    """The warning, in the active language, when the data reaches less than the extended radius."""
    if data_radius_km + 0.05 < extended_km:
        return [
            _(
                "The data covers only about {km} km around the shop in some directions "
                "(extended zone: {extended_km} km); addresses beyond it cannot be routed."
            ).format(km=decimal_text(data_radius_km), extended_km=decimal_text(extended_km, "g"))
        ]
    return []


__all__ = ["Region", "StreetTable", "coverage_warnings"]
