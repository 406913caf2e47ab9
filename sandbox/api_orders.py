"""Orders endpoints: list, show, update, cancel, and the (redundant) line items."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from sandbox import serialize
from sandbox.errors import ApiError, invalid, not_found
from sandbox.gateway import current_store
from sandbox.params import list_param, paginate, parse_time_filter, within
from sandbox.store import ORDER_STATUSES, Note, Order, Store, utc_now

_STATUS_LIST = ", ".join(ORDER_STATUSES)
_DATE_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")
_ADDRESS_KEYS = ("company", "first_address", "second_address", "state", "city", "country", "zip")
_CONTACT_KEYS = ("first_name", "last_name", "email", "phone")
_NOT_APPROVED = "Order has not been approved, unable to change orders status"


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/orders", view_func=list_orders, methods=["GET"])
    bp.add_url_rule("/orders/<int:order_id>", view_func=show_order, methods=["GET"])
    bp.add_url_rule("/orders/<int:order_id>", view_func=update_order, methods=["PUT"])
    bp.add_url_rule("/orders/<int:order_id>/cancel", view_func=cancel, methods=["PUT"])
    bp.add_url_rule("/orders/<int:order_id>/line_items", view_func=list_line_items, methods=["GET"])
    bp.add_url_rule(
        "/orders/<int:order_id>/line_items/<int:line_id>", view_func=show_line_item, methods=["GET"]
    )


def status_message(value: object) -> str:
    return f"Invalid parameter 'status' value \"{value}\": status must be one of {_STATUS_LIST}"


def order_or_404(store: Store, order_id: int) -> Order:
    order = store.orders.get(order_id)
    if order is None:
        raise not_found("Order")
    return order


def json_root(key: str) -> dict[str, Any]:
    """Writes wrap their payload in a root key (A.1)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        raise invalid(key, f"{key} is missing")
    return body[key]


def list_orders() -> ResponseReturnValue:
    store = current_store()
    args = request.args
    status = args.get("status")
    if status and status not in ORDER_STATUSES:
        raise invalid("status", status_message(status))
    customers = {c.lower() for c in list_param(args, "customer")}
    bounds = {
        name: parse_time_filter(args, name)
        for name in ("created_at_from", "created_at_to", "updated_at_from", "updated_at_to")
    }
    with store.lock:
        matches = [
            o
            for o in sorted(store.orders.values(), key=lambda o: o.id, reverse=True)
            if (not status or o.status == status)
            and (not customers or o.customer_email.lower() in customers)
            and within(o.created_at, bounds["created_at_from"], bounds["created_at_to"])
            and within(o.updated_at, bounds["updated_at_from"], bounds["updated_at_to"])
        ]
        page, meta = paginate(matches, args)
        return jsonify({"orders": [serialize.order_summary(o, store) for o in page], "meta": meta})


UNREADABLE_TIMESTAMP = "0000-00-00 00:00:00"  # no ISO 8601 instant: a client cannot read the order


def show_order(order_id: int) -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        body = serialize.order_full(order_or_404(store, order_id), store)
        if order_id in store.faults.config.unreadable_orders:
            body["created_at"] = UNREADABLE_TIMESTAMP
        return jsonify(body)


def _merge_nested(
    target: dict[str, str], changes: object, keys: tuple[str, ...], field: str, errors: dict[str, Any]
) -> bool:
    if not isinstance(changes, dict):
        errors[field] = f"Invalid parameter '{field}': {field} must be a Hash"
        return False
    changed = False
    for key in keys:
        if key in changes:
            target[key] = "" if changes[key] is None else str(changes[key])
            changed = True
    return changed


def _apply_update(order: Order, changes: dict[str, Any]) -> bool:
    """Validate everything first, then apply; returns whether anything changed."""
    errors: dict[str, Any] = {}
    if "status" in changes:
        status = changes["status"]
        if not isinstance(status, str) or status not in ORDER_STATUSES:
            errors["status"] = status_message(status)
        elif order.awaiting_approval:
            errors["status"] = [_NOT_APPROVED]
    for key in ("ship_date", "in_hands_date"):
        value = changes.get(key)
        if value is not None and not (isinstance(value, str) and _DATE_FORMAT.match(value)):
            errors[key] = "Invalid date format. Valid format: YYYY-MM-DD hh:mm:ss or YYYY-MM-DD"
    for key in ("shipping_method", "tracking_number", "note"):
        if key in changes and not isinstance(changes[key], str | None):
            errors[key] = f"Invalid parameter '{key}': {key} must be a String"
    if errors:
        raise ApiError(422, errors)

    changed = False
    for key in ("status", "shipping_method", "tracking_number", "ship_date", "in_hands_date"):
        if changes.get(key) is not None:
            setattr(order, key, changes[key][:10] if key.endswith("_date") else changes[key])
            changed = True
    if changes.get("note"):
        order.notes.append(Note(username="API", created_at=utc_now(), note=changes["note"]))
        changed = True
    if "send_shipping_confirmation" in changes:
        order.send_shipping_confirmation = changes["send_shipping_confirmation"] in (True, 1, "1", "true")
    nested_errors: dict[str, Any] = {}
    for field, target, keys in (
        ("shipping_address", order.shipping_address, _ADDRESS_KEYS),
        ("billing_address", order.billing_address, _ADDRESS_KEYS),
        ("shipping_contact", order.shipping_contact, _CONTACT_KEYS),
        ("billing_contact", order.billing_contact, _CONTACT_KEYS),
    ):
        if field in changes:
            changed = _merge_nested(target, changes[field], keys, field, nested_errors) or changed
    if nested_errors:
        raise ApiError(422, nested_errors)
    return changed


def update_order(order_id: int) -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        order = order_or_404(store, order_id)
        if _apply_update(order, json_root("order")):
            order.touch()
        if store.faults.config.legacy_put_shape:
            return jsonify(serialize.order_legacy(order, store))
        return jsonify(serialize.order_full(order, store))


def cancel_order(store: Store, order: Order) -> dict[str, list[str]]:
    """Cancel and restock the unshipped physical quantities (A.5.4). Caller holds the store lock."""
    if order.status == "canceled":
        return {"success": [], "errors": ["Order is already canceled"]}
    order.status = "canceled"
    order.awaiting_approval = False
    for line in order.line_items:
        product = store.products.get(line.product_id)
        if product is None or line.gift_certificate is not None or product.vendor_inventory_enabled:
            continue
        row = product.row_for_sub_options(line.sub_option_ids)
        if row is not None and row.track:
            row.inventory += max(0, line.quantity - order.shipped_quantity(line.id))
    order.touch()
    success = ["Set status to 'Canceled'", "Restock inventory", "Updated product statistics"]
    if store.faults.config.refund_fails:  # partial success is normal (A.5.4): the order is cancelled
        return {"success": success, "errors": ["Unable to refund payment"]}
    return {"success": [*success[:2], "Refund payment", success[2]], "errors": []}


def cancel(order_id: int) -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        return jsonify(cancel_order(store, order_or_404(store, order_id)))


def list_line_items(order_id: int) -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        order = order_or_404(store, order_id)
        return jsonify({"line_items": [serialize.line_item(li, store) for li in order.line_items]})


def show_line_item(order_id: int, line_id: int) -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        line = order_or_404(store, order_id).line_item(line_id)
        if line is None:
            raise not_found("Line item")
        return jsonify(serialize.line_item(line, store))
