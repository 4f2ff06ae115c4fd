"""Geography: OpenStreetMap regions, the road network, Québec addresses, geocoding, the service area.

Modules, by concept:

- points and measures: :mod:`~dispatch.geo.point` (``GeoPoint``), :mod:`~dispatch.geo.geodesy`;
- regions: :mod:`~dispatch.geo.region` (build, cache, load), :mod:`~dispatch.geo.built_region`
  (``Region``), :mod:`~dispatch.geo._osm` (reading OSM files), :mod:`~dispatch.geo._overpass`
  (downloading), :mod:`~dispatch.geo.uploads` (files sent through the dashboard);
- the road network: :mod:`~dispatch.geo.network` (matrices, paths, drives),
  :mod:`~dispatch.geo.road_snapping`, :mod:`~dispatch.geo.shortest_paths`;
- addresses: :mod:`~dispatch.geo.addresses` (parsing), :mod:`~dispatch.geo.street_names`,
  :mod:`~dispatch.geo.address_tables`;
- geocoding: :mod:`~dispatch.geo.geocode` (entry point), :mod:`~dispatch.geo.geocode_result`,
  :mod:`~dispatch.geo.address_index`, :mod:`~dispatch.geo.indexed_streets`,
  :mod:`~dispatch.geo.civic_numbers`, :mod:`~dispatch.geo.geometric_median`,
  :mod:`~dispatch.geo._nominatim` (online, opt-in), :mod:`~dispatch.geo.geocode_csv`;
- the service area: :mod:`~dispatch.geo.service_area` (checks), :mod:`~dispatch.geo.service_zones`,
  :mod:`~dispatch.geo.coverage`, :mod:`~dispatch.geo.service_area_geojson`.

Modules inside the package import one another by their full path, never through this face.
"""

from dispatch.geo.address_index import AddressIndex, address_index
from dispatch.geo.addresses import ParsedAddress, PostalCode, parse_address, parse_postal_code
from dispatch.geo.built_region import Region, StreetTable
from dispatch.geo.coverage import Coverage, CoverageBatch
from dispatch.geo.geocode import geocode, geocode_many, require
from dispatch.geo.geocode_csv import ProgressBar, read_csv_rows, write_csv_rows
from dispatch.geo.geocode_result import GeocodeResult
from dispatch.geo.network import Network, OneToAll, Route, TravelMatrix
from dispatch.geo.point import GeoPoint
from dispatch.geo.region import build_region, list_regions, load_region
from dispatch.geo.road_snapping import Snapped, SnapResult
from dispatch.geo.service_area import check_address, check_point, check_points
from dispatch.geo.service_area_geojson import service_area_geojson
from dispatch.geo.street_names import StreetKey, street_key
from dispatch.geo.uploads import check_upload

__all__ = [
    "AddressIndex",
    "Coverage",
    "CoverageBatch",
    "GeoPoint",
    "GeocodeResult",
    "Network",
    "OneToAll",
    "ParsedAddress",
    "PostalCode",
    "ProgressBar",
    "Region",
    "Route",
    "SnapResult",
    "Snapped",
    "StreetKey",
    "StreetTable",
    "TravelMatrix",
    "address_index",
    "build_region",
    "check_address",
    "check_point",
    "check_points",
    "check_upload",
    "geocode",
    "geocode_many",
    "list_regions",
    "load_region",
    "parse_address",
    "parse_postal_code",
    "read_csv_rows",
    "require",
    "service_area_geojson",
    "street_key",
    "write_csv_rows",
]
