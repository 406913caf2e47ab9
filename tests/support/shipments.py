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


# --- export against the simulator -----------------------------------------------------------------------


def export_channel(simulator, world, *, orders: int = 12, seed: int = 5, **settings):
    """A simulator store whose orders are imported (no MOAS, no gift lines) into a channel of account A1, with
    UPS / GND mapped to the store's "UPS Ground" (Primary). Returns (store, channel)."""
    from tests.support.mappings import add_carrier_mapping
    from tests.support.sync import catalog_for, import_now, make_store, sync_channel

    store = make_store(simulator, seed=seed, products=5, orders=orders, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account, **settings)
    run = import_now(channel)
    assert run.counts.get("created"), run.counts
    add_carrier_mapping(channel, carriers()[("UPS", "GND")], "UPS Ground", primary=True)
    simulator.reset_calls(store)
    return store, channel


def imported_orders(channel: SalesChannel, *, min_lines: int = 1) -> list[SalesOrder]:
    """The channel's orders with at least `min_lines` physical lines, by store order id."""
    db.session.expire_all()
    orders = db.session.scalars(
        select(SalesOrder).where(SalesOrder.channel_id == channel.id).order_by(SalesOrder.external_id)
    ).all()
    return [o for o in orders if sum(1 for line in o.lines if line.is_physical) >= min_lines]


def ship(order: SalesOrder, quantities: list[int], tracking: str, service=("UPS", "GND")):
    """Take a shipment of `quantities` (per physical line, in line order) into techOMS, committed."""
    from services.shipments import intake

    lines = [line for line in sorted(order.lines, key=lambda line: line.id) if line.is_physical]
    data = ShipmentInput(
        lines=[(line.id, q) for line, q in zip(lines, quantities, strict=False) if q],
        carrier_service=carriers()[service],
        tracking_number=tracking,
        ship_date=SHIP_DATE,
    )
    shipment = intake.create_shipment(order, data)
    db.session.commit()
    return shipment


def ship_all(order: SalesOrder, tracking: str):
    """Everything left of the order in one package."""
    physical = [line for line in sorted(order.lines, key=lambda line: line.id) if line.is_physical]
    return ship(order, [line.remaining_quantity for line in physical], tracking)


def export_now(channel: SalesChannel, *, trigger=None):
    from models.activity import SyncAction, SyncRun, SyncTrigger
    from sync.start import start_run
    from tests.support.sync import work

    run, created = start_run(channel, SyncAction.EXPORT_SHIPMENTS, trigger or SyncTrigger.MANUAL)
    assert created, "an export was already active"
    db.session.commit()  # queues its job
    work()
    return db.session.get(SyncRun, run.id)


def store_shipments(simulator, store, order_ids=None) -> list[dict[str, Any]]:
    """The shipments on the simulated store (its admin view: not billed), of `order_ids` (store order ids)
    or, by default, of the orders techOMS imported (the generator ships some other orders itself)."""
    if order_ids is None:
        order_ids = set(db.session.scalars(select(SalesOrder.external_id)))
    listed = simulator.admin("GET", f"/stores/{store.subdomain}/shipments")["shipments"]
    return [s for s in listed if s["order_id"] in set(order_ids)]


def store_lines(shipment_json: dict[str, Any]) -> list[tuple[int, int]]:
    return sorted((item["id"], item["quantity"]) for item in shipment_json["line_items"])
