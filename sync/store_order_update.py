"""After an order's shipments are on the store: the one update of the store order the channel asks for.

One PUT /orders/:id carries both what Advanced settings › Shipment options want: the status (shipped or
completed) once every physical line is shipped and every shipment is on the store, and, with "Update order
with last shipment information", the last shipment's tracking number, shipping method and ship date. Nothing
is sent when neither applies. The PUT sets values, so repeating it after an unsure answer is harmless; a
refusal (422, 404) is read into a message for the user (an unapproved MOAS order says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.brightsites import errors as bs_errors
from connectors.brightsites import translate
from models.channels import SalesChannel, ShipmentStoreStatus
from models.orders import OrderStatus, SalesOrder
from models.shipments import ExportStatus, Shipment, ShipmentOrigin
from services.mappings.resolvers import CarrierResolver


@dataclass(frozen=True)
class UpdateResult:
    fields: dict[str, Any] = field(default_factory=dict)  # what the PUT carried; empty: nothing was due
    refusal: str | None = None  # the store refused: why, in words for the user
    unreachable: str | None = None  # no answer to rely on: try again later


def update_fields(
    channel: SalesChannel, carriers: CarrierResolver, order: SalesOrder, shipments: Sequence[Shipment]
) -> dict[str, Any]:
    sent = [s for s in shipments if s.export_status == ExportStatus.SENT]
    ours = [s for s in sent if s.origin == ShipmentOrigin.TECHOMS]  # the store knows its own shipments
    status = None
    if (
        channel.shipment_store_status != ShipmentStoreStatus.NONE
        and order.status == OrderStatus.SHIPPED
        and len(sent) == len(shipments)
    ):
        status = channel.shipment_store_status.value
    tracking = method = ship_date = None
    if channel.update_order_with_last_shipment and ours:
        last = max(ours, key=lambda s: (s.ship_date, s.id))
        mapped = carriers.to_channel(last.carrier_service.carrier.code, last.carrier_service.code)
        tracking, method, ship_date = last.tracking_number, mapped[0] if mapped else None, last.ship_date
    return translate.order_update_fields(
        status=status, tracking_number=tracking, shipping_method=method, ship_date=ship_date
    )


def read_update_answer(order: SalesOrder, fields: dict[str, Any], answer: Any) -> UpdateResult:
    """The PUT's outcome (made on a fetch thread: its answer, or the BrightSitesError it raised) read into an
    UpdateResult. A refused token (401/403) is raised: it concerns the whole run."""
    if isinstance(answer, bs_errors.ValidationFailed | bs_errors.NotFound):
        return UpdateResult(fields, refusal=refusal_message(order, answer)[:2000])
    if isinstance(answer, bs_errors.AuthenticationError | bs_errors.PermissionDenied):
        raise answer
    if isinstance(answer, bs_errors.BrightSitesError):
        return UpdateResult(fields, unreachable=str(answer))
    return UpdateResult(fields)


def refusal_message(order: SalesOrder, refused: bs_errors.BrightSitesError) -> str:
    if isinstance(refused, bs_errors.NotFound):
        return (
            f"The store no longer has order {order.number} (404): its status and tracking were not updated."
        )
    messages = [m for values in getattr(refused, "field_errors", {}).values() for m in values]
    said = "; ".join(messages) or str(refused)
    if any("not been approved" in m.lower() for m in messages):
        return (
            f"The store did not update order {order.number}: it has not been approved yet (it awaits Manager "
            "Order Approval, MOAS), and Bright Sites refuses status changes to an unapproved order. The "
            "shipments are on the store; approve the order there, then Retry the update. "
            f"The store said: {said}"
        )
    return f"The store refused to update order {order.number}: {said}. Retry once that is fixed."
