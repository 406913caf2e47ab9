"""An order cancelled on the store, whatever techOMS has recorded of it: cancelled here too, the allocation of
what has not shipped given back, and shipments not yet on the store stopped (never sent: the export checks
the order's cancel state). When units already left the warehouse the order says so ("cancelled on the store
after N units shipped") and the operator is told what to do. Functions never commit."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from extensions import db
from models.base import utcnow
from models.orders import OrderStatus, SalesOrder
from models.shipments import ExportProblem, ExportStatus, Shipment, ShipmentOrigin
from services.inventory import allocation
from services.shipments import export_state

STOPPED_STATUSES = (ExportStatus.WAITING, ExportStatus.ERROR)


@dataclass
class StoreCancel:
    shipped_units: int  # units that had left the warehouse when the store cancelled
    stopped: list[Shipment] = field(default_factory=list)  # shipments that will never be sent


def shipped_units(order: SalesOrder) -> int:
    return sum(line.shipped_quantity or 0 for line in order.lines if line.is_physical)


def cancelled_message(order: SalesOrder) -> str:
    """Why a shipment of this order is not sent, and what to do."""
    return (
        f"Order {order.number} was cancelled on the store before this shipment was sent: it is not sent. "
        "If the package has left the warehouse, recall it or agree a return with the customer."
    )


def cancel(order: SalesOrder, store_status: str) -> StoreCancel | None:
    """Cancelled on the store. None when the order was cancelled here already (nothing changed)."""
    order.store_status = store_status
    if order.status == OrderStatus.CANCELLED:
        return None
    order.status = OrderStatus.CANCELLED
    order.closed_at = order.closed_at or utcnow()
    order.store_update_due = False  # nothing more is said to a cancelled store order
    allocation.release_order(order)
    seen = StoreCancel(shipped_units(order))
    if order.id is None:
        return seen
    unsent = db.session.scalars(
        select(Shipment).where(
            Shipment.order_id == order.id,
            Shipment.origin == ShipmentOrigin.TECHOMS,
            Shipment.export_status.in_(STOPPED_STATUSES),
        )
    )
    for shipment in unsent:
        export_state.mark_error(shipment, ExportProblem.ORDER_CANCELLED, cancelled_message(order))
        seen.stopped.append(shipment)
    return seen


def describe(order: SalesOrder, seen: StoreCancel) -> tuple[bool, str]:
    """(warning?, the sentence for the order's events)."""
    if not seen.shipped_units and not seen.stopped:
        return False, f"Order {order.number} was cancelled on the store: cancelled in techOMS."
    parts = [f"Order {order.number} was cancelled on the store after {seen.shipped_units} units shipped"]
    if seen.stopped:
        parts.append(
            f"{len(seen.stopped)} shipment(s) recorded in techOMS and not yet on the store will not be sent "
            f"({', '.join(s.tracking_number for s in seen.stopped)})"
        )
    parts.append(
        "cancelled in techOMS and the stock of what did not ship released; recall what is on its way or "
        "agree a return or refund with the customer"
    )
    return True, "; ".join(parts) + "."
