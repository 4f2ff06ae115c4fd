"""Normal forms of street names: ``Mnt. Masson``, ``MONTÉE MASSON`` and ``mtee masson`` agree.

:func:`street_key` gives a street name a normal form under which the ways of OpenStreetMap
(``Montée Masson``), the address tags (``Mnt. Masson``) and what customers type
(``mtee masson``) agree: case, accents, abbreviations, saints, ordinals, particles.
:func:`display_street` tidies a street typed by a customer for display.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from dispatch.geo.address_tables import (
    ABBREVIATION_TO_GENERIC,
    GENERIC_DISPLAY,
    GENERICS,
    ORDINAL_WORDS,
    PARTICLES,
    TRAILING_GENERICS,
)

_ORDINAL_RE = re.compile(r"^(\d{1,3})(?:re|ere|er|e|eme|ieme|iem|em|nd|st|rd|th|è|ème|ième)$")


def fold(text: str) -> str:
    """Lower case without accents (``Montée`` -> ``montee``)."""
    nfkd = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in nfkd if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """Folded words: hyphens, apostrophes, dots and commas become spaces."""
    return list(_tokens_cached(text))


_SEPARATORS = re.compile(r"[\-‐‑‒–—'’`´.,;:/()\[\]«»\"]+")


@lru_cache(maxsize=65536)
def _tokens_cached(text: str) -> tuple[str, ...]:
    return tuple(_SEPARATORS.sub(" ", fold(text)).split())


def _ordinal(tok: str) -> str | None:
    m = _ORDINAL_RE.match(tok)
    if m:
        return f"{int(m.group(1))}e"
    if tok in ORDINAL_WORDS:
        return f"{ORDINAL_WORDS[tok]}e"
    return None


@dataclass(frozen=True)
class StreetKey:
    """Normal forms of a street name, from strict to loose.

    Attributes
    ----------
    generic
        Canonical generic (``rue``, ``montee``...), ``""`` when none was written.
    name
        The specific part, folded, saints spelled out, ordinals as ``10e``.
    loose
        ``generic + name`` without particles (the matching key).
    compact
        ``loose`` without spaces (``Mc Cune`` = ``McCune``).
    """

    generic: str
    name: str
    loose: str
    compact: str

    @property
    def name_loose(self) -> str:
        """The specific part without particles."""
        return " ".join(w for w in self.name.split() if w not in PARTICLES) or self.name


@lru_cache(maxsize=65536)
def street_key(text: str) -> StreetKey:
    """Normalise a street name (``Mnt. Masson``, ``MONTÉE MASSON``, ``mtee masson`` agree).

    Parameters
    ----------
    text
        A street name with or without its generic, in any case, with or without accents.

    Returns
    -------
    StreetKey
    """
    toks = tokens(text)
    generic = ""
    if toks and toks[0] in ABBREVIATION_TO_GENERIC and len(toks) > 1:
        generic = ABBREVIATION_TO_GENERIC[toks[0]]
        toks = toks[1:]
    elif len(toks) > 1 and toks[0] == "rond" and toks[1] == "point":
        generic = "rond-point"
        toks = toks[2:]
    elif len(toks) > 1 and toks[-1] in TRAILING_GENERICS:
        last = toks[-1]
        generic = "rue" if last == "street" else ABBREVIATION_TO_GENERIC.get(last, last)
        toks = toks[:-1]
    out: list[str] = []
    for tok in toks:
        if tok in ("st", "saint"):
            out.append("saint")
        elif tok in ("ste", "sainte"):
            out.append("sainte")
        elif tok in ("mt", "mont"):
            out.append("mont")
        else:
            out.append(_ordinal(tok) or tok)
    name = " ".join(out)
    loose_words = [w for w in out if w not in PARTICLES] or out
    loose = " ".join(([generic] if generic else []) + loose_words)
    return StreetKey(generic=generic, name=name, loose=loose, compact=loose.replace(" ", ""))


def display_street(text: str) -> str:
    """A tidy display form of a street typed by a customer (``boul. de mascouche`` ->
    ``Boulevard de Mascouche``)."""
    key = street_key(text)
    words = re.sub(r"\s+", " ", text.strip(" ,.")).split(" ")
    if key.generic and words and fold(words[0]).rstrip(".") in GENERICS.get(key.generic, ()):
        words = words[1:]
    elif key.generic and words and fold(words[-1]).rstrip(".") in TRAILING_GENERICS:
        words = words[:-1]
    fixed = []
    for w in words:
        f = fold(w).rstrip(".")
        if f in ("st", "st-") or f.startswith("st-"):
            w = "Saint" + w[2:].lstrip(".") if len(w) > 2 else "Saint"
        elif f.startswith("ste-") or f == "ste":
            w = "Sainte" + w[3:].lstrip(".") if len(w) > 3 else "Sainte"
        if f in PARTICLES:
            fixed.append(w.lower())
        elif w.islower() or w.isupper():
            fixed.append("-".join(p[:1].upper() + p[1:].lower() for p in w.split("-")))
        else:
            fixed.append(w)
    name = " ".join(fixed)
    if key.generic:
        label = GENERIC_DISPLAY.get(key.generic, key.generic.capitalize())
        if re.match(r"^\d+e$", key.name):
            return f"{key.name} {label}"
        return f"{label} {name}".strip()
    return name


__all__ = ["StreetKey", "display_street", "fold", "street_key", "tokens"]
