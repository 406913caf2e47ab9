"""Shipments the store made itself (another fulfilment path, a vendor, the store admin), read in the order's
show on import: each recorded once as a Shipment of origin "store", already Sent and never exported, its
quantities counted as shipped and the allocation they cover released.

A store shipment that is one of techOMS's own whose answer was unsure (SENDING) is not recorded here: the
export's reconciliation confirms it (recording it as the store's would make the export send it again). The
shipped quantity of a line never passes what was ordered: when the store shipped units techOMS also recorded
in a shipment not yet sent, the excess is reported, not counted twice. Functions never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import case, select, update

from connectors.brightsites.translate import ShipmentRecord
from extensions import db
from models.base import utcnow
from models.catalog import CarrierService
from models.orders import OrderStatus, SalesOrder, SalesOrderLine
from models.shipments import TRACKING_LENGTH, ExportStatus, Shipment, ShipmentLine, ShipmentOrigin
from services.inventory import allocation
from services.shipments import export_state, recording
from services.shipments import queries as shipment_queries

CarrierLookup = Callable[[str], CarrierService | None]


@dataclass
class StoreShipmentsSeen:
    recorded: list[Shipment] = field(default_factory=list)
    units: int = 0  # units those shipments counted as shipped
    problems: list[str] = field(default_factory=list)  # what could not be counted, in words for the user


def record(
    order: SalesOrder, records: Iterable[ShipmentRecord], carrier_of: CarrierLookup
) -> StoreShipmentsSeen:
    """Record the store's shipments techOMS does not know yet; derive the order's status when any counted."""
    seen = StoreShipmentsSeen()
    records = list(records)
    if not records or order.status == OrderStatus.NOT_FOR_FULFILMENT:
        return seen
    db.session.flush()  # a new order's lines need their ids
    ours = shipment_queries.order_shipments(order)
    known = {s.store_shipment_id for s in ours if s.store_shipment_id is not None}
    fresh = [r for r in records if r.external_id not in known]
    unsure = [s for s in ours if s.export_status == ExportStatus.SENDING]
    reconciled_later = export_state.match_on_store(unsure, fresh, known)
    theirs = set(reconciled_later.values())
    by_external = {line.external_line_id: line for line in order.lines}
    for store_shipment in sorted(fresh, key=lambda r: r.external_id):
        if store_shipment.external_id not in theirs:
            _record_one(order, store_shipment, by_external, carrier_of, seen)
    if seen.recorded:
        _derive_status(order)
    return seen


def _record_one(
    order: SalesOrder,
    store_shipment: ShipmentRecord,
    by_external: dict[int, SalesOrderLine],
    carrier_of: CarrierLookup,
    seen: StoreShipmentsSeen,
) -> None:
    lines: list[ShipmentLine] = []
    released: list[tuple[int, int]] = []
    for external_line_id, quantity in store_shipment.lines:
        line = by_external.get(external_line_id)
        if line is None or not line.is_physical or quantity < 1:
            seen.problems.append(
                f"store shipment {store_shipment.external_id} names line {external_line_id} with quantity "
                f"{quantity}, which is not a physical line of the order: not counted"
            )
            continue
        counted = _raise_shipped(line, quantity)
        if counted < quantity:
            seen.problems.append(
                f"store shipment {store_shipment.external_id} ships {quantity} of line {external_line_id} "
                f"({line.sku or line.name}) but only {counted} were left: techOMS has recorded more of it "
                "than the store has left to ship"
            )
        seen.units += counted
        released.append((line.id, counted))
        lines.append(ShipmentLine(order_line_id=line.id, quantity=quantity))
    if not lines:
        return
    allocation.release_lines(released)
    method = (store_shipment.shipping_method or "").strip()[:120] or None
    service = carrier_of(method) if method else None
    shipment = Shipment(
        account_id=order.account_id,
        order_id=order.id,
        channel_id=order.channel_id,
        carrier_service_id=service.id if service else None,
        store_shipping_method=method,
        # No date on the store's record: the store's update time of the order is when it was seen first.
        ship_date=store_shipment.ship_date or order.store_updated_at.date(),
        tracking_number=(store_shipment.tracking_number or "")[:TRACKING_LENGTH],
        origin=ShipmentOrigin.STORE,
        export_status=ExportStatus.SENT,
        store_shipment_id=store_shipment.external_id,
        sent_at=utcnow(),
        lines=lines,
    )
    db.session.add(shipment)
    seen.recorded.append(shipment)


def _raise_shipped(line: SalesOrderLine, quantity: int) -> int:
    """Raise the line's shipped quantity by up to `quantity`, never past what was ordered (one UPDATE, so a
    shipment taken in at the same time is counted too). Returns how many were counted."""
    before = db.session.scalar(
        select(SalesOrderLine.shipped_quantity).where(SalesOrderLine.id == line.id).with_for_update()
    )
    target = SalesOrderLine.shipped_quantity + quantity
    capped = case((target > SalesOrderLine.quantity, SalesOrderLine.quantity), else_=target)
    db.session.execute(
        update(SalesOrderLine)
        .where(SalesOrderLine.id == line.id)
        .values(shipped_quantity=capped)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(line, ["shipped_quantity"])
    return line.shipped_quantity - (before or 0)


def _derive_status(order: SalesOrder) -> None:
    """Shipped when nothing is left; a draft partly shipped on the store stays a draft to review; a cancelled
    order stays cancelled."""
    if order.status == OrderStatus.CANCELLED:
        return
    was = order.status
    recording.derive_status(order)
    if was == OrderStatus.DRAFT and order.status == OrderStatus.PARTIALLY_SHIPPED:
        order.status = OrderStatus.DRAFT
