"""Query-string handling shared by the list endpoints: pagination (A.3) and date filters (A.4)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from werkzeug.datastructures import MultiDict

from sandbox.errors import invalid

DEFAULT_PER_PAGE = 50  # [OBS] a live store answered limit 50 without per_page
MAX_PER_PAGE = 500

T = TypeVar("T")


def _positive_int(args: MultiDict[str, str], name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(name, f"Invalid parameter '{name}' value \"{raw}\": must be an Integer") from None
    if value < 1:
        raise invalid(name, f"Invalid parameter '{name}' value \"{raw}\": {name} must be greater than 0")
    return value


def paginate(items: Sequence[T], args: MultiDict[str, str]) -> tuple[list[T], dict[str, Any]]:
    page = _positive_int(args, "page", 1)
    limit = min(_positive_int(args, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    offset = (page - 1) * limit
    return list(items[offset : offset + limit]), {"total": len(items), "offset": offset, "limit": limit}


def parse_time_filter(args: MultiDict[str, str], name: str) -> datetime | None:
    """ISO 8601 with or without a zone; no zone means UTC (since v2.0.0)."""
    raw = args.get(name)
    if not raw:
        return None
    text = raw.strip()
    if "T" in text and text.count(" ") == 1:
        text = text.replace(" ", "+")  # an unencoded "+01:00" offset arrives as a space
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise invalid(name, f"Invalid parameter '{name}' value \"{raw}\": must be a DateTime") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def within(value: datetime, start: datetime | None, end: datetime | None) -> bool:
    """Both bounds inclusive [ASSUMPTION A.4]."""
    return (start is None or value >= start) and (end is None or value <= end)


def list_param(args: MultiDict[str, str], name: str) -> list[str]:
    """String or Array parameter: `customer=a` or `customer[]=a&customer[]=b`."""
    values = args.getlist(name) + args.getlist(f"{name}[]")
    return [v for v in values if v]
