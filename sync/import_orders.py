"""Import sales orders from the store.

List orders updated since the watermark (minus an overlap) up to now minus the import lag, 500 per page, in
ONE listing for all statuses: the configured statuses are applied to the summaries here. That costs
ceil(changed/500) calls per run instead of one call per status (a re-run with nothing new is one call), and it
shows cancellations and status changes of orders already imported. Then fetch the detail only of orders that
are new in a configured status or changed since imported, a few at a time in parallel; translate, resolve SKUs
and carriers, upsert — one transaction per page. Orders that fail stay in PendingOrder and are retried by
every later run; the watermark moves only after a complete, stable listing.

Retries asked for while a run is queued or running are folded into it: before it finishes, every run picks up
the failed orders whose retry was requested after their last attempt (`_pick_up_requested_retries`), fetching
only those orders. A request that comes after that last look is left to a follow-up run (`retries_owed`:
the executor starts it).

`process_documents` is the one path from an order's JSON to a stored order: orders the store pushed
(sync/import_pushed.py) go through it too, by `OrderImport.import_documents`. With order push on, a
scheduled run is the catch-up sweep: the listing is the same, and an order a push brought is not fetched
again (its store update time is the same).
Each order created records how it arrived (`OrderArrival`: push, sweep or poll).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from connectors.brightsites import errors as bs_errors
from connectors.brightsites import statuses, translate
from extensions import db
from models.activity import (
    EventLevel,
    FailureCause,
    PendingOrder,
    RunStatus,
    SyncAction,
    SyncRun,
    SyncTrigger,
)
from models.base import utcnow
from models.channels import SalesChannel
from models.order_push import ArrivalPath, OrderArrival
from models.orders import OrderStatus, SalesOrder
from services import timezones, watermarks
from services.inventory import allocation
from services.mappings.resolvers import CarrierResolver, SkuResolver
from services.order_push import settings as order_push
from services.orders.failed_orders import retry_outstanding
from sync import order_upsert
from sync.context import RunContext
from sync.errors import CredentialsRefused, StoreUnavailable
from sync.pending_orders import PendingBook

OVERLAP = timedelta(minutes=15)  # re-list a little before the watermark: clock skew, equal timestamps
MAX_DETAIL_FAILURES = 25  # past this the store is unwell: stop and let the job retry later
CHUNK = 100  # orders translated, resolved and upserted together while later details still arrive
PICK_UP_ROUNDS = 10  # requested retries picked up before a run ends; later ones go to a follow-up run


Admit = Callable[["OrderImport", translate.OrderRecord, SalesOrder | None], bool]


@dataclass
class OrderImport:
    """One run's import of orders: what it resolved, handled and failed so far. `admit(importer, record,
    stored)` may set a translated order aside before it is written (the push import's rules); the listing
    writes every order it fetched."""

    ctx: RunContext
    store_tz: ZoneInfo
    skus: SkuResolver
    carriers: CarrierResolver
    pending: PendingBook
    warehouse_id: int | None  # the channel's primary mapped warehouse: where open orders hold stock
    arrival: ArrivalPath  # recorded on the orders this run creates
    admit: Admit | None = None
    handled: set[int] = field(default_factory=set)
    detail_failures: int = 0

    @classmethod
    def start(cls, ctx: RunContext, arrival: ArrivalPath, admit: Admit | None = None) -> OrderImport:
        channel = ctx.channel
        return cls(
            ctx,
            timezones.zone(channel.timezone),
            SkuResolver(channel),
            CarrierResolver(channel),
            PendingBook(channel.id, ctx.run.id),
            allocation.primary_warehouse_id(channel),
            arrival,
            admit,
        )

    @property
    def run(self) -> SyncRun:
        return self.ctx.run

    @property
    def channel(self) -> SalesChannel:
        return self.ctx.channel

    @property
    def counts(self) -> Counter:
        return self.ctx.counts

    def import_documents(self, documents: list[tuple[int, Any]]) -> None:
        """(store order id, its Show Order JSON) already in hand (pushed): imported like fetched ones."""
        process_documents(self, documents, existing_orders(self.channel, [oid for oid, _ in documents]))

    def checkpoint(self) -> None:
        self.pending.flush()
        self.ctx.checkpoint()

    def status(self) -> RunStatus:
        return RunStatus.PARTIAL if self.counts["failed"] else RunStatus.SUCCEEDED


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
        _process_details(state, retry_ids, existing=existing_orders(channel, retry_ids))
        state.checkpoint()
        _pick_up_requested_retries(state)
        return state.status()

    # Whole seconds: the filter is sent with second precision, and the watermark must mean the same instant.
    updated_to = (now - timedelta(minutes=channel.import_lag_minutes)).replace(microsecond=0)
    filters, moves_watermark = _list_filters(run, channel, state.store_tz, updated_to)
    stable = _read_listing(state, filters)
    _retry_pending(state)
    if moves_watermark:
        if stable:
            watermarks.advance(channel, SyncAction.IMPORT_ORDERS, updated_to)
        else:
            ctx.event(
                EventLevel.INFO,
                "The store's order list changed while it was read; the next run reads the same period again.",
            )
    state.checkpoint()
    _pick_up_requested_retries(state)
    return state.status()


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


def existing_orders(channel: SalesChannel, ids: Iterable[int]) -> dict[int, SalesOrder]:
    ids = list(ids)
    if not ids:
        return {}
    orders = db.session.scalars(
        select(SalesOrder).where(SalesOrder.channel_id == channel.id, SalesOrder.external_id.in_(ids))
    )
    return {order.external_id: order for order in orders}


def _process_summaries(state: OrderImport, summaries: list[Any]) -> None:
    wanted = set(state.channel.order_statuses) - statuses.NEVER_FULFILLED
    parsed: list[tuple[int, datetime, str]] = []
    for summary in summaries:
        try:
            parsed.append(
                (
                    translate.record_id(summary.get("order_id")),
                    translate.timestamp(summary.get("updated_at"), state.store_tz),
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
    existing = existing_orders(state.channel, [oid for oid, _, _ in parsed])
    pending = state.pending
    need = []
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
    state.run.progress_done += len(parsed) - len(need)
    _process_details(state, need, existing)


def _cancel_from_summary(
    state: OrderImport, oid: int, order: SalesOrder | None, updated: datetime, was_pending: bool
) -> None:
    """Cancelled on the store: no detail needed. Unknown orders are simply not imported."""
    if was_pending:
        _clear_pending(state, oid)
    if order is None:
        return
    order.store_updated_at = updated
    if order_upsert.cancel(order):
        state.counts["cancelled"] += 1
        state.ctx.event(
            EventLevel.INFO,
            f"Order {order.number} was cancelled on the store: cancelled in techOMS.",
            order=order,
            external_order_id=oid,
        )


def _process_details(state: OrderImport, ids: list[int], existing: dict[int, SalesOrder]) -> None:
    """Details arrive in order while the fetch threads keep going: each chunk is translated, its SKUs resolved
    in one query and upserted, overlapping the database work with the remaining calls."""
    process_documents(state, zip(ids, state.ctx.details(ids), strict=True), existing)


def process_documents(
    state: OrderImport, outcomes: Iterable[tuple[int, Any]], existing: dict[int, SalesOrder]
) -> None:
    """(store order id, its Show Order JSON or the error fetching it raised), fetched or pushed: translated,
    resolved and upserted a chunk at a time. The one import path of orders."""
    outcomes = iter(outcomes)
    while chunk := list(islice(outcomes, CHUNK)):
        state.pending.start_chunk(oid for oid, _ in chunk)
        records = [record for oid, outcome in chunk if (record := _translated(state, oid, outcome))]
        if state.admit is not None:
            records = [r for r in records if state.admit(state, r, existing.get(r.external_id))]
        skus = {line.sku for record in records for line in record.physical_lines if line.sku}
        variant_ids = state.skus.resolve_many(skus) if skus else {}
        for record in records:
            _import_one(state, record, existing.get(record.external_id), variant_ids)


def _translated(state: OrderImport, oid: int, outcome: Any) -> translate.OrderRecord | None:
    state.handled.add(oid)
    state.run.progress_done += 1
    if isinstance(outcome, bs_errors.NotFound):
        _clear_pending(state, oid)
        state.counts["skipped"] += 1
        state.ctx.event(
            EventLevel.WARNING,
            f"Order {oid} is no longer on the store; skipped.",
            external_order_id=oid,
        )
    elif isinstance(outcome, bs_errors.AuthenticationError | bs_errors.PermissionDenied):
        raise CredentialsRefused(str(outcome))
    elif isinstance(outcome, bs_errors.BrightSitesError):
        state.detail_failures += 1
        _fail(
            state,
            oid,
            f"Order {oid} could not be read from the store ({outcome}); it will be retried.",
            FailureCause.STORE_ERROR,
        )
        if state.detail_failures > MAX_DETAIL_FAILURES:
            raise StoreUnavailable(f"{state.detail_failures} orders could not be read from the store.")
    else:
        try:
            record = translate.order(outcome, state.store_tz)
        except (translate.TranslationError, AttributeError, KeyError, TypeError, ValueError) as error:
            _fail(
                state,
                oid,
                f"Order {oid}: the store sent data techOMS cannot read ({error}).",
                FailureCause.UNREADABLE,
            )
        else:
            if record.updated_at is not None:
                return record
            # Without it the order would be fetched again on every run, or a later change missed.
            _fail(
                state,
                oid,
                f"Order {oid}: the store sent it without its update time (updated_at).",
                FailureCause.UNREADABLE,
            )
    return None


def _import_one(
    state: OrderImport, record: translate.OrderRecord, order: SalesOrder | None, variant_ids: dict[str, int]
) -> None:
    """One translated order: left out, failed for its SKUs, or written and reported."""
    if order is None and _left_out(state, record):
        _clear_pending(state, record.external_id)
        state.counts["skipped"] += 1
        return
    if _fails_for_skus(state, record, order, variant_ids):
        return
    carrier = state.carriers.to_system(record.shipping_method) if record.shipping_method else None
    was = order.status if order is not None else None
    saved, outcome = order_upsert.upsert(
        state.channel, record, order, variant_ids, carrier, state.warehouse_id
    )
    if outcome == order_upsert.Outcome.CREATED:
        db.session.add(OrderArrival(order=saved, channel_id=state.channel.id, path=state.arrival))
    _clear_pending(state, record.external_id)
    nothing_to_ship = saved.status == OrderStatus.NOT_FOR_FULFILMENT
    # A new order with nothing to ship is recorded, but the run counts it as skipped for fulfilment.
    state.counts["skipped" if order is None and nothing_to_ship else outcome.value] += 1
    _report_fulfilment_change(state, saved, was, nothing_to_ship)
    if (
        record.shipping_method
        and carrier is None
        and outcome != order_upsert.Outcome.LOCKED
        and not nothing_to_ship
    ):
        state.ctx.event(
            EventLevel.WARNING,
            f"Order {saved.number}: shipping method '{record.shipping_method}'"
            " has no carrier mapping; imported without a carrier.",
            order=saved,
            external_order_id=saved.external_id,
        )
    _report_outcome(state, saved, outcome)


def _left_out(state: OrderImport, record: translate.OrderRecord) -> bool:
    """A new order never to be fulfilled (cancelled, awaiting approval: said in an event), or created before
    the channel's "import since" day: not imported."""
    if record.status in statuses.NEVER_FULFILLED:
        state.ctx.event(
            EventLevel.INFO,
            f"Order {record.number} is {record.status.replace('_', ' ')} on "
            "the store: not imported for fulfilment.",
            external_order_id=record.external_id,
        )
        return True
    since = state.channel.import_since
    return bool(since) and record.created_at < timezones.day_start_utc(since, state.store_tz)


def _fails_for_skus(
    state: OrderImport, record: translate.OrderRecord, order: SalesOrder | None, variant_ids: dict[str, int]
) -> bool:
    """An order to write (not cancelled, not released) whose physical lines do not all resolve to a techOMS
    variant fails, waiting for a SKU mapping and a retry."""
    if record.status == statuses.CANCELED or (order is not None and order.is_locked):
        return False
    unresolved = [line for line in record.physical_lines if line.sku not in variant_ids]
    if not unresolved:
        return False
    problems = "; ".join(
        f"line {line.external_line_id} SKU '{line.sku}' matches no product variant"
        if line.sku
        else f"line {line.external_line_id} has no SKU"
        for line in unresolved
    )
    missing = [line.sku for line in unresolved if line.sku]
    # A line without a SKU is not fixed by a mapping: such an order is grouped under that cause.
    cause = FailureCause.MISSING_SKU if len(missing) == len(unresolved) else FailureCause.NO_SKU
    _fail(
        state,
        record.external_id,
        f"Order {record.number} not imported: {problems}. Add a SKU mapping, then retry.",
        cause,
        skus=missing,
        number=record.number,
        order=order,
    )
    return True


def _report_fulfilment_change(
    state: OrderImport, saved: SalesOrder, was: OrderStatus | None, nothing_to_ship: bool
) -> None:
    if nothing_to_ship and was != OrderStatus.NOT_FOR_FULFILMENT:
        _note(state, saved, "holds only gift certificates: nothing to ship, recorded as not for fulfilment.")
    elif was == OrderStatus.NOT_FOR_FULFILMENT and not saved.is_locked and not nothing_to_ship:
        _note(state, saved, f"now has a line to ship: imported for fulfilment as {saved.status.label}.")


def _report_outcome(state: OrderImport, saved: SalesOrder, outcome: order_upsert.Outcome) -> None:
    if outcome == order_upsert.Outcome.LOCKED:
        _note(
            state,
            saved,
            "changed on the store after it was released to fulfilment; techOMS kept its own copy.",
        )
    elif outcome == order_upsert.Outcome.CANCELLED:
        _note(state, saved, "was cancelled on the store: cancelled in techOMS.")


def _note(state: OrderImport, order: SalesOrder, what: str) -> None:
    state.ctx.event(
        EventLevel.INFO,
        f"Order {order.number} {what}",
        order=order,
        external_order_id=order.external_id,
    )


def _fail(
    state: OrderImport,
    oid: int,
    message: str,
    cause: FailureCause,
    *,
    skus: Iterable[str] = (),
    number: str = "",
    order: SalesOrder | None = None,
) -> None:
    state.counts["failed"] += 1
    state.ctx.event(EventLevel.ERROR, message, order=order, external_order_id=oid)
    state.pending.fail(oid, message, cause, skus=skus, number=number)


def _clear_pending(state: OrderImport, oid: int) -> None:
    state.pending.clear(oid)


def _retry_pending(state: OrderImport) -> None:
    """Orders that failed in earlier runs and were not listed in this one."""
    ids = sorted(state.pending.ids - state.handled)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        state.run.progress_total = (state.run.progress_total or 0) + len(chunk)
        _process_details(state, chunk, existing_orders(state.channel, chunk))
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
            _process_details(state, chunk, existing_orders(state.channel, chunk))
            state.checkpoint()
