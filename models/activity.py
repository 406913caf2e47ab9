"""What the sync engine did: runs, their events, cursors, orders waiting for a retry, and API call logs."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import enum_as_string, utcnow
from models.channels import SalesChannel
from models.orders import SalesOrder
from models.tenancy import User


class SyncAction(enum.StrEnum):
    IMPORT_ORDERS = "import_orders"
    EXPORT_SHIPMENTS = "export_shipments"
    EXPORT_INVENTORY = "export_inventory"
    IMPORT_PRODUCTS = "import_products"  # the store's catalog into techOMS products and variants
    PURGE_PII = "purge_pii"  # the retention purge: no store calls, customer data removed from old orders
    IMPORT_PUSHED = "import_pushed"  # orders the store pushed (sync/import_pushed.py): no store calls

    @property
    def label(self) -> str:
        """What the screens call it (the rest of what techOMS knows of an action: sync/actions.py)."""
        return _ACTION_LABELS[self]


_ACTION_LABELS = {
    SyncAction.IMPORT_ORDERS: "Import orders",
    SyncAction.EXPORT_SHIPMENTS: "Export shipments",
    SyncAction.EXPORT_INVENTORY: "Export inventory",
    SyncAction.IMPORT_PRODUCTS: "Import products",
    SyncAction.PURGE_PII: "Purge PII",
    SyncAction.IMPORT_PUSHED: "Import pushed orders",
}


class SyncTrigger(enum.StrEnum):
    MANUAL = "manual"
    SCHEDULED = "scheduled"
    RETRY = "retry"  # one or more failed orders retried from the logs
    PUSH = "push"  # the store pushed orders (Push Orders add-on)
    CATCH_UP = "catch_up"  # the inventory export brings orders up to date before it publishes

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # finished, some items failed
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (RunStatus.SUCCEEDED, RunStatus.PARTIAL, RunStatus.FAILED)


ACTIVE_STATUSES = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)
ACTIVE_RUN = text("status IN ('queued', 'running')")  # the predicate of the one-active-run index


class EventLevel(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    FATAL = "fatal"


class SyncRun(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"))
    action: Mapped[SyncAction] = mapped_column(enum_as_string(SyncAction))
    trigger: Mapped[SyncTrigger] = mapped_column(enum_as_string(SyncTrigger))
    status: Mapped[RunStatus] = mapped_column(enum_as_string(RunStatus), default=RunStatus.QUEUED)
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # date range, order ids to retry
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]  # bumped while working; a stale one means the worker died
    attempts: Mapped[int] = mapped_column(default=0)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # created, updated, unchanged, skipped, failed
    api_calls: Mapped[int] = mapped_column(default=0)
    error_summary: Mapped[str] = mapped_column(Text, default="")

    channel: Mapped[SalesChannel] = relationship()
    requested_by: Mapped[User | None] = relationship()

    __table_args__ = (
        # One queued-or-running run per channel and action, enforced by the database (double clicks, races).
        Index(
            "uq_sync_run_active_channel_action",
            "channel_id",
            "action",
            unique=True,
            sqlite_where=ACTIVE_RUN,
            postgresql_where=ACTIVE_RUN,
        ),
        Index("ix_sync_run_channel_action_created", "channel_id", "action", "created_at"),
        # A channel's run history, newest first (also its foreign key's index).
        Index("ix_sync_run_channel_id_id", "channel_id", "id"),
        # Channel health: each flow's last success and the failures after it, read from the index alone.
        Index("ix_sync_run_channel_action_status_finished", "channel_id", "action", "status", "finished_at"),
        # The latest run per channel and action (last_runs): one max(id) probe per pair.
        Index("ix_sync_run_channel_action_id", "channel_id", "action", "id"),
    )

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0 if not self.status.is_final else 100
        return min(100, round(100 * self.progress_done / self.progress_total))


class SyncEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_run.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"), index=True)
    level: Mapped[EventLevel] = mapped_column(enum_as_string(EventLevel))
    message: Mapped[str] = mapped_column(Text)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_order.id", ondelete="SET NULL"), index=True
    )
    external_order_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Set the object, not the id: an order created in the same page gets its id at the page's flush.
    order: Mapped[SalesOrder | None] = relationship()

    # Events that name a store order without being linked to it (e.g. a failed first import): the order's
    # event list and the PII purge find them by channel and store order id.
    __table_args__ = (Index("ix_sync_event_channel_external_order", "channel_id", "external_order_id"),)


class SyncCursor(db.Model):
    """How far an action has read the store: e.g. the order-import watermark (store updated_at)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"), index=True)
    action: Mapped[SyncAction] = mapped_column(enum_as_string(SyncAction))
    value: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("channel_id", "action"),)


class FailureCause(enum.StrEnum):
    """Why an order waits for a retry, for grouping the failed orders (the message says the details)."""

    MISSING_SKU = "missing_sku"  # a line's SKU maps to no product variant (the SKUs are in PendingOrderSku)
    NO_SKU = "no_sku"  # a line without a SKU
    STORE_ERROR = "store_error"  # the store did not answer the order's detail
    UNREADABLE = "unreadable"  # the store sent data techOMS cannot read
    OTHER = "other"  # failed before causes were recorded

    @property
    def label(self) -> str:
        return {
            FailureCause.MISSING_SKU: "SKU maps to no product variant",
            FailureCause.NO_SKU: "A line has no SKU",
            FailureCause.STORE_ERROR: "The store did not answer",
            FailureCause.UNREADABLE: "The store sent data techOMS cannot read",
            FailureCause.OTHER: "Other",
        }[self]


class PendingOrder(db.Model):
    """A store order that failed to import: later runs retry it until it imports (or alone, on request).

    `retry_requested_at` later than `last_failed_at` means someone asked for a retry that has not happened
    yet: the import queued or running picks it up before it finishes (sync/import_orders.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"), index=True)
    external_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=1)
    first_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_run.id", ondelete="SET NULL"))
    cause: Mapped[FailureCause] = mapped_column(
        enum_as_string(FailureCause), default=FailureCause.OTHER, server_default=FailureCause.OTHER.value
    )
    retry_requested_at: Mapped[datetime | None]
    # The Show Order JSON it failed on (a SKU failure): a retry after a mapping reuses it instead of a billed
    # call while the store's listing shows the same update time (document_updated_at).
    document: Mapped[dict | None] = mapped_column(JSON)
    document_updated_at: Mapped[datetime | None]
    # Without a document, an automatic retry is a billed call: imports leave it alone until then (a back-off
    # growing with the attempts, sync/pending_orders.py). NULL: every import retries it (it costs no call).
    next_retry_at: Mapped[datetime | None]

    missing_skus: Mapped[list[PendingOrderSku]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="PendingOrderSku.sku_key"
    )

    __table_args__ = (UniqueConstraint("channel_id", "external_id"),)

    @property
    def retry_requested(self) -> bool:
        """A retry was asked for after its last attempt (services/orders/failed_orders.retry_outstanding)."""
        return self.retry_requested_at is not None and self.retry_requested_at > self.last_failed_at

    @property
    def waits_until(self) -> datetime | None:
        """When an import will next try it by itself, while that is still ahead; None: the next import does
        (it costs no call, its pause is over, or a person asked for a retry)."""
        if self.next_retry_at is None or self.retry_requested or self.next_retry_at <= utcnow():
            return None
        return self.next_retry_at


class PendingOrderSku(db.Model):
    """A store SKU that stops a pending order (one row per SKU and order): the failed-orders view groups by
    it, and a new SKU mapping finds the orders it fixes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    pending_order_id: Mapped[int] = mapped_column(ForeignKey("pending_order.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(255))
    sku_key: Mapped[str] = mapped_column(String(255))

    __table_args__ = (
        UniqueConstraint("pending_order_id", "sku_key"),
        Index("ix_pending_order_sku_channel_key", "channel_id", "sku_key"),
    )


class ApiCallLog(db.Model):
    """Manual logging: one row per call to the store while it is switched on. Token and PII redacted."""

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_run.id", ondelete="SET NULL"), index=True)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[int | None]
    duration_ms: Mapped[int]
    attempt: Mapped[int] = mapped_column(default=1)
    request_body: Mapped[str] = mapped_column(Text, default="")
    response_body: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
