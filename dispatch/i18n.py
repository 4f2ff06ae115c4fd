"""Translations of what people read: gettext catalogs, kept as ``.po`` files, read with Babel.

The source language of every message is English (the language of the code, the logs and the
docstrings); people read them in the language of ``general.language`` (``fr_CA`` by
default, ``en`` for the source text itself). Catalogs live in
``dispatch/locale/<language>/LC_MESSAGES/messages.po``; ``messages.pot`` beside them is what
``pybabel extract`` finds (``make catalogs`` refreshes both). The ``.po`` files are compiled
in memory on first use, so no compiled ``.mo`` file is kept in the repository and no build
step can be forgotten.

Marking: :func:`N_` marks a message for extraction without translating it (the error tree
translates at the edge, see :meth:`dispatch.errors.DispatchError.localized`); :func:`_`
translates at once into the active language. Placeholders use :meth:`str.format` names
(``"No region named {name!r}."``), identical in every translation.
"""

from __future__ import annotations

import gettext as _gettext
import io
import os
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "fr_CA"
#: Languages with a catalog (``en`` is the source text itself and needs none).
LANGUAGES = ("fr_CA", "en")

_active: list[str] = []


def N_(message: str) -> str:  # the gettext convention for "mark, do not translate"
    """Mark ``message`` for extraction; return it unchanged (translated later)."""
    return message


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``language`` (the source text for ``en`` or an unknown one)."""
    # lazy: Babel's catalog modules cost 20-40 ms, which `opms-dispatch --help` need not pay
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        return _gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def set_language(language: str | None) -> None:
    """Make ``language`` the active one (from ``general.language``; ``None`` restores it)."""
    _active[:] = [language] if language else []


def active_language() -> str:
    """The language in force: :func:`set_language`, else ``$OPMS_GENERAL__LANGUAGE``, else fr_CA."""
    if _active:
        return _active[0]
    return os.environ.get("OPMS_GENERAL__LANGUAGE") or DEFAULT_LANGUAGE


def gettext(message: str, *, language: str | None = None) -> str:
    """``message`` in ``language`` (default: the active language)."""
    if not message:
        return message
    return translations(language or active_language()).gettext(message)


def _(message: str) -> str:
    """``message`` translated into the active language (the usual gettext alias)."""
    return gettext(message)


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "_",
    "active_language",
    "gettext",
    "set_language",
    "translations",
]
