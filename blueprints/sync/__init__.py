"""Quick actions › Sync and the Sync Actions section: start runs (import orders, export shipments, export
inventory, full inventory compare, import products), watch them, read their events, the failed orders grouped
by cause and retried one by one or a group at a time, and manual API logging."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from blueprints import channel_page
from blueprints.channel_page import sync_actions
from blueprints.sync import allowance
from extensions import db, limiter
from forms.common import EmptyForm
from forms.sync import ApiLoggingForm, ImportOrdersForm, ImportProductsForm
from models.activity import EventLevel, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from permissions import Permission, can, channel_or_404, require
from run_queue.enqueue import retry_now
from services import audit
from services.orders import failed_orders
from sync.start import start_run
from web.htmx import is_htmx, redirect_to, render_fragment

bp = Blueprint("sync", __name__, url_prefix="/channels/<int:channel_id>/sync")
API_LOGGING_FOR = timedelta(hours=24)
FAILED_TEMPLATE = "sync/_failed_orders.html"
UPDATE_NEEDS_PRODUCTS = (
    "Your role may create missing products only: updating names and measures of products already in "
    "techOMS needs the permission to manage products, which your role does not have."
)


def _run_or_404(channel_id: int, run_id: int) -> SyncRun:
    channel = channel_or_404(channel_id)
    run = db.session.get(SyncRun, run_id)
    if run is None or run.channel_id != channel.id:
        abort(404)
    return run


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


@bp.get("")
@require(Permission.VIEW)
def actions(channel_id: int):
    """Last activity per action, the run history, failed orders waiting for a retry, manual logging."""
    channel = channel_or_404(channel_id)
    return channel_page.render_page(
        channel, "sync", view_template="sync/_actions.html", **sync_actions.actions_context(channel)
    )


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


def _start_retries(channel, what: str, params: dict) -> None:
    """After the retry requests are committed: a retry run, or the import already queued or running, which
    picks every requested retry up before it finishes (or leaves them to a follow-up run)."""
    run, created = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.RETRY, current_user, **params)
    db.session.commit()
    if created:
        flash(f"Retrying {what}.", "success")
    else:
        state = "running" if run.status.value == "running" else "queued"
        flash(
            f"{what.capitalize()} will be retried by the order import already {state} (run {run.id}).", "info"
        )


@bp.post("/orders/<bigint:external_id>/retry")
@require(Permission.RUN_SYNC)
def retry_order(channel_id: int, external_id: int):
    """Retry one failed order now (e.g. after adding its SKU mapping)."""
    channel = channel_or_404(channel_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    pending = sync_actions.pending_order_or_404(channel, external_id)
    failed_orders.request_retry(pending)
    db.session.commit()
    _start_retries(channel, f"order {pending.number}", {"order_ids": [pending.external_id]})
    return redirect_to(sync_actions.back_url(channel, request.form.get("back")))


@bp.get("/failed-orders")
@require(Permission.VIEW)
def failed(channel_id: int):
    """The orders waiting for a retry: grouped by cause, one group's orders 50 a page."""
    channel = channel_or_404(channel_id)
    selector = failed_orders.Selector.parse(request.args.get("group"))
    if selector is None:
        abort(404)
    page = request.args.get("page", 1, type=int)
    if is_htmx() and request.headers.get("HX-Target") == "failed-order-list":  # a page link: the list only
        context = sync_actions.failed_orders_context(channel, selector, page, groups=False)
        return render_fragment(FAILED_TEMPLATE, "failed_order_list", channel=channel, **context)
    return channel_page.render_page(
        channel,
        "sync",
        view_template=FAILED_TEMPLATE,
        **sync_actions.failed_orders_context(channel, selector, page),
    )


@bp.post("/failed-orders/retry")
@require(Permission.RUN_SYNC)
def retry_group(channel_id: int):
    """Retry all: one run for every order of a group (a SKU, a cause, those whose SKUs map now, or all)."""
    channel = channel_or_404(channel_id)
    selector = failed_orders.Selector.parse(request.form.get("group"))
    if not EmptyForm().validate_on_submit() or selector is None:
        abort(400)
    count = failed_orders.request_retries(channel, selector)
    db.session.commit()
    if count == 0:
        flash("No failed order is left in this group: nothing to retry.", "info")
    else:
        what = f"{count} failed order{'' if count == 1 else 's'}"
        _start_retries(channel, what, {"group": str(selector), "orders": count})
    return redirect_to(sync_actions.back_url(channel, request.form.get("back")))


@bp.get("/runs/<int:run_id>")
@require(Permission.VIEW)
def run_detail(channel_id: int, run_id: int):
    """A run's summary and its events, filterable by level."""
    run = _run_or_404(channel_id, run_id)
    level = request.args.get("level")
    level = EventLevel(level) if level in {lvl.value for lvl in EventLevel} else None
    return channel_page.render_page(
        run.channel, "sync", view_template="sync/_run_detail.html", **sync_actions.run_context(run, level)
    )


@bp.get("/runs/<int:run_id>/progress")
@require(Permission.VIEW)
def run_progress(channel_id: int, run_id: int):
    """The polled progress card; 286 tells htmx to stop polling once the run is final."""
    run = _run_or_404(channel_id, run_id)
    return sync_actions.render_progress(run)


@bp.post("/runs/<int:run_id>/run-now")
@require(Permission.RUN_SYNC)
def run_now(channel_id: int, run_id: int):
    """A run waiting for its retry (the store failed) tries again now instead of at its next attempt."""
    run = _run_or_404(channel_id, run_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if retry_now(run):
        flash(f"{run.action.label} runs now instead of waiting for its retry.", "success")
    else:
        flash(f"{run.action.label} is not waiting for a retry any more: it has started or ended.", "info")
    return redirect_to(url_for("sync.actions", channel_id=run.channel_id))


@bp.post("/api-logging")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def toggle_api_logging(channel_id: int):
    """Manual logging of the channel's API traffic; it switches itself off after 24 hours."""
    channel = channel_or_404(channel_id)
    form = ApiLoggingForm()
    if not form.validate_on_submit():
        flash("Manual logging was not changed: the request did not say on or off.", "danger")
        return redirect_to(url_for("sync.actions", channel_id=channel.id))
    until = utcnow() + API_LOGGING_FOR if form.enable.data == "on" else None
    audit.apply_changes(channel, current_user, {"api_logging_until": until})
    db.session.commit()
    flash("Manual logging is on for 24 hours." if until else "Manual logging is off.", "success")
    return redirect_to(url_for("sync.actions", channel_id=channel.id))


@bp.get("/api-log")
@require(Permission.VIEW)
def api_log(channel_id: int):
    """The logged calls (newest first), tokens and customer data redacted."""
    channel = channel_or_404(channel_id)
    return channel_page.render_page(
        channel, "sync", view_template="sync/_api_log.html", **sync_actions.api_log_context(channel)
    )
