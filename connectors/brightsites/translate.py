"""Bright Sites JSON <-> techOMS records. Pure functions, no I/O.

Inbound: money is read from the API's strings into exact Decimals, timestamps become aware UTC datetimes (a
value without an offset is read in the store's timezone), country and state names become ISO codes.
Outbound: shipment, order-update and inventory bodies in the exact shape of the contract.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.brightsites.geography import country_code, subdivision_code

MAX_SHIPMENT_NOTE = 255


class TranslationError(ValueError):
    """The store's JSON lacks something a record cannot do without (an id, a timestamp)."""


@dataclass(frozen=True)
class AddressRecord:
    first_name: str
    last_name: str
    company: str
    line1: str
    line2: str
    city: str
    postal_code: str
    subdivision: str  # as the store wrote it, e.g. "Illinois"
    subdivision_code: str | None  # ISO 3166-2 without the country prefix, e.g. "IL"; None when unknown
    country: str  # as the store wrote it, e.g. "United States"
    country_code: str | None  # ISO 3166-1 alpha-2, e.g. "US"; None when unknown
    email: str
    phone: str


@dataclass(frozen=True)
class OrderLineRecord:
    external_line_id: int
    sku: str  # final_sku, stripped
    name: str
    quantity: int
    unit_price: Decimal
    total_price: Decimal
    product_id: int | None
    sub_option_ids: tuple[int, ...]  # the reliable key back to the store's inventory row
    is_physical: bool  # False for gift certificates: nothing to ship
    note: str | None


@dataclass(frozen=True)
class ShipmentRecord:
    external_id: int
    tracking_number: str | None
    ship_date: date | None
    shipping_method: str | None
    lines: tuple[tuple[int, int], ...]  # (external line id, quantity)


@dataclass(frozen=True)
class OrderRecord:
    external_id: int
    number: str
    status: str
    created_at: datetime
    # None when the answer carries no update time: the legacy PUT serializer has only `date`, the creation
    # time. Whoever needs the store's updated_at reads it from a show (GET /orders/:id) or a listing.
    updated_at: datetime | None
    currency: str | None  # the API has no currency field
    item_total: Decimal
    grand_total: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    customer_name: str
    customer_email: str
    customer_phone: str
    billing_address: AddressRecord
    shipping_address: AddressRecord
    shipping_method: str
    tracking_number: str | None
    lines: tuple[OrderLineRecord, ...]
    shipments: tuple[ShipmentRecord, ...]

    @property
    def physical_lines(self) -> tuple[OrderLineRecord, ...]:
        return tuple(line for line in self.lines if line.is_physical)


@dataclass(frozen=True)
class InventoryRowRecord:
    product_id: int
    inventory_id: int
    sku: str  # final_sku, stripped
    product_sku: str
    quantity: int
    track: bool
    allow_negative: bool
    sub_option_ids: tuple[int, ...]


# --- scalar readers -----------------------------------------------------------------------------------


def money(value: object) -> Decimal:
    """ "155.0" -> Decimal("155.0"); null or "" -> 0. Floats never touch the value."""
    if value is None or value == "":
        return Decimal("0")
    try:
        return Decimal(str(value).strip().replace("$", "").replace(",", ""))
    except InvalidOperation:
        raise TranslationError(f"not an amount: {value!r}") from None


def push_document(body: str | bytes) -> dict[str, Any] | None:
    """A pushed order's Show Order JSON: the body parsed, and unwrapped when it comes in an "order" root (as
    API writes are). None when the body is not a JSON object."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(document, dict) and isinstance(document.get("order"), dict):
        document = document["order"]
    return document if isinstance(document, dict) else None


def record_id(value: object) -> int:
    """Ids are integers, but one doc example serves a line id as "1234": accept both."""
    if isinstance(value, bool) or value is None:
        raise TranslationError(f"not an id: {value!r}")
    try:
        return int(str(value).strip())
    except ValueError:
        raise TranslationError(f"not an id: {value!r}") from None


def timestamp(value: object, store_timezone: tzinfo = UTC) -> datetime:
    """ISO 8601 with any offset ("Z", "-06:00", milliseconds) -> aware UTC; no offset -> store_timezone."""
    if not isinstance(value, str) or not value.strip():
        raise TranslationError(f"not a timestamp: {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise TranslationError(f"not a timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=store_timezone)
    return parsed.astimezone(UTC)


def optional_date(value: object) -> date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def split_name(first: object, last: object) -> tuple[str, str]:
    """Contacts carry first/last already; when only one field is filled, split it at the last space."""
    first_text, last_text = _text(first), _text(last)
    if first_text and last_text:
        return first_text, last_text
    whole = first_text or last_text
    if " " in whole:
        given, family = whole.rsplit(" ", 1)
        return given.strip(), family.strip()
    return whole, ""


# --- orders -------------------------------------------------------------------------------------------


def address(raw_address: object, raw_contact: object) -> AddressRecord:
    place = raw_address if isinstance(raw_address, Mapping) else {}
    contact = raw_contact if isinstance(raw_contact, Mapping) else {}
    first, last = split_name(contact.get("first_name"), contact.get("last_name"))
    country = _text(place.get("country"))
    country_iso = country_code(country)
    state = _text(place.get("state"))
    return AddressRecord(
        first_name=first,
        last_name=last,
        company=_text(place.get("company")),
        line1=_text(place.get("first_address")),
        line2=_text(place.get("second_address")),
        city=_text(place.get("city")),
        postal_code=_text(place.get("zip")),
        subdivision=state,
        subdivision_code=subdivision_code(country_iso, state),
        country=country,
        country_code=country_iso,
        email=_text(contact.get("email")),
        phone=_text(contact.get("phone")),
    )


def order_line(raw: Mapping[str, Any]) -> OrderLineRecord:
    options = raw.get("product_options") or []
    sub_option_ids = tuple(
        record_id(o["sub_option_id"])
        for o in options
        if isinstance(o, Mapping) and o.get("sub_option_id") is not None
    )
    return OrderLineRecord(
        external_line_id=record_id(raw.get("id")),
        sku=_text(raw.get("final_sku")),
        name=_text(raw.get("name")),
        quantity=record_id(raw.get("quantity")),
        unit_price=money(raw.get("unit_price")),
        total_price=money(raw.get("total_price")),
        product_id=record_id(raw["product_id"]) if raw.get("product_id") is not None else None,
        sub_option_ids=sub_option_ids,
        is_physical=not raw.get("gift_certificate"),
        note=_text(raw.get("note")) or None,
    )


def shipment(raw: Mapping[str, Any]) -> ShipmentRecord:
    return ShipmentRecord(
        external_id=record_id(raw.get("id")),
        tracking_number=_text(raw.get("tracking_number")) or None,
        ship_date=optional_date(raw.get("ship_date")),
        shipping_method=_text(raw.get("shipping_method")) or None,
        lines=tuple(
            (record_id(li.get("id")), record_id(li.get("quantity")))
            for li in raw.get("line_items") or []
            if isinstance(li, Mapping)
        ),
    )


def _adjustments_total(raw: Mapping[str, Any], key: str, note_contains: str) -> Decimal:
    return sum(
        (
            money(a.get("amount"))
            for a in raw.get(key) or []
            if isinstance(a, Mapping) and note_contains in _text(a.get("note")).lower()
        ),
        Decimal("0"),
    )


def order(raw: Mapping[str, Any], store_timezone: tzinfo = UTC) -> OrderRecord:
    """GET /orders/:id (or a PUT answer in either serializer shape) -> OrderRecord.

    The legacy PUT shape has only `date`, which is the creation time: it gives created_at, never updated_at
    (a stale update time would make the order look changed, or unchanged, when it is not)."""
    legacy_shipment = raw.get("shipment") if isinstance(raw.get("shipment"), Mapping) else {}
    legacy = raw.get("created_at") is None and raw.get("date") is not None
    created = raw.get("date") if legacy else raw.get("created_at")
    updated = raw.get("updated_at")
    billing = address(raw.get("billing_address"), raw.get("billing_contact"))
    shipping = address(raw.get("shipping_address"), raw.get("shipping_contact"))
    named = billing if billing.first_name or billing.last_name else shipping
    shipping_cost = legacy_shipment.get("cost")
    return OrderRecord(
        external_id=record_id(raw.get("order_id")),
        number=str(record_id(raw.get("order_id"))),
        status=_text(raw.get("status")),
        created_at=timestamp(created, store_timezone),
        updated_at=None if legacy and not updated else timestamp(updated, store_timezone),
        currency=None,
        item_total=money(raw.get("item_total")),
        grand_total=money(raw.get("grand_total")),
        shipping_total=money(shipping_cost)
        if shipping_cost not in (None, "")
        else _adjustments_total(raw, "required_adjustments", "shipment"),
        tax_total=_adjustments_total(raw, "required_adjustments", "tax"),
        customer_name=" ".join(p for p in (named.first_name, named.last_name) if p),
        customer_email=_text(raw.get("customer_email")) or billing.email or shipping.email,
        customer_phone=billing.phone or shipping.phone,
        billing_address=billing,
        shipping_address=shipping,
        shipping_method=_text(legacy_shipment.get("shipping_method")),
        tracking_number=_text(legacy_shipment.get("tracking_number")) or None,
        lines=tuple(order_line(li) for li in raw.get("line_items") or [] if isinstance(li, Mapping)),
        shipments=tuple(shipment(s) for s in raw.get("shipments") or [] if isinstance(s, Mapping)),
    )


def inventory_row(raw: Mapping[str, Any]) -> InventoryRowRecord:
    """One GET /inventories (or batch_update answer) item."""
    return InventoryRowRecord(
        product_id=record_id(raw.get("product_id")),
        inventory_id=record_id(raw.get("id")),
        sku=_text(raw.get("final_sku")),
        product_sku=_text(raw.get("sku")),
        quantity=int(raw.get("inventory") or 0),
        track=bool(raw.get("track")),
        allow_negative=bool(raw.get("allow_negative")),
        sub_option_ids=tuple(record_id(i) for i in raw.get("sub_option_ids") or []),
    )


# --- outbound -----------------------------------------------------------------------------------------


def shipment_payload(
    lines: Iterable[tuple[int, int]],
    *,
    tracking_number: str | None = None,
    shipping_method: str | None = None,
    ship_date: date | None = None,
    note: str | None = None,
    send_shipping_confirmation: bool = False,
) -> dict[str, Any]:
    """POST /orders/:id/shipments body: one package with its lines [(line item id, quantity)]."""
    items = [{"id": record_id(line_id), "quantity": int(quantity)} for line_id, quantity in lines]
    if not items:
        raise ValueError("a shipment needs at least one line")
    if any(item["quantity"] < 1 for item in items):
        raise ValueError("shipment quantities must be at least 1")
    if note is not None and len(note) > MAX_SHIPMENT_NOTE:
        raise ValueError(f"a shipment note holds at most {MAX_SHIPMENT_NOTE} characters")
    body: dict[str, Any] = {
        "line_items": items,
        "send_shipping_confirmation": bool(send_shipping_confirmation),
    }
    if tracking_number:
        body["tracking_number"] = tracking_number.strip()
    if shipping_method:
        body["shipping_method"] = shipping_method  # must be an exact name from /shipping_methods
    if ship_date is not None:
        body["ship_date"] = ship_date.isoformat()
    if note:
        body["note"] = note
    return {"shipment": body}


def order_update_fields(
    *,
    status: str | None = None,
    tracking_number: str | None = None,
    shipping_method: str | None = None,
    ship_date: date | None = None,
    note: str | None = None,
    send_shipping_confirmation: bool | None = None,
) -> dict[str, Any]:
    """Keyword arguments for client.update_order(): only the fields being changed."""
    fields: dict[str, Any] = {
        "status": status,
        "tracking_number": tracking_number,
        "shipping_method": shipping_method,
        "note": note,
        "ship_date": ship_date.isoformat() if ship_date else None,
        "send_shipping_confirmation": send_shipping_confirmation,
    }
    return {k: v for k, v in fields.items() if v is not None}


def inventory_batch_items(levels: Iterable[tuple[int, int]]) -> list[dict[str, int]]:
    """[(inventory id, absolute quantity)] -> the `inventories` array of PUT .../batch_update."""
    return [{"id": record_id(inventory_id), "inventory": int(quantity)} for inventory_id, quantity in levels]
