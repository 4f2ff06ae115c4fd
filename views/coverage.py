"""Public page "Vérifier ma couverture": address -> zone, road distance, travel fee, map.

No login, embeddable (``/couverture?embed=true``). It stores nothing: the address typed is
geocoded offline (unless the company enabled an online geocoder) and only kept in this
browser session.
"""

from __future__ import annotations

import streamlit as st

from dispatch.errors import DispatchError
from dispatch.geo import check_address
from dispatch.i18n import _
from maps.builders import coverage_map, service_area_map
from views import _common

s = _common.settings()
st.title(_("Check my coverage"))
st.write(
    _(
        "Enter your address to find out whether we come to your home, how far you are from our "
        "shop and the estimated travel fee."
    )
)
region = _common.require_region(s)

with st.form("coverage_form", border=True):
    address = st.text_input(
        _("Your address"),
        key="coverage_address",
        placeholder=_("e.g. 123, rue Dupras, Mascouche"),
        max_chars=200,
    )
    submitted = st.form_submit_button(_("Check"), type="primary", icon=":material/search:")

if submitted:
    st.session_state.pop("coverage_result", None)
    if not address.strip():
        st.warning(_("Enter an address, for example \"123, rue Dupras, Mascouche\"."))
    else:
        try:
            with st.spinner(_("Looking up the address…")):
                result = check_address(region, address, settings=s)
            st.session_state["coverage_result"] = result
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
matched_raw = getattr(geocode, "matched", None) or address
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

zone_names = {"core": _("Core"), "extended": _("Extended"), "outside": _("Outside")}
zones_in_radius = list(getattr(result, "zones", ()) or (zone,))
radius_m = getattr(geocode, "radius_m", None)
if len(zones_in_radius) > 1:
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
    zone_names.get(zone, _("Outside")) if len(zones_in_radius) < 2
    else _("{zones} (to be confirmed)").format(zones=" / ".join(zone_names[z] for z in zones_in_radius)),
)
c2.metric(_("By road"), _common.km(result.road_km) if result.road_km is not None else "—")
c3.metric(_("Driving time"), _common.minutes(result.drive_min) if result.drive_min is not None else "—")
fee_min, fee_max = getattr(result, "fee_min", None), getattr(result, "fee_max", None)
if getattr(result, "fee_max_on_quote", False) and fee_min is not None:
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
if precision in ("street", "interpolated", "approximate") and radius_m is not None:
    st.caption(
        _(
            "Position estimated from the street (civic number not listed): within about {radius} m "
            "of the marker."
        ).format(radius=f"{radius_m:.0f}")
    )
elif radius_m is not None:
    st.caption(_("Position of the building (within about {radius} m).").format(radius=f"{radius_m:.0f}"))

path = None
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
if zone != "outside":
    st.page_link(
        "views/request.py", label=_("Request a service call"), icon=":material/edit_note:",
        query_params=_common.public_params(),
    )
