"""opms-dispatch: service area, geocoding, dispatch optimisation and billing for OPMS.

The package is a folder per concept: :mod:`dispatch.geo` (regions, network, addresses,
geocoding, service area), :mod:`dispatch.routing` (the day's problem, the engines, the plan
and its checker), :mod:`dispatch.billing` (pricing rules, fees, invoices, documents),
:mod:`dispatch.records` (the database and the intervention's life), :mod:`dispatch.office`
(the office's use cases: intake, calls, planning, staff access) and :mod:`dispatch.cli` (the
``opms-dispatch`` command). :mod:`dispatch.errors`, :mod:`dispatch.settings` and
:mod:`dispatch.i18n` serve them all.
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # lazy: importlib.metadata costs 25-45 ms, paid by every `opms-dispatch` start otherwise
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("opms-dispatch")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            return "0.0.0"
    msg = f"module 'dispatch' has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = ["__version__"]
