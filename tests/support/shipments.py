"""Shipments for tests: orders with something to ship, techOMS carriers, API keys, and the JSON a host system
posts."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from extensions import db
from models.catalog import CarrierService
from models.channels import SalesChannel
from models.orders import SalesOrder
from services import api_keys
from services.shipments.intake import ShipmentInput
from tests.support.mappings import make_carriers
from tests.support.orders import make_order

SHIP_DATE = date(2026, 11, 30)


def carriers() -> dict[tuple[str, str], CarrierService]:
    """The test carrier services, made once per test."""
    existing = db.session.scalars(select(CarrierService)).all()
    if existing:
        return {(s.carrier.code, s.code): s for s in existing}
    return make_carriers()


def order_to_ship(channel: SalesChannel, *quantities: int, number: str = "") -> SalesOrder:
    """An approved order with one physical line per quantity given (default: 3 and 2)."""
    quantities = quantities or (3, 2)
    return make_order(
        channel,
        number,
        lines=[{"sku": f"SKU-{n}", "name": f"Item {n}", "quantity": q} for n, q in enumerate(quantities, 1)],
    )


def line_ids(order: SalesOrder) -> list[int]:
    return [line.id for line in sorted(order.lines, key=lambda line: line.id)]


def shipment_input(
    order: SalesOrder, quantities: list[int], *, tracking: str = "1ZTEST0001"
) -> ShipmentInput:
    """Ship `quantities[i]` of the order's i-th line (0 leaves it out) with UPS / GND."""
    service = carriers()[("UPS", "GND")]
    lines = [(line_id, q) for line_id, q in zip(line_ids(order), quantities, strict=False) if q]
    return ShipmentInput(lines=lines, carrier_service=service, tracking_number=tracking, ship_date=SHIP_DATE)


def api_key(account) -> str:
    _row, key = api_keys.create_key(account, "Test WMS", None)
    db.session.commit()
    return key


def shipment_body(order: SalesOrder, quantities: list[int], **overrides: Any) -> dict[str, Any]:
    carriers()
    body = {
        "tracking_number": "1ZAPI0001",
        "ship_date": SHIP_DATE.isoformat(),
        "carrier": "UPS",
        "service": "GND",
        "lines": [
            {"line_id": line_id, "quantity": q}
            for line_id, q in zip(line_ids(order), quantities, strict=False)
            if q
        ],
    }
    return {**body, **overrides}


def post_shipment(client, key: str, order_id: int, body: Any, **headers: str):
    return client.post(
        f"/api/v1/orders/{order_id}/shipments",
        json=body,
        headers={"Authorization": f"Bearer {key}", **headers},
    )
