"""Parsing JSON that comes from outside (API bodies, pushed orders, store answers) with a bound on nesting.
Python's json recursion fails with RecursionError (not ValueError) near a thousand levels, so a body of
`{"a":` × 2000 would be a 500; the depth is measured first, without recursing, and a deeper body is a
ValueError like any other unreadable JSON."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64  # an order document nests about six levels
# A string (skipped whole: brackets inside it do not count) or a bracket.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


class TooDeep(ValueError):
    """The document nests deeper than MAX_DEPTH."""


def depth_within(data: bytes, limit: int = MAX_DEPTH) -> bool:
    if data.count(b"[") + data.count(b"{") <= limit:  # the common case: no scan needed
        return True
    depth = 0
    for match in _TOKENS.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return False
        elif token in (b"]", b"}"):
            depth -= 1
    return True


def loads(data: bytes | str) -> Any:
    """`json.loads`, refusing a document nested deeper than MAX_DEPTH (TooDeep, a ValueError)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if not depth_within(raw):
        raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
    return json.loads(raw)
