"""What Export shipments checks about an order before it sends anything: a cancelled order (here or on the
store) gets nothing more, and a mapped shipping method the store does not list is said once per run. Neither
check makes a call."""

from __future__ import annotations

from models.activity import EventLevel
from models.orders import SalesOrder
from models.shipments import ExportProblem, Shipment
from services.channels import reference_cache
from services.orders import store_cancel
from services.shipments import export_state
from sync.context import RunContext


def stop_cancelled(ctx: RunContext, order: SalesOrder, waiting: list[Shipment]) -> None:
    """No shipment, no order update for a cancelled order: each waiting shipment becomes a Warning."""
    order.store_update_due = False
    for shipment in waiting:
        message = store_cancel.cancelled_message(order)
        export_state.mark_error(shipment, ExportProblem.ORDER_CANCELLED, message)
        ctx.counts["not_sent_cancelled"] += 1
        ctx.run.progress_done += 1
        ctx.event(
            EventLevel.WARNING,
            f"Shipment {shipment.tracking_number}: {message}",
            order=order,
            external_order_id=order.external_id,
        )


def warn_unknown_method(ctx: RunContext, order: SalesOrder, method: str, warned: set[str]) -> None:
    """A mapped method the store's /shipping_methods (as last read, cached: no call) does not list: sent as
    mapped, with a Warning once per run (`warned`), since the store may file the shipment under another."""
    known = reference_cache.cached(ctx.channel, "shipping_methods")
    if known is None or known.error or method in known.items or method in warned:
        return
    warned.add(method)
    ctx.event(
        EventLevel.WARNING,
        f"The carrier mapping sends shipping method '{method}', which the store's list of shipping methods "
        "does not have (as last read): the store may file these shipments under another method. Correct the "
        "mapping under Carrier Mappings, or refresh the store's list if it changed.",
        order=order,
        external_order_id=order.external_id,
    )
