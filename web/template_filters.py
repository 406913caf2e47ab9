"""Jinja filters: dates shown in the timezone of the account or channel they belong to."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from services.timezones import zone


def datetime_in(value: datetime | None, timezone: str = "UTC") -> str:
    if value is None:
        return ""
    return value.astimezone(zone(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def init_app(app: Flask) -> None:
    app.add_template_filter(datetime_in, "datetime_in")
