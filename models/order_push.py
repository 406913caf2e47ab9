"""Push Orders: the store POSTs each order's Show Order JSON to a secret intake URL (the Bright Sites
"Push Orders into an Order Management System" add-on), so orders arrive without a billed call.

* `OrderPushSetting`: per channel, on/off, the public id and the hash of the secret in the intake URL
  (`/intake/brightsites/<public id>/<secret>`; the secret is shown once and never stored), the API version
  the store admin is told to choose.
* `PushedOrder`: a received payload, stored before anything else (durable), imported by a job that takes its
  id; kept a short while after its import, or deleted with the order's customer data.
* `OrderArrival`: which path brought an order first — a push, the catch-up sweep, or the plain poll.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import enum_as_string, utcnow
from models.channels import SalesChannel
from models.orders import SalesOrder

PUBLIC_ID_LENGTH = 22  # 128 random bits, URL-safe base64
MAX_PAYLOAD_BYTES = 1024 * 1024  # the largest order JSON a store sends is a few hundred KB


class OrderPushSetting(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"), unique=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    # Unguessable, so the URL names no channel id; the secret after it proves the caller is the store.
    public_id: Mapped[str] = mapped_column(String(PUBLIC_ID_LENGTH), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the secret (256 random bits)
    secret_created_at: Mapped[datetime] = mapped_column(default=utcnow)
    api_version: Mapped[str] = mapped_column(String(16), default="v2.7.0")
    # When the intake last stored a push (to the minute: written at most once a minute, so concurrent pushes
    # do not queue on this row). The health panel shows it.
    last_received_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    channel: Mapped[SalesChannel] = relationship()


class PushState(enum.StrEnum):
    RECEIVED = "received"  # stored, waiting for the import job
    IMPORTED = "imported"  # went through the import (created, updated, or failed with a Retry)
    IGNORED = "ignored"  # older than, or the same as, what techOMS has: nothing written
    UNREADABLE = "unreadable"  # not an order techOMS can read


class PushedOrder(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    external_id: Mapped[int | None] = mapped_column(BigInteger)  # the store order id, when readable
    payload: Mapped[str] = mapped_column(Text)  # the JSON as received (customer data: purged with the order)
    state: Mapped[PushState] = mapped_column(enum_as_string(PushState), default=PushState.RECEIVED)
    error: Mapped[str] = mapped_column(Text, default="")
    processed_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_pushed_order_channel_state", "channel_id", "state", "id"),
        Index("ix_pushed_order_channel_external", "channel_id", "external_id"),
        Index("ix_pushed_order_processed_at", "processed_at"),
    )


class ArrivalPath(enum.StrEnum):
    PUSH = "push"
    SWEEP = "sweep"  # the scheduled listing while push is on: what a push missed
    POLL = "poll"  # the listing while push is off

    @property
    def label(self) -> str:
        return {"push": "Pushed by the store", "sweep": "Found by the catch-up sweep", "poll": "Polled"}[
            self.value
        ]


class OrderArrival(db.Model):
    """How an order first reached techOMS (one row per order, written when it is created)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id", ondelete="CASCADE"), unique=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id", ondelete="CASCADE"))
    path: Mapped[ArrivalPath] = mapped_column(enum_as_string(ArrivalPath))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Set the object: a new order gets its id at the page's flush.
    order: Mapped[SalesOrder] = relationship()

    __table_args__ = (Index("ix_order_arrival_channel_path", "channel_id", "path"),)
