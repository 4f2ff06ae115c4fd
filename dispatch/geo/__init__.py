"""Geography: OpenStreetMap regions, the road network, Québec addresses, geocoding, the service area."""
