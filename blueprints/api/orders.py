"""GET /api/v1/orders and GET /api/v1/orders/<id>: what a fulfilment system reads to know what to ship.

The list is keyset-paged (an opaque `next_cursor`), filtered by channel, status, `fulfilment=ready` and
`updated_after`; unknown parameters and cursors not given by this list answer 422 naming the field. The detail
shows the lines with the ids a shipment is posted with, shipments, the hold and the notes techOMS wrote to the
store order. Orders of another account answer 404.
"""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from blueprints.api.auth import api_key_required, current_key
from blueprints.api.shipments import shipment_json
from extensions import db
from forms.api_orders import encode_cursor, parse_order_query
from models.catalog import Warehouse
from models.orders import OrderAddress, SalesOrder, SalesOrderLine
from models.store_writes import StoreWrite, WriteState
from services.orders import fulfilment
from services.orders.store_writes import notes_of
from services.outbox import iso
from services.shipments.queries import order_shipments
from web.api_requests import json_error

ADDRESS_FIELDS = (
    *("first_name", "last_name", "company", "line1", "line2", "city", "postal_code"),
    *("subdivision", "subdivision_code", "country", "country_code", "email", "phone"),
)


def summary_json(order: SalesOrder, figures: fulfilment.LineFigures | None = None) -> dict[str, Any]:
    """`figures` from fulfilment.line_figures in lists; a single order reads its loaded lines."""
    if figures is None:
        left, ready = sum(line.remaining_quantity for line in order.lines), fulfilment.is_ready(order)
    else:
        left, ready = figures.left, figures.ready(order)
    return {
        "id": order.id,
        "number": order.number,
        "channel_id": order.channel_id,
        "status": order.status.value,
        "store_status": order.store_status,
        "ready_to_ship": ready,
        "quantity_left": left,
        "created_at": iso(order.store_created_at),
        "updated_at": iso(order.updated_at),
    }


def _line_json(line: SalesOrderLine, warehouses: dict[int, str]) -> dict[str, Any]:
    return {
        "id": line.id,
        "sku": line.sku,
        "name": line.name,
        "variant": {"id": line.variant_id, "sku": line.variant.sku} if line.variant is not None else None,
        "warehouse": warehouses.get(line.allocated_warehouse_id) if line.allocated_warehouse_id else None,
        "physical": line.is_physical,
        "ordered": line.quantity,
        "shipped": line.shipped_quantity,
        "left": line.remaining_quantity,
        "allocated": line.allocated_quantity,
    }


def _address_json(address: OrderAddress) -> dict[str, Any]:
    return {"kind": address.kind, **{name: getattr(address, name) for name in ADDRESS_FIELDS}}


def _note_json(note: StoreWrite) -> dict[str, Any]:
    # `text` is None once the retention purge removed it (an operator's words may name the customer).
    return {
        "text": note.note,
        "created_at": iso(note.created_at),
        "on_store": note.state == WriteState.DONE,
        "state": note.state.value,
    }


def detail_json(order: SalesOrder) -> dict[str, Any]:
    warehouse_ids = {line.allocated_warehouse_id for line in order.lines if line.allocated_warehouse_id}
    warehouses = dict(
        db.session.execute(select(Warehouse.id, Warehouse.code).where(Warehouse.id.in_(warehouse_ids))).all()
    )
    body = summary_json(order) | {
        "carrier": {
            "carrier": order.carrier_code,
            "service": order.service_code,
            "method": order.shipping_method,
        },
        "totals": {
            name: str(getattr(order, f"{name}_total")) for name in ("item", "shipping", "tax", "grand")
        },
        # The store sends amounts without a currency: the channel's setting, or null when nobody said it.
        "currency": order.channel.currency or None,
        "lines": [_line_json(line, warehouses) for line in order.lines],
        "notes": [_note_json(note) for note in notes_of(order)],
        "shipments": [shipment_json(shipment, order) for shipment in order_shipments(order)],
        # A held order is not offered to fulfilment (never `ready`) and takes no shipment until released.
        "hold": {"held": order.held_at is not None, "since": iso(order.held_at), "reason": order.hold_reason}
        if order.held_at is not None
        else {"held": False, "since": None, "reason": ""},
    }
    if order.pii_purged_at is not None:
        body["customer"] = None
        body["addresses"] = None
        body["pii"] = {"purged": True, "purged_at": iso(order.pii_purged_at)}
    else:
        body["customer"] = {
            "name": order.customer_name,
            "email": order.customer_email,
            "phone": order.customer_phone,
        }
        body["addresses"] = [_address_json(address) for address in order.addresses]
        body["pii"] = {"purged": False, "purged_at": None}
    return body


@api_key_required
def index():
    key = current_key()
    spec, errors = parse_order_query(key.account_id, request.args)
    if errors:
        return json_error(422, errors)
    orders, more = fulfilment.page(spec)
    figures = fulfilment.line_figures([order.id for order in orders])
    empty = fulfilment.LineFigures(0, 0)
    return {
        "orders": [summary_json(order, figures.get(order.id, empty)) for order in orders],
        "next_cursor": encode_cursor("after_id", orders[-1].id) if more else None,
    }


@api_key_required
def show(order_id: int):
    key = current_key()
    order = db.session.scalar(
        select(SalesOrder)
        .where(SalesOrder.id == order_id, SalesOrder.account_id == key.account_id)
        .options(selectinload(SalesOrder.lines).selectinload(SalesOrderLine.variant))
    )
    if order is None:
        return json_error(404, {"order": [f"No order {order_id} in this API key's account."]})
    return detail_json(order)
