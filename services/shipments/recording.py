"""Record a shipment: validate it against its order, raise the order lines' shipped quantities, derive the
order's status.

The guard against shipping more than was ordered is the database's, so it holds for concurrent requests too:
each line's `shipped_quantity` rises only through a conditional UPDATE (`... WHERE shipped_quantity + :q <=
quantity`) and a CHECK constraint backs it. The order row is locked first (FOR UPDATE on PostgreSQL; SQLite
has one writer at a time anyway), so two shipments of one order take turns and each sees the other's lines
when it derives the order's status. On ShipmentRefused the caller rolls back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update

from connectors.brightsites.statuses import CANCELED
from extensions import db
from models.api_keys import ApiKey
from models.base import utcnow
from models.catalog import CarrierService, Warehouse, account_warehouse
from models.orders import OrderStatus, SalesOrder, SalesOrderLine
from models.shipments import ExportStatus, Shipment, ShipmentLine
from models.tenancy import User
from services import outbox
from services.inventory import allocation

SHIPPABLE_STATUSES = frozenset({OrderStatus.APPROVED, OrderStatus.RELEASED, OrderStatus.PARTIALLY_SHIPPED})


class ShipmentRefused(Exception):
    """The shipment cannot be taken: `errors` maps a field (or `order`, `lines`) to messages for the user."""

    def __init__(self, errors: dict[str, list[str]], *, conflict: bool = False) -> None:
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors
        self.conflict = conflict  # the order was cancelled (here or on the store): no shipment ever


@dataclass(frozen=True)
class ShipmentInput:
    lines: Sequence[tuple[int, int]]  # (sales order line id, quantity)
    carrier_service: CarrierService
    tracking_number: str
    ship_date: date
    warehouse: Warehouse | None = None
    note: str | None = None


def refusal_for_status(order: SalesOrder) -> str | None:
    """Why nothing can be shipped on this order now, or None."""
    if order.held_at is not None and order.status not in (OrderStatus.CANCELLED, OrderStatus.SHIPPED):
        reason = f" ({order.hold_reason})" if order.hold_reason else ""
        return f"Order {order.number} is on hold{reason}; release it before shipping."
    if order.status == OrderStatus.DRAFT:
        return f"Order {order.number} is a draft waiting for review; it cannot be shipped yet."
    if order.status == OrderStatus.CANCELLED:
        return f"Order {order.number} is cancelled; nothing more can be shipped on it."
    if order.store_status == CANCELED:
        return f"Order {order.number} was cancelled on the store; nothing more can be shipped on it."
    if order.status == OrderStatus.SHIPPED:
        return f"Order {order.number} is already shipped in full."
    if order.status not in SHIPPABLE_STATUSES:
        return f"Order {order.number} cannot be shipped in its status ({order.status.label})."
    return None


def shippable_lines(order: SalesOrder) -> list[SalesOrderLine]:
    """Physical lines with something left to ship, in line order."""
    return [line for line in order.lines if line.is_physical and line.remaining_quantity > 0]


def _check_lines(order: SalesOrder, wanted: Sequence[tuple[int, int]]) -> list[str]:
    by_id = {line.id: line for line in order.lines}
    problems, seen = [], set()
    if not wanted:
        return ["Ship at least one line."]
    for line_id, quantity in wanted:
        line = by_id.get(line_id)
        if line is None:
            problems.append(f"Line {line_id} is not a line of order {order.number}.")
        elif line_id in seen:
            problems.append(f"Line {line_id} appears twice; give each line once with its whole quantity.")
        elif not line.is_physical:
            problems.append(f"{_name(line)} is not a physical item: nothing to ship.")
        elif quantity < 1:
            problems.append(f"Line {line_id}: the quantity must be at least 1.")
        elif quantity > line.remaining_quantity:
            problems.append(_too_many(line, quantity))
        seen.add(line_id)
    return problems


def _name(line: SalesOrderLine) -> str:
    return f"Line {line.id} ({line.sku or line.name})"


def _too_many(line: SalesOrderLine, quantity: int) -> str:
    return (
        f"{_name(line)}: {quantity} is more than the {line.remaining_quantity} left to ship "
        f"of {line.quantity} ordered."
    )


def create_shipment(
    order: SalesOrder, data: ShipmentInput, *, user: User | None = None, api_key: ApiKey | None = None
) -> Shipment:
    """A new shipment of `order`, waiting to be exported; the order becomes Partially shipped or Shipped."""
    db.session.refresh(order, with_for_update=True)  # take turns with other shipments of this order
    status_problem = refusal_for_status(order)
    if status_problem:
        cancelled = order.status == OrderStatus.CANCELLED or order.store_status == CANCELED
        raise ShipmentRefused({"order": [status_problem]}, conflict=cancelled)
    problems = _check_lines(order, data.lines)
    if problems:
        raise ShipmentRefused({"lines": problems})
    if data.warehouse is not None and not _enabled(order, data.warehouse):
        message = f"Warehouse {data.warehouse.code} is not enabled for this account."
        raise ShipmentRefused({"warehouse": [message]})

    by_id = {line.id: line for line in order.lines}
    for line_id, quantity in sorted(data.lines):  # one lock order for every writer: no deadlocks
        raised = db.session.execute(
            update(SalesOrderLine)
            .where(
                SalesOrderLine.id == line_id,
                SalesOrderLine.order_id == order.id,
                SalesOrderLine.is_physical,
                SalesOrderLine.shipped_quantity + quantity <= SalesOrderLine.quantity,
            )
            .values(shipped_quantity=SalesOrderLine.shipped_quantity + quantity)
            .execution_options(synchronize_session=False)
        )
        if raised.rowcount != 1:  # another shipment took the quantity since this one was checked
            db.session.refresh(by_id[line_id])
            raise ShipmentRefused({"lines": [_too_many(by_id[line_id], quantity)]})
    # What left the warehouse no longer holds stock there (same transaction as the shipped quantities).
    allocation.release_lines(data.lines)

    shipment = Shipment(
        account_id=order.account_id,
        order_id=order.id,
        channel_id=order.channel_id,
        warehouse_id=data.warehouse.id if data.warehouse else None,
        carrier_service_id=data.carrier_service.id,
        tracking_number=data.tracking_number,
        ship_date=data.ship_date,
        note=data.note or None,
        created_by_id=user.id if user else None,
        api_key_id=api_key.id if api_key else None,
        export_status=ExportStatus.WAITING,
        lines=[ShipmentLine(order_line_id=line_id, quantity=quantity) for line_id, quantity in data.lines],
    )
    db.session.add(shipment)
    derive_status(order)
    outbox.record_shipment(shipment, "shipment.recorded")
    return shipment


def _enabled(order: SalesOrder, warehouse: Warehouse) -> bool:
    return (
        db.session.scalar(
            select(account_warehouse.c.warehouse_id).where(
                account_warehouse.c.account_id == order.account_id,
                account_warehouse.c.warehouse_id == warehouse.id,
            )
        )
        is not None
    )


def derive_status(order: SalesOrder) -> None:
    """Shipped when no physical quantity is left (that closes the order: the PII clock starts), else
    Partially shipped."""
    for line in order.lines:
        db.session.expire(line, ["shipped_quantity"])
    left = db.session.scalar(
        select(func.coalesce(func.sum(SalesOrderLine.quantity - SalesOrderLine.shipped_quantity), 0)).where(
            SalesOrderLine.order_id == order.id, SalesOrderLine.is_physical
        )
    )
    if left == 0:
        order.status = OrderStatus.SHIPPED
        order.closed_at = order.closed_at or utcnow()
    else:
        order.status = OrderStatus.PARTIALLY_SHIPPED
