"""Alerts: where an account wants them, each channel's last known health (so a change is noticed once), and
every alert composed (the app's outbox). Most alerts are about a channel; an account-level one (a webhook
endpoint disabled) has no channel."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import enum_as_string, utcnow
from models.channels import SalesChannel


class AlertSettings(db.Model):
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    recipients: Mapped[str] = mapped_column(Text, default="")  # e-mail addresses, one per line
    webhook_url: Mapped[str] = mapped_column(String(500), default="")


class ChannelAlertState(db.Model):
    """The health the last alert was about: a new alert only when it changes."""

    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"), primary_key=True)
    unhealthy: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertKind(enum.StrEnum):
    UNHEALTHY = "unhealthy"
    RECOVERED = "recovered"
    WEBHOOK_DISABLED = "webhook_disabled"  # account-level: one of its webhook endpoints was disabled


class Alert(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    # None: an account-level alert (a webhook endpoint disabled).
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("sales_channel.id"), index=True)
    kind: Mapped[AlertKind] = mapped_column(enum_as_string(AlertKind))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    delivery: Mapped[str] = mapped_column(Text, default="")  # where it went: outbox file, SMTP, webhook
    error: Mapped[str] = mapped_column(Text, default="")

    channel: Mapped[SalesChannel | None] = relationship()
