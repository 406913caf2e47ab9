"""Shipments on the order page: "Add shipment" (a package that left the warehouse), and Retry of a shipment
or a store-order update the export could not complete."""

from __future__ import annotations

from flask import Blueprint, flash
from flask_login import current_user

from blueprints import orders
from blueprints.order_page import shipments_section
from blueprints.sync import start_export
from extensions import db
from models.activity import SyncTrigger
from models.orders import SalesOrder
from permissions import Permission, in_account_or_404, require
from run_queue.store_writes import enqueue_store_write
from services.orders import store_writes
from services.shipments import export_state, recording

bp = Blueprint("shipments", __name__, url_prefix="/orders")


@bp.post(f"/{orders.ORDER_ID}/shipments")
@require(Permission.ADD_SHIPMENT)
def create(order_id: int):
    """Record a shipment; it waits for the next Export shipments run to reach the store."""
    order = in_account_or_404(SalesOrder, order_id)
    form = shipments_section.shipment_form(order, posted=True)
    if form.validate_on_submit():
        data = recording.ShipmentInput(
            lines=form.lines_to_ship(),
            carrier_service=form.carrier_service,
            tracking_number=form.tracking_number.data,
            ship_date=form.ship_date.data,
            warehouse=form.warehouse,
            note=form.note.data or None,
        )
        try:
            shipment = recording.create_shipment(order, data, user=current_user)
            acknowledgement = store_writes.acknowledge_when_fulfilment_starts(order, current_user)
            db.session.commit()
        except recording.ShipmentRefused as refused:
            db.session.rollback()
            form.form_errors.extend(m for messages in refused.errors.values() for m in messages)
        else:
            if acknowledgement is not None:
                enqueue_store_write(acknowledgement.id)
            flash(
                f"Shipment {shipment.tracking_number} added; "
                "the next Export shipments run sends it to the store.",
                "success",
            )
            return orders.back_to_order(order)
    db.session.refresh(order)
    return orders.render_detail(order, 422, shipment_form=form)


def _retry_answer(order: SalesOrder, retried: bool, what: str):
    if retried and order.channel.deleted_at is None:
        start_export(order.channel, SyncTrigger.RETRY)
    elif retried:
        flash(f"{what} waits again, but the channel is deleted: nothing will send it.", "warning")
    else:
        flash(f"{what} was not in error; nothing to retry.", "info")
    return orders.back_to_order(order)


@bp.post(f"/{orders.ORDER_ID}/shipments/{orders.SHIPMENT_ID}/retry")
@require(Permission.RUN_SYNC)
def retry(order_id: int, shipment_id: int):
    """Send a shipment in Error again (after fixing its carrier mapping, the order on the store, ...)."""
    order, shipment = orders.posted_shipment_or_404(order_id, shipment_id)
    retried = export_state.retry(shipment)
    db.session.commit()
    return _retry_answer(order, retried, f"Shipment {shipment.tracking_number}")


@bp.post(f"/{orders.ORDER_ID}/store-update/retry")
@require(Permission.RUN_SYNC)
def retry_store_update(order_id: int):
    """Update the store order again after the store refused it (e.g. once a MOAS order is approved)."""
    order = orders.posted_order_or_404(order_id)
    retried = export_state.retry_store_update(order)
    db.session.commit()
    return _retry_answer(order, retried, f"The update of store order {order.number}")
