"""Customer PII and the retention purge: which column holds what, which orders are due, what the Privacy
section previews, and how a batch of due orders loses its customer data. No commit here: the purge
(`sync/purge_pii.py`) owns one transaction per batch.

Where customer data can be (every model in `models/` was read; `PII_FIELDS` classifies each column):
* `sales_order`: customer_name, customer_email, customer_phone are emptied; `pii_purged_at` is set (the
  tombstone the import checks before writing customer data).
* `order_address`: first/last name, company, street lines, e-mail and phone are emptied; city, region,
  postal code and country stay for reporting.
* `sync_event.message`, events about the order (linked by order_id, or by channel and store order id).
* `pending_order.reason`, a failed import waiting for a retry (by channel and store order id).
* `audit_event.old_value/new_value`, rows about the order (field "order", value its number: order_viewed).
* `shipment.note`, typed by a warehouse person, emptied with the order; `idempotency_key.response_body`
  (the first answer to a POST, quoting the shipment) is deleted after a day by every purge run.
* `pushed_order.payload`, an order as the store pushed it (the Show Order JSON, customer and all): deleted
  with the order's customer data, and PUSHED_PAYLOAD_DAYS after it was imported in any case.
* `api_call_log.request_body/response_body`, manual-logging captures naming the order (`/orders/<id>` in
  the path, or `"order_id": <id>` in a body).
The free-text copies are cut out by `services/pii_copies.py`. Checked and free of customer data: order
lines (SKU, product name, quantities, prices), sync runs (params hold store ids and dates; error summaries
are run-level), cursors, channels, mappings, catalog (ours and the store's), and the tenancy tables (staff,
not customers); in Redis, job arguments and results are run ids and statuses. What stays links a purged
order to the store's own copy (store order id and number): the row is pseudonymous, not anonymous.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, func, select, update

from extensions import db
from models.activity import ApiCallLog, PendingOrder, SyncEvent
from models.api_keys import IdempotencyKey
from models.channels import AuditEvent
from models.order_push import PushedOrder
from models.orders import OrderAddress, OrderStatus, SalesOrder, SalesOrderLine
from models.shipments import Shipment
from models.store_writes import StoreWrite


class Handling(enum.StrEnum):
    REMOVE = "remove"  # a direct identifier: emptied
    SCRUB = "scrub"  # free text that may quote customer data: the order's values are cut out of it
    KEEP = "keep"  # not personal data, or kept on purpose (city, region, postal code, country)


_R = Handling.REMOVE


def _classified(keep: str, remove: str = "", scrub: str = "") -> dict[str, Handling]:
    return (
        dict.fromkeys(keep.split(), Handling.KEEP)
        | dict.fromkeys(remove.split(), Handling.REMOVE)
        | dict.fromkeys(scrub.split(), Handling.SCRUB)
    )


# Every column of every table that holds customer data or may quote it; a test fails on an unclassified one.
PII_FIELDS: dict[type, dict[str, Handling]] = {
    SalesOrder: _classified(
        keep="id account_id channel_id external_id number status store_status store_created_at "
        "store_updated_at item_total shipping_total tax_total grand_total shipping_method carrier_code "
        "service_code pii_purged_at imported_at updated_at closed_at store_update_due store_update_error "
        "held_at",
        remove="customer_name customer_email customer_phone",
        scrub="hold_reason",  # typed by an operator: may quote the customer
    ),
    OrderAddress: _classified(
        keep="id order_id kind city postal_code subdivision subdivision_code country country_code",
        remove="first_name last_name company line1 line2 email phone",
    ),
    SalesOrderLine: _classified(
        keep="id order_id external_line_id sku variant_id name quantity unit_price total_price is_physical "
        "shipped_quantity allocated_quantity allocated_variant_id allocated_warehouse_id"
    ),
    SyncEvent: _classified(
        keep="id run_id channel_id level order_id external_order_id created_at", scrub="message"
    ),
    PendingOrder: _classified(
        keep="id channel_id external_id number attempts first_failed_at last_failed_at last_run_id cause "
        "retry_requested_at document_updated_at next_retry_at",
        remove="document",  # the order's JSON: the customer's data until the order imports
        scrub="reason",
    ),
    AuditEvent: _classified(
        keep="id account_id channel_id user_id action field created_at", scrub="old_value new_value"
    ),
    # A shipment's note is typed by a warehouse person and may name the customer ("left with Jane").
    # An operator's note to the store order may name the customer; the store's answer lists its own steps.
    StoreWrite: _classified(
        keep="id account_id channel_id order_id kind shipment_id store_shipment_id store_status state "
        "attempts calls answer error requested_by_id created_at finished_at",
        remove="note",
    ),
    Shipment: _classified(
        keep="id account_id order_id channel_id warehouse_id carrier_service_id tracking_number ship_date "
        "created_at created_by_id api_key_id export_status store_shipment_id sent_at export_problem "
        "export_error export_attempts last_attempt_at origin store_shipping_method",
        remove="note",
    ),
    # The first answer to a POST, replayed for its Idempotency-Key: it quotes the shipment (its note). Kept
    # for IDEMPOTENCY_DAYS only (a retry comes within minutes), and the purge removes older ones.
    IdempotencyKey: _classified(
        keep="id account_id key request_hash status_code created_at", remove="response_body"
    ),
    # The pushed JSON holds the whole order; `error` is techOMS's own text about it and may quote a value.
    PushedOrder: _classified(
        keep="id channel_id received_at external_id state processed_at", remove="payload", scrub="error"
    ),
    ApiCallLog: _classified(
        keep="id channel_id run_id method path status duration_ms attempt error created_at",
        scrub="request_body response_body",
    ),
}
# Every other table, read and found free of customer data (the tenancy tables hold staff, not customers).
FREE_OF_CUSTOMER_DATA = frozenset(
    {
        *("account", "account_warehouse", "organization", "membership", "user", "login_session"),
        *("carrier", "carrier_service", "warehouse", "product", "product_variant", "inventory_level"),
        *("stock_adjustment", "sales_channel", "carrier_mapping", "sku_mapping", "warehouse_mapping"),
        *("sync_run", "sync_cursor", "shipment_line", "pending_order_sku", "store_inventory_record"),
        *("api_key", "order_push_setting", "order_arrival"),
        *("store_product", "store_product_variant"),  # the store's catalog: products, not people
        # Cost counters, budgets, breakers; alert settings (staff addresses) and alerts (channel
        # names, webhook URLs).
        *("api_call_day", "channel_api_budget", "store_breaker"),
        *("alert_settings", "channel_alert_state", "alert"),
        *("mfa_credential", "mfa_recovery_code", "mfa_event"),  # staff's second factors
        "invitation",  # a staff member's address, offered a role
        "store_order_hold",  # store order ids, SKUs and quantities: no customer data
        # Events carry an order's number and statuses, a shipment's tracking and export state (kept on the
        # shipment too), stock counts; webhook rows hold the host system's URL and its answers.
        *("outbox_event", "webhook_endpoint", "webhook_delivery"),
        "outbox_purge_mark",  # how far the outbox retention purge went: a position and a time
    }
)

CLOSED_STATUSES = (OrderStatus.SHIPPED, OrderStatus.CANCELLED)


def columns(model: type, handling: Handling) -> list[str]:
    return [name for name, each in PII_FIELDS[model].items() if each is handling]


def _emptied(model: type) -> dict[str, object]:
    """What each removed column becomes: NULL where the column allows it, else an empty string."""
    table = model.__table__
    return {name: (None if table.c[name].nullable else "") for name in columns(model, _R)}


def cutoff(days: int, now: datetime) -> datetime:
    """Orders closed strictly before this instant are due."""
    return now - timedelta(days=days)


def due(channel_id: int, before: datetime) -> tuple:
    return (
        SalesOrder.channel_id == channel_id,
        SalesOrder.closed_at.is_not(None),
        SalesOrder.pii_purged_at.is_(None),
        SalesOrder.closed_at < before,
        SalesOrder.status.in_(CLOSED_STATUSES),
    )


def due_count(channel_id: int, before: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(SalesOrder).where(*due(channel_id, before)))


def preview_count(channel_id: int, days: int | None, now: datetime) -> int:
    """How many orders a purge with this threshold would purge now; none when customer data is kept."""
    return 0 if days is None else due_count(channel_id, cutoff(days, now))


@dataclass(frozen=True)
class Batch:
    """The oldest `size` due orders of a channel, defined in SQL rather than as a list of ids: each statement
    of the batch selects them again through the partial index (no id travels through Python), and they are
    the same orders until the batch's last statement purges them, which also takes them out of that index.
    So a killed purge simply starts again at the head of what is left."""

    channel_id: int
    before: datetime
    size: int

    def select(self, *columns) -> Select:
        return (
            select(*columns)
            .where(*due(self.channel_id, self.before))
            .order_by(SalesOrder.closed_at, SalesOrder.id)
            .limit(self.size)
            .correlate(None)
        )


def empty_orders(batch: Batch, now: datetime) -> tuple[int, int]:
    """`UPDATE ... WHERE id IN (batch)`: empty the orders' and their addresses' customer data and set the
    tombstone; addresses and shipment notes first, as purged orders leave the batch. Returns (orders,
    addresses)."""
    addresses = OrderAddress.__table__
    address_count = db.session.execute(
        update(addresses)
        .where(addresses.c.order_id.in_(batch.select(SalesOrder.id)))
        .values(_emptied(OrderAddress))
    ).rowcount
    shipments = Shipment.__table__
    db.session.execute(
        update(shipments)
        .where(shipments.c.order_id.in_(batch.select(SalesOrder.id)), shipments.c.note.is_not(None))
        .values(note=None)
    )
    writes = StoreWrite.__table__
    db.session.execute(
        update(writes)
        .where(writes.c.order_id.in_(batch.select(SalesOrder.id)), writes.c.note.is_not(None))
        .values(note=None)
    )
    db.session.execute(
        delete(PushedOrder).where(
            PushedOrder.channel_id == batch.channel_id,
            PushedOrder.external_id.in_(batch.select(SalesOrder.external_id)),
        )
    )
    orders = SalesOrder.__table__
    order_count = db.session.execute(
        update(orders)
        .where(orders.c.id.in_(batch.select(SalesOrder.id)))
        .values({**_emptied(SalesOrder), "pii_purged_at": now})
    ).rowcount
    return order_count, address_count


IDEMPOTENCY_DAYS = 1


def forget_old_idempotency_answers(account_id: int, now: datetime) -> int:
    """Idempotency answers older than IDEMPOTENCY_DAYS: no retry comes that late, and they quote shipments."""
    return db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.account_id == account_id,
            IdempotencyKey.created_at < now - timedelta(days=IDEMPOTENCY_DAYS),
        )
    ).rowcount


PUSHED_PAYLOAD_DAYS = 1


def forget_imported_payloads(channel_id: int, now: datetime) -> int:
    """Pushed payloads imported (or set aside) more than PUSHED_PAYLOAD_DAYS ago: the order holds what they
    said, and they hold the customer's data."""
    return db.session.execute(
        delete(PushedOrder).where(
            PushedOrder.channel_id == channel_id,
            PushedOrder.processed_at < now - timedelta(days=PUSHED_PAYLOAD_DAYS),
        )
    ).rowcount
