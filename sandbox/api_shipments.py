"""Shipments endpoints: list, show, create with line-item validation, delete.

[ASSUMPTION A.6] quantities must be >= 1 and <= the line's unshipped quantity; the order status is left alone;
creating or deleting a shipment bumps the order's updated_at.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from sandbox import serialize
from sandbox.api_orders import json_root, order_or_404
from sandbox.errors import ApiError, invalid, not_found
from sandbox.gateway import current_store
from sandbox.store import Order, Shipment

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_NOTE_LENGTH = 255


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/orders/<int:order_id>/shipments", view_func=list_shipments, methods=["GET"])
    bp.add_url_rule("/orders/<int:order_id>/shipments", view_func=create_shipment, methods=["POST"])
    bp.add_url_rule(
        "/orders/<int:order_id>/shipments/<int:shipment_id>", view_func=show_shipment, methods=["GET"]
    )
    bp.add_url_rule(
        "/orders/<int:order_id>/shipments/<int:shipment_id>", view_func=delete_shipment, methods=["DELETE"]
    )


def _shipment_or_404(order: Order, shipment_id: int) -> Shipment:
    found = next((s for s in order.shipments if s.id == shipment_id), None)
    if found is None:
        raise not_found("Shipment")
    return found


def list_shipments(order_id: int) -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        order = order_or_404(store, order_id)
        return jsonify({"shipments": [serialize.shipment(s) for s in order.shipments]})


def show_shipment(order_id: int, shipment_id: int) -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        return jsonify(serialize.shipment(_shipment_or_404(order_or_404(store, order_id), shipment_id)))


def _validated_lines(order: Order, raw: object) -> list[tuple[int, int]]:
    if not isinstance(raw, list) or not raw:
        raise invalid("line_items", "line_items is missing")
    wanted: dict[int, int] = {}
    for entry in raw:
        if not isinstance(entry, dict):
            raise invalid("line_items", "Invalid parameter 'line_items': must be an Array of Hashes")
        line_id, quantity = entry.get("id"), entry.get("quantity")
        if isinstance(line_id, str) and line_id.isdigit():
            line_id = int(line_id)  # ids are treated leniently (A.1)
        if not isinstance(line_id, int) or isinstance(line_id, bool):
            raise invalid("id", f"Invalid parameter 'id' value \"{line_id}\": id must be an Integer")
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            message = f"Invalid parameter 'quantity' value \"{quantity}\": must be an Integer"
            raise invalid("quantity", message)
        wanted[line_id] = wanted.get(line_id, 0) + quantity
    problems = []
    for line_id, quantity in wanted.items():
        line = order.line_item(line_id)
        if line is None:
            problems.append(f"Line item {line_id} does not belong to this order")
        elif quantity < 1:
            problems.append(f"Quantity for line item {line_id} must be greater than 0")
        elif quantity > line.quantity - order.shipped_quantity(line_id):
            problems.append(f"Quantity for line item {line_id} exceeds the unshipped quantity")
    if problems:
        raise ApiError(422, {"line_items": problems})
    return list(wanted.items())


def _optional_text(payload: dict[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid(key, f"Invalid parameter '{key}': {key} must be a String")
    return value


def create_shipment(order_id: int) -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        order = order_or_404(store, order_id)
        payload = json_root("shipment")
        note = _optional_text(payload, "note")
        if note is not None and len(note) > MAX_NOTE_LENGTH:
            raise invalid("note", f"note is too long (maximum is {MAX_NOTE_LENGTH} characters)")
        raw_date = _optional_text(payload, "ship_date")
        if raw_date is not None and not _ISO_DATE.match(raw_date):
            raise invalid("ship_date", "Invalid date format. Valid format: YYYY-MM-DD")
        lines = _validated_lines(order, payload.get("line_items"))
        created = Shipment(
            id=store.next_id("shipment", 1),
            tracking_number=_optional_text(payload, "tracking_number"),
            ship_date=date.fromisoformat(raw_date) if raw_date else None,
            note=note,
            shipping_method=_optional_text(payload, "shipping_method") or order.shipping_method,
            lines=lines,
            send_shipping_confirmation=payload.get("send_shipping_confirmation") in (True, 1, "1", "true"),
        )
        order.shipments.append(created)
        order.touch()
        return jsonify(serialize.shipment(created)), 201


def delete_shipment(order_id: int, shipment_id: int) -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        order = order_or_404(store, order_id)
        found = _shipment_or_404(order, shipment_id)
        order.shipments.remove(found)
        order.touch()
        return jsonify(serialize.shipment(found, with_lines=False))  # the doc example answers line_items: []
