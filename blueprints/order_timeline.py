"""The order page's "Read again from the store": one billed call (the order's show), run as an import of that
one order in the background; at most one import per channel at a time, and 10 a minute per person."""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_login import current_user

from blueprints.orders import ORDER_ID
from extensions import db, limiter
from forms.common import EmptyForm
from models.activity import SyncAction, SyncTrigger
from models.orders import SalesOrder
from permissions import Permission, in_account_or_404, require
from sync.start import start_run
from web.htmx import redirect_to

bp = Blueprint("order_timeline", __name__, url_prefix="/orders")


@bp.post(f"/{ORDER_ID}/read-again")
@require(Permission.RUN_SYNC)
# Like Sync › Import orders: the call is made by the run, not in this request (one import per channel at a
# time, so repeated clicks while it waits cost nothing), and a person starts at most 10 a minute.
@limiter.limit("10/minute", key_func=lambda: f"read-again:{current_user.id}")
def read_again(order_id: int):
    order = in_account_or_404(SalesOrder, order_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if order.channel.deleted_at is not None:
        flash("The order's channel is deleted: its store is not read any more.", "warning")
        return redirect_to(url_for("orders.detail", order_id=order.id))
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
    return redirect_to(url_for("orders.detail", order_id=order.id))
