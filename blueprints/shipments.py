"""Shipments on the order page: "Add shipment" (a package that left the warehouse)."""

from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_login import current_user

from blueprints import order_shipments
from blueprints.orders import ORDER_ID, render_detail
from extensions import db
from models.orders import SalesOrder
from permissions import Permission, in_account_or_404, require
from services.shipments import intake
from web.htmx import redirect_to

bp = Blueprint("shipments", __name__, url_prefix="/orders")


@bp.post(f"/{ORDER_ID}/shipments")
@require(Permission.ADD_SHIPMENT)
def create(order_id: int):
    """Record a shipment; it waits for the next Export shipments run to reach the store."""
    order = in_account_or_404(SalesOrder, order_id)
    form = order_shipments.shipment_form(order, posted=True)
    if form.validate_on_submit():
        data = intake.ShipmentInput(
            lines=form.lines_to_ship(),
            carrier_service=form.carrier_service,
            tracking_number=form.tracking_number.data,
            ship_date=form.ship_date.data,
            warehouse=form.warehouse,
            note=form.note.data or None,
        )
        try:
            shipment = intake.create_shipment(order, data, user=current_user)
            db.session.commit()
        except intake.ShipmentRefused as refused:
            db.session.rollback()
            form.form_errors.extend(m for messages in refused.errors.values() for m in messages)
        else:
            flash(
                f"Shipment {shipment.tracking_number} added; "
                "the next Export shipments run sends it to the store.",
                "success",
            )
            return redirect_to(url_for("orders.detail", order_id=order.id))
    db.session.refresh(order)
    return render_detail(order, 422, shipment_form=form)
