"""The order page's Hold and Release: in techOMS only (no store call), audited; a held order takes no
shipment and is not exported until released."""

from __future__ import annotations

from flask import Blueprint, flash
from flask_login import current_user

from blueprints.orders import ORDER_ID, back_to_order, posted_order_or_404, render_detail
from extensions import db
from forms.order_holds import HoldForm
from models.orders import SalesOrder
from permissions import Permission, in_account_or_404, require
from services.orders import holds

bp = Blueprint("order_holds", __name__, url_prefix="/orders")


@bp.post(f"/{ORDER_ID}/hold")
@require(Permission.HOLD_ORDERS)
def hold(order_id: int):
    order = in_account_or_404(SalesOrder, order_id)
    form = HoldForm()
    if not form.validate_on_submit():
        return render_detail(order, 422, hold_form=form)
    try:
        held = holds.hold(order, current_user, form.reason.data or "")
    except holds.HoldRefused as refused:
        form.reason.errors = [str(refused)]
        return render_detail(order, 422, hold_form=form)
    db.session.commit()
    flash(
        f"Order {order.number} is on hold: no shipment is taken or exported until it is released."
        if held
        else f"Order {order.number} was on hold already.",
        "success" if held else "info",
    )
    return back_to_order(order)


@bp.post(f"/{ORDER_ID}/release")
@require(Permission.HOLD_ORDERS)
def release(order_id: int):
    order = posted_order_or_404(order_id)
    released = holds.release(order, current_user)
    db.session.commit()
    flash(
        f"Order {order.number} released from hold." if released else f"Order {order.number} was not on hold.",
        "success" if released else "info",
    )
    return back_to_order(order)
