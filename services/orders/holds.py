"""An order on hold in techOMS: not offered to fulfilment (no shipment is taken) and not exported until it is
released. No store call; each hold and release is an audit row of the order's channel. Functions never
commit."""

from __future__ import annotations

from models.base import utcnow
from models.orders import OrderStatus, SalesOrder
from models.tenancy import User
from services import audit

REASON_LENGTH = 255
HOLDABLE = frozenset(
    {OrderStatus.DRAFT, OrderStatus.APPROVED, OrderStatus.RELEASED, OrderStatus.PARTIALLY_SHIPPED}
)


class HoldRefused(Exception):
    """The order cannot be held now; the message says why."""


def hold(order: SalesOrder, user: User | None, reason: str) -> bool:
    """Put the order on hold. False when it was on hold already."""
    if order.held_at is not None:
        return False
    if order.status not in HOLDABLE:
        raise HoldRefused(f"Order {order.number} is {order.status.label}: there is nothing to hold.")
    order.held_at = utcnow()
    order.hold_reason = reason.strip()[:REASON_LENGTH]
    audit.record(
        order.channel, user, "order_held", f"order {order.number}", None, order.hold_reason or "on hold"
    )
    return True


def release(order: SalesOrder, user: User | None) -> bool:
    """Release the hold. False when the order was not on hold."""
    if order.held_at is None:
        return False
    audit.record(
        order.channel,
        user,
        "order_released",
        f"order {order.number}",
        order.hold_reason or "on hold",
        "released",
    )
    order.held_at = None
    order.hold_reason = ""
    return True
