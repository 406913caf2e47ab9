"""The failed orders of Sync Actions: grouped by cause, a group's orders a page at a time, and their retry,
one order or a whole group at a time."""

from __future__ import annotations

from flask import abort, flash, request
from flask_login import current_user

from blueprints import channel_page
from blueprints.channel_page import sync_actions
from blueprints.sync.section import bp
from extensions import db
from forms.common import EmptyForm
from models.activity import SyncAction, SyncTrigger
from permissions import Permission, channel_or_404, require
from services.orders import failed_orders
from sync.start import start_run
from web.htmx import is_htmx, redirect_to, render_fragment

FAILED_TEMPLATE = "sync/_failed_orders.html"


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
