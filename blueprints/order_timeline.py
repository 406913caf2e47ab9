"""The order page's "Read again from the store": one billed call (the order's show), run as an import of that
one order in the background; at most one import per channel at a time, and 10 a minute per person."""

from __future__ import annotations

from flask import Blueprint, flash
from flask_login import current_user

from blueprints.orders import ORDER_ID, back_to_order, posted_order_or_404
from extensions import db, limiter
from models.activity import SyncAction, SyncTrigger
from permissions import Permission, require
from sync.start import start_run

bp = Blueprint("order_timeline", __name__, url_prefix="/orders")


@bp.post(f"/{ORDER_ID}/read-again")
@require(Permission.RUN_SYNC)
# Like Sync › Import orders: the call is made by the run, not in this request (one import per channel at a
# time, so repeated clicks while it waits cost nothing), and a person starts at most 10 a minute.
@limiter.limit("10/minute", key_func=lambda: f"read-again:{current_user.id}")
def read_again(order_id: int):
    order = posted_order_or_404(order_id)
    if order.channel.deleted_at is not None:
        flash("The order's channel is deleted: its store is not read any more.", "warning")
        return back_to_order(order)
    _run, created = start_run(
        order.channel,
        SyncAction.IMPORT_ORDERS,
        SyncTrigger.MANUAL,
        current_user,
        order_ids=[order.external_id],
    )
    db.session.commit()  # the run is queued once this commits
    if created:
        flash(f"Reading order {order.number} again from the store (one call).", "success")
    else:
        flash(
            "An order import is already queued or running for this channel; read again when it ends.", "info"
        )
    return back_to_order(order)
