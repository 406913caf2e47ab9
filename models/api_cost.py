"""What the stores bill: calls per channel, UTC day and action (a counter, so the cost view is one cheap
query), and each channel's optional monthly allowance and warning threshold."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class ApiCallDay(db.Model):
    """Billed calls of one channel on one UTC day for one action: a sync action (import_orders, ...) or a
    route of the app that calls the store (connection_check, reference_lists). Incremented atomically."""

    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(40), primary_key=True)
    calls: Mapped[int] = mapped_column(default=0)


class ChannelApiBudget(db.Model):
    """Calls per calendar month (UTC): a banner from `warning_calls`, scheduled runs paused from
    `monthly_allowance`. Either may be empty (no banner, no pause)."""

    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"), primary_key=True)
    monthly_allowance: Mapped[int | None]
    warning_calls: Mapped[int | None]
