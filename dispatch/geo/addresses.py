"""Québec address parsing and normalisation (pure functions, no I/O).

Customers write addresses the way people in Québec do: ``4-123 rue Principale``,
``123A, boul. de Mascouche, app. 4, Mascouche (Qc) j7k3b5``, ``2e Avenue``,
``St-Henri``, ``MTÉE MASSON``. :func:`parse_address` splits such text into a civic number
(with suffix), a unit, a street, a city, a province and a postal code. The normal forms of
street names (:func:`~dispatch.geo.street_names.street_key`) are in
:mod:`dispatch.geo.street_names`, the vocabulary (generics, provinces, postal letters, nearby
cities) in :mod:`dispatch.geo.address_tables`.

Bad input is refused with :class:`~dispatch.errors.InvalidInput` (exit code 2) and a message
that says what to write instead: empty text, text longer than :data:`MAX_LENGTH`, text with
no letters, a PO box (it has no place on a map), or a postal code alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from dispatch.errors import InvalidInput
from dispatch.geo.address_tables import (
    ABBREVIATION_TO_GENERIC,
    GENERICS,
    KNOWN_CITIES,
    PARTICLES,
    POSTAL_FIRST_LETTER,
    PROVINCE_FORMS,
    PROVINCE_NAMES,
)
from dispatch.geo.street_names import display_street, fold, street_key, tokens
from dispatch.i18n import N_, _

#: Longest address text accepted (characters); longer input is refused, not truncated.
MAX_LENGTH = 300

# Letters never used in Canadian postal codes: D, F, I, O, Q, U (and W, Z in first place).
_POSTAL_RE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z])\s*(\d)\s*([A-Za-z])[\s\-]*(\d)\s*([A-Za-z])\s*(\d)(?![A-Za-z0-9])")
_BAD_POSTAL_LETTERS = set("DFIOQU")


_UNIT_WORDS = (
    r"appartement|appart|app|appt|apt|apartment|unite|unité|unit|bureau|suite|local|"
    r"logement|porte|chambre|espace"
)
_UNIT_RE = re.compile(
    rf"(?:(?<![\w])(?:{_UNIT_WORDS})\b\.?\s*(?:no\.?|n°|#)?\s*|#\s*|n°\s*)([0-9]+[a-z]?|[a-z][0-9]*|[0-9]+-[0-9]+)\b",
    re.IGNORECASE,
)
_PO_BOX_RE = re.compile(
    r"(?<![\w])(?:c\.?\s*p\.?|case\s+postale|casier\s+postal|p\.?\s*o\.?\s*box|post\s+office\s+box|"
    r"b\.?\s*p\.?|boite\s+postale|boîte\s+postale|box|r\.?\s*r\.?|route\s+rurale)\s*(?:no\.?|#)?\s*\d+",
    re.IGNORECASE,
)
_NUMBER_RE = re.compile(
    r"^\s*(?:(?P<unit>[0-9]+[a-z]?|[a-z])\s*-\s*)?(?P<num>[0-9]{1,6})"
    r"(?:\s*(?P<half>1/2|½)|\s*-?\s*(?P<suf>[a-z])(?![\w'’]))?(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)


_ORDINAL_STREET_RE = re.compile(
    r"^\s*\d{1,3}\s*(?:re|ère|ere|er|e|è|ème|eme|ième|ieme)\.?\s+(?:"
    + "|".join(sorted({f for forms in GENERICS.values() for f in forms if " " not in f}, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)



@dataclass(frozen=True)
class PostalCode:
    """A Canadian postal code, validated (``J7K 3B5``)."""

    code: str
    province: str | None

    @property
    def fsa(self) -> str:
        """Forward sortation area (first three characters, ``J7K``)."""
        return self.code[:3]


@dataclass(frozen=True)
class ParsedAddress:
    """An address split into its parts.

    Attributes
    ----------
    raw
        The text as given (after trimming).
    number
        Civic number (``123``), ``None`` if none.
    suffix
        Suffix of the civic number (``A``, ``1/2``), ``""`` if none.
    unit
        Apartment, suite or office (``4``, ``200``), ``""`` if none.
    street
        Street as written, tidied (``Boulevard de Mascouche``).
    street_candidates
        Street texts to try, best first (trailing words dropped when no comma said where the
        street ends).
    city
        City if recognised, ``""`` if none.
    province
        Province code (``QC``, ``ON``...), ``""`` if none was written.
    postcode
        Postal code, ``None`` if none.
    po_box
        True when the text is a PO box (``C.P. 123``), which has no place on a map.
    warnings
        Remarks in French (postal code outside Québec, characters removed...).
    """

    raw: str
    number: int | None
    suffix: str
    unit: str
    street: str
    street_candidates: tuple[str, ...]
    city: str
    province: str
    postcode: PostalCode | None
    po_box: bool = False
    warnings: tuple[str, ...] = field(default=())

    @property
    def housenumber(self) -> str:
        """Civic number with its suffix as written on a door (``123A``, ``123 1/2``)."""
        if self.number is None:
            return ""
        if self.suffix == "1/2":
            return f"{self.number} 1/2"
        return f"{self.number}{self.suffix}"

    def formatted(self) -> str:
        """Canada Post style one-line form (``4-123 Rue Principale, Mascouche QC J7K 3B5``)."""
        head = self.street
        if self.number is not None:
            num = self.housenumber
            head = f"{self.unit}-{num} {self.street}" if self.unit else f"{num} {self.street}"
        parts = [head.strip()]
        tail = " ".join(
            p for p in (self.city, self.province, self.postcode.code if self.postcode else "") if p
        )
        if tail:
            parts.append(tail)
        return ", ".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "suffix": self.suffix,
            "unit": self.unit,
            "street": self.street,
            "city": self.city,
            "province": self.province,
            "postcode": self.postcode.code if self.postcode else None,
            "po_box": self.po_box,
            "warnings": list(self.warnings),
        }


def parse_postal_code(text: str) -> PostalCode | None:
    """Find and validate a Canadian postal code in any spacing or case (``j7k3b5``, ``J7K-3B5``).

    Returns ``None`` when the text holds none. Raises :class:`InvalidInput` when it looks like
    one but uses letters Canada Post never uses (D, F, I, O, Q, U; W or Z first).
    """
    found = list(_POSTAL_RE.finditer(text))
    if not found:
        return None
    code = "".join(found[-1].groups()).upper()
    bad = [c for c in code[0::2] if c in _BAD_POSTAL_LETTERS] + ([code[0]] if code[0] in "WZ" else [])
    if bad:
        msg = N_(
            "Invalid postal code {code}: the letters {letters} are never used in postal codes "
            "(format A1A 1A1, for example J7K 3B5)."
        )
        raise InvalidInput(msg, code=f"{code[:3]} {code[3:]}", letters=", ".join(sorted(set(bad))))
    return PostalCode(code=f"{code[:3]} {code[3:]}", province=POSTAL_FIRST_LETTER.get(code[0]))


#: What NFKC leaves that an address writes otherwise: the fraction slash of ``½`` -> ``1⁄2``.
_AFTER_NFKC = str.maketrans({"\u2044": "/"})


def _clean(text: str) -> tuple[str, list[str]]:
    """``text`` in NFKC without control characters or symbols, spaces collapsed; and the warnings.

    NFKC (compatibility) rather than NFC: full-width digits and letters typed on an Asian
    keyboard or copied from a PDF (``１０００ ｒｕｅ``), ligatures and superscripts (``2ᵉ``)
    read as the plain ones (``1000 rue``, ``2e``); accents stay composed (``é``).
    """
    warnings: list[str] = []
    t = unicodedata.normalize("NFKC", text).translate(_AFTER_NFKC)
    kept = []
    removed = False
    for ch in t:
        cat = unicodedata.category(ch)
        if cat.startswith("C") and ch not in "\t\n\r":
            removed = True
            continue
        if cat in ("So", "Sk", "Cs", "Co") or 0x1F000 <= ord(ch) <= 0x1FAFF:
            removed = True
            continue
        kept.append(" " if ch in "\t\n\r" else ch)
    if removed:
        warnings.append(_("Characters that have no place in an address were ignored."))
    t = "".join(kept)
    t = t.replace("\u00a0", " ").replace("\u202f", " ")
    t = re.sub(r"\s+", " ", t).strip(" ,;")
    return t, warnings


def _has_name(text: str) -> bool:
    """True when a street text holds more than a generic and particles (``Rue`` alone: no)."""
    toks = tokens(text)
    while toks and re.fullmatch(r"\d+[a-z]?", toks[0]):
        toks = toks[1:]  # the civic number
    if toks and toks[0] in ABBREVIATION_TO_GENERIC:
        toks = toks[1:]
    return any(t not in PARTICLES for t in toks)


def _strip_province(part: str) -> tuple[str, str]:
    """Remove a trailing province from a comma part; return (rest, code)."""
    f = " ".join(tokens(part))
    for form, code in PROVINCE_FORMS:
        if f == form:
            return "", code
        if f.endswith(" " + form):
            # keep the original words before the province
            words = part.replace("(", " ").replace(")", " ").split()
            n = len(form.split())
            rest_words = words[:-n] if len(words) > n else []
            # check the dropped words really fold to the form (punctuation like "Qc." or "(Qc)")
            if " ".join(tokens(" ".join(words[-n:]))) == form:
                return " ".join(rest_words).strip(" ,"), code
    return part, ""


@lru_cache(maxsize=64)
def _city_table(cities: tuple[str, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for c in cities:
        table.setdefault(" ".join(tokens(c)), c)
    return table


def _match_city(text: str, cities: tuple[str, ...]) -> str:
    return _city_table(cities).get(" ".join(tokens(text)), "")


def _split_trailing_city(text: str, cities: tuple[str, ...]) -> tuple[str, str]:
    """``rue Principale Mascouche`` -> (``rue Principale``, ``Mascouche``)."""
    words = text.split()
    for n in range(min(5, len(words) - 1), 0, -1):
        tail = " ".join(words[-n:])
        city = _match_city(tail, cities)
        if city:
            return " ".join(words[:-n]), city
    return text, ""


def _split_number(head: str) -> tuple[int | None, str, str, str]:
    """``4-123A rue X`` -> (123, "A", "4", "rue X"); no number -> (None, "", "", head)."""
    if _ORDINAL_STREET_RE.match(head):
        return None, "", "", head
    nm = _NUMBER_RE.match(head)
    if not nm:
        return None, "", "", head
    number = int(nm.group("num"))
    unit = (nm.group("unit") or "").upper()
    rest = nm.group("rest")
    if nm.group("half"):
        return number, "1/2", unit, rest.strip(" ,-")
    suf = nm.group("suf")
    if suf:
        after = rest.lstrip()
        tail = head[nm.start("suf") + 1 :]
        glued = nm.start("suf") == nm.end("num")
        next_word = fold(after.split()[0]).rstrip(".") if after.split() else ""
        is_generic_abbrev = fold(suf) in ABBREVIATION_TO_GENERIC and next_word not in ABBREVIATION_TO_GENERIC
        if (
            tail.startswith(".")
            or not re.search(r"[^\W\d_]", rest)
            or (not glued and is_generic_abbrev)
        ):
            # "123 r. Principale", "2800 A-25": the letter is a street generic, not a suffix
            return number, "", unit, head[nm.start("suf") :].strip(" ,-")
        return number, suf.upper(), unit, rest.strip(" ,-")
    return number, "", unit, rest.strip(" ,-")


def parse_address(text: str, *, cities: tuple[str, ...] = ()) -> ParsedAddress:
    """Parse a Québec address written as customers write it.

    Parameters
    ----------
    text
        Free text: ``123 rue Principale``, ``4-123 boul. de Mascouche, Mascouche QC J7K 3B5``,
        ``123A, Montée Masson, app. 4``, ``2e Avenue``...
    cities
        Extra city names (the region's own) recognised at the end of the text.

    Returns
    -------
    ParsedAddress

    Raises
    ------
    InvalidInput
        Empty text, text longer than :data:`MAX_LENGTH` characters, text without letters,
        a PO box, a postal code alone, or an invalid postal code.
    """
    given: object = text  # untyped callers (CSV cells, JSON) may pass anything
    if not isinstance(given, str):
        msg = N_("An address must be text, got {type}.")
        raise InvalidInput(msg, type=type(given).__name__)
    if len(text) > MAX_LENGTH:
        msg = N_(
            "Address too long ({length} characters; maximum {maximum}): "
            "write only the number, the street and the city."
        )
        raise InvalidInput(msg, length=len(text), maximum=MAX_LENGTH)
    cleaned, warnings = _clean(text)
    if not cleaned:
        msg = N_(
            "Empty address: write a civic number and a street, for example "
            '"123 rue Principale, Mascouche".'
        )
        if warnings:
            msg = N_(
                "Unreadable address (no usable letter or digit): write a civic number and a "
                'street, for example "123 rue Principale, Mascouche".'
            )
        raise InvalidInput(msg)
    if not re.search(r"[^\W\d_]", cleaned):
        msg = N_(
            '"{text}" is not an address: it has no street name. Write a civic number '
            'and a street, for example "123 rue Principale, Mascouche".'
        )
        raise InvalidInput(msg, text=cleaned)
    if _PO_BOX_RE.search(cleaned):
        msg = N_(
            '"{text}" is a PO box: it has no place on the map. '
            "Give the civic address of the place of the visit (number and street)."
        )
        raise InvalidInput(msg, text=cleaned)

    cities_all = tuple(dict.fromkeys(tuple(cities) + KNOWN_CITIES))
    work = cleaned
    # postal code (kept even when it is not in Québec: that is a warning, not an error)
    postcode = parse_postal_code(work)
    if postcode is not None:
        work = _POSTAL_RE.sub(" ", work)
        if postcode.province != "QC":
            where = PROVINCE_NAMES.get(postcode.province or "") or _("outside Québec")
            warnings.append(
                _(
                    "The postal code {code} is not a Québec code (G, H or J as first letter): "
                    "it belongs to {where}."
                ).format(code=postcode.code, where=where)
            )
    # trailing "Canada"
    work = re.sub(r"[\s,]*\bcanada\b[\s,.]*$", "", work, flags=re.IGNORECASE).strip(" ,")

    # PO-box-free, now the unit written with a word (app. 4, #4, bureau 200, suite 3)
    unit = ""
    units = list(_UNIT_RE.finditer(work))
    if units:
        um = units[-1]
        unit = um.group(1).upper()
        work = (work[: um.start()] + " " + work[um.end():]).strip()
        work = re.sub(r"\s*,(\s*,)+", ",", work)
        work = re.sub(r"\s+", " ", work).strip(" ,")
        work = re.sub(r"^,\s*", "", work)

    parts = [p.strip() for p in work.split(",") if p.strip()]
    province = ""
    city = ""
    # province and city from the end
    if parts:
        rest, code = _strip_province(parts[-1])
        if code and not (len(parts) == 1 and rest and not _has_name(rest)):
            if code == "QC" and not rest and len(parts) == 2 and " ".join(tokens(parts[-1])) == "quebec":
                # "123 rue Saint-Jean, Québec": no other city written, so the word is the city
                # of Québec (as Canada Post reads it), not only the province
                city = "Québec"
            province = code
            parts[-1] = rest
            parts = [p for p in parts if p]
    if len(parts) > 1:
        maybe_city = _match_city(parts[-1], cities_all)
        looks_like_street = bool(street_key(parts[-1]).generic)
        if maybe_city or (
            _has_name(parts[0]) and not re.search(r"\d", parts[-1]) and not looks_like_street
        ):
            city = maybe_city or parts[-1].strip()
            parts = parts[:-1]
    if not parts:
        if postcode is not None:
            msg = N_(
                "A postal code alone ({code}) is not enough: it covers a whole area. "
                "Add the civic number and the street."
            )
            raise InvalidInput(msg, code=postcode.code)
        msg = N_('The street is missing: write a civic number and a street, for example "123 rue Principale".')
        raise InvalidInput(msg)

    head = parts[0]
    extra = parts[1:]
    number, suffix, num_unit, street_text = _split_number(head)
    if number is not None and not street_text and extra:
        street_text = extra.pop(0)  # "123, rue Principale"
    elif number is not None and not street_text:
        street_text = ""
    if num_unit and not unit:
        unit = num_unit
    # a unit written as a bare comma part after the street ("123 rue X, 4")
    if extra and not unit and re.fullmatch(r"[0-9]{1,5}[a-z]?", extra[0], re.IGNORECASE):
        unit = extra.pop(0).upper()
    if not city and extra:
        city = _match_city(extra[-1], cities_all) or extra[-1]

    # no comma after the street: a trailing province and city may still be glued to it
    candidates: list[str] = []
    if not province:
        rest, code = _strip_province(street_text)
        if code and rest and _has_name(rest):
            province = code
            street_text = rest
    if not city:
        st, c = _split_trailing_city(street_text, cities_all)
        if c and st and _has_name(st):
            city = c
            street_text = st
    street_text = re.sub(r"\s+", " ", street_text).strip(" ,.-")
    if not street_text or not re.search(r"[^\W\d_]", street_text):
        msg = N_('The street name is missing in "{text}". Write for example "123 rue Principale, Mascouche".')
        raise InvalidInput(msg, text=cleaned)
    candidates.append(street_text)
    words = street_text.split()
    for n in range(1, min(4, len(words) - 1) + 1):
        candidates.append(" ".join(words[:-n]))
    return ParsedAddress(
        raw=cleaned,
        number=number,
        suffix=suffix,
        unit=unit,
        street=display_street(street_text),
        street_candidates=tuple(dict.fromkeys(candidates)),
        city=city,
        province=province,
        postcode=postcode,
        po_box=False,
        warnings=tuple(warnings),
    )


def parse_housenumber(text: str) -> tuple[int | None, str]:
    """Split a tagged house number (``123``, ``123A``, ``123 1/2``, ``123-125``) into (number,
    suffix); ``(None, "")`` when it holds no number."""
    m = re.match(r"^\s*(\d{1,6})\s*(?:(1/2|½)|-?\s*([A-Za-z])\b)?", str(text))
    if not m:
        return None, ""
    if m.group(2):
        return int(m.group(1)), "1/2"
    return int(m.group(1)), (m.group(3) or "").upper()



__all__ = [
    "MAX_LENGTH",
    "ParsedAddress",
    "PostalCode",
    "parse_address",
    "parse_housenumber",
    "parse_postal_code",
]
