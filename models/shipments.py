"""Shipments: packages that left a warehouse for a sales order, and where each stands with the store.

A shipment comes from fulfilment (the order page, or a host system through /api/v1). The Export shipments
action sends each to the store once: `export_status` says how far it got. SENDING means a request went out
and its outcome is not known; before anything is sent again the store's own list of the order's shipments
decides whether it arrived.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.api_keys import ApiKey
from models.base import enum_as_string, utcnow
from models.catalog import CarrierService, Warehouse
from models.orders import SalesOrder, SalesOrderLine
from models.tenancy import User

TRACKING_LENGTH = 100
NOTE_LENGTH = 255  # the store's limit for a shipment note


class ExportStatus(enum.StrEnum):
    WAITING = "waiting"  # the next Export shipments run sends it
    SENDING = "sending"  # sent, outcome unknown (timeout, dropped connection, 5xx): reconcile first
    SENT = "sent"  # the store confirmed it: store_shipment_id
    ERROR = "error"  # refused or not sendable: waits until a user retries it
    VOIDED = "voided"  # taken back from the store (DELETE): its quantities no longer count as shipped

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ShipmentOrigin(enum.StrEnum):
    """Who shipped it: techOMS's fulfilment (exported to the store once), or the store itself (another
    fulfilment path, a vendor): read with the order, recorded as sent, never exported."""

    TECHOMS = "techoms"
    STORE = "store"


class ExportProblem(enum.StrEnum):
    """Why a shipment is in ERROR: says what the order page offers to fix it."""

    STORE_REFUSED = "store_refused"  # 422 with the store's message
    UNMAPPED_CARRIER = "unmapped_carrier"  # no carrier mapping for its carrier + service
    MOAS_PENDING = "moas_pending"  # the store order awaits Manager Order Approval
    ORDER_MISSING = "order_missing"  # the store no longer has the order
    ORDER_CANCELLED = "order_cancelled"  # the store order was cancelled before this shipment was sent


class Shipment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"))  # the order's; for the export
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouse.id"))
    # None only for a store shipment whose shipping method maps to no carrier service (store_shipping_method)
    carrier_service_id: Mapped[int | None] = mapped_column(ForeignKey("carrier_service.id"))
    tracking_number: Mapped[str] = mapped_column(String(TRACKING_LENGTH))
    ship_date: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(NOTE_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # from the order page
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id"))  # from a host system
    origin: Mapped[ShipmentOrigin] = mapped_column(
        enum_as_string(ShipmentOrigin), default=ShipmentOrigin.TECHOMS, server_default="techoms"
    )
    store_shipping_method: Mapped[str | None] = mapped_column(String(120))  # a store shipment's, as sent

    export_status: Mapped[ExportStatus] = mapped_column(
        enum_as_string(ExportStatus), default=ExportStatus.WAITING
    )
    store_shipment_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None]
    export_problem: Mapped[ExportProblem | None] = mapped_column(enum_as_string(ExportProblem))
    export_error: Mapped[str] = mapped_column(Text, default="")
    export_attempts: Mapped[int] = mapped_column(default=0)  # requests that went out for it
    last_attempt_at: Mapped[datetime | None]

    order: Mapped[SalesOrder] = relationship()
    warehouse: Mapped[Warehouse | None] = relationship()
    carrier_service: Mapped[CarrierService | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    api_key: Mapped[ApiKey | None] = relationship()
    lines: Mapped[list[ShipmentLine]] = relationship(
        back_populates="shipment", cascade="all, delete-orphan", order_by="ShipmentLine.id"
    )

    __table_args__ = (
        # The export's work list (a channel's shipments not yet confirmed) and the shipments sent today.
        Index("ix_shipment_channel_status_sent", "channel_id", "export_status", "sent_at"),
    )


class ShipmentLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipment.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    quantity: Mapped[int]

    shipment: Mapped[Shipment] = relationship(back_populates="lines")
    order_line: Mapped[SalesOrderLine] = relationship()

    __table_args__ = (
        UniqueConstraint("shipment_id", "order_line_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )
