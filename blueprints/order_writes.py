"""The order page's writes to the store order: Cancel, Note, Void a shipment. Each is queued as background
work (jobs/store_write_jobs.py, taking the write's id) and carried out once; the page shows its state and the
store's answer. Audited when asked for."""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from blueprints.orders import ORDER_ID, render_detail
from extensions import db
from forms.common import EmptyForm
from forms.order_notes import NoteForm
from models.orders import SalesOrder
from models.store_writes import StoreWrite
from permissions import Permission, in_account_or_404, require
from run_queue.store_writes import enqueue_store_write
from services.orders import store_writes
from services.shipments import queries
from web.htmx import redirect_to

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


@bp.post(f"/{ORDER_ID}/cancel")
@require(Permission.CANCEL_ORDERS)
def cancel(order_id: int):
    order = in_account_or_404(SalesOrder, order_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if _queued(order, lambda: store_writes.request_cancel(order, current_user)):
        flash(f"Cancelling order {order.number} on the store; the store's answer shows here.", "success")
    return redirect_to(url_for("orders.detail", order_id=order.id))


@bp.post(f"/{ORDER_ID}/acknowledge")
@require(Permission.ACKNOWLEDGE_ORDERS)
def acknowledge(order_id: int):
    order = in_account_or_404(SalesOrder, order_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if write := _queued(order, lambda: store_writes.request_acknowledge(order, current_user)):
        status = "Back ordered" if write.store_status == "back_ordered" else "In progress"
        flash(f"Marking order {order.number} {status} on the store.", "success")
    return redirect_to(url_for("orders.detail", order_id=order.id))


@bp.post(f"/{ORDER_ID}/notes")
@require(Permission.ADD_ORDER_NOTES)
def add_note(order_id: int):
    order = in_account_or_404(SalesOrder, order_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return render_detail(order, 422, note_form=form)
    if _queued(order, lambda: store_writes.request_note(order, current_user, form.note.data)):
        flash("The note is being added to the store order.", "success")
    return redirect_to(url_for("orders.detail", order_id=order.id))


@bp.post(f"/{ORDER_ID}/shipments/<int(max=2147483647):shipment_id>/void")
@require(Permission.VOID_SHIPMENTS)
def void(order_id: int, shipment_id: int):
    order = in_account_or_404(SalesOrder, order_id)
    shipment = queries.shipment_of_order(order, shipment_id)
    if shipment is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if _queued(order, lambda: store_writes.request_void(order, shipment, current_user)):
        flash(
            f"Voiding shipment {shipment.tracking_number} on the store; then add the corrected one.",
            "success",
        )
    return redirect_to(url_for("orders.detail", order_id=order.id))
