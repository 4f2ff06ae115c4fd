"""Maps drawn while hidden (a tab not shown yet) get their view back when they are shown.

Leaflet sizes a map when it is created; in a hidden tab its frame is 0 x 0 pixels, and
fitting the view to the routes there fails ("Invalid LatLng object: (NaN, NaN)": the map's
script stops, the map is never drawn). :func:`refit_when_shown` takes the map's
``fit_bounds`` out and does it in a few lines of script instead, each time the map's size
changes (``ResizeObserver``) to a real size: when the tab is shown, when its frame takes its
width, when a phone turns. Nothing is fetched.
"""

from __future__ import annotations

from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template


class RefitWhenShown(MacroElement):
    """Fit ``view`` (``{"bounds", "options"}`` or ``{"center", "zoom"}``) whenever the map's size changes."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var view = {{ this.view|tojson }};
            var box = map.getContainer();
            function fit() {
                map.invalidateSize(false);
                if (view.bounds) { map.fitBounds(view.bounds, view.options); }
                else { map.setView(view.center, view.zoom); }
            }
            var size = "";
            function check() {
                var now = box.clientWidth + "x" + box.clientHeight;
                if (box.clientWidth > 0 && box.clientHeight > 0 && now !== size) { fit(); }
                size = now;
            }
            check();
            if (typeof ResizeObserver !== "undefined") { new ResizeObserver(check).observe(box); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, view: dict[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca's MacroElement is unannotated
        self._name = "RefitWhenShown"
        self.view = view


def refit_when_shown(m: folium.Map) -> folium.Map:
    """``m``, fitted to its bounds (or its start view) whenever its size changes, shown or not when drawn.

    The bounds are those of the map's ``fit_bounds`` (the last one, taken out of ``m``), else
    its start location and zoom.
    """
    fits = [(k, c) for k, c in m._children.items() if isinstance(c, folium.map.FitBounds)]
    for k, _fit in fits:
        del m._children[k]
    if fits:
        view: dict[str, Any] = {"bounds": fits[-1][1].bounds, "options": dict(fits[-1][1].options)}
    else:
        view = {"center": m.location, "zoom": m.options.get("zoom", 12)}
    m.add_child(RefitWhenShown(view))
    return m


__all__ = ["RefitWhenShown", "refit_when_shown"]
