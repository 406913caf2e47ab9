"""Writes techOMS makes to a store order on an operator's request (the order page's Cancel, Note, Void a
shipment), each carried out once by a background job (sync/order_writes.py).

    QUEUED --claim--> SENDING --answer--> DONE (the store's success/errors lists kept) | FAILED (refused)
                         |
                         +--no answer (5xx, dropped)--> UNSURE --read the order first--> DONE | SENDING

A write never goes out twice on faith: after an unsure outcome the job reads the order on the store and sends
again only what is not there.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import enum_as_string, utcnow
from models.orders import SalesOrder
from models.tenancy import User


class WriteKind(enum.StrEnum):
    CANCEL = "cancel"  # PUT /orders/:id/cancel
    NOTE = "note"  # PUT /orders/:id with a note (appended)
    VOID_SHIPMENT = "void_shipment"  # DELETE /orders/:id/shipments/:id
    ACKNOWLEDGE = "acknowledge"  # PUT /orders/:id with status in_progress (or back_ordered)

    @property
    def label(self) -> str:
        return {
            "cancel": "Cancel",
            "note": "Note",
            "void_shipment": "Void shipment",
            "acknowledge": "Acknowledge",
        }[self.value]


class WriteState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    UNSURE = "unsure"  # sent, no answer to rely on: the order is read before anything is sent again
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


ACTIVE_STATES = (WriteState.QUEUED, WriteState.SENDING, WriteState.UNSURE)


class StoreWrite(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    kind: Mapped[WriteKind] = mapped_column(enum_as_string(WriteKind))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipment.id"))  # a void's shipment
    store_shipment_id: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)  # a note's text (operator's words: may name the customer)
    store_status: Mapped[str | None] = mapped_column(String(20))  # an acknowledgement's status
    state: Mapped[WriteState] = mapped_column(enum_as_string(WriteState), default=WriteState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)  # requests that went out for the write itself
    calls: Mapped[int] = mapped_column(default=0)  # every billed call made for it (reads to reconcile too)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the store's success/errors lists
    error: Mapped[str] = mapped_column(Text, default="")  # why it failed, or what is unsure
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    order: Mapped[SalesOrder] = relationship()
    requested_by: Mapped[User | None] = relationship()

    __table_args__ = (
        # One write of a kind in flight per order: a double click or a second tab cannot send it twice.
        Index(
            "uq_store_write_active",
            "order_id",
            "kind",
            unique=True,
            sqlite_where=text("state IN ('queued', 'sending', 'unsure')"),
            postgresql_where=text("state IN ('queued', 'sending', 'unsure')"),
        ),
    )

    @property
    def store_errors(self) -> list[str]:
        return [str(e) for e in (self.answer or {}).get("errors") or []]

    @property
    def store_successes(self) -> list[str]:
        return [str(e) for e in (self.answer or {}).get("success") or []]
