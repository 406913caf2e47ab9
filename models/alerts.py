"""Alerts: where an account wants them, each channel's last known health (so a change is noticed once), and
every alert composed (the app's outbox)."""

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


class Alert(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"), index=True)
    kind: Mapped[AlertKind] = mapped_column(enum_as_string(AlertKind))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    delivery: Mapped[str] = mapped_column(Text, default="")  # where it went: outbox file, SMTP, webhook
    error: Mapped[str] = mapped_column(Text, default="")

    channel: Mapped[SalesChannel] = relationship()
