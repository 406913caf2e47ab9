"""What the channel page's Sync Actions view shows: last activity per action, run history, a run's events, the
failed orders waiting for a retry (grouped by cause, paged), and the API call log. The `sync` blueprint owns
the routes."""

from __future__ import annotations

from flask import abort, render_template, url_for

from forms.common import EmptyForm
from forms.sync import ApiLoggingForm, ImportOrdersForm, ImportProductsForm
from models.activity import EventLevel, PendingOrder, SyncAction, SyncRun
from models.base import utcnow
from models.channels import SalesChannel, ScheduleStart
from services import run_records
from services.inventory import store_records
from services.mappings import sku_auto_map
from services.mappings import skus as sku_mappings
from services.orders import failed_orders
from services.shipments import export_state
from sync import runs, schedule

HISTORY_SIZE = 20
EVENTS_SHOWN = 500
GROUPS_ON_ACTIONS = 5  # the causes stopping the most orders; the failed-orders view shows them all
RUN_FAILURES_SHOWN = 20
API_CALLS_SHOWN = 200
STOP_POLLING = 286  # htmx stops an `every` trigger on this status


def actions_context(
    channel: SalesChannel,
    import_form: ImportOrdersForm | None = None,
    products_form: ImportProductsForm | None = None,
) -> dict:
    history = run_records.recent_runs(channel.id, HISTORY_SIZE)
    latest = runs.last_runs([channel.id])
    failures = failed_orders.summary(channel)
    last_import = latest.get((channel.id, SyncAction.IMPORT_ORDERS))
    last_products = latest.get((channel.id, SyncAction.IMPORT_PRODUCTS))
    return {
        "import_schedule": {
            "every": channel.import_orders_every,
            "waits_for_first_import": channel.schedule_start == ScheduleStart.AFTER_FIRST_IMPORT,
            "next": schedule.next_run_after(
                channel, SyncAction.IMPORT_ORDERS, last_import.created_at if last_import else None
            ),
        },
        "actions": [
            (action, latest.get((channel.id, action)))
            for action in SyncAction
            # Pushed orders have a card once the store pushed something: no button starts them.
            if action != SyncAction.IMPORT_PUSHED or (channel.id, action) in latest
        ],
        "history": history,
        "failures": failures,
        "groups": failures.groups[:GROUPS_ON_ACTIONS],
        "import_form": import_form or ImportOrdersForm(formdata=None),
        "products_form": products_form or ImportProductsForm(formdata=None),
        "products_schedule": {
            "every": channel.import_products_every,
            "next": schedule.next_run_after(
                channel, SyncAction.IMPORT_PRODUCTS, last_products.created_at if last_products else None
            ),
        },
        # Store SKUs Import products left for a person that still map to nothing (proposals to confirm).
        "catalog_waiting": len(sku_mappings.unmapped(channel, sku_auto_map.catalog_waiting_skus(channel))),
        "retry_form": EmptyForm(),
        "shipments_waiting": export_state.unconfirmed_count(channel),
        "logging_form": ApiLoggingForm(formdata=None),
        "logging_on": channel.api_logging_until is not None and channel.api_logging_until > utcnow(),
        "export_form": EmptyForm(),
        "last_full_compare": store_records.last_full_compare(channel),
    }


def run_context(run: SyncRun, level: EventLevel | None) -> dict:
    events = run_records.run_events(run.id, level, EVENTS_SHOWN)
    failed_ids = {e.external_order_id for e in events if e.level == EventLevel.ERROR and e.external_order_id}
    pending = failed_orders.pending_orders_among(run.channel_id, failed_ids, RUN_FAILURES_SHOWN)
    return {
        "run": run,
        "events": events,
        "level": level,
        "levels": list(EventLevel),
        "level_counts": run_records.event_counts(run.id),
        "pending_orders": pending,
        "more_pending": len(pending) == RUN_FAILURES_SHOWN,
        "retry_form": EmptyForm(),
    }


def failed_orders_context(
    channel: SalesChannel, selector: failed_orders.Selector, page: int, *, groups: bool = True
) -> dict:
    """The groups (unless only the list is asked for: a page link) and the selected group's page."""
    failures = failed_orders.summary(channel) if groups else None
    return {
        "failures": failures,
        "groups": failures.groups if failures else [],
        "selector": selector,
        "page": failed_orders.failed_page(channel, selector, page),
        "retry_form": EmptyForm(),
    }


def back_url(channel: SalesChannel, back: str | None) -> str:
    """Where a retry button returns: the failed-orders view it was pressed on (`back` is its group), else
    Sync Actions."""
    selector = failed_orders.Selector.parse(back) if back else None
    if selector is None:
        return url_for("sync.actions", channel_id=channel.id)
    if selector.kind == "all":
        return url_for("sync.failed", channel_id=channel.id)
    return url_for("sync.failed", channel_id=channel.id, group=str(selector))


def api_log_context(channel: SalesChannel) -> dict:
    return {"calls": run_records.logged_calls(channel.id, API_CALLS_SHOWN)}


def pending_order_or_404(channel: SalesChannel, external_id: int) -> PendingOrder:
    pending = failed_orders.pending_order(channel.id, external_id)
    if pending is None:
        abort(404)
    return pending


def render_progress(run: SyncRun):
    body = render_template("sync/_run_card.html", run=run, channel=run.channel, action=run.action)
    if not run.status.is_final:
        return body, 200
    # Stop polling, and tell the page's run lists to refresh themselves.
    return body, STOP_POLLING, {"HX-Trigger": "sync-run-finished"}
