"""Simulator control endpoints under /__sandbox. Not part of the Bright Sites API and not authenticated: the
simulator only listens on loopback. Tests and the demo use them to create stores, read and reset the billable
call counters, set faults, play the shopper's part (add, edit, pay or cancel orders), and configure the Push
Orders add-on (sandbox/push.py): an order added or approved here is pushed, or pushed again on demand."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from sandbox import checkout, push, serialize
from sandbox.api_orders import cancel_order
from sandbox.errors import ApiError, invalid, not_found
from sandbox.gateway import registry
from sandbox.generator import COLOURS, SIZES, StoreSpec, build_store, default_plan, make_order
from sandbox.store import ORDER_STATUSES, LineItem, Order, Store, utc_now

blueprint = Blueprint("sandbox_admin", __name__, url_prefix="/__sandbox")

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_SPEC_NUMBERS = {
    "seed": int,
    "products": int,
    "orders": int,
    "gift_rate": float,
    "moas_rate": float,
    "vendor_rate": float,
    "history_days": int,
    "partly_shipped_rate": float,
}
MAX_ORDERS = 100_000


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def store_or_404(subdomain: str) -> Store:
    store = registry().get(subdomain)
    if store is None:
        raise not_found("Store")
    return store


def order_or_404(store: Store, order_id: int) -> Order:
    order = store.orders.get(order_id)
    if order is None:
        raise not_found("Order")
    return order


def store_info(store: Store) -> dict[str, Any]:
    return {
        "subdomain": store.subdomain,
        "domain": store.domain,
        "token": store.token,
        "readonly_token": store.readonly_token,
        "seed": store.seed,
        "products": len(store.products),
        "orders": len(store.orders),
    }


def spec_from_json(body: dict[str, Any]) -> StoreSpec:
    subdomain = str(body.get("subdomain", "")).lower()
    if not _LABEL.match(subdomain):
        raise invalid("subdomain", "subdomain must be a single DNS label")
    spec = StoreSpec(subdomain=subdomain)
    for key, kind in _SPEC_NUMBERS.items():
        if key in body:
            try:
                setattr(spec, key, kind(body[key]))
            except (TypeError, ValueError):
                raise invalid(key, f"{key} must be a number") from None
    if not 0 <= spec.orders <= MAX_ORDERS or not 0 <= spec.products <= 10_000:
        raise invalid("orders", "counts out of range")
    if "vendor_managed" in body:
        spec.vendor_managed = frozenset(int(n) for n in body["vendor_managed"])
    if "sizes" in body or "colours" in body:  # inventory rows per product: sizes × colours
        try:
            sizes, colours = int(body.get("sizes", 3)), int(body.get("colours", 2))
        except (TypeError, ValueError):
            raise invalid("sizes", "sizes and colours must be numbers") from None
        if not (1 <= sizes <= len(SIZES) and 1 <= colours <= len(COLOURS)):
            raise invalid("sizes", f"at most {len(SIZES)} sizes and {len(COLOURS)} colours")
        spec.plan = partial(default_plan, sizes=sizes, colours=colours)
    for key in ("token", "readonly_token"):
        if body.get(key):
            setattr(spec, key, str(body[key]))
    if body.get("now"):
        try:
            now = datetime.fromisoformat(str(body["now"]))
        except ValueError:
            raise invalid("now", "now must be an ISO 8601 timestamp") from None
        spec.now = now if now.tzinfo else now.replace(tzinfo=UTC)
    return spec


@blueprint.get("/stores")
def list_stores() -> ResponseReturnValue:
    return jsonify({"stores": [store_info(s) for s in registry().all()]})


@blueprint.post("/stores")
def create_store() -> ResponseReturnValue:
    store = build_store(spec_from_json(_body()))
    try:
        registry().add(store)
    except ValueError:
        raise invalid("subdomain", "store already exists") from None
    return jsonify(store_info(store)), 201


@blueprint.get("/stores/<subdomain>")
def show_store(subdomain: str) -> ResponseReturnValue:
    store = store_or_404(subdomain)
    return jsonify({**store_info(store), "faults": store.faults.config.as_dict()})


@blueprint.get("/stores/<subdomain>/calls")
def read_calls(subdomain: str) -> ResponseReturnValue:
    store = store_or_404(subdomain)
    with store.lock:
        per_token = dict(store.calls.per_token)
        return jsonify(
            {
                "total": store.calls.total,
                "per_token": per_token,
                "per_route": dict(store.calls.per_route),
                "read_write": per_token.get(store.token, 0),
                "read_only": per_token.get(store.readonly_token, 0),
                "rate_refusals": store.faults.rate_refusals,
                # Requests given an injected fault (not the call-rate refusals, which a client can avoid).
                "faulted_per_token": dict(store.calls.faulted_per_token),
                "faulted_read_write": store.calls.faulted_per_token.get(store.token, 0),
                # Requests being handled now (not a count of calls: reset leaves it).
                "in_progress": store.in_progress,
            }
        )


@blueprint.delete("/stores/<subdomain>/calls")
def reset_calls(subdomain: str) -> ResponseReturnValue:
    store = store_or_404(subdomain)
    with store.lock:
        store.calls.reset()
        store.faults.rate_refusals = 0
    return jsonify({"total": 0, "per_token": {}})


@blueprint.get("/stores/<subdomain>/faults")
def read_faults(subdomain: str) -> ResponseReturnValue:
    return jsonify(store_or_404(subdomain).faults.config.as_dict())


@blueprint.put("/stores/<subdomain>/faults")
def set_faults(subdomain: str) -> ResponseReturnValue:
    store = store_or_404(subdomain)
    try:
        config = store.faults.configure(**_body())
    except (TypeError, ValueError) as exc:
        raise ApiError(422, {"faults": str(exc)}) from None
    return jsonify(config.as_dict())


@blueprint.delete("/stores/<subdomain>/faults")
def reset_faults(subdomain: str) -> ResponseReturnValue:
    return jsonify(store_or_404(subdomain).faults.reset().as_dict())


@blueprint.post("/stores/<subdomain>/orders")
def add_order(subdomain: str) -> ResponseReturnValue:
    """A shopper places an order (status `new` unless given). `gift`: it holds a gift certificate;
    `gift_only`: true, nothing else (no physical line); false, at least one physical line too. `lines`:
    [{sku, quantity}] chosen lines, sold only from what the store shows and taken off its count."""
    store = store_or_404(subdomain)
    body = _body()
    status = body.get("status", "new")
    if status not in ORDER_STATUSES:
        raise invalid("status", "unknown status")
    gift_only = body.get("gift_only")
    if gift_only is not None and not isinstance(gift_only, bool):
        raise invalid("gift_only", "gift_only must be true or false")
    count = body.get("count", 1)
    if not isinstance(count, int) or not 1 <= count <= MAX_ORDERS:
        raise invalid("count", f"count must be between 1 and {MAX_ORDERS}")
    ids = []
    with store.lock:
        chosen = checkout.chosen_lines(store, body["lines"], count) if "lines" in body else None
        physical = [p for p in store.products.values() if p.sku != "GIFTCERT"]
        gift = next(p for p in store.products.values() if p.sku == "GIFTCERT")
        for _ in range(count):
            rng = random.Random(f"{store.seed}:{len(store.orders)}")
            now = utc_now()
            order = make_order(
                store,
                rng,
                now,
                now,
                status=status,
                gift=bool(body.get("gift")),
                physical_products=physical or [gift],
                gift_product=gift,
                only_gift=gift_only,
            )
            if chosen is not None:
                checkout.place(store, order, chosen)
            if not order.awaiting_approval:  # placed; a MOAS order is pushed once approved
                push.push(store, order)
            ids.append(order.id)
    return jsonify({"order_id": ids[0], "order_ids": ids}), 201


@blueprint.post("/stores/<subdomain>/orders/<int:order_id>/edit")
def edit_order(subdomain: str, order_id: int) -> ResponseReturnValue:
    """The customer edits an order: a line's quantity changes (default: first line +1), or with `add_line`
    a line of the first physical product is added; updated_at moves."""
    store = store_or_404(subdomain)
    body = _body()
    with store.lock:
        order = order_or_404(store, order_id)
        if body.get("add_line"):
            line = _add_physical_line(store, order)
            order.touch()
            return jsonify({"order_id": order.id, "line_id": line.id, "quantity": line.quantity})
        if not order.line_items:
            raise invalid("line_items", "order has no lines")
        line = order.line_item(int(body["line_id"])) if "line_id" in body else order.line_items[0]
        if line is None:
            raise not_found("Line item")
        line.quantity = int(body.get("quantity", line.quantity + 1))
        order.touch()
        return jsonify({"order_id": order.id, "line_id": line.id, "quantity": line.quantity})


def _add_physical_line(store: Store, order: Order) -> LineItem:
    physical = (p for p in sorted(store.products.values(), key=lambda p: p.id) if p.sku != "GIFTCERT")
    product = next(physical, None)
    if product is None or not product.inventories:
        raise invalid("line_items", "the store has no physical product")
    row = product.inventories[0]
    line = LineItem(
        id=store.next_id("line_item", 700_000),
        product_id=product.id,
        name=product.name,
        final_sku=product.final_sku(row),
        quantity=1,
        product_price=product.base_price,
        options_price=Decimal("0.0"),
        sub_option_ids=list(row.sub_option_ids),
    )
    order.line_items.append(line)
    return line


@blueprint.post("/stores/<subdomain>/orders/<int:order_id>/status")
def change_status(subdomain: str, order_id: int) -> ResponseReturnValue:
    """The store changes the status (e.g. payment captured: `paid`); leaving moas_pending approves.
    `awaiting_approval: true` keeps an order unapproved whatever its status shows (a live store rejected
    status changes of an order that showed `new`, as the API documents MOAS approval)."""
    store = store_or_404(subdomain)
    body = _body()
    status = body.get("status")
    if status not in ORDER_STATUSES:
        raise invalid("status", "unknown status")
    with store.lock:
        order = order_or_404(store, order_id)
        was_awaiting = order.awaiting_approval
        order.status = status
        order.awaiting_approval = status == "moas_pending" or body.get("awaiting_approval") is True
        order.touch()
        if was_awaiting and not order.awaiting_approval:  # approved: the add-on pushes it now
            push.push(store, order)
        return jsonify({"order_id": order.id, "status": order.status})


@blueprint.post("/stores/<subdomain>/orders/<int:order_id>/cancel")
def cancel(subdomain: str, order_id: int) -> ResponseReturnValue:
    store = store_or_404(subdomain)
    with store.lock:
        return jsonify(cancel_order(store, order_or_404(store, order_id)))


_MEASURES = ("weight", "width", "height", "length")


@blueprint.put("/stores/<subdomain>/products/<int:product_id>")
def change_product(subdomain: str, product_id: int) -> ResponseReturnValue:
    """The merchant changes a product in the store admin: hands its stock to the vendor
    (`vendor_inventory_enabled`), or back; renames it (`name`); sets its weight (pounds) or dimensions
    (inches) as decimal strings, or null. Any change moves `updated_at`."""
    store = store_or_404(subdomain)
    body = _body()
    with store.lock:
        product = store.products.get(product_id)
        if product is None:
            raise not_found("Product")
        if "vendor_inventory_enabled" in body:
            if not isinstance(body["vendor_inventory_enabled"], bool):
                raise invalid("vendor_inventory_enabled", "must be true or false")
            product.vendor_inventory_enabled = body["vendor_inventory_enabled"]
            product.inventory_vendor_id = 7 if product.vendor_inventory_enabled else None
        if "name" in body:
            if not isinstance(body["name"], str) or not body["name"].strip():
                raise invalid("name", "must be a non-empty string")
            product.name = body["name"].strip()
        for measure in _MEASURES:
            if measure in body:
                setattr(product, measure, _measure(measure, body[measure]))
        if {"vendor_inventory_enabled", "name", *_MEASURES} & body.keys():
            product.updated_at = utc_now()
        return jsonify({"id": product.id, "vendor_inventory_enabled": product.vendor_inventory_enabled})


def _measure(name: str, value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise invalid(name, "must be a decimal string or null") from None
    if not number.is_finite() or number < 0:
        raise invalid(name, "must be a decimal string or null")
    return number


@blueprint.delete("/stores/<subdomain>/products/<int:product_id>")
def delete_product(subdomain: str, product_id: int) -> ResponseReturnValue:
    """The merchant deletes a product from the store."""
    store = store_or_404(subdomain)
    with store.lock:
        if store.products.pop(product_id, None) is None:
            raise not_found("Product")
        return jsonify({"id": product_id, "deleted": True})


@blueprint.get("/stores/<subdomain>/orders/<int:order_id>")
def inspect_order(subdomain: str, order_id: int) -> ResponseReturnValue:
    """Simulator-side facts the API does not show (approval flag, shipping-confirmation requests)."""
    store = store_or_404(subdomain)
    with store.lock:
        order = order_or_404(store, order_id)
        return jsonify(
            {
                "order_id": order.id,
                "status": order.status,
                "awaiting_approval": order.awaiting_approval,
                "updated_at": order.updated_at.isoformat(),
                "send_shipping_confirmation": order.send_shipping_confirmation,
                "tracking_number": order.tracking_number,
                "shipping_method": order.shipping_method,
                "ship_date": order.ship_date,
                "shipments": [
                    {"id": s.id, "send_shipping_confirmation": s.send_shipping_confirmation}
                    for s in order.shipments
                ],
            }
        )


@blueprint.get("/stores/<subdomain>/shipments")
def all_shipments(subdomain: str) -> ResponseReturnValue:
    """Every shipment of the store with its order: what checks of exactly-once delivery compare against
    (not billed, unlike the API's per-order listing)."""
    store = store_or_404(subdomain)
    with store.lock:
        return jsonify(
            {
                "shipments": [
                    {
                        "order_id": order.id,
                        "id": s.id,
                        "tracking_number": s.tracking_number,
                        "ship_date": s.ship_date.isoformat() if s.ship_date else None,
                        "shipping_method": s.shipping_method,
                        "note": s.note,
                        "send_shipping_confirmation": s.send_shipping_confirmation,
                        "line_items": [{"id": lid, "quantity": q} for lid, q in s.lines],
                    }
                    for order in store.orders.values()
                    for s in order.shipments
                ]
            }
        )


@blueprint.get("/stores/<subdomain>/push")
def read_push(subdomain: str) -> ResponseReturnValue:
    store = store_or_404(subdomain)
    return jsonify(store.push.snapshot() if store.push else {"url": ""})


@blueprint.put("/stores/<subdomain>/push")
def set_push(subdomain: str) -> ResponseReturnValue:
    """The store admin's Push Order tab: URL, API version; plus the simulator's concurrency and faults."""
    store = store_or_404(subdomain)
    try:
        config = push.validated(_body())
    except (TypeError, ValueError) as exc:
        raise ApiError(422, {"push": str(exc)}) from None
    with store.lock:
        if store.push is not None:
            store.push.stop()
        store.push = push.PushSender(config)
        return jsonify(store.push.snapshot())


@blueprint.delete("/stores/<subdomain>/push")
def remove_push(subdomain: str) -> ResponseReturnValue:
    store = store_or_404(subdomain)
    with store.lock:
        if store.push is not None:
            store.push.stop()
        store.push = None
    return jsonify({"url": ""})


@blueprint.post("/stores/<subdomain>/push/wait")
def wait_for_pushes(subdomain: str) -> ResponseReturnValue:
    """Deliver a held push and wait until every queued one was sent (tests and benches)."""
    store = store_or_404(subdomain)
    sender = store.push
    if sender is None:
        raise not_found("Push configuration")
    finished = sender.wait(float(_body().get("timeout", 60)))
    return jsonify({**sender.snapshot(), "finished": finished})


@blueprint.post("/stores/<subdomain>/orders/<int:order_id>/push")
def push_order(subdomain: str, order_id: int) -> ResponseReturnValue:
    """The store admin's "push again" of one order (faults apply as to every push)."""
    store = store_or_404(subdomain)
    with store.lock:
        order = order_or_404(store, order_id)
        if not push.push(store, order):
            raise invalid("push", "the store has no push URL configured")
    return jsonify({"order_id": order_id, "pushed": True})


@blueprint.get("/stores/<subdomain>/orders/<int:order_id>/payload")
def order_payload(subdomain: str, order_id: int) -> ResponseReturnValue:
    """The Show Order JSON of an order as a push would carry it now, without a billed call (tests)."""
    store = store_or_404(subdomain)
    with store.lock:
        return jsonify(serialize.order_full(order_or_404(store, order_id), store))
