"""The outbox: what write paths call (one line each) so a host system learns of the change, and the commit-
ordered reading of it (GET /api/v1/events, the webhook dispatcher).

Writers call `record_order`, `record_shipment` or `record_stock` inside their transaction: the event commits
or rolls back with the change. sync/outbox_sequence.py then gives committed events their position, in the
order they became visible; readers only ever see sequenced events, ordered by position. Ids are not commit
order (a transaction that took id 10 may commit after the one that took id 11); positions are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from extensions import db
from models.orders import SalesOrder
from models.outbox import EVENT_TYPES, OutboxEvent, OutboxPurgeMark
from models.shipments import Shipment


def record(
    account_id: int,
    event_type: str,
    object_type: str,
    object_id: int,
    data: dict[str, Any],
    *,
    order_id: int | None = None,
) -> OutboxEvent:
    """Add one event to the session (the caller's transaction)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type}")
    event = OutboxEvent(
        account_id=account_id,
        type=event_type,
        object_type=object_type,
        object_id=object_id,
        order_id=order_id,
        data=data,
    )
    db.session.add(event)
    return event


def order_summary(order: SalesOrder) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "channel_id": order.channel_id,
        "status": order.status.value,
        "store_status": order.store_status,
    }


def record_order(order: SalesOrder, event_type: str) -> OutboxEvent:
    """order.created / updated / cancelled / held / released of `order` (flushed here when it is new)."""
    if order.id is None:
        db.session.flush()
    return record(order.account_id, event_type, "order", order.id, order_summary(order), order_id=order.id)


IMPORT_EVENTS = {"created": "order.created", "updated": "order.updated", "cancelled": "order.cancelled"}


def record_import(order: SalesOrder, outcome: str) -> OutboxEvent | None:
    """What an order import did to `order` (created, updated, cancelled; a locked order is left alone)."""
    event_type = IMPORT_EVENTS.get(outcome)
    return record_order(order, event_type) if event_type else None


def record_shipment(shipment: Shipment, event_type: str) -> OutboxEvent:
    """shipment.recorded / sent / failed."""
    if shipment.id is None:
        db.session.flush()
    data = {
        "id": shipment.id,
        "order_id": shipment.order_id,
        "tracking_number": shipment.tracking_number,
        "store_status": shipment.export_status.value,
        "store_shipment_id": shipment.store_shipment_id,
        "error": shipment.export_error or None,
    }
    return record(shipment.account_id, event_type, "shipment", shipment.id, data, order_id=shipment.order_id)


def record_stock(account_id: int, channel_id: int, skus_published: int) -> OutboxEvent | None:
    """stock.published: a channel's store received new quantities (only when something changed)."""
    if not skus_published:
        return None
    data = {"channel_id": channel_id, "skus_published": skus_published}
    return record(account_id, "stock.published", "channel", channel_id, data)


def events_after(
    account_id: int, position: int, limit: int, types: list[str] | None = None
) -> list[OutboxEvent]:
    """The account's sequenced events after `position`, in commit order."""
    query = select(OutboxEvent).where(OutboxEvent.account_id == account_id, OutboxEvent.position > position)
    if types:
        query = query.where(OutboxEvent.type.in_(types))
    return list(db.session.scalars(query.order_by(OutboxEvent.position).limit(limit)))


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def event_json(event: OutboxEvent) -> dict[str, Any]:
    """What the feed and the webhooks send: `id` is the de-duplication key."""
    return {
        "id": f"evt_{event.id}",
        "type": event.type,
        "created_at": iso(event.created_at),
        "position": event.position,
        "object": {"type": event.object_type, "id": event.object_id, "version": event.version},
        "data": event.data,
    }


def purged_through(account_id: int) -> int:
    """The highest position the retention purge deleted of the account's events (0: none yet); a feed cursor
    before it may have missed events (sync/outbox_retention.py)."""
    return db.session.scalar(
        select(func.coalesce(func.max(OutboxPurgeMark.purged_through), 0)).where(
            OutboxPurgeMark.account_id == account_id
        )
    )
