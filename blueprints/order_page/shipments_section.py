"""The order page's Shipments section: the order's shipments with where each stands on the store, and the
"Add shipment" form for those who may add one while something is left to ship."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from forms.common import EmptyForm
from forms.shipments import AddShipmentForm, add_shipment_form
from models.orders import SalesOrder
from permissions import Permission, can, current_account
from services import catalog
from services.mappings.carriers import carrier_services
from services.shipments import queries, recording


def _today() -> date:
    """Today where the account works: the default ship date."""
    try:
        zone = ZoneInfo(current_account().timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.now(zone).date()


def shipment_form(order: SalesOrder, *, posted: bool = False) -> AddShipmentForm:
    return add_shipment_form(
        recording.shippable_lines(order),
        carrier_services(),
        catalog.enabled_warehouses(current_account()),
        today=_today(),
        default_service=queries.default_carrier_service(order),
        posted=posted,
    )


def context(order: SalesOrder) -> dict:
    refusal = recording.refusal_for_status(order)
    if refusal is None and not recording.shippable_lines(order):
        refusal = "Nothing is left to ship on this order."
    may_add = can(Permission.ADD_SHIPMENT) and refusal is None
    return {
        "shipments": queries.order_shipments(order),
        "shipment_form": shipment_form(order) if may_add else None,
        "shipment_refusal": refusal,
        "shipment_message": None,
        "retry_form": EmptyForm(formdata=None),
    }
