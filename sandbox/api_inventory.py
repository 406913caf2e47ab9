"""Inventory endpoints: store-wide list, per-product batch update, per-product rows.

Vendor-managed products ("vendor inventory") are left out of GET /inventories and refused by batch_update.
Values are absolute. Rows are never created or deleted here: they follow the option combinations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from sandbox import serialize
from sandbox.api_orders import json_root
from sandbox.errors import ApiError, invalid, not_found, rejected
from sandbox.gateway import current_store
from sandbox.params import list_param, paginate, parse_time_filter, within
from sandbox.store import InventoryRow, Product, Store

_VENDOR_MANAGED = "Inventory is managed by the vendor for this product"
_INT_FIELDS = ("inventory", "trigger")
_BOOL_FIELDS = ("track", "allow_negative")


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/inventories", view_func=list_inventories, methods=["GET"])
    bp.add_url_rule("/inventories/<int:product_id>/batch_update", view_func=batch_update, methods=["PUT"])
    bp.add_url_rule("/products/<int:product_id>/inventories", view_func=product_inventories, methods=["GET"])
    bp.add_url_rule(
        "/products/<int:product_id>/inventories/<int:row_id>",
        view_func=product_inventory_row,
        methods=["GET"],
    )
    bp.add_url_rule(
        "/products/<int:product_id>/inventories/<int:row_id>", view_func=update_inventory_row, methods=["PUT"]
    )


def product_or_404(store: Store, product_id: int) -> Product:
    product = store.products.get(product_id)
    if product is None:
        raise not_found("Product")
    return product


def product_filter(args: Any) -> Callable[[Product], bool]:
    """Filters shared by /products and /inventories, read from the query once; the dates are the product's
    own (A.4)."""
    skus = {s.lower() for s in list_param(args, "sku")}
    name = (args.get("name") or "").lower()
    internal_ids = set(list_param(args, "internal_id"))
    created = (parse_time_filter(args, "created_at_from"), parse_time_filter(args, "created_at_to"))
    updated = (parse_time_filter(args, "updated_at_from"), parse_time_filter(args, "updated_at_to"))

    def matches(product: Product) -> bool:
        return (
            (not skus or product.sku.lower() in skus)
            and (not name or name in product.name.lower())
            and (not internal_ids or product.internal_id in internal_ids)
            and within(product.created_at, *created)
            and within(product.updated_at, *updated)
        )

    return matches


def list_inventories() -> ResponseReturnValue:
    store = current_store()
    matches = product_filter(request.args)
    with store.lock:
        rows = [
            (product, row)
            for product in sorted(store.products.values(), key=lambda p: p.id)
            if not product.vendor_inventory_enabled and matches(product)
            for row in product.inventories
        ]
        page, meta = paginate(rows, request.args)  # serialize only the page: stores hold many rows
        return jsonify({"inventories": [serialize.inventory_item(p, r) for p, r in page], "meta": meta})


def _validated_changes(entry: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in _INT_FIELDS:
        if key in entry:
            value = entry[key]
            if not isinstance(value, int) or isinstance(value, bool):
                raise invalid(key, f"Invalid parameter '{key}' value \"{value}\": {key} must be an Integer")
            changes[key] = value
    for key in _BOOL_FIELDS:
        if key in entry:
            if not isinstance(entry[key], bool):
                raise invalid(key, f"Invalid parameter '{key}' value \"{entry[key]}\": must be a Boolean")
            changes[key] = entry[key]
    return changes


def _check_row(row: InventoryRow, changes: dict[str, Any]) -> str | None:
    allow_negative = changes.get("allow_negative", row.allow_negative)
    if changes.get("inventory", 0) < 0 and not allow_negative:
        return f"Inventory {row.id}: inventory must be greater than or equal to 0"
    return None


def batch_update(product_id: int) -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        product = product_or_404(store, product_id)
        if product.vendor_inventory_enabled:
            raise rejected("inventories", _VENDOR_MANAGED)
        body = request.get_json(silent=True)
        entries = body.get("inventories") if isinstance(body, dict) else None
        if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
            raise invalid("inventories", "inventories is missing")
        planned: list[tuple[InventoryRow, dict[str, Any]]] = []
        problems: list[str] = []
        for entry in entries:
            row_id = entry.get("id")
            if not isinstance(row_id, int) or isinstance(row_id, bool):
                raise invalid("id", f"Invalid parameter 'id' value \"{row_id}\": id must be an Integer")
            row = product.inventory_row(row_id)
            if row is None:
                problems.append(f"Inventory {row_id} does not belong to product {product_id}")
                continue
            changes = _validated_changes(entry)
            problem = _check_row(row, changes)
            if problem:
                problems.append(problem)
            planned.append((row, changes))
        if problems:
            raise ApiError(422, {"inventories": problems})
        for row, changes in planned:  # all or nothing
            for key, value in changes.items():
                setattr(row, key, value)
        return jsonify({"inventories": [serialize.inventory_item(product, row) for row, _ in planned]})


def product_inventories(product_id: int) -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        product = product_or_404(store, product_id)
        if product.vendor_inventory_enabled:
            return jsonify({"enabled": False, "inventories": []})
        rows = [serialize.product_inventory_row(product, r) for r in product.inventories]
        return jsonify({"enabled": True, "inventories": rows})


def _row_or_404(product: Product, row_id: int) -> InventoryRow:
    row = product.inventory_row(row_id)
    if row is None or product.vendor_inventory_enabled:
        raise not_found("Inventory")
    return row


def product_inventory_row(product_id: int, row_id: int) -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        product = product_or_404(store, product_id)
        return jsonify(serialize.product_inventory_row(product, _row_or_404(product, row_id)))


def update_inventory_row(product_id: int, row_id: int) -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        product = product_or_404(store, product_id)
        row = _row_or_404(product, row_id)
        changes = _validated_changes(json_root("inventory"))
        problem = _check_row(row, changes)
        if problem:
            raise rejected("inventory", problem)
        for key, value in changes.items():
            setattr(row, key, value)
        return jsonify(serialize.product_inventory_row(product, row))
