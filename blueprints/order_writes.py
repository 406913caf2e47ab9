"""The order page's writes to the store order: Cancel, Note, Void a shipment. Each is queued as background
work (jobs/store_write_jobs.py, taking the write's id) and carried out once; the page shows its state and the
store's answer. Audited when asked for."""

from __future__ import annotations

from flask import Blueprint, flash
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from blueprints import orders
from extensions import db
from forms.order_notes import NoteForm
from models.orders import SalesOrder
from models.store_writes import StoreWrite
from permissions import Permission, in_account_or_404, require
from run_queue.store_writes import enqueue_store_write
from services.orders import store_writes

bp = Blueprint("order_writes", __name__, url_prefix="/orders")


def _queued(order: SalesOrder, ask) -> StoreWrite | None:
    """Ask for the write, commit, queue its job; a refusal (or a concurrent twin) is flashed."""
    try:
        write = ask()
        db.session.commit()
    except store_writes.WriteRefused as refused:
        db.session.rollback()
        flash(str(refused), "warning")
        return None
    except IntegrityError:  # another request queued the same kind meanwhile (partial unique index)
        db.session.rollback()
        flash(f"That change of order {order.number} is already on its way to the store.", "info")
        return None
    enqueue_store_write(write.id)
    return write


@bp.post(f"/{orders.ORDER_ID}/cancel")
@require(Permission.CANCEL_ORDERS)
def cancel(order_id: int):
    order = orders.posted_order_or_404(order_id)
    if _queued(order, lambda: store_writes.request_cancel(order, current_user)):
        flash(f"Cancelling order {order.number} on the store; the store's answer shows here.", "success")
    return orders.back_to_order(order)


@bp.post(f"/{orders.ORDER_ID}/acknowledge")
@require(Permission.ACKNOWLEDGE_ORDERS)
def acknowledge(order_id: int):
    order = orders.posted_order_or_404(order_id)
    if write := _queued(order, lambda: store_writes.request_acknowledge(order, current_user)):
        status = "Back ordered" if write.store_status == "back_ordered" else "In progress"
        flash(f"Marking order {order.number} {status} on the store.", "success")
    return orders.back_to_order(order)


@bp.post(f"/{orders.ORDER_ID}/notes")
@require(Permission.ADD_ORDER_NOTES)
def add_note(order_id: int):
    order = in_account_or_404(SalesOrder, order_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return orders.render_detail(order, 422, note_form=form)
    if _queued(order, lambda: store_writes.request_note(order, current_user, form.note.data)):
        flash("The note is being added to the store order.", "success")
    return orders.back_to_order(order)


@bp.post(f"/{orders.ORDER_ID}/shipments/{orders.SHIPMENT_ID}/void")
@require(Permission.VOID_SHIPMENTS)
def void(order_id: int, shipment_id: int):
    order, shipment = orders.posted_shipment_or_404(order_id, shipment_id)
    if _queued(order, lambda: store_writes.request_void(order, shipment, current_user)):
        flash(
            f"Voiding shipment {shipment.tracking_number} on the store; then add the corrected one.",
            "success",
        )
    return orders.back_to_order(order)
