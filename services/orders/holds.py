"""An order on hold in techOMS: not offered to fulfilment (no shipment is taken) and not exported until it is
released. No store call; each hold and release is an audit row of the order's channel. Functions never
commit."""

from __future__ import annotations

from models.base import utcnow
from models.orders import OrderStatus, SalesOrder
from models.tenancy import User
from services import audit, outbox

REASON_LENGTH = 255
HOLDABLE = frozenset(
    {OrderStatus.DRAFT, OrderStatus.APPROVED, OrderStatus.RELEASED, OrderStatus.PARTIALLY_SHIPPED}
)


class HoldRefused(Exception):
    """The order cannot be held now; the message says why."""


MOAS_REASON = "awaiting Manager Order Approval (MOAS) on the store"


def follow_moas(order: SalesOrder) -> str | None:
    """An imported order sent back to Manager Order Approval on the store is held; its approval releases that
    hold (a hold an operator made stays). Returns "held", "released" or None."""
    awaiting = order.store_status == "moas_pending"
    if awaiting and order.held_at is None and order.status in HOLDABLE:
        hold(order, None, MOAS_REASON)
        return "held"
    if not awaiting and order.held_at is not None and order.hold_reason == MOAS_REASON:
        release(order, None)
        return "released"
    return None


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
    outbox.record_order(order, "order.held")
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
    outbox.record_order(order, "order.released")
    return True
