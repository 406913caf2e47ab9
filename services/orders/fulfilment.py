"""Orders as a fulfilment system reads them (GET /api/v1/orders): filters, the `ready` rule and keyset pages.

Pages are keyed by order id (`id > after`, ascending), never by offset: orders created or changed between
two pages neither shift nor repeat rows of the pages already read.

Ready to ship = approved (Approved, Released or Partially shipped), allocated (every physical line holds what
is left of it), not held, not cancelled, and something left to ship. The partial index
ix_sales_order_fulfilment_open keeps shipped, cancelled and draft orders out of the scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, select
from sqlalchemy.orm import aliased

from extensions import db
from models.orders import OrderStatus, SalesOrder, SalesOrderLine

FULFILMENT_STATUSES = (OrderStatus.APPROVED, OrderStatus.RELEASED, OrderStatus.PARTIALLY_SHIPPED)


@dataclass(frozen=True)
class OrderFilter:
    account_id: int
    after_id: int = 0
    channel_ids: tuple[int, ...] = ()
    statuses: tuple[OrderStatus, ...] = ()
    ready: bool = False
    updated_after: datetime | None = None
    limit: int = 50


def not_held() -> ColumnElement[bool]:
    """No hold in techOMS (services/orders/holds.py): a held order is not offered to fulfilment. Held orders
    are few, so the ready index stays on status alone and this is checked on its rows."""
    return SalesOrder.held_at.is_(None)


def ready_clause(account_id: int, after_id: int = 0) -> ColumnElement[bool]:
    """Orders and lines are read from the account's first open order after `after_id` on (the partial index
    finds it): PostgreSQL may merge-join the lines' order_id index, and a scan from `after_id` walked every
    shipped order of the year before the first one still open (100,000 orders and their lines)."""
    open_order = aliased(SalesOrder)  # the probe's own name: the outer SELECT reads sales_order too
    first_open = (
        select(func.min(open_order.id))
        .where(
            open_order.account_id == account_id,
            open_order.id > after_id,
            open_order.status.in_([status.value for status in FULFILMENT_STATUSES]),
        )
        .scalar_subquery()
    )
    line = SalesOrderLine
    open_line = and_(
        line.order_id == SalesOrder.id,
        line.order_id >= first_open,
        line.is_physical,
        line.shipped_quantity < line.quantity,
    )
    return and_(
        SalesOrder.status.in_([status.value for status in FULFILMENT_STATUSES]),
        SalesOrder.id >= first_open,
        not_held(),
        exists().where(open_line),
        ~exists().where(open_line, line.allocated_quantity < line.quantity - line.shipped_quantity),
    )


def page(spec: OrderFilter) -> tuple[list[SalesOrder], bool]:
    """One page of the account's orders after `spec.after_id`, and whether more follow."""
    query = select(SalesOrder).where(SalesOrder.account_id == spec.account_id, SalesOrder.id > spec.after_id)
    if spec.channel_ids:
        query = query.where(SalesOrder.channel_id.in_(spec.channel_ids))
    if spec.statuses:
        query = query.where(SalesOrder.status.in_([status.value for status in spec.statuses]))
    if spec.ready:
        query = query.where(ready_clause(spec.account_id, spec.after_id))
    if spec.updated_after is not None:
        query = query.where(SalesOrder.updated_at > spec.updated_after)
    rows = list(db.session.scalars(query.order_by(SalesOrder.id).limit(spec.limit + 1)))
    return rows[: spec.limit], len(rows) > spec.limit


@dataclass(frozen=True)
class LineFigures:
    left: int  # physical units not shipped yet
    unallocated: int  # open physical lines holding less than what is left of them

    def ready(self, order: SalesOrder) -> bool:
        return order.status in FULFILMENT_STATUSES and self.left > 0 and self.unallocated == 0


def line_figures(order_ids: list[int]) -> dict[int, LineFigures]:
    """What a list shows of each order's lines, in one aggregate query (no line objects loaded)."""
    line = SalesOrderLine
    left = line.quantity - line.shipped_quantity
    rows = db.session.execute(
        select(
            line.order_id,
            func.sum(case((line.is_physical, left), else_=0)),
            func.sum(case((and_(line.is_physical, left > 0, line.allocated_quantity < left), 1), else_=0)),
        )
        .where(line.order_id.in_(order_ids))
        .group_by(line.order_id)
    )
    return {order_id: LineFigures(int(units or 0), int(short or 0)) for order_id, units, short in rows}


def is_ready(order: SalesOrder) -> bool:
    """The same rule as ready_clause, on a loaded order."""
    if order.status not in FULFILMENT_STATUSES:
        return False
    open_lines = [line for line in order.lines if line.remaining_quantity > 0]
    return bool(open_lines) and all(line.allocated_quantity >= line.remaining_quantity for line in open_lines)
