"""Time zones by name and days in them (services/timezones.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.timezones import day_start_utc, zone


def test_a_known_name_is_its_zone():
    assert zone("America/Denver") == ZoneInfo("America/Denver")


@pytest.mark.parametrize(
    "name", [None, "", "Mars/Olympus_Mons", "../etc/passwd", "UTC\x00", "America", "x" * 300]
)
def test_a_name_that_is_no_zone_falls_back_to_utc(name):
    assert zone(name) == ZoneInfo("UTC")


def test_day_start_is_local_midnight_as_a_utc_instant_across_daylight_saving():
    denver = ZoneInfo("America/Denver")
    assert day_start_utc(date(2025, 1, 15), denver) == datetime(2025, 1, 15, 7, tzinfo=UTC)  # MST, UTC-7
    assert day_start_utc(date(2025, 7, 15), denver) == datetime(2025, 7, 15, 6, tzinfo=UTC)  # MDT, UTC-6
    assert day_start_utc(date(2025, 7, 15), ZoneInfo("UTC")).tzinfo == UTC
