"""Import sales orders from the store.

List orders updated since the watermark (minus an overlap) up to now minus the import lag, 500 per page, in
ONE listing for all statuses: the configured statuses are applied to the summaries here. That costs
ceil(changed/500) calls per run instead of one call per status (a re-run with nothing new is one call), and it
shows cancellations and status changes of orders already imported. Then fetch the detail only of orders that
are new in a configured status or changed since imported, a few at a time in parallel; translate, resolve SKUs
and carriers, upsert — one transaction per page. Orders that fail stay in PendingOrder and are retried by
later runs (at once when the JSON they failed on is kept; otherwise, a billed call each, after a pause that
grows with the attempts); the watermark moves only after a complete, stable listing.

Retries asked for while a run is queued or running are folded into it: before it finishes, every run picks up
the failed orders whose retry was requested after their last attempt (`_pick_up_requested_retries`), fetching
only those orders. A request that comes after that last look is left to a follow-up run (`retries_owed`:
the executor starts it).

The inventory export runs an import in place before it pushes (trigger "catch up", `up_to_now`): the same
run, with its listing reaching this second instead of the lag; the schedule counts it as the import's.

The details go through sync/order_documents.py, the one path from an order's JSON to a stored order (pushed
orders take it too). With order push on, a scheduled run is the catch-up sweep: the listing is the same, and
an order a push brought is not fetched again (its store update time is the same).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from connectors.brightsites import statuses, translate
from extensions import db
from models.activity import (
    EventLevel,
    PendingOrder,
    RunStatus,
    SyncAction,
    SyncRun,
    SyncTrigger,
)
from models.base import utcnow
from models.channels import SalesChannel
from models.order_push import ArrivalPath
from models.orders import SalesOrder
from services import outbox, timezones, watermarks
from services.inventory import allocation
from services.order_push import settings as order_push
from services.orders.failed_orders import retry_outstanding
from sync import order_documents, order_upsert, store_order_changes, store_order_holds
from sync.context import RunContext
from sync.order_documents import OrderImport

OVERLAP = timedelta(minutes=15)  # re-list a little before the watermark: clock skew, equal timestamps
PICK_UP_ROUNDS = 10  # requested retries picked up before a run ends; later ones go to a follow-up run


def import_orders(ctx: RunContext) -> RunStatus:
    channel, run = ctx.channel, ctx.run
    # With push on, the scheduled listing is the catch-up sweep: it fetches only what a push missed.
    state = OrderImport.start(ctx, ArrivalPath.SWEEP if order_push.is_on(channel) else ArrivalPath.POLL)
    allocation.allocate_waiting(channel, state.warehouse_id)  # imported while no warehouse was mapped
    now = utcnow()
    retry_ids = [int(i) for i in run.params.get("order_ids", [])]
    if retry_ids or run.trigger == SyncTrigger.RETRY:
        run.progress_total = len(retry_ids)
        db.session.commit()  # the total shows at once, and no write stays open while the details are fetched
        _process_details(state, retry_ids, existing=order_documents.existing_orders(channel, retry_ids))
        state.checkpoint()
        _pick_up_requested_retries(state)
        return state.status()

    # Whole seconds: the filter is sent with second precision, and the watermark must mean the same instant.
    updated_to = (now - timedelta(minutes=channel.import_lag_minutes)).replace(microsecond=0)
    if run.params.get("up_to_now"):
        # The inventory export's catch-up (sync/inventory_catch_up.py): an order younger than the lag holds
        # store stock too, so the listing reaches this second (rounded up); the watermark still moves only as
        # far as the lag allows, as a scheduled run would move it.
        list_and_import(state, now.replace(microsecond=0) + timedelta(seconds=1), watermark_to=updated_to)
    else:
        list_and_import(state, updated_to)
    _pick_up_requested_retries(state)
    return state.status()


def list_and_import(
    state: OrderImport,
    updated_to: datetime,
    *,
    watermark_to: datetime | None = None,
    retry_failed: bool = True,
) -> None:
    """The listing since the watermark up to `updated_to`, the details of new or changed orders, and (with
    `retry_failed`) the orders that failed before; the watermark moves to `watermark_to` (default
    `updated_to`) after a stable listing."""
    filters, moves_watermark = _list_filters(state.run, state.channel, state.store_tz, updated_to)
    stable = _read_listing(state, filters)
    store_order_holds.retry_unread(state.channel, state.ctx.details, state.store_tz, state.handled)
    if retry_failed:
        _retry_pending(state)
    if moves_watermark:
        if stable:
            watermarks.advance(state.channel, SyncAction.IMPORT_ORDERS, watermark_to or updated_to)
        else:
            state.ctx.event(
                EventLevel.INFO,
                "The store's order list changed while it was read; the next run reads the same period again.",
            )
    state.checkpoint()


def _read_listing(state: OrderImport, filters: dict[str, datetime]) -> bool:
    """Every page of the listing, imported a page at a time; False when the list changed while read."""
    client, run = state.ctx.store, state.run
    stable, first_total = True, None
    run.progress_total = 0
    for page in client.iter_pages("/orders", "orders", client.order_filters(**filters)):
        if first_total is None:
            first_total = page.total
            run.progress_total = page.total if page.total is not None else len(page.items)
        elif page.total != first_total:
            stable = False  # orders moved in or out while paging: an item may have shifted past us
        _process_summaries(state, page.items)
        state.checkpoint()
    return stable


def retries_owed(run: SyncRun) -> bool:
    """After an import ended: whether retries were asked for after its last look at them (they were promised
    to it) and wait for a follow-up run. Not when the run failed (its own failure would only repeat), nor
    for a deleted channel; start_run returns the import already queued or running instead, if there is one."""
    if run.status not in (RunStatus.SUCCEEDED, RunStatus.PARTIAL) or run.channel.deleted_at is not None:
        return False
    owed = db.session.scalar(
        select(PendingOrder.id).where(PendingOrder.channel_id == run.channel_id, retry_outstanding()).limit(1)
    )
    return owed is not None


def _list_filters(
    run: SyncRun, channel: SalesChannel, zone: ZoneInfo, updated_to: datetime
) -> tuple[dict[str, datetime], bool]:
    """A manual date range reads by creation date and leaves the watermark alone; otherwise incremental."""
    created_from, created_to = run.params.get("created_from"), run.params.get("created_to")
    if created_from or created_to:
        filters = {"updated_to": updated_to}
        if created_from:
            filters["created_from"] = timezones.day_start_utc(date.fromisoformat(created_from), zone)
        if created_to:
            filters["created_to"] = timezones.day_start_utc(
                date.fromisoformat(created_to) + timedelta(days=1), zone
            )
        return filters, False
    filters = {"updated_to": updated_to}
    cursor = watermarks.cursor(channel, SyncAction.IMPORT_ORDERS)
    if cursor is not None:
        filters["updated_from"] = cursor.value - OVERLAP
    if channel.import_since:
        filters["created_from"] = timezones.day_start_utc(channel.import_since, zone)
    return filters, True


def _process_summaries(state: OrderImport, summaries: list[Any]) -> None:
    wanted = set(state.channel.order_statuses) - statuses.NEVER_FULFILLED
    parsed: list[tuple[int, datetime, str]] = []
    for summary in summaries:
        try:
            parsed.append(
                (
                    translate.record_id(summary.get("order_id")),
                    translate.update_time(summary.get("updated_at"), state.store_tz),
                    str(summary.get("status") or ""),
                )
            )
        except (translate.TranslationError, AttributeError, TypeError, ValueError):
            state.counts["failed"] += 1
            state.ctx.event(
                EventLevel.ERROR,
                "The store listed an order techOMS cannot read (no valid id or update time); it was skipped.",
            )
    parsed = [item for item in parsed if item[0] not in state.handled]
    existing = order_documents.existing_orders(state.channel, [oid for oid, _, _ in parsed])
    pending = state.pending
    need, unselected = [], []
    for oid, updated, status in parsed:
        order = existing.get(oid)
        if status == statuses.CANCELED:
            state.handled.add(oid)
            _cancel_from_summary(state, oid, order, updated, oid in pending)
        elif (
            oid in pending
            or (order is None and status in wanted)
            or (order is not None and order.store_updated_at != updated)
        ):
            need.append(oid)
        else:
            state.handled.add(oid)  # unchanged, or new in a status this channel does not import
            state.counts["unchanged" if order is not None else "not_selected"] += 1
            if order is None:
                unselected.append((oid, status, updated))
    state.run.progress_done += len(parsed) - len(need)
    _process_details(state, need, existing, listed={oid: updated for oid, updated, _ in parsed})
    state.released |= store_order_holds.hold_unselected(
        state.channel, state.ctx.details, state.store_tz, unselected
    )


def _cancel_from_summary(
    state: OrderImport, oid: int, order: SalesOrder | None, updated: datetime, was_pending: bool
) -> None:
    """Cancelled on the store: no detail needed. Unknown orders are simply not imported."""
    state.released.add(oid)
    if was_pending:
        order_documents.clear_pending(state, oid)
    if order is None:
        return
    order.store_updated_at = updated
    if order_upsert.cancel(order):
        outbox.record_order(order, "order.cancelled")
        state.counts["cancelled"] += 1
        store_order_changes.cancel_event(state.ctx.run, order)


def _process_details(
    state: OrderImport,
    ids: list[int],
    existing: dict[int, SalesOrder],
    listed: dict[int, datetime] | None = None,
) -> None:
    """Details arrive in order while the fetch threads keep going: each chunk is translated, its SKUs resolved
    in one query and upserted, overlapping the database work with the remaining calls. Failed orders kept
    with the JSON they failed on are imported from it instead (`stored_documents`)."""
    stored = stored_documents(state, ids, listed)
    if stored:
        state.counts["reused"] += len(stored)
        order_documents.process_documents(
            state, [(oid, stored[oid]) for oid in ids if oid in stored], existing
        )
    ids = [oid for oid in ids if oid not in stored]
    if ids:
        order_documents.process_documents(state, zip(ids, state.ctx.details(ids), strict=True), existing)


def stored_documents(
    state: OrderImport, ids: list[int], listed: dict[int, datetime] | None
) -> dict[int, Any]:
    """Failed orders kept with the JSON they failed on, reused instead of a billed call: when this run's
    listing shows them with the same update time, or (a retry, or not listed since) unless the run was asked
    to read them again (`read_again`)."""
    if state.run.params.get("read_again"):
        return {}
    stored = state.pending.stored_documents(ids)
    if listed is None:
        return {oid: document for oid, (document, _) in stored.items()}
    return {oid: document for oid, (document, at) in stored.items() if listed.get(oid) == at}


def _retry_pending(state: OrderImport) -> None:
    """Orders that failed in earlier runs and were not listed in this one, those whose retry costs a billed
    call only once their pause is over (or a person asked): see sync/pending_orders.py."""
    ids = sorted(state.pending.due_for_retry(utcnow()) - state.handled)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        state.run.progress_total = (state.run.progress_total or 0) + len(chunk)
        _process_details(state, chunk, order_documents.existing_orders(state.channel, chunk))
        state.checkpoint()


def _pick_up_requested_retries(state: OrderImport) -> None:
    """Retries asked for while this run was queued or running (Retry, Retry all): each order whose retry was
    requested after its last attempt is fetched and imported again, even if this run handled it already."""
    for _ in range(PICK_UP_ROUNDS):
        ids = state.pending.requested_retries()
        if not ids:
            return
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            state.run.progress_total = (state.run.progress_total or 0) + len(chunk)
            _process_details(state, chunk, order_documents.existing_orders(state.channel, chunk))
            state.checkpoint()
