"""What the order page and the API read about shipments, each in a fixed number of queries."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from extensions import db
from models.catalog import Carrier, CarrierService
from models.orders import SalesOrder
from models.shipments import Shipment, ShipmentLine


def order_shipments(order: SalesOrder, *, fresh: bool = False) -> list[Shipment]:
    """The order's shipments, oldest first, with their lines, carrier service and warehouse. `fresh`: read
    again from the database over what the session holds (the export, between its commits)."""
    return orders_shipments([order.id], fresh=fresh).get(order.id, [])


def orders_shipments(order_ids: list[int], *, fresh: bool = False) -> dict[int, list[Shipment]]:
    """`order_shipments` of several orders at once (the export reads a batch of orders in one go)."""
    query = (
        select(Shipment)
        .where(Shipment.order_id.in_(order_ids))
        .options(
            selectinload(Shipment.lines).joinedload(ShipmentLine.order_line),
            joinedload(Shipment.carrier_service).joinedload(CarrierService.carrier),
            joinedload(Shipment.warehouse),
        )
        .order_by(Shipment.id)
    )
    if fresh:
        query = query.execution_options(populate_existing=True)
    by_order: dict[int, list[Shipment]] = {}
    for shipment in db.session.scalars(query):
        by_order.setdefault(shipment.order_id, []).append(shipment)
    return by_order


def shipment_of_order(order: SalesOrder, shipment_id: int) -> Shipment | None:
    return db.session.scalar(
        select(Shipment).where(Shipment.id == shipment_id, Shipment.order_id == order.id)
    )


def carrier_service_by_codes(carrier_code: str, service_code: str) -> CarrierService | None:
    """A techOMS carrier service by its system codes, ignoring case and surrounding spaces."""
    return db.session.scalar(
        select(CarrierService)
        .join(CarrierService.carrier)
        .where(
            func.lower(Carrier.code) == carrier_code.strip().lower(),
            func.lower(CarrierService.code) == service_code.strip().lower(),
        )
    )


def default_carrier_service(order: SalesOrder) -> CarrierService | None:
    """The service the order was bought with, when its shipping method mapped to one at import."""
    if not order.carrier_code or not order.service_code:
        return None
    return carrier_service_by_codes(order.carrier_code, order.service_code)
