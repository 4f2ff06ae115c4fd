"""Coverage results: whether and how a place is served (:class:`Coverage`), or many places
at once (:class:`CoverageBatch`), with the travel fee. Computed by :mod:`dispatch.geo.service_area`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from dispatch.billing.fees import TravelFee, travel_fee
from dispatch.geo.geocode_result import GeocodeResult
from dispatch.geo.point import GeoPoint
from dispatch.geo.service_zones import ZONES

if TYPE_CHECKING:
    import pandas as pd

    from dispatch.geo.places import Place
    from dispatch.settings import TariffSettings


@dataclass(frozen=True)
class Coverage:
    """Whether and how a place is served.

    Attributes
    ----------
    zone
        ``core``, ``extended`` or ``outside``.
    straight_km
        Geodesic distance from the shop.
    road_km, drive_min
        Road distance and drive time from the shop (``None`` when no road reaches the point).
    travel_fee
        The travel fee (amount or on quote, with its explanation).
    point
        The position checked.
    geocode
        The geocoding result when an address was given.
    notes
        Remarks (FSA rule applied, custom polygon, no road path...).
    zones
        Every zone the place may be in given the geocode's error radius (in ``ZONES`` order);
        more than one: the zone is to be confirmed.
    fee_min, fee_max
        The travel fee's range over the error radius (``None``: on quote); ``fee_max_on_quote``
        when part of the radius is outside the service area.
    """

    zone: str
    straight_km: float
    road_km: float | None
    drive_min: float | None
    travel_fee: TravelFee
    point: GeoPoint
    geocode: GeocodeResult | None = None
    notes: tuple[str, ...] = field(default=())
    zones: tuple[str, ...] = field(default=())
    fee_min: Decimal | None = None
    fee_max: Decimal | None = None
    fee_max_on_quote: bool = False
    place: Place | None = None

    @property
    def by_straight_line(self) -> bool:
        """True when the answer was estimated from a place beyond the map (no road figures)."""
        return self.place is not None

    @property
    def zone_uncertain(self) -> bool:
        """True when the geocode's error radius crosses a zone boundary (to be confirmed)."""
        return len(self.zones) > 1

    @property
    def radius_m(self) -> float | None:
        """The error radius of the position (metres), from the geocode; ``None`` for a point given."""
        return None if self.geocode is None else self.geocode.radius_m

    @property
    def covered(self) -> bool:
        """True in the core or extended zone."""
        return self.zone != "outside"

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON: ``zone``, ``straight_km``, ``road_km``, ``drive_min``,
        ``travel_fee`` (string, CAD; ``null`` when on quote), plus the geocode fields when an
        address was given (with ``radius_m``), and ``lat``, ``lon``, ``travel_fee_explanation``,
        ``on_quote``, ``zone_uncertain``, ``zones`` (every zone within the error radius),
        ``travel_fee_min``, ``travel_fee_max`` (the fee's range over the radius; ``null`` max:
        on quote), ``notes``; for an answer by straight line from a place beyond the map,
        ``lat``/``lon`` are null (the address has no position), ``precision`` is ``none`` and
        ``located_by`` (``postal_code`` or ``city``), ``place``, ``place_lat``, ``place_lon`` and
        ``place_radius_m`` say which place was used."""
        out: dict[str, Any] = {
            "zone": self.zone,
            "straight_km": round(self.straight_km, 3),
            "road_km": None if self.road_km is None else round(self.road_km, 3),
            "drive_min": None if self.drive_min is None else round(self.drive_min, 1),
            "travel_fee": None if self.travel_fee.amount is None else str(self.travel_fee.amount),
            "travel_fee_explanation": self.travel_fee.explanation,
            "on_quote": self.travel_fee.on_quote,
            "lat": round(self.point.lat, 7),
            "lon": round(self.point.lon, 7),
        }
        if self.geocode is not None:
            g = self.geocode.to_dict()
            for k in ("precision", "matched", "source", "radius_m", "warnings", "notice"):
                out[k] = g[k]
        zones = list(self.zones) or [self.zone]
        out["zone_uncertain"] = len(zones) > 1
        out["zones"] = zones
        out["travel_fee_min"] = None if self.fee_min is None else str(self.fee_min)
        out["travel_fee_max"] = None if self.fee_max is None or self.fee_max_on_quote else str(self.fee_max)
        out["notes"] = list(self.notes)
        if self.place is not None:
            # the address itself has no position: the place's centre is not where to drive
            out["lat"] = out["lon"] = None
            out["precision"] = "none"
            out["place_lat"] = round(self.place.lat, 5)
            out["place_lon"] = round(self.place.lon, 5)
            out["located_by"] = "postal_code" if self.place.kind == "fsa" else "city"
            out["place"] = self.place.label
            out["place_radius_m"] = round(self.place.radius_m)
        return out


@dataclass(frozen=True)
class CoverageBatch:
    """Coverage of many points at once (arrays, one entry per point)."""

    lat: np.ndarray
    lon: np.ndarray
    zone: np.ndarray
    straight_km: np.ndarray
    road_km: np.ndarray  # nan where unreachable
    drive_min: np.ndarray  # nan where unreachable
    core_km: float
    tariff: TariffSettings | None = field(repr=False, default=None)
    origin: str | None = None  # where trips start, as printed (default: the workshop)

    def __len__(self) -> int:
        return len(self.zone)

    def fee(self, i: int, *, remote: bool = False) -> TravelFee:
        """Travel fee of point ``i``."""
        rk = float(self.road_km[i])
        assert self.tariff is not None  # check_points always gives the tariff
        return travel_fee(
            str(self.zone[i]), None if math.isnan(rk) else rk, tariff=self.tariff, core_km=self.core_km,
            origin=self.origin, remote=remote,
        )

    def fees(self) -> list[TravelFee]:
        """Travel fee of every point."""
        return [self.fee(i) for i in range(len(self))]

    def counts(self) -> dict[str, int]:
        """Number of points per zone."""
        return {z: int(np.count_nonzero(self.zone == z)) for z in ZONES}

    def to_frame(self, *, fees: bool = True) -> pd.DataFrame:
        """A pandas DataFrame (``travel_fee`` as strings, empty when on quote)."""
        import pandas as pd  # lazy: pandas costs about 200 ms at import (measured)

        df = pd.DataFrame(
            {
                "lat": self.lat,
                "lon": self.lon,
                "zone": self.zone,
                "straight_km": np.round(self.straight_km, 3),
                "road_km": np.round(self.road_km, 3),
                "drive_min": np.round(self.drive_min, 1),
            }
        )
        if fees:
            df["travel_fee"] = [("" if f.amount is None else str(f.amount)) for f in self.fees()]
        return df


__all__ = ["Coverage", "CoverageBatch"]
