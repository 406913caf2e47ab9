"""One timeline per order: everything that happened to it, oldest first, from the records that already keep
it (no table of its own): how it arrived (poll, push or sweep) and with which run and calls, the sync events
about it (store-side changes seen, shipments sent or failed), the stock its lines hold, holds and releases,
shipments recorded (by techOMS or the store) and voided, every write to the store order with its calls and
answer, webhook deliveries of the order's events (to the order's account's endpoints only), and the PII purge.
A fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from extensions import db
from models.activity import SyncEvent, SyncRun
from models.channels import AuditEvent
from models.order_push import OrderArrival
from models.orders import SalesOrder
from models.shipments import ExportStatus, Shipment, ShipmentOrigin
from models.store_writes import StoreWrite, WriteState
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint

MAX_ENTRIES = 300


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # imported, event, stock, hold, shipment, store write, webhook, purge
    level: str  # info, warning, error
    text: str


def timeline(order: SalesOrder) -> list[Entry]:
    entries = [
        *_arrival(order),
        *_events(order),
        *_holds(order),
        *_shipments(order),
        *_writes(order),
        *_webhook_deliveries(order),
    ]
    held = sum(line.allocated_quantity or 0 for line in order.lines)
    if held:
        entries.append(Entry(order.updated_at, "stock", "info", f"{held} units held in stock for its lines"))
    if order.pii_purged_at:
        entries.append(Entry(order.pii_purged_at, "purge", "info", "Customer data purged (retention policy)"))
    entries.sort(key=lambda e: e.at)
    return entries[-MAX_ENTRIES:]


def _arrival(order: SalesOrder) -> list[Entry]:
    arrival = db.session.scalar(select(OrderArrival).where(OrderArrival.order_id == order.id))
    path = arrival.path.value if arrival else "poll"
    first_run = db.session.scalar(
        select(SyncRun)
        .join(SyncEvent, SyncEvent.run_id == SyncRun.id)
        .where(SyncEvent.order_id == order.id)
        .order_by(SyncRun.id)
        .limit(1)
    )
    run = f" (run {first_run.id}, {first_run.api_calls} calls)" if first_run else ""
    return [Entry(order.imported_at, "imported", "info", f"Imported by {path}{run}")]


def _events(order: SalesOrder) -> list[Entry]:
    about = or_(
        SyncEvent.order_id == order.id,
        and_(SyncEvent.channel_id == order.channel_id, SyncEvent.external_order_id == order.external_id),
    )
    rows = db.session.scalars(select(SyncEvent).where(about).order_by(SyncEvent.id.desc()).limit(MAX_ENTRIES))
    return [Entry(e.created_at, "event", e.level.value, f"{e.message} (run {e.run_id})") for e in rows]


def _holds(order: SalesOrder) -> list[Entry]:
    rows = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.channel_id == order.channel_id,
            AuditEvent.field == f"order {order.number}",
            AuditEvent.action.in_(["order_held", "order_released"]),
        )
    )
    return [
        Entry(
            r.created_at,
            "hold",
            "warning" if r.action == "order_held" else "info",
            f"Held: {r.new_value}" if r.action == "order_held" else "Released from hold",
        )
        for r in rows
    ]


def _shipments(order: SalesOrder) -> list[Entry]:
    entries = []
    query = select(Shipment).where(Shipment.order_id == order.id).options(selectinload(Shipment.lines))
    for s in db.session.scalars(query):
        units = sum(line.quantity for line in s.lines)
        if s.origin == ShipmentOrigin.STORE:
            entries.append(
                Entry(
                    s.created_at,
                    "shipment",
                    "info",
                    f"Shipment {s.tracking_number} ({units} units) seen on the store",
                )
            )
            continue
        entries.append(
            Entry(s.created_at, "shipment", "info", f"Shipment {s.tracking_number} ({units} units) recorded")
        )
        if s.sent_at:
            entries.append(
                Entry(
                    s.sent_at,
                    "shipment",
                    "info",
                    f"Shipment {s.tracking_number} sent: store shipment {s.store_shipment_id}",
                )
            )
        if s.export_status == ExportStatus.ERROR:
            at = s.last_attempt_at or s.created_at
            entries.append(
                Entry(at, "shipment", "error", f"Shipment {s.tracking_number} not sent: {s.export_error}")
            )
        if s.export_status == ExportStatus.VOIDED:
            entries.append(
                Entry(
                    s.sent_at or s.created_at, "shipment", "warning", f"Shipment {s.tracking_number} voided"
                )
            )
    return entries


def _writes(order: SalesOrder) -> list[Entry]:
    entries = []
    for w in db.session.scalars(select(StoreWrite).where(StoreWrite.order_id == order.id)):
        entries.append(Entry(w.created_at, "store write", "info", f"{w.kind.label} asked for"))
        answer = "; ".join([*w.store_successes, *(f"error: {e}" for e in w.store_errors)]) or w.error
        level = "error" if w.state == WriteState.FAILED else "warning" if w.store_errors else "info"
        entries.append(
            Entry(
                w.finished_at or w.created_at,
                "store write",
                level,
                f"{w.kind.label}: {w.state.label}, {w.calls} call(s){f' — {answer}' if answer else ''}",
            )
        )
    return entries


def _webhook_deliveries(order: SalesOrder) -> list[Entry]:
    """Each delivery of the order's events: delivered, failed (given up) or still trying, with its endpoint
    and attempts. Scoped by the order's account as well as its id (deliveries keep the order id as a plain
    number). The endpoint is named by id and host only: a receiver's path may carry its own token, and
    whoever reads the order may not manage webhooks."""
    rows = db.session.execute(
        select(WebhookDelivery, WebhookEndpoint.url)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.account_id == order.account_id, WebhookDelivery.order_id == order.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(MAX_ENTRIES)
    )
    entries = []
    for delivery, url in rows:
        attempts = f"{delivery.attempts} attempt{'s' if delivery.attempts != 1 else ''}"
        endpoint = f"endpoint {delivery.endpoint_id} ({urlsplit(url).hostname})"
        what = f"Webhook {delivery.event_type} (evt_{delivery.event_id}) to {endpoint}"
        if delivery.status == DeliveryStatus.DELIVERED:
            level, text = "info", f"{what}: delivered after {attempts}"
        elif delivery.status == DeliveryStatus.FAILED:
            level, text = "error", f"{what}: failed after {attempts}, {delivery.error or 'given up'}"
        else:
            level, text = "warning", f"{what}: not delivered yet, {attempts} so far"
        entries.append(Entry(delivery.last_attempt_at or delivery.created_at, "webhook", level, text))
    return entries
