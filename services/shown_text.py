"""Text that is shown as one line (names, SKUs, codes) and may end up in an e-mail header: which characters it
must not hold. Line and paragraph separators (Zl, Zp) break a line like a newline does; control (Cc) and
invisible format characters (Cf: bidi overrides, zero-width marks) hide or reorder what is shown."""

from __future__ import annotations

import unicodedata

UNSHOWN_CATEGORIES = frozenset({"Zl", "Zp", "Cc", "Cf"})


def has_unshown_characters(text: str) -> bool:
    return any(unicodedata.category(char) in UNSHOWN_CATEGORIES for char in text)


def one_line(text: str) -> str:
    """`text` with each such character replaced by a space: safe in an e-mail header whatever was stored."""
    return "".join(" " if unicodedata.category(char) in UNSHOWN_CATEGORIES else char for char in text)
