"""Jinja filters: dates shown in the timezone of the account or channel they belong to, also the ones an audit
row keeps as ISO text."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask

from run_queue.enqueue import retry_at
from services.timezones import zone
from web.audit_labels import audit_action, audit_field, schedule_value
from web.live_refresh import poll_after

# An instant as audit rows store it (datetime.isoformat()); a bare date has no zone to convert.
ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?")


def datetime_in(value: datetime | None, timezone: str = "UTC") -> str:
    if value is None:
        return ""
    return value.astimezone(zone(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def audit_value(value: str | None, timezone: str = "UTC", field: str | None = None) -> str:
    """An audit row's old or new value; an instant (`2026-11-30T23:14:41.289691+00:00`) in `timezone`, like
    every other date on the page. An instant written without a zone is UTC, as the app stores them. A
    schedule (`field` ending in `_every`) reads as its label."""
    value = schedule_value(value, field)
    if not value or not ISO_INSTANT.fullmatch(value):
        return value or ""
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return value
    return datetime_in(instant if instant.tzinfo else instant.replace(tzinfo=UTC), timezone)


def init_app(app: Flask) -> None:
    app.add_template_filter(datetime_in, "datetime_in")
    app.add_template_filter(audit_value, "audit_value")
    app.add_template_filter(audit_field, "audit_field")
    app.add_template_filter(audit_action, "audit_action")
    app.add_template_global(poll_after, "live_poll_after")
    app.add_template_global(retry_at, "run_retry_at")
