"""One error tree for the whole product.

Every error the product raises on purpose is a :class:`DispatchError`. Each subclass also
inherits the builtin that matches its meaning (as geopy's ``GeocoderTimedOut`` is also a
``TimeoutError``), so callers may catch either. ``exit_code`` is what the command line
returns for it (the contract: 2 bad input, 3 not found / not covered, 4 damaged database,
5 disk full, 6 database server unreachable, 1 other).

Messages say how to fix the problem. A message is an English template marked for the
catalogs with :func:`dispatch.i18n.N_`, its values given by name::

    raise RegionNotFound(N_("No region named {name!r}: build it first."), name=name)

``str(err)`` is the English text (logs, tests); :meth:`DispatchError.localized` is what a
person reads, in the language of ``general.language`` (French by default), translated from
the catalog at the edge (the command line, the dashboard).
"""

from __future__ import annotations

from dispatch.i18n import gettext


class DispatchError(Exception):
    """Base of every error raised on purpose by opms-dispatch.

    Parameters
    ----------
    template
        The English message, a :meth:`str.format` template marked with ``N_``.
    **params
        The values of the template's placeholders.
    """

    exit_code: int = 1

    def __init__(self, template: str = "", /, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(template.format(**params) if params else template)

    def localized(self, language: str | None = None) -> str:
        """The message in ``language`` (default: the active language), for people."""
        text = gettext(self.template, language=language)
        return text.format(**self.params) if self.params else text


class InvalidInput(DispatchError, ValueError):
    """The input cannot be used as given (bad file, bad address, bad parameter)."""

    exit_code = 2


class OSMFileError(InvalidInput):
    """An OpenStreetMap source file is missing, unreadable or holds no usable roads."""


class ShopPlacementError(InvalidInput):
    """The shop lies outside the region's data or too far from any road."""


class NotFound(DispatchError, LookupError):
    """A thing asked for does not exist (region, address, customer, invoice...)."""

    exit_code = 3


class RegionNotFound(NotFound):
    """No region bundle with that name has been built."""


class AddressNotFound(NotFound):
    """The geocoder could not place an address."""


class Unreachable(DispatchError, ArithmeticError):
    """No road path exists between two points (one-way streets, clipped data)."""


class ServiceError(DispatchError, ConnectionError):
    """An online service (Nominatim, Overpass) failed or answered with an error."""


class ServiceTimeout(ServiceError, TimeoutError):
    """An online service did not answer in time."""


class RateLimited(ServiceError):
    """An online service refused the request for exceeding its rate limit (HTTP 429)."""


class OfflineError(ServiceError):
    """An online feature was asked for but no network (or no URL) is available."""


class InfeasibleProblem(InvalidInput):
    """A dispatch problem is malformed (window ending before it starts, unknown skill...)."""


class InvalidTransition(DispatchError, ValueError):
    """A lifecycle step is not allowed from the current state."""

    exit_code = 2


class ConflictError(DispatchError, RuntimeError):
    """A concurrent change was refused (optimistic locking, immutable record)."""

    exit_code = 1


class StorageError(DispatchError, OSError):
    """The database could not be reached or stayed busy after bounded retries."""


class DatabaseDamaged(StorageError, ValueError):
    """The database file is not a database or is corrupt (restore a backup)."""

    exit_code = 4


class DiskFull(StorageError):
    """The disk (or the database server's disk) is full: nothing was saved."""

    exit_code = 5


class DatabaseUnreachable(StorageError, ConnectionError):
    """The database server (PostgreSQL) does not answer at its address."""

    exit_code = 6


class AccessDenied(DispatchError, PermissionError):
    """The user is not allowed to do this (wrong password, role, locked account)."""

    exit_code = 2


__all__ = [
    "AccessDenied",
    "AddressNotFound",
    "ConflictError",
    "DatabaseDamaged",
    "DatabaseUnreachable",
    "DiskFull",
    "DispatchError",
    "InfeasibleProblem",
    "InvalidInput",
    "InvalidTransition",
    "NotFound",
    "OSMFileError",
    "OfflineError",
    "RateLimited",
    "RegionNotFound",
    "ServiceError",
    "ServiceTimeout",
    "ShopPlacementError",
    "StorageError",
    "Unreachable",
]
