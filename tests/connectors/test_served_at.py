"""The store's clock from an answer's Date header: the clock its orders' created_at is set against."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.brightsites.responses import served_at


def test_an_http_date_is_read_as_utc():
    assert served_at({"Date": "Mon, 07 Dec 2026 10:15:30 GMT"}) == datetime(
        2026, 12, 7, 10, 15, 30, tzinfo=UTC
    )


def test_an_offset_is_turned_to_utc():
    assert served_at({"Date": "Mon, 07 Dec 2026 11:15:30 +0100"}) == datetime(
        2026, 12, 7, 10, 15, 30, tzinfo=UTC
    )


@pytest.mark.parametrize("value", [None, "", "yesterday", "Mon, 07 Dec 2026 10:15:30 -0000", "32 Foo 2026"])
def test_no_readable_zoned_date_is_none(value):
    """-0000 says the zone is unknown (RFC 5322): not a clock to compare with."""
    headers = {} if value is None else {"Date": value}
    assert served_at(headers) is None
