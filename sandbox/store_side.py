"""The store's own side of an order's life, under /__sandbox (not the Bright Sites API): a shipment made on
the store (another fulfilment path, a vendor, the store admin) and an edit of the shipping address or
contact by the shopper or the store admin. Each moves the order's updated_at, as the real store does."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from sandbox import admin
from sandbox.errors import invalid
from sandbox.store import Order, Shipment, Store

blueprint = admin.blueprint

ADDRESS_FIELDS = ("company", "first_address", "second_address", "city", "state", "country", "zip")
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone")


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _half_of_what_is_left(order: Order) -> list[tuple[int, int]]:
    """By default: half (rounded up) of what is left of each physical line."""
    lines = []
    for line in order.line_items:
        if line.gift_certificate is not None:
            continue
        left = line.quantity - order.shipped_quantity(line.id)
        if left > 0:
            lines.append((line.id, (left + 1) // 2))
    return lines


def _requested_lines(order: Order, raw: object) -> list[tuple[int, int]]:
    if raw is None:
        return _half_of_what_is_left(order)
    if not isinstance(raw, list):
        raise invalid("lines", "must be a list of [line item id, quantity]")
    lines = []
    for item in raw:
        if not (isinstance(item, list | tuple) and len(item) == 2):
            raise invalid("lines", "must be a list of [line item id, quantity]")
        line_id, quantity = int(item[0]), int(item[1])
        line = order.line_item(line_id)
        if line is None or quantity < 1 or quantity > line.quantity - order.shipped_quantity(line_id):
            raise invalid("lines", f"line {line_id}: quantity {quantity} is not within what is left")
        lines.append((line_id, quantity))
    return lines


def ship_on_store(store: Store, order: Order, lines: list[tuple[int, int]], tracking: str) -> Shipment:
    shipment = Shipment(
        id=store.next_id("shipment", 1),
        tracking_number=tracking,
        ship_date=order.updated_at.date(),
        note="Shipped from the store admin",
        shipping_method=order.shipping_method,
        lines=lines,
    )
    order.shipments.append(shipment)
    order.touch()
    return shipment


@blueprint.post("/stores/<subdomain>/orders/<int:order_id>/ship")
def store_shipment(subdomain: str, order_id: int) -> ResponseReturnValue:
    """Body: `lines` [[line item id, quantity], ...] (default: half of what is left of each line),
    `tracking_number`, `status` (e.g. "split": set with the shipment)."""
    store = admin.store_or_404(subdomain)
    body = _body()
    with store.lock:
        order = admin.order_or_404(store, order_id)
        lines = _requested_lines(order, body.get("lines"))
        if not lines:
            raise invalid("lines", "nothing is left to ship")
        tracking = str(body.get("tracking_number") or f"STORE-{order.id}-{len(order.shipments) + 1}")
        shipment = ship_on_store(store, order, lines, tracking)
        if body.get("status"):
            order.status = str(body["status"])
        return jsonify({"order_id": order.id, "shipment_id": shipment.id, "lines": lines}), 201


@blueprint.post("/stores/<subdomain>/orders/<int:order_id>/address")
def edit_address(subdomain: str, order_id: int) -> ResponseReturnValue:
    """Body: `shipping_address` and/or `shipping_contact` with the fields to change."""
    store = admin.store_or_404(subdomain)
    body = _body()
    with store.lock:
        order = admin.order_or_404(store, order_id)
        for key, allowed, target in (
            ("shipping_address", ADDRESS_FIELDS, order.shipping_address),
            ("shipping_contact", CONTACT_FIELDS, order.shipping_contact),
        ):
            changes = body.get(key) or {}
            if not isinstance(changes, dict) or set(changes) - set(allowed):
                raise invalid(key, f"fields must be among {', '.join(allowed)}")
            target.update({name: str(value) for name, value in changes.items()})
        order.touch()
        return jsonify({"order_id": order.id, "updated_at": order.updated_at.isoformat()})
