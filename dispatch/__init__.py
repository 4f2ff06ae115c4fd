"""opms-dispatch: service area, geocoding, dispatch optimisation and billing for OPMS."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("opms-dispatch")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
