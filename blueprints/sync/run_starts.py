"""Quick actions › Sync: starting a run by hand (import orders, export shipments, export inventory, full
inventory compare, import products), or showing the one already queued or running; past the month's allowance
of calls, after a confirmation (blueprints/sync/allowance.py)."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user

from blueprints import channel_page
from blueprints.channel_page import sync_actions
from blueprints.sync import allowance
from blueprints.sync.section import bp
from extensions import db, limiter
from forms.common import EmptyForm
from forms.sync import ImportOrdersForm, ImportProductsForm
from models.activity import SyncAction, SyncRun, SyncTrigger
from permissions import Permission, can, channel_or_404, require
from run_queue.enqueue import retry_now
from sync.start import start_run
from web.htmx import redirect_to

UPDATE_NEEDS_PRODUCTS = (
    "Your role may create missing products only: updating names and measures of products already in "
    "techOMS needs the permission to manage products, which your role does not have."
)


def _start(channel, trigger: SyncTrigger, params: dict) -> SyncRun:
    schedule_off = channel.import_orders_every is None
    run, created = start_run(channel, SyncAction.IMPORT_ORDERS, trigger, current_user, **params)
    db.session.commit()
    if created:
        flash("Order import started.", "success")
        if schedule_off and channel.import_orders_every is not None:
            # The wizard's "Later": the first import by hand switched the schedule on; it bills calls.
            flash(
                f"Scheduled order imports are now on: every {channel.import_orders_every} minutes, as chosen "
                "when the channel was created. Change it in Main settings › Automations.",
                "warning",
            )
    elif retry_now(run):
        flash("The order import waiting for its retry runs now.", "success")
    else:
        flash("An order import is already queued or running for this channel; showing it.", "info")
    return run


def start_export(channel, trigger: SyncTrigger) -> SyncRun:
    """Export shipments now (or show the run already queued or running: it sends what waits)."""
    run, created = start_run(channel, SyncAction.EXPORT_SHIPMENTS, trigger, current_user)
    db.session.commit()
    if created:
        flash("Shipment export started.", "success")
    else:
        flash("A shipment export is already queued or running for this channel; it sends what waits.", "info")
    return run


@bp.post("/import-orders")
@require(Permission.RUN_SYNC)
@limiter.limit("10/minute", key_func=lambda: f"sync:{request.view_args['channel_id']}")
def import_orders(channel_id: int):
    channel = channel_or_404(channel_id)
    form = ImportOrdersForm()
    if not form.validate_on_submit():
        return channel_page.render_page(
            channel,
            "sync",
            status=422,
            view_template="sync/_actions.html",
            **sync_actions.actions_context(channel, import_form=form),
        )
    unconfirmed = allowance.confirmation(channel, "Import orders")
    if unconfirmed is not None:
        return unconfirmed
    _start(channel, SyncTrigger.MANUAL, form.params())
    return redirect_to(url_for("sync.actions", channel_id=channel.id))


@bp.post("/export-shipments")
@require(Permission.RUN_SYNC)
@limiter.limit("10/minute", key_func=lambda: f"sync:{request.view_args['channel_id']}")
def export_shipments(channel_id: int):
    """Send every shipment the store has not confirmed yet."""
    channel = channel_or_404(channel_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    unconfirmed = allowance.confirmation(channel, "Export shipments")
    if unconfirmed is not None:
        return unconfirmed
    start_export(channel, SyncTrigger.MANUAL)
    return redirect_to(url_for("sync.actions", channel_id=channel.id))


def _start_inventory_export(channel_id: int, *, full: bool):
    channel = channel_or_404(channel_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    unconfirmed = allowance.confirmation(channel, "Full inventory compare" if full else "Export inventory")
    if unconfirmed is not None:
        return unconfirmed
    params = {"full": True} if full else {}
    run, created = start_run(channel, SyncAction.EXPORT_INVENTORY, SyncTrigger.MANUAL, current_user, **params)
    db.session.commit()
    if created:
        flash("Full inventory compare started." if full else "Inventory export started.", "success")
    else:
        flash("An inventory export is already queued or running for this channel; showing it.", "info")
    return redirect_to(url_for("sync.actions", channel_id=channel.id))


@bp.post("/export-inventory")
@require(Permission.RUN_SYNC)
@limiter.limit("10/minute", key_func=lambda: f"sync:{request.view_args['channel_id']}")
def export_inventory(channel_id: int):
    """Push the SKUs whose available quantity changed since the last push (a full compare when due)."""
    return _start_inventory_export(channel_id, full=False)


@bp.post("/full-inventory-compare")
@require(Permission.RUN_SYNC)
@limiter.limit("10/minute", key_func=lambda: f"sync:{request.view_args['channel_id']}")
def full_inventory_compare(channel_id: int):
    """Read the store's whole inventory again and push every SKU that differs."""
    return _start_inventory_export(channel_id, full=True)


@bp.post("/import-products")
@require(Permission.RUN_SYNC)
@limiter.limit("10/minute", key_func=lambda: f"sync:{request.view_args['channel_id']}")
def import_products(channel_id: int):
    """Read the store's catalog into techOMS products and variants (new or changed products only)."""
    channel = channel_or_404(channel_id)
    form = ImportProductsForm()
    valid = form.validate_on_submit()
    if valid and form.mode.data == "update" and not can(Permission.MANAGE_PRODUCTS):
        # Rewriting names and measures of catalog products is a product change, not just a sync.
        form.mode.errors = [UPDATE_NEEDS_PRODUCTS]
        valid = False
    if not valid:
        if "csrf_token" in form.errors:
            abort(400)
        return channel_page.render_page(
            channel,
            "sync",
            status=422,
            view_template="sync/_actions.html",
            **sync_actions.actions_context(channel, products_form=form),
        )
    run, created = start_run(
        channel, SyncAction.IMPORT_PRODUCTS, SyncTrigger.MANUAL, current_user, **form.params()
    )
    db.session.commit()
    if created:
        flash("Product import started.", "success")
    else:
        flash("A product import is already queued or running for this channel; showing it.", "info")
    return redirect_to(url_for("sync.actions", channel_id=channel.id))
