"""Money: one reader and one writer of Canadian-dollar amounts as Québec writes them.

Amounts are ``Decimal``, never binary floating point. :func:`parse_amount` reads what a
person types (``125,50``, ``125.50``, ``1 234,50 $``) and refuses what is not an amount, with
a message that says what to write: an amount has at most two decimals (``5.001`` and
``12,345`` are refused, never silently rounded: the second was probably 12 345);
:func:`money` gives it as a ``Decimal`` to the cent; :func:`format_money` writes
``1 234,50 $``. Every amount is less than :data:`MAX_AMOUNT` in absolute value. Rates (a
per-km rate such as 0.575 $/km, an hourly rate) are not amounts: :func:`parse_rate` reads
them, with up to :data:`RATE_DECIMALS` decimals; the amounts computed from them are rounded
to the cent by the billing rules.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from dispatch.errors import InvalidInput
from dispatch.i18n import N_

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: Decimals a rate may have (0.5750 $/km); an amount has two.
RATE_DECIMALS = 4

#: Every amount (typed, line, subtotal, total) must be less than this in absolute value (CAD).
MAX_AMOUNT = Decimal("10000000")
_NNBSP = "\u202f"  # narrow no-break space, the French thousands separator


def format_money(amount: Decimal) -> str:
    """Format a CAD amount the Québec French way: ``1 234,50 $``."""
    q = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    whole, _dot, cents = f"{abs(q):.2f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{_NNBSP.join(groups)},{cents} $"


def shown(value: object, limit: int = 40) -> str:
    """``value`` as printable text for a message: control characters escaped, long text cut."""
    text = str(value).strip()
    text = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_bound(d: Decimal, shown: str, what: str | None = None) -> None:
    """Refuse an amount of ``MAX_AMOUNT`` or more (absolute value), before any rounding.

    ``what`` names a computed amount (already translated); ``None`` is an amount typed.
    """
    if not d.is_finite() or abs(d) >= MAX_AMOUNT:
        if what is None:
            msg = N_(
                "Amount out of range: \"{shown}\". An amount must be less than {limit} (in absolute "
                "value); check the number of digits. Write an amount in dollars, for example 125.50."
            )
        else:
            msg = N_(
                "{what} out of range: \"{shown}\". An amount must be less than {limit} (in absolute "
                "value); check the number of digits. Check the minutes, the rates and the amounts of "
                "the lines."
            )
        raise InvalidInput(msg, what=what, shown=shown, limit=format_money(MAX_AMOUNT))


#: A space (plain, no-break or narrow no-break) between thousands, as Québec writes 1 234,50.
_THOUSANDS = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))")


def _plain_number(text: str) -> str:
    """``"1 234,50 $"`` -> ``"1234.50"``: the amount as Québec writes it, as Decimal reads it."""
    text = text.strip().removesuffix("$").strip()
    return _THOUSANDS.sub("", text).replace(",", ".")


def parse_amount(value: object) -> Decimal:
    """An amount as an exact ``Decimal``: finite, less than ``MAX_AMOUNT``, at most two decimals.

    Read as :func:`_read_number` reads it; a fraction of a cent is refused (``5.001``,
    ``12,345``: written with three decimals), never rounded.

    Raises
    ------
    InvalidInput
        With a French message saying what to write instead.
    """
    d = _read_number(value)
    _check_cents(d, value)
    return d


def _read_number(value: object) -> Decimal:
    """A number as an exact ``Decimal`` (not rounded): finite and less than ``MAX_AMOUNT``.

    Accepts a ``Decimal``, an ``int`` or a string (``"125.50"``, ``"125,50"``, ``" 7 "``,
    ``"1 234,50 $"``: spaces between thousands and a trailing dollar sign, as Québec writes);
    refuses ``None``, ``bool`` and ``float`` (never money through binary floating point).

    Raises
    ------
    InvalidInput
        With a French message saying what to write instead.
    """
    if isinstance(value, (bool, float)):
        msg = N_("Money must be a Decimal, an int or a string, never {type} ({value!r}).")
        raise InvalidInput(msg, type=type(value).__name__, value=value)
    if value is None or (isinstance(value, str) and not value.strip()):
        msg = N_("Missing amount. Write an amount in dollars, for example 125.50.")
        raise InvalidInput(msg)
    if not isinstance(value, (Decimal, int, str)):
        msg = N_("Invalid amount: \"{shown}\" ({type}). Write an amount in dollars, for example 125.50.")
        raise InvalidInput(msg, shown=shown(value), type=type(value).__name__)
    try:
        d = Decimal(_plain_number(value)) if isinstance(value, str) else Decimal(value)
    except (ArithmeticError, ValueError, TypeError) as err:
        msg = N_("Invalid amount: \"{shown}\". Write an amount in dollars, for example 125.50.")
        raise InvalidInput(msg, shown=shown(value)) from err
    if not d.is_finite():
        msg = N_(
            "Invalid amount: \"{shown}\" is not a finite number. Write an amount in dollars, for "
            "example 125.50."
        )
        raise InvalidInput(msg, shown=shown(value))
    check_bound(d, shown(value))
    return d


def _check_cents(d: Decimal, value: object) -> None:
    """Refuse a fraction of a cent: as written for text (``5.000``), by value for a Decimal."""
    written = d.as_tuple().exponent
    if (isinstance(value, str) and isinstance(written, int) and written < -2) or d != d.quantize(CENT):
        msg = N_(
            "Amount \"{shown}\" has more than two decimals: write the cents with two digits "
            "(125.50) and separate thousands with a space (12 345)."
        )
        raise InvalidInput(msg, shown=shown(value))


def parse_rate(value: object, *, decimals: int = RATE_DECIMALS) -> Decimal:
    """A rate (dollars per km, per hour) as an exact ``Decimal``: >= 0, at most ``decimals`` decimals.

    Read as :func:`parse_amount` reads amounts (``0,575``, ``1.50 $``), but with up to four
    decimals (0.575 $/km is a rate in use): what the rate multiplies is rounded to the cent
    where the amount is computed.

    Raises
    ------
    InvalidInput
        Not a number, negative, more than ``decimals`` decimals, or not less than ``MAX_AMOUNT``.
    """
    d = _read_number(value)
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -decimals and d != d.quantize(Decimal(1).scaleb(-decimals)):
        msg = N_("Rate \"{shown}\" has more than {decimals} decimals: write it as 0.575 (dollars per unit).")
        raise InvalidInput(msg, shown=shown(value), decimals=decimals)
    if d < 0:
        msg = N_("Rate \"{shown}\" is negative: a rate is 0 or more (dollars per unit), for example 1.50.")
        raise InvalidInput(msg, shown=shown(value))
    return d


def money(value: object) -> Decimal:
    """Convert to ``Decimal`` exactly (never through float), to the cent.

    ``value`` is read by :func:`parse_amount` (bounded by ``MAX_AMOUNT``, at most two
    decimals; ``InvalidInput`` with a French message otherwise). ``-0.00`` becomes ``0.00``.
    """
    d = parse_amount(value).quantize(CENT)  # exact: parse_amount refused a fraction of a cent
    return d if d else ZERO


__all__ = [
    "CENT",
    "MAX_AMOUNT",
    "RATE_DECIMALS",
    "ZERO",
    "format_money",
    "money",
    "parse_amount",
    "parse_rate",
]
