"""Full country and state names as Bright Sites serves them ("United States", "Illinois") -> ISO codes.

Unknown names give None so the caller keeps the raw text; nothing is guessed.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import pycountry

# Names stores use that pycountry does not know under that spelling.
_COUNTRY_ALIASES = {
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "russia": "RU",
    "us": "US",
    "u.s.": "US",
    "u.s.a.": "US",
}


def _folded(text: str) -> str:
    """Case- and accent-insensitive form: "Québec" == "quebec"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


@lru_cache(maxsize=512)
def country_code(name: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a country name or code, or None when unknown."""
    if not name or not name.strip():
        return None
    folded = _folded(name)
    if folded in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[folded]
    try:
        return pycountry.countries.lookup(name.strip()).alpha_2
    except LookupError:
        return None


@lru_cache(maxsize=256)
def _subdivisions_of(country: str) -> dict[str, str]:
    """folded name or code suffix -> code suffix ("illinois" -> "IL", "il" -> "IL")."""
    index: dict[str, str] = {}
    for subdivision in pycountry.subdivisions.get(country_code=country) or []:
        suffix = subdivision.code.split("-", 1)[1]
        index.setdefault(_folded(subdivision.name), suffix)
        index.setdefault(suffix.casefold(), suffix)
    return index


@lru_cache(maxsize=2048)
def subdivision_code(country: str | None, name: str | None) -> str | None:
    """ISO 3166-2 subdivision code without the country prefix ("IL" for Illinois, US), or None."""
    if not country or not name or not name.strip():
        return None
    return _subdivisions_of(country).get(_folded(name))
