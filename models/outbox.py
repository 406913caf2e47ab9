"""The outbox: one row per change a host system cares about, written in the same transaction as the change.

`position` is the commit order. Rows are inserted without it; services/outbox.py gives positions after
commit, one sequencer at a time (an advisory lock on PostgreSQL, the write lock on SQLite), to rows it can
see, that is committed ones. So positions only grow in the order rows became visible, and a reader that
keeps the last position it saw never misses a row committed later by a transaction that took a lower id.
`version` counts the events of one object, also given in commit order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import utcnow

# SQLite gives only an INTEGER PRIMARY KEY an automatic id; PostgreSQL's BIGINT identity has room to spare.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")

EVENT_TYPES = (
    "order.created",
    "order.updated",
    "order.cancelled",
    "order.held",
    "order.released",
    "shipment.recorded",
    "shipment.sent",
    "shipment.failed",
    "stock.published",
)


class OutboxEvent(db.Model):
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    type: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(20))  # order, shipment, stock
    object_id: Mapped[int] = mapped_column(BigInteger)
    # The order it belongs to (an order's own events and its shipments'): deliveries keep this order's order.
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    position: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    version: Mapped[int | None]

    __table_args__ = (
        Index("ix_outbox_event_account_position", "account_id", "position"),
        # The sequencer's work list: committed rows without a position yet (a handful at any time).
        Index(
            "ix_outbox_event_unsequenced",
            "id",
            sqlite_where=text("position IS NULL"),
            postgresql_where=text("position IS NULL"),
        ),
    )


class OutboxPurgeMark(db.Model):
    """How far the retention purge deleted an account's events (the highest position it deleted): a feed
    cursor before it may have missed events, and is answered 410 instead of a page with a silent gap."""

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    purged_through: Mapped[int] = mapped_column(BigInteger)
    purged_at: Mapped[datetime] = mapped_column(default=utcnow)
