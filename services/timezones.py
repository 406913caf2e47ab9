"""Time zones as accounts and channels store them (an IANA name), and calendar days in them.

A name that no longer resolves (tzdata changed, a bad import) falls back to UTC rather than failing a page or
a sync: times stay correct instants, only their display shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FALLBACK = "UTC"


def zone(name: str | None) -> ZoneInfo:
    """The zone called `name`, or UTC when there is none by that name."""
    if not name:
        return ZoneInfo(FALLBACK)
    try:
        return ZoneInfo(name)
    # ZoneInfoNotFoundError: unknown name; ValueError: not a valid key (`../x`, NUL); OSError: the name is a
    # folder of the tz database (`America`) or too long for the file system.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo(FALLBACK)


def day_start_utc(day: date, in_zone: ZoneInfo) -> datetime:
    """Midnight at the start of `day` in `in_zone`, as a UTC instant."""
    return datetime.combine(day, time.min, tzinfo=in_zone).astimezone(UTC)
