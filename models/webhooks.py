"""Webhook endpoints of an account (where its events are POSTed, signed) and the log of every delivery.

The signing secret is kept encrypted (the token vault's keys) and shown once. A rotation keeps the previous
secret until `previous_secret_expires_at`: deliveries carry both signatures meanwhile. Deleting an endpoint
only marks it: its delivery log stays until the account's retention.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import enum_as_string, utcnow
from models.outbox import OutboxEvent


class WebhookEndpoint(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    secret_ciphertext: Mapped[str] = mapped_column(Text)
    previous_secret_ciphertext: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None]
    # Outbox position up to which events were turned into deliveries for it.
    last_position: Mapped[int] = mapped_column(BigInteger, default=0)
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str] = mapped_column(Text, default="")
    disabled_at: Mapped[datetime | None]  # when the sender disabled it (None while enabled)
    failing_since: Mapped[datetime | None]  # the first failure after the last success
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    @property
    def is_live(self) -> bool:
        return self.enabled and self.deleted_at is None


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its turn or its next attempt
    DELIVERED = "delivered"
    FAILED = "failed"  # retried for 24 hours without a 2xx; Replay sends it again


class WebhookDelivery(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_event.id"))  # None: a test event
    event_type: Mapped[str] = mapped_column(String(40))
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(BigInteger, default=0)  # the event's; test events 0
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_as_string(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    first_attempt_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    response_status: Mapped[int | None]
    response_excerpt: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    test_payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    endpoint: Mapped[WebhookEndpoint] = relationship()
    event: Mapped[OutboxEvent | None] = relationship()

    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        # The sender's rule "only the first pending delivery of an order" reads pending rows per order.
        Index(
            "ix_webhook_delivery_pending_order",
            "endpoint_id",
            "order_id",
            "position",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_webhook_delivery_account_created", "account_id", "created_at"),
        # An order's deliveries (the order page's timeline).
        Index("ix_webhook_delivery_order", "order_id", "id"),
        # The retention purge's "no delivery of this event is pending" and its delete by event.
        Index("ix_webhook_delivery_event_id", "event_id"),
        # The dispatcher's look for endpoints with due work: only pending rows, a small set.
        Index(
            "ix_webhook_delivery_pending_due",
            "next_attempt_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )
