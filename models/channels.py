"""Sales channels (a Bright Sites store connected to an account) and the audit trail of their settings."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import enum_as_string, utcnow
from models.tenancy import Account, User


class ChannelType(enum.StrEnum):
    BRIGHTSITES = "brightsites"


class ChannelStatus(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class InitialOrderStatus(enum.StrEnum):
    APPROVED = "approved"
    DRAFT = "draft"


class ShipmentStoreStatus(enum.StrEnum):
    """What the store's order becomes after techOMS sends a shipment."""

    NONE = "none"
    SHIPPED = "shipped"
    COMPLETED = "completed"


class InventoryMode(enum.StrEnum):
    DO_NOT_SYNC = "none"  # only manual syncs push stock
    ABSOLUTE = "absolute"


class WeightUnit(enum.StrEnum):
    LB = "lb"
    OZ = "oz"
    KG = "kg"
    G = "g"


class DimensionUnit(enum.StrEnum):
    IN = "in"
    CM = "cm"


class ScheduleStart(enum.StrEnum):
    """When scheduled order imports start for a channel that has never imported (the wizard's last step)."""

    AT_ONCE = "at_once"  # due at once (channels made before the choice existed, or whose first import ran)
    AFTER_INTERVAL = "after_interval"  # "on schedule": one interval after the channel was created
    AFTER_FIRST_IMPORT = "after_first_import"  # "later": off until turned on or a first import by hand


# Automation intervals in minutes; None means the action never runs on its own.
SCHEDULE_CHOICES = (None, 5, 15, 30, 60, 1440)
DEFAULT_IMPORT_EVERY = 30


def mask_token(token: str) -> str:
    """A token as the app shows it: its last four characters only (`•••• 1a2b`)."""
    return f"•••• {token[-4:]}"


class SalesChannel(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    channel_type: Mapped[ChannelType] = mapped_column(
        enum_as_string(ChannelType), default=ChannelType.BRIGHTSITES
    )
    name: Mapped[str] = mapped_column(String(120))
    # Normalised host (mystore.mybrightsites.com); unique among channels that are not deleted.
    shop_domain: Mapped[str] = mapped_column(String(253))
    # Fernet ciphertext of the access token; empty once the channel is deleted (the token is destroyed).
    token_ciphertext: Mapped[str] = mapped_column(Text, default="")
    token_last4: Mapped[str] = mapped_column(String(4), default="")
    token_can_write: Mapped[bool | None]
    token_updated_at: Mapped[datetime | None]
    # Set when the store refused the token (401/403): scheduled syncs pause until the token is replaced.
    token_refused_at: Mapped[datetime | None]
    status: Mapped[ChannelStatus] = mapped_column(enum_as_string(ChannelStatus), default=ChannelStatus.ACTIVE)
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # Main settings: automations (minutes between runs; None = never).
    import_orders_every: Mapped[int | None] = mapped_column(default=DEFAULT_IMPORT_EVERY)
    export_shipments_every: Mapped[int | None] = mapped_column(default=30)
    export_inventory_every: Mapped[int | None] = mapped_column(default=1440)
    import_products_every: Mapped[int | None]  # off unless switched on: the catalog changes rarely
    schedule_start: Mapped[ScheduleStart] = mapped_column(
        enum_as_string(ScheduleStart),
        default=ScheduleStart.AT_ONCE,
        server_default=ScheduleStart.AT_ONCE.value,
    )

    # Advanced: order options.
    order_statuses: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["paid"])
    import_lag_minutes: Mapped[int] = mapped_column(default=30)
    import_since: Mapped[date | None]
    order_number_prefix: Mapped[str] = mapped_column(String(20), default="")
    initial_order_status: Mapped[InitialOrderStatus] = mapped_column(
        enum_as_string(InitialOrderStatus), default=InitialOrderStatus.APPROVED
    )
    detail_concurrency: Mapped[int] = mapped_column(default=4)
    # Advanced: shipment options.
    shipment_store_status: Mapped[ShipmentStoreStatus] = mapped_column(
        enum_as_string(ShipmentStoreStatus), default=ShipmentStoreStatus.NONE
    )
    send_shipping_confirmation: Mapped[bool] = mapped_column(default=False)
    update_order_with_last_shipment: Mapped[bool] = mapped_column(default=False)
    # Mark the store order In progress (Back ordered when stock is short) when its first shipment is recorded
    # and units are left to ship: services/orders/store_writes.py acknowledge_when_fulfilment_starts.
    acknowledge_when_fulfilment_starts: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # Advanced: inventory options.
    inventory_mode: Mapped[InventoryMode] = mapped_column(
        enum_as_string(InventoryMode), default=InventoryMode.DO_NOT_SYNC
    )
    inventory_buffer: Mapped[int] = mapped_column(default=0)
    inventory_max: Mapped[int | None]
    # Sold out stays sold out: at or below this many available, publish 0 (0 = off).
    inventory_sold_out_at: Mapped[int] = mapped_column(default=0, server_default="0")
    # Advanced: time zone, currency and units.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The ISO 4217 code the store prices in ("USD"): the Bright Sites API sends amounts without one, so the
    # operator says it once; "" = not said, totals are shown as bare amounts.
    currency: Mapped[str] = mapped_column(String(3), default="", server_default="")
    weight_unit: Mapped[WeightUnit] = mapped_column(enum_as_string(WeightUnit), default=WeightUnit.LB)
    dimension_unit: Mapped[DimensionUnit] = mapped_column(
        enum_as_string(DimensionUnit), default=DimensionUnit.IN
    )

    # Privacy: days after an order is closed before its PII is removed; None keeps it.
    pii_retention_days: Mapped[int | None]
    # Manual logging of the channel's API traffic, on until this moment (it switches itself off).
    api_logging_until: Mapped[datetime | None]

    account: Mapped[Account] = relationship()

    __table_args__ = (
        Index(
            "uq_sales_channel_live_shop_domain",
            "shop_domain",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    @property
    def masked_token(self) -> str:
        return mask_token(self.token_last4) if self.token_last4 else "(none)"


class AuditEvent(db.Model):
    """Who changed what, when: old → new, secrets masked. Kept when the channel is deleted."""

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("sales_channel.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(40))
    field: Mapped[str] = mapped_column(String(60), default="")
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    user: Mapped[User | None] = relationship()
