"""What an import learns about an order the store changed after techOMS stored it, and the events that say
so: shipments the store made itself (recorded, counted as shipped), a cancellation whatever had shipped, and
contact or address edits (applied while nothing has shipped; after that shown as not applied, with why)."""

from __future__ import annotations

from sqlalchemy import select

from connectors.brightsites.statuses import CANCELED
from connectors.brightsites.translate import OrderRecord
from extensions import db
from models.activity import EventLevel, SyncRun
from models.catalog import CarrierService
from models.orders import OrderStatus, SalesOrder
from models.shipments import ExportProblem, ExportStatus, Shipment
from services.mappings.resolvers import CarrierResolver
from services.orders import contact_edits, holds, store_cancel, store_shipments
from services.shipments import queries as shipment_queries
from sync import order_upsert, runs


def seen_on_import(
    run: SyncRun,
    carriers: CarrierResolver,
    order: SalesOrder,
    record: OrderRecord,
    outcome: order_upsert.Outcome,
) -> None:
    """After the upsert of an order read from the store (fetched or pushed)."""
    _store_shipments(run, carriers, order, record)
    moved = holds.follow_moas(order)
    if moved == "held":
        _event(
            run,
            order,
            EventLevel.WARNING,
            f"Order {order.number} awaits Manager Order Approval on the "
            "store again: held in techOMS (no shipment, no export) until it is approved.",
        )
    elif moved == "released":
        _event(
            run,
            order,
            EventLevel.INFO,
            f"Order {order.number} was approved on the store: released from its hold.",
        )
    if outcome == order_upsert.Outcome.CANCELLED:
        cancel_event(run, order)
    elif outcome == order_upsert.Outcome.LOCKED and record.status != CANCELED:
        _locked_edits(run, order, record)


def cancel_event(run: SyncRun, order: SalesOrder) -> None:
    stopped = list(
        db.session.scalars(
            select(Shipment).where(
                Shipment.order_id == order.id,
                Shipment.export_status == ExportStatus.ERROR,
                Shipment.export_problem == ExportProblem.ORDER_CANCELLED,
            )
        )
    )
    seen = store_cancel.StoreCancel(store_cancel.shipped_units(order), stopped)
    warning, message = store_cancel.describe(order, seen)
    _event(run, order, EventLevel.WARNING if warning else EventLevel.INFO, message)


def _store_shipments(run: SyncRun, carriers: CarrierResolver, order: SalesOrder, record: OrderRecord) -> None:
    def carrier_of(method: str) -> CarrierService | None:
        codes = carriers.to_system(method)
        return shipment_queries.carrier_service_by_codes(*codes) if codes else None

    seen = store_shipments.record(order, record.shipments, carrier_of)
    if seen.recorded:
        tracking = ", ".join(
            s.tracking_number or f"store shipment {s.store_shipment_id}" for s in seen.recorded
        )
        _event(
            run,
            order,
            EventLevel.INFO,
            f"Order {order.number}: {len(seen.recorded)} shipment(s) made on the store recorded "
            f"({tracking}); {seen.units} units counted as shipped, their stock released; "
            f"status {order.status.label}.",
        )
    for problem in seen.problems:
        _event(run, order, EventLevel.WARNING, f"Order {order.number}: {problem}.")


def _locked_edits(run: SyncRun, order: SalesOrder, record: OrderRecord) -> None:
    changed = contact_edits.changed_fields(order, record)
    if not changed:
        _event(
            run,
            order,
            EventLevel.INFO,
            f"Order {order.number} changed on the store after it was released to fulfilment; techOMS kept "
            "its own copy.",
        )
        return
    what = ", ".join(changed)
    if order.status == OrderStatus.RELEASED:
        order_upsert.apply_contacts(order, record)
        _event(
            run,
            order,
            EventLevel.INFO,
            f"Order {order.number}: the store changed the {what}; applied (nothing of it has shipped yet). "
            "Tell the warehouse if it has printed the label already.",
        )
        return
    units = store_cancel.shipped_units(order)
    _event(
        run,
        order,
        EventLevel.WARNING,
        f"Order {order.number}: the store changed the {what} after {units} units shipped; not applied in "
        f"techOMS ({order.status.label}): what left the warehouse went to the address techOMS had. Ask the "
        "carrier to redirect a package on its way, or arrange the rest with the customer.",
    )


def _event(run: SyncRun, order: SalesOrder, level: EventLevel, message: str) -> None:
    runs.add_event(run, level, message, order=order, external_order_id=order.external_id)
