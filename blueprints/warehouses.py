"""Warehouses of the organization and which of them the current account ships from."""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from sqlalchemy.exc import IntegrityError

from extensions import db
from forms.warehouses import ToggleWarehouseForm, WarehouseForm, code_taken_message
from models.catalog import Warehouse
from permissions import Permission, current_account, require
from services import catalog
from web.htmx import redirect_to, render

bp = Blueprint("warehouses", __name__, url_prefix="/warehouses")


def _warehouse_of_organization_or_404(warehouse_id: int) -> Warehouse:
    """A warehouse of the current account's organization; any other id answers 404."""
    warehouse = catalog.organization_warehouse(current_account().organization_id, warehouse_id)
    if warehouse is None:
        abort(404)
    return warehouse


def _render_index(form: WarehouseForm, status: int = 200):
    account = current_account()
    page = render(
        "warehouses/index.html",
        "panel",
        account=account,
        rows=catalog.organization_warehouses(account),
        form=form,
        toggle_form=ToggleWarehouseForm(formdata=None),
    )
    return page, status


@bp.get("/")
@require(Permission.VIEW)
def index():
    """The organization's warehouses, each marked enabled or not for the current account."""
    return _render_index(WarehouseForm(current_account().organization_id, formdata=None))


@bp.post("/new")
@require(Permission.MANAGE_WAREHOUSES)
def create():
    """A new warehouse of the organization (enabled for no account yet)."""
    organization_id = current_account().organization_id
    form = WarehouseForm(organization_id)
    if form.validate_on_submit():
        try:
            warehouse = catalog.create_warehouse(organization_id, form.code.data, form.name.data)
            db.session.commit()
        except IntegrityError:  # the same code committed meanwhile by someone else
            db.session.rollback()
            form.code.errors.append(code_taken_message(form.code.data))
        else:
            flash(f"Warehouse {warehouse.code} created. Enable it for the accounts using it.", "success")
            return redirect_to(url_for("warehouses.index"))
    return _render_index(form, status=422)


@bp.post("/<int(max=2147483647):warehouse_id>/toggle")
@require(Permission.MANAGE_WAREHOUSES)
def toggle(warehouse_id: int):
    """Enable or disable the warehouse for the current account."""
    warehouse = _warehouse_of_organization_or_404(warehouse_id)
    account = current_account()
    form = ToggleWarehouseForm()
    if not form.validate_on_submit():
        flash("The warehouse could not be changed. Reload the page and try again.", "danger")
        return redirect_to(url_for("warehouses.index"))
    enabled = form.wanted(catalog.is_enabled(account, warehouse))
    try:
        catalog.set_warehouse_enabled(account, warehouse, enabled)
        db.session.commit()
    except IntegrityError:  # enabled meanwhile by someone else: the wanted state holds anyway
        db.session.rollback()
    state = "enabled" if enabled else "disabled"
    flash(f"Warehouse {warehouse.code} {state} for {account.name}.", "success")
    return redirect_to(url_for("warehouses.index"))
