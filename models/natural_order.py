"""Natural order for names and SKUs: "SKU-2" before "SKU-10", ignoring case.

The key is stored beside the text it orders (written whenever the text is), so a list sorts and pages on an
index. Plain byte order of the key is the natural order: each run of digits is written as its length (two
digits) then its digits without leading zeros, so a shorter number sorts first and equal lengths compare digit
by digit. PostgreSQL compares the column with the "C" collation (byte order, whatever the database's locale);
SQLite's default BINARY collation is byte order already.

The migration that added the keys (3ad25e2f73fe) backfilled existing rows with a frozen copy of this function;
tests/models/test_natural_order.py checks that copy still gives the same keys. Changing the function means a
migration that recomputes every key.
"""

from __future__ import annotations

import re

from sqlalchemy import String

SORT_KEY_LENGTH = 400  # a 200-character name of one-digit runs ("1a1a…") grows to 400; longer text is cut
_DIGITS = re.compile(r"([0-9]+)")
_SPACES = re.compile(r"\s+")
_MAX_RUN_LENGTH = 99  # two digits say the length; longer runs (never seen) compare by their first digits


def natural_sort_key(text: str) -> str:
    """The key that orders `text` naturally: case-insensitive, spaces collapsed, numbers by value."""
    folded = _SPACES.sub(" ", text.strip().casefold())
    parts = []
    for index, part in enumerate(_DIGITS.split(folded)):
        if index % 2:  # a run of digits
            number = part.lstrip("0") or "0"
            parts.append(f"{min(len(number), _MAX_RUN_LENGTH):02d}{number}")
        else:
            parts.append(part)
    return "".join(parts)[:SORT_KEY_LENGTH]


def sort_key_type() -> String:
    """The key's column type: byte order on every backend."""
    return String(SORT_KEY_LENGTH).with_variant(String(SORT_KEY_LENGTH, collation="C"), "postgresql")
