r"""User text inside SQL LIKE patterns: matched literally, so `%`, `_` and `\` in a search find themselves
instead of acting as wildcards. Use the patterns with `escape=LIKE_ESCAPE`."""

from __future__ import annotations

LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards and the escape character made literal."""
    return (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching values that contain `text`."""
    return f"%{escape_like(text)}%"


def prefix_pattern(text: str) -> str:
    """A LIKE pattern matching values that start with `text`."""
    return f"{escape_like(text)}%"
