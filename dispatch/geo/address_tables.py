"""Québec address vocabulary (data only): street generics and their written forms, particles,
ordinal words, provinces, the first letters of postal codes and the municipalities near the shop.

Used by :mod:`dispatch.geo.street_names` (normal forms of street names) and
:mod:`dispatch.geo.addresses` (parsing address text).
"""

from __future__ import annotations

#: Canonical street generics and the ways they are written (lower case, no accents,
#: no trailing dot). Full words and abbreviations, French and the English forms met in
#: Québec data (``Crescent``, ``Blvd``).
GENERICS: dict[str, tuple[str, ...]] = {
    "rue": ("rue", "r"),
    "boulevard": ("boulevard", "boul", "bd", "blvd", "bl", "boull"),
    "avenue": ("avenue", "av", "ave", "avn"),
    "chemin": ("chemin", "ch", "chem", "chm"),
    "montee": ("montee", "mtee", "mnt", "mte"),
    "rang": ("rang", "rg"),
    "route": ("route", "rte", "rt"),
    "place": ("place", "pl"),
    "croissant": ("croissant", "crois", "cr", "crescent", "cres", "crsnt"),
    "terrasse": ("terrasse", "terr", "tsse", "ter"),
    "impasse": ("impasse", "imp"),
    "allee": ("allee", "all"),
    "cote": ("cote",),
    "autoroute": ("autoroute", "aut", "autor", "a"),
    "carre": ("carre",),
    "cercle": ("cercle", "cerc"),
    "promenade": ("promenade", "prom"),
    "rond-point": ("rond point", "rondpoint", "rdpt"),
    "sentier": ("sentier", "sent"),
    "square": ("square", "sq"),
    "passage": ("passage", "pass"),
    "ruelle": ("ruelle",),
    "voie": ("voie",),
    "circle": ("circle",),
}

#: How each canonical generic is displayed.
GENERIC_DISPLAY: dict[str, str] = {
    "rue": "Rue",
    "boulevard": "Boulevard",
    "avenue": "Avenue",
    "chemin": "Chemin",
    "montee": "Montée",
    "rang": "Rang",
    "route": "Route",
    "place": "Place",
    "croissant": "Croissant",
    "terrasse": "Terrasse",
    "impasse": "Impasse",
    "allee": "Allée",
    "cote": "Côte",
    "autoroute": "Autoroute",
    "carre": "Carré",
    "cercle": "Cercle",
    "promenade": "Promenade",
    "rond-point": "Rond-point",
    "sentier": "Sentier",
    "square": "Square",
    "passage": "Passage",
    "ruelle": "Ruelle",
    "voie": "Voie",
    "circle": "Circle",
}

# Abbreviations that are generics only at the start or the end of a street name
# (``r`` or ``a`` elsewhere are initials).
ABBREVIATION_TO_GENERIC: dict[str, str] = {}
for _canon, _forms in GENERICS.items():
    for _form in _forms:
        if " " not in _form:
            ABBREVIATION_TO_GENERIC[_form] = _canon
# Generic words that may also stand at the end of the name (English order, "10e Avenue").
TRAILING_GENERICS = {
    "rue", "boulevard", "boul", "blvd", "avenue", "av", "ave", "chemin", "croissant", "crescent",
    "place", "terrasse", "route", "rang", "montee", "street", "circle", "cres",
}

#: Particles left out of the loose key (``Rue de Champagne`` = ``Rue Champagne``).
PARTICLES = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "of", "the", "et"})

ORDINAL_WORDS = {
    "premier": 1, "premiere": 1, "deuxieme": 2, "second": 2, "seconde": 2, "troisieme": 3,
    "quatrieme": 4, "cinquieme": 5, "sixieme": 6, "septieme": 7, "huitieme": 8,
    "neuvieme": 9, "dixieme": 10,
}

#: Provinces and territories of Canada: code -> written forms (lower case, no accents).
PROVINCES: dict[str, tuple[str, ...]] = {
    "QC": ("qc", "que", "quebec", "pq", "p q", "province de quebec"),
    "ON": ("on", "ont", "ontario"),
    "NB": ("nb", "n b", "nouveau brunswick", "new brunswick"),
    "NS": ("ns", "n e", "ne", "nouvelle ecosse", "nova scotia"),
    "PE": ("pe", "pei", "ipe", "ile du prince edouard", "prince edward island"),
    "NL": ("nl", "tnl", "terre neuve et labrador", "terre neuve", "newfoundland and labrador",
           "newfoundland"),
    "MB": ("mb", "man", "manitoba"),
    "SK": ("sk", "sask", "saskatchewan"),
    "AB": ("ab", "alta", "alberta"),
    "BC": ("bc", "cb", "colombie britannique", "british columbia"),
    "YT": ("yt", "yukon"),
    "NT": ("nt", "tno", "territoires du nord ouest", "northwest territories"),
    "NU": ("nu", "nunavut"),
}
PROVINCE_NAMES = {
    "QC": "Québec", "ON": "Ontario", "NB": "Nouveau-Brunswick", "NS": "Nouvelle-Écosse",
    "PE": "Île-du-Prince-Édouard", "NL": "Terre-Neuve-et-Labrador", "MB": "Manitoba",
    "SK": "Saskatchewan", "AB": "Alberta", "BC": "Colombie-Britannique", "YT": "Yukon",
    "NT": "Territoires du Nord-Ouest", "NU": "Nunavut",
}
PROVINCE_FORMS = sorted(
    ((form, code) for code, forms in PROVINCES.items() for form in forms),
    key=lambda fc: -len(fc[0]),
)


#: First letter of the postal code -> province (Canada Post). G, H, J are Québec.
POSTAL_FIRST_LETTER = {
    "A": "NL", "B": "NS", "C": "PE", "E": "NB", "G": "QC", "H": "QC", "J": "QC", "K": "ON",
    "L": "ON", "M": "ON", "N": "ON", "P": "ON", "R": "MB", "S": "SK", "T": "AB", "V": "BC",
    "X": "NT", "Y": "YT",
}

#: Municipalities around the shop, to tell a trailing city from the street when there are no
#: commas (``123 rue Principale Mascouche``). The geocoder adds the region's own cities.
KNOWN_CITIES: tuple[str, ...] = (
    "Mascouche", "Terrebonne", "Lachenaie", "La Plaine", "Repentigny", "Le Gardeur",
    "Charlemagne", "L'Assomption", "Saint-Roch-de-l'Achigan", "Saint-Lin–Laurentides",
    "Sainte-Anne-des-Plaines", "Bois-des-Filion", "Lorraine", "Rosemère", "Blainville",
    "Laval", "Montréal", "Saint-Sulpice", "L'Épiphanie", "Saint-Esprit", "Saint-Roch-Ouest",
    "Sainte-Thérèse", "Boisbriand", "Québec", "Longueuil",
)

__all__ = [
    "ABBREVIATION_TO_GENERIC",
    "GENERICS",
    "GENERIC_DISPLAY",
    "KNOWN_CITIES",
    "ORDINAL_WORDS",
    "PARTICLES",
    "POSTAL_FIRST_LETTER",
    "PROVINCES",
    "PROVINCE_FORMS",
    "PROVINCE_NAMES",
    "TRAILING_GENERICS",
]
