"""A shopper's checkout with chosen lines: the store sells only what its inventory shows and takes the units
off its count when the order is placed (a cancel puts them back: api_orders.cancel_order). Orders placed
without chosen lines (random lines, as the generator draws them) leave the count alone, as before."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sandbox.errors import invalid
from sandbox.store import InventoryRow, LineItem, Order, Product, Store


def chosen_lines(store: Store, spec: Any, orders: int) -> list[tuple[Product, InventoryRow, int]]:
    """[(product, row, quantity)] for `lines: [{"sku": final_sku, "quantity": n}]`, checked against what the
    store shows for `orders` orders of these lines (422 when a tracked row has too little)."""
    if not isinstance(spec, list) or not spec:
        raise invalid("lines", "lines must be a non-empty list of {sku, quantity}")
    by_sku = {
        product.final_sku(row): (product, row)
        for product in store.products.values()
        if product.sku != "GIFTCERT"
        for row in product.inventories
    }
    chosen, wanted = [], Counter()
    for line in spec:
        sku = line.get("sku") if isinstance(line, dict) else None
        quantity = line.get("quantity", 1) if isinstance(line, dict) else None
        if sku not in by_sku:
            raise invalid("lines", f"unknown SKU {sku!r}")
        if not isinstance(quantity, int) or quantity < 1:
            raise invalid("lines", "quantity must be a positive integer")
        product, row = by_sku[sku]
        chosen.append((product, row, quantity))
        wanted[row.id] += quantity * orders
    for product, row, _ in chosen:
        sellable = row.track and not row.allow_negative and not product.vendor_inventory_enabled
        if sellable and wanted[row.id] > row.inventory:
            raise invalid("lines", f"only {max(row.inventory, 0)} of {product.final_sku(row)} in stock")
    return chosen


def place(store: Store, order: Order, chosen: list[tuple[Product, InventoryRow, int]]) -> None:
    """The order's lines become the chosen ones, and their units leave the store's count."""
    order.line_items = [
        LineItem(
            id=store.next_id("line_item", 700_000),
            product_id=product.id,
            name=product.name,
            final_sku=product.final_sku(row),
            quantity=quantity,
            product_price=product.base_price,
            options_price=Decimal("0.0"),
            sub_option_ids=list(row.sub_option_ids),
        )
        for product, row, quantity in chosen
    ]
    order.tax = (order.item_total * Decimal("0.07")).quantize(Decimal("0.01"))
    for product, row, quantity in chosen:
        if row.track and not product.vendor_inventory_enabled:
            row.inventory -= quantity
