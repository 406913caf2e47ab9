"""Warehouse Mappings view (routes on the `mappings` blueprint): each warehouse enabled for the account with
its External Identifier on the store."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from blueprints.mappings.panel import MappingView, answer, bp, conflict, show
from extensions import db
from forms.mappings import WarehouseIdentifierForm
from models.catalog import Warehouse
from models.channels import SalesChannel
from permissions import Permission, channel_or_404, require
from services.channels import reference_cache
from services.inventory import allocation
from services.mappings import warehouses as warehouse_mappings


def _context(channel: SalesChannel, **overrides) -> dict:
    """The rows, the store's origin addresses (their labels shown beside the ids) and the identifiers that
    several warehouses share (warned about)."""
    rows = warehouse_mappings.warehouse_rows(channel)
    origins = reference_cache.get(channel, "origin_addresses")
    shared = warehouse_mappings.shared_identifiers(rows)
    return {
        "rows": rows,
        "primary_id": allocation.primary_warehouse_id(channel),
        "origins": origins,
        "origin_labels": {str(item["id"]): item["label"] for item in origins.items},
        "shared": shared,
        "shared_codes": {code for codes in shared.values() for code in codes},
        "errors": {},
        **overrides,
    }


VIEW = MappingView("warehouse_mappings", "mappings.warehouses", "mappings/_warehouses.html", _context)


def enabled_warehouse_or_404(channel: SalesChannel, warehouse_id: int) -> Warehouse:
    for warehouse, _mapping in warehouse_mappings.warehouse_rows(channel):
        if warehouse.id == warehouse_id:
            return warehouse
    abort(404)


@bp.get("/warehouses")
@require(Permission.VIEW)
def warehouses(channel_id: int):
    """One row per warehouse enabled for the account, with its External Identifier on the store."""
    return show(channel_or_404(channel_id), VIEW)


@bp.post("/warehouses/<int:warehouse_id>")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def save_warehouse(channel_id: int, warehouse_id: int):
    """Set the warehouse's identifier; blank (or Remove) unmaps it."""
    channel = channel_or_404(channel_id)
    warehouse = enabled_warehouse_or_404(channel, warehouse_id)
    form = WarehouseIdentifierForm()
    if not form.validate_on_submit():
        return show(channel, VIEW, status=422, errors={warehouse.id: form})
    identifier = "" if request.form.get("action") == "remove" else form.external_identifier.data or ""
    message = warehouse_mappings.set_warehouse_identifier(channel, warehouse, identifier, current_user)
    try:
        db.session.commit()
    except IntegrityError:
        return conflict(channel, VIEW, "The mapping changed meanwhile: check it and try again.")
    return answer(channel, VIEW, message)


@bp.post("/warehouses/<int:warehouse_id>/role")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def save_warehouse_role(channel_id: int, warehouse_id: int):
    """Sell from the mapped warehouse, leave it out, or make it primary."""
    channel = channel_or_404(channel_id)
    warehouse = enabled_warehouse_or_404(channel, warehouse_id)
    mapping = warehouse_mappings.mapping_of(channel, warehouse)
    role = request.form.get("role", "")
    if mapping is None:
        return answer(channel, VIEW, f"Warehouse {warehouse.code} is not mapped: map it first.", problem=True)
    if role not in warehouse_mappings.WAREHOUSE_ROLES:
        return show(channel, VIEW, status=422, problem="Choose Sell from, Leave out or Make primary.")
    message = warehouse_mappings.set_warehouse_role(channel, mapping, role, current_user)
    db.session.commit()
    return answer(channel, VIEW, message)
