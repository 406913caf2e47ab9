"""JSON shapes of the Bright Sites API v2.7.0, built from the in-memory model.

Money is served as strings ("155.0"), ids and quantities as integers, timestamps with an offset in the style
the store's fault settings choose.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sandbox.store import InventoryRow, LineItem, Order, Product, Shipment, Store

# The docs' examples carry Denver offsets (-06:00 / -07:00); a live store answered in UTC with milliseconds.
# The "offset" style uses a fixed -06:00 so that what tests see does not depend on the date.
_DOCS_OFFSET = timezone(timedelta(hours=-6))


def money(value: Decimal) -> str:
    """Ruby BigDecimal style: at least one decimal digit, no padding ("155.0", "12.5", "9.99")."""
    text = format(value.normalize(), "f")
    return text if "." in text else f"{text}.0"


def timestamp(value: datetime, store: Store) -> str:
    if store.faults.config.timestamp_style == "offset":
        return value.astimezone(_DOCS_OFFSET).isoformat(timespec="seconds")
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def order_summary(order: Order, store: Store) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "shipping_method": order.shipping_method,
        "tracking": order.tracking_number or "N/A",
        "created_at": timestamp(order.created_at, store),
        "updated_at": timestamp(order.updated_at, store),
        "status": order.status,
        "customer": order.customer_email,
    }


def _product_options(line: LineItem, store: Store) -> list[dict[str, Any]]:
    product = store.products.get(line.product_id)
    if product is None:
        return []
    options = []
    for sub_option_id in line.sub_option_ids:
        sub = product.sub_option(sub_option_id)
        option = next((o for o in product.options if sub and o.id == sub.option_id), None)
        if sub is None or option is None:
            continue
        options.append(
            {
                "option_id": option.id,
                "sub_option_id": sub.id,
                "option_name": option.name,
                "option_type": option.option_type,
                "sub_option_name": sub.name,
            }
        )
    return options


def line_item(line: LineItem, store: Store) -> dict[str, Any]:
    return {
        "id": line.id,
        "name": line.name,
        "final_sku": line.final_sku,
        "final_internal_id": None,
        "tax_code": None,
        "product_id": line.product_id,
        "quantity": line.quantity,
        "product_price": money(line.product_price),
        "options_price": money(line.options_price),
        "unit_price": money(line.unit_price),
        "total_price": money(line.total_price),
        "tax_price": None,
        "product_options": _product_options(line, store),
        "vendors": [],
        "logos": [],
        "product_personalizations": [],
        "gift_certificate": line.gift_certificate,
        "note": line.note,
        "pdf_status": "not_available",
        "pdf_file_url": None,
    }


def shipment(item: Shipment, *, with_lines: bool = True) -> dict[str, Any]:
    return {
        "id": item.id,
        "tracking_number": item.tracking_number,
        "ship_date": item.ship_date.isoformat() if item.ship_date else None,
        "note": item.note,
        "shipping_method": item.shipping_method,
        "line_items": [{"id": lid, "quantity": q} for lid, q in item.lines] if with_lines else [],
    }


def _adjustment(note: str, amount: Decimal) -> dict[str, Any]:
    return {"note": note, "amount": money(amount), "modifier_type": "$"}


def _payment(order: Order, store: Store) -> dict[str, Any]:
    return {
        "id": order.id * 10,
        "authorization": f"AUTH{order.id:06d}",
        "created_at": timestamp(order.created_at, store),
        "amount": money(order.grand_total),
        "state": "completed",
        "details": {
            "method": "Credit Card",
            "card type": "visa",
            "card": "XXXX-XXXX-XXXX-1111",
            "amount": money(order.grand_total),
        },
    }


def order_full(order: Order, store: Store) -> dict[str, Any]:
    payment = _payment(order, store)
    return {
        "order_id": order.id,
        "created_at": timestamp(order.created_at, store),
        "updated_at": timestamp(order.updated_at, store),
        "status": order.status,
        "site_id": 1,
        "site_name": store.subdomain.title(),
        "site_url": f"https://{store.domain}",
        "custom_store_id": None,
        "organization_name": None,
        "organization_id": None,
        "customer_email": order.customer_email,
        "customer_id": order.customer_id,
        "username": order.customer_email if order.customer_id else "Guest",
        "item_total": money(order.item_total),
        "grand_total": money(order.grand_total),
        "shipping_contact": dict(order.shipping_contact),
        "billing_contact": dict(order.billing_contact),
        "shipping_address": dict(order.shipping_address),
        "billing_address": dict(order.billing_address),
        "custom_data_collections": [],
        "payment": payment,
        "payments": [payment],
        "shipment": {
            "tracking_number": order.tracking_number or None,
            "cost": money(order.shipping_cost),
            "created_at": timestamp(order.created_at, store),
            "shipping_method": order.shipping_method,
            "ship_date": order.ship_date,
            "in_hands_date": order.in_hands_date,
        },
        "line_items": [line_item(li, store) for li in order.line_items],
        "coupons_adjustments": [],
        "balance_adjustments": [],
        "custom_adjustments": [],
        "required_adjustments": [
            _adjustment("shipment", order.shipping_cost),
            _adjustment("sales tax", order.tax),
        ],
        "notes": [
            {"username": n.username, "created_at": timestamp(n.created_at, store), "note": n.note}
            for n in order.notes
        ],
        "shipments": [shipment(s) for s in order.shipments],
    }


def order_legacy(order: Order, store: Store) -> dict[str, Any]:
    """The older serializer a live v2.6.1 store used for PUT responses (A.5.3 [OBS])."""
    body = order_full(order, store)
    body["date"] = body.pop("created_at")
    del body["updated_at"], body["shipments"]
    for key in ("site_id", "site_name", "site_url"):
        del body[key]
    for line in body["line_items"]:
        del line["vendors"], line["tax_code"]
        line["split_items"] = []
    return body


def product_list_item(product: Product, store: Store) -> dict[str, Any]:
    return {
        "id": product.id,
        "name": product.name,
        "sku": product.sku,
        "internal_id": product.internal_id,
        "origin_address_id": product.origin_address_id,
        "new_product": False,
        "new_expires_at": None,
        "categories": [],
        "vendors": [],
        "active": product.active,
        "created_at": timestamp(product.created_at, store),
        "updated_at": timestamp(product.updated_at, store),
    }


def product_inventory_row(product: Product, row: InventoryRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "inventory": row.inventory,
        "trigger": row.trigger,
        "track": row.track,
        "allow_negative": row.allow_negative,
        "sub_sku": product.sub_sku(row),
        "sub_option_ids": list(row.sub_option_ids),
    }


def inventory_item(product: Product, row: InventoryRow) -> dict[str, Any]:
    """One row of GET /inventories (A.7.1)."""
    return {
        "product_id": product.id,
        "product_name": product.name,
        "internal_id": product.internal_id,
        "sku": product.sku,
        "final_sku": product.final_sku(row),
        **product_inventory_row(product, row),
    }


def product_full(product: Product, store: Store) -> dict[str, Any]:
    """GET /products/:id in the live shape: the docs' fields plus `id` and `enable_product_options`,
    without the docs' `enable_decoration_methods` / `last_edited_date`; no `one_source_items` (the
    simulator has no OneSource products)."""
    return {
        **product_list_item(product, store),
        "sku_separator": product.sku_separator,
        "enable_product_options": bool(product.options),
        "weight": money(product.weight) if product.weight is not None else None,
        "width": money(product.width) if product.width is not None else None,
        "height": money(product.height) if product.height is not None else None,
        "length": money(product.length) if product.length is not None else None,
        "shipping_modifier": None,
        "meta_title": product.meta_title,
        "meta_description": product.meta_description,
        "meta_keywords": product.meta_keywords,
        "custom_url": product.custom_url,
        "description": product.description,
        "featured": product.featured,
        "base_price": money(product.base_price),
        "retail_price": money(product.base_price),
        "cost": None,
        "setup_charge": None,
        "minimum_order_quantity": 1,
        "maximum_order_quantity": None,
        "tax_exempt": False,
        "shipping_exempt": False,
        "enable_inventory": True,
        "enable_quantity_discount": product.enable_quantity_discount,
        "related_products_type": product.related_products_type,
        "enable_related_products": product.enable_related_products,
        "enable_product_personalization": product.enable_product_personalization,
        "enable_logo_locations": product.enable_logo_locations,
        "vendor_inventory_enabled": product.vendor_inventory_enabled,
        "inventory_vendor_id": product.inventory_vendor_id,
        "primary_category_id": None,
        "tax_code": None,
        "note": None,
        "options": [
            {
                "id": o.id,
                "name": o.name,
                "friendly_name": o.name,
                "option_type": o.option_type,
                "price_modifier_type": "$",
                "show_in_inventory": True,
                "show_as_thumbs": False,
                "include_in_images": False,
                "required": True,
                "multiple_quantity": False,
                "position": o.position,
            }
            for o in product.options
        ],
        "sub_options": [
            {
                "id": s.id,
                "name": s.name,
                "sub_sku": s.sub_sku,
                "price_modifier": "0.0",
                "image_src": None,
                "position": s.position,
                "product_option_id": s.option_id,
            }
            for s in product.sub_options
        ],
        "inventories": []
        if product.vendor_inventory_enabled
        else [product_inventory_row(product, r) for r in product.inventories],
    }
