"""Public page "Vérifier ma couverture": address -> zone, road distance, travel fee, map.

No login, embeddable (``/couverture?embed=true``). It stores nothing: the address typed is
geocoded offline (unless the company enabled an online geocoder) and only kept in this
browser session.
"""

from __future__ import annotations

import streamlit as st

from dispatch.errors import AddressNotFound, DispatchError
from dispatch.i18n import _
from views import _common

#: Session keys: the address to check at once (a suggestion clicked) and the one carried over
#: to the request form ("Demander une intervention").
RUN_KEY = "coverage_run"
PREFILL_KEY = "request_prefill_address"


def _use_suggestion(text: str) -> None:
    st.session_state["coverage_address"] = text
    st.session_state[RUN_KEY] = True


def _to_request(address: str) -> None:
    st.session_state[PREFILL_KEY] = address


s = _common.settings()
st.title(_("Check my coverage"))
st.write(
    _(
        "Enter your address to find out whether we come to your home, how far you are from our "
        "shop and the estimated travel fee."
    )
)
# Imported once the title is on the screen: the first visitor of a fresh server sees the page
# while the geocoder and the map builders (numpy, shapely, folium...) load.
from dispatch.geo import check_address  # noqa: E402
from dispatch.geo.geocode import suggested_address  # noqa: E402
from maps.builders import coverage_map, service_area_map  # noqa: E402

region = _common.require_region(s)
city = str(getattr(region, "name", "") or "").replace("-", " ").title()

with st.form("coverage_form", border=True, enter_to_submit=False):
    address = st.text_input(
        _("Your address"),
        key="coverage_address",
        placeholder=_("e.g. 123, rue Dupras, Mascouche"),
        max_chars=200,
    )
    submitted = st.form_submit_button(_("Check"), type="primary", icon=":material/search:")

if st.session_state.pop(RUN_KEY, False):
    submitted = True
    address = str(st.session_state.get("coverage_address", ""))

if submitted:
    st.session_state.pop("coverage_result", None)
    if not address.strip():
        st.warning(_("Enter an address, for example \"123, rue Dupras, Mascouche\"."))
    else:
        try:
            with st.spinner(_("Looking up the address…")):
                result = check_address(region, address, settings=s)
            st.session_state["coverage_result"] = result
            st.session_state["coverage_checked"] = address
        except AddressNotFound as err:
            notice = str(err.params.get("notice", "")) or _common.error_text(err)
            found = [x for x in str(err.params.get("suggestions", "")).split(" ; ") if x.strip()]
            if found:
                st.error(_("Address not found: {reason}").format(reason=_common.plain(notice)))
                st.write(_("Did you mean:"))
                for i, sugg in enumerate(found[:5]):
                    full = suggested_address(address, sugg, city=city)
                    st.button(full, key=f"coverage_sugg_{i}", icon=":material/arrow_forward:",
                              on_click=_use_suggestion, args=(full,))
            else:  # the notice alone: the error's own advice is for the command line (--latlon)
                st.error(
                    _("Address not found or outside our map: {reason}").format(
                        reason=_common.plain(notice)
                    )
                )
                st.caption(_(
                    "Give the civic number, the street and the city (\"123, rue Dupras, "
                    "Mascouche\"), or your full postal code (\"J7K 3C1\")."
                ))
        except DispatchError as err:
            st.error(
                _("Address not found or outside our map: {reason}").format(
                    reason=_common.plain(_common.error_text(err))
                )
            )

result = st.session_state.get("coverage_result")
core_km = float(getattr(region, "core_km", None) or s.service_area.core_km)
ext_km = float(getattr(region, "extended_km", None) or s.service_area.extended_km)

if result is None:
    st.subheader(_("Our territory"))
    st.caption(
        _(
            "Core zone: up to {core_km:g} km from the shop. Extended zone: up to {ext_km:g} km "
            "(fee per kilometre). Beyond: on estimate."
        ).format(core_km=core_km, ext_km=ext_km)
    )
    m = service_area_map(
        region,
        core_km=core_km,
        extended_km=ext_km,
        tile_url=s.online.tile_url,
        base_url=_common.static_base_url(),
        shop_name=s.general.company_name,
    )
    _common.show_map(m, key="coverage_area_map", height=460)
    st.stop()

zone = str(result.zone)
geocode = getattr(result, "geocode", None)
matched_raw = (
    getattr(geocode, "matched", None) or st.session_state.get("coverage_checked") or address
)
matched = _common.plain(matched_raw)
if zone == "core":
    st.success(_("Good news: **{address}** is in our core zone.").format(address=matched))
elif zone == "extended":
    st.warning(
        _("**{address}** is in our extended zone: a fee per kilometre is added.").format(
            address=matched
        )
    )
else:
    st.error(
        _("**{address}** is outside our service area. Call us for an estimate.").format(
            address=matched
        )
    )

zone_names = {"core": _("Core"), "extended": _("Extended"), "outside": _("Outside")}  # under "Zone"
place = getattr(result, "place", None)
zones_in_radius = list(getattr(result, "zones", ()) or (zone,))
radius_m = place.radius_m if place is not None else getattr(geocode, "radius_m", None)
if len(zones_in_radius) > 1 and place is not None:
    st.warning(
        _(
            "Zone to be confirmed: without the map, the place is known only within about {km} km, "
            "and within that distance it may be in the zones {zones}. We will confirm it when you call."
        ).format(km=f"{place.radius_m / 1000:.0f}", zones=" / ".join(zone_names[z] for z in zones_in_radius))
    )
elif len(zones_in_radius) > 1:
    st.warning(
        _(
            "Zone to be confirmed: the position is known within about {radius} m, and within that "
            "distance the address may be in the zones {zones}. We will confirm it when you call."
        ).format(radius=f"{radius_m or 0:.0f}", zones=" / ".join(zone_names[z] for z in zones_in_radius))
    )

fee = result.travel_fee
c1, c2, c3, c4 = st.columns(4)
c1.metric(
    _("Zone"),
    zone_names.get(zone, zone_names["outside"]) if len(zones_in_radius) < 2
    else _("{zones} (to be confirmed)").format(zones=" / ".join(zone_names[z] for z in zones_in_radius)),
)
unknown = _("not available") if place is not None else "—"
c2.metric(_("By road"), _common.km(result.road_km) if result.road_km is not None else unknown)
c3.metric(_("Driving time"), _common.minutes(result.drive_min) if result.drive_min is not None else unknown)
fee_min, fee_max = getattr(result, "fee_min", None), getattr(result, "fee_max", None)
if place is not None and zone != "outside":
    fee_text = _("To be confirmed")
elif getattr(result, "fee_max_on_quote", False) and fee_min is not None:
    fee_text = _("{low} to on estimate").format(low=_common.money(fee_min))
elif fee_min is not None and fee_max is not None and fee_min != fee_max:
    fee_text = _("{low} to {high}").format(low=_common.money(fee_min), high=_common.money(fee_max))
else:
    fee_text = _("On estimate") if fee.amount is None else _common.money(fee.amount)
c4.metric(_("Travel fee"), fee_text)
st.caption(
    _("{explanation}. As the crow flies: {km}.").format(
        explanation=fee.explanation.rstrip("."), km=_common.km(result.straight_km)
    )
)
precision = getattr(geocode, "precision", "")
if place is not None:
    st.info(" ".join(_common.plain(n) for n in result.notes[:2]), icon=":material/info:")
elif precision in ("street", "interpolated", "approximate") and radius_m is not None:
    st.caption(
        _(
            "Position estimated from the street (civic number not listed): within about {radius} m "
            "of the marker."
        ).format(radius=f"{radius_m:.0f}")
    )
elif radius_m is not None:
    st.caption(_("Position of the building (within about {radius} m).").format(radius=f"{radius_m:.0f}"))

path = None
if place is None:
    try:
        path = region.network.route(region.shop, result.point).coords
    except DispatchError:
        st.caption(_("No road path found from the shop to this address."))
details = []
if result.road_km is not None:
    details.append(_("{km} by road").format(km=_common.km(result.road_km)))
if fee.amount is not None:
    details.append(_("Travel: {amount}").format(amount=_common.money(fee.amount)))
m = coverage_map(
    region,
    point=result.point,
    zone=zone,
    label=matched_raw,
    core_km=core_km,
    extended_km=ext_km,
    path=path,
    details=details,
    tile_url=s.online.tile_url,
    base_url=_common.static_base_url(),
    radius_m=radius_m,
)
_common.show_map(m, key="coverage_result_map", height=460)
if zone != "outside" and st.button(
    _("Request a service call"), key="coverage_to_request", icon=":material/edit_note:", type="primary",
    on_click=_to_request, args=(str(matched_raw),),
):
    st.switch_page("views/request.py", query_params=_common.public_params())
