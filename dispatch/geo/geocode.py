"""Geocoding: address text -> position, offline first.

The offline geocoder works on the region's own data: its OpenStreetMap address points
(``region.addresses``) and its named street geometry (``region.streets``). No address leaves
the machine unless the settings opt in to an online service (``geocoding.service =
"nominatim"``), and even then only addresses the offline index cannot place exactly are sent.

Precision of a result:

``exact``
    the civic number is an address point of the matched street (several points with the
    same number, a large lot with several entrances, give their centre);
``interpolated``
    the number is not in the data but lies between known numbers of the same side
    (parity) of the street: estimated along the street geometry (see
    :class:`~dispatch.geo.address_index.AddressIndex`);
``approximate``
    the same estimate, when its error radius is over ``APPROXIMATE_OVER_M`` (a long gap
    between the known numbers, or numbers out of order around it);
``street``
    no number (the middle of the street), or a number with no known neighbour of its side
    below or above it: extrapolated along the street from the known numbers around, on its
    side (see :func:`dispatch.geo.civic_numbers.beyond_range_point`);
``none``
    no street matched with confidence: no position, with the best suggestions.

Every result with a position carries ``radius_m``, its error radius in metres (see
:mod:`dispatch.geo.civic_numbers` for how it is computed and ``docs/geocoding.md`` for its
calibration).

A street is matched exactly on its normal form (:func:`dispatch.geo.street_names.street_key`:
case, accents, abbreviations, saints, ordinals, particles), then by its specific name when
the generic differs or is missing and only one street carries that name, then by a fuzzy
match (rapidfuzz) above ``geocoding.fuzzy_threshold`` that clearly beats the runner-up.
Otherwise the answer is ``none``: never a wrong street with confidence.

This module is the entry point (:func:`geocode`, :func:`geocode_many`, :func:`require`); the
result type is in :mod:`dispatch.geo.geocode_result`, the offline index in
:mod:`dispatch.geo.address_index` (streets: :mod:`dispatch.geo.indexed_streets`, numbers:
:mod:`dispatch.geo.civic_numbers`), the online adapter in :mod:`dispatch.geo._nominatim`
and the CSV batch files in :mod:`dispatch.geo.geocode_csv`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from dispatch.errors import AddressNotFound, InvalidInput, ServiceError
from dispatch.geo import _nominatim
from dispatch.geo.address_index import AddressIndex, address_index
from dispatch.geo.addresses import parse_address
from dispatch.geo.geocode_result import GeocodeResult
from dispatch.i18n import N_, _

if TYPE_CHECKING:
    from dispatch.geo.built_region import Region
    from dispatch.settings import Settings


def _viewbox(region: Region, margin_deg: float = 0.02) -> tuple[float, float, float, float]:
    south, west, north, east = region.bbox
    return south - margin_deg, west - margin_deg, north + margin_deg, east + margin_deg


def geocode(region: Region, text: str, *, settings: Settings, index: AddressIndex | None = None) -> GeocodeResult:
    """Geocode an address in a region: offline index first, online only when enabled.

    Parameters
    ----------
    region
        The region whose data is searched.
    text
        The address as written.
    settings
        Settings in force (``geocoding`` section: service, fuzzy threshold, Nominatim).
    index
        An index to use instead of the region's (tests use one built on part of the data).

    Returns
    -------
    GeocodeResult
        With ``precision == "none"`` when nothing matched with confidence (never raises for
        that; see :func:`require`).

    Raises
    ------
    InvalidInput
        The text is not an address (empty, too long, PO box, postal code alone...).
    """
    idx = index if index is not None else address_index(region)
    g = settings.geocoding
    result = idx.geocode(text, fuzzy_threshold=g.fuzzy_threshold)
    service = (g.service or "offline").strip().lower()
    if service in ("", "offline", "none") or result.precision == "exact":
        return result
    if service != "nominatim":
        msg = N_("Unknown geocoding service {service!r}; use 'offline' or 'nominatim' in settings [geocoding].")
        raise InvalidInput(msg, service=g.service)
    if result.precision == "none" and result.out_of_province:
        return result  # another province: nothing to ask
    try:
        online = _nominatim.search(text, viewbox=_viewbox(region), settings=settings)
    except ServiceError as err:
        note = _("{reason} Offline result used.").format(reason=err.localized())
        return replace(result, notice=(result.notice + " " + note).strip())
    if online is None or online.precision == "none":
        note = _("Nominatim found nothing in the region; offline result used.")
        return replace(result, notice=(result.notice + " " + note).strip())
    rank = {"exact": 0, "interpolated": 1, "approximate": 2, "street": 3, "none": 4}
    if rank[online.precision] > rank[result.precision]:
        return replace(result, notice=_("Offline result more precise than Nominatim's."))
    host = urlparse(g.nominatim_url).netloc or g.nominatim_url
    sent = _("Address sent to Nominatim ({host}): online geocoding is enabled in the settings.").format(host=host)
    return replace(online, query=text, warnings=result.warnings, notice=sent)


def require(result: GeocodeResult) -> GeocodeResult:
    """Return the result, or raise :class:`AddressNotFound` (exit 3) when it has no position."""
    if not result.found:
        # the notice is already in the active language (written when the result was made)
        notice = result.notice or _('Address not found in the region: "{query}".').format(query=result.query)
        if result.suggestions:
            msg = N_("{notice} Did you mean: {suggestions}?")
            raise AddressNotFound(msg, notice=notice, suggestions=" ; ".join(result.suggestions))
        if result.out_of_province:
            raise AddressNotFound(N_("{notice}"), notice=notice)
        msg = N_("{notice} Check the street name or give the position (--latlon LAT,LON).")
        raise AddressNotFound(msg, notice=notice)
    return result


def suggested_address(text: str, suggestion: str, *, city: str = "") -> str:
    """The full address to try for a suggestion: a street name alone (``Avenue Saint-Jean``)
    gets the civic number and the city written in ``text`` (``150 Avenue Saint-Jean,
    Mascouche``); a suggestion that is already an address is returned as it is.

    ``city`` is used when ``text`` names none (the region's city).
    """
    if suggestion[:1].isdigit():
        return suggestion
    try:
        parsed = parse_address(text)
    except InvalidInput:
        return suggestion
    head = f"{parsed.housenumber} {suggestion}" if parsed.number is not None else suggestion
    if parsed.unit:
        head = f"{parsed.unit}-{head}"
    where = parsed.city or city
    return f"{head}, {where}" if where else head


def geocode_many(
    region: Region,
    texts: Iterable[str],
    *,
    settings: Settings,
    index: AddressIndex | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[GeocodeResult]:
    """Geocode many addresses; bad input gives a ``none`` result with the reason, never raises.

    ``progress`` is called with the number of addresses done so far (every 100 and at the end).
    """
    out: list[GeocodeResult] = []
    idx = index if index is not None else address_index(region)
    for i, text in enumerate(texts, 1):
        try:
            out.append(geocode(region, text, settings=settings, index=idx))
        except InvalidInput as err:
            out.append(GeocodeResult(None, None, "none", "", "offline", (), err.localized(), (), str(text)))
        if progress is not None and (i % 100 == 0):
            progress(i)
    if progress is not None:
        progress(len(out))
    return out


__all__ = ["geocode", "geocode_many", "require", "suggested_address"]
