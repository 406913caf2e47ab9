"""One order's way from its Show Order JSON to a stored order, for every path that brings orders: the listing
import (sync/import_orders.py) fetches details and the push import (sync/import_pushed.py) has them pushed;
both go through `OrderImport`: translate, resolve SKUs and carriers in one query per chunk, upsert, and keep
failed orders in PendingOrder with their cause. An `admit` hook lets a path set a translated order aside
before it is written (the push import's rules). Each order created records how it arrived (`OrderArrival`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from connectors.brightsites import errors as bs_errors
from connectors.brightsites import statuses, translate
from extensions import db
from models.activity import EventLevel, FailureCause, RunStatus
from models.channels import SalesChannel
from models.order_push import ArrivalPath, OrderArrival
from models.orders import OrderStatus, SalesOrder
from services import outbox, timezones
from services.inventory import allocation, store_holds, store_records
from services.mappings.resolvers import CarrierResolver, SkuResolver
from sync import order_upsert, store_order_changes
from sync.context import RunContext, RunWork
from sync.errors import CredentialsRefused, StoreUnavailable
from sync.pending_orders import PendingBook

MAX_DETAIL_FAILURES = 25  # past this the store is unwell: stop and let the job retry later
# Orders translated, resolved, upserted and committed together while later details still arrive: an attempt
# that dies mid-page (a killed worker, an outage) keeps every chunk before it, and the next attempt finds them
# unchanged in the listing and fetches no detail twice (issue 27: a page of 500 lost up to 141 details).
CHUNK = 50


Admit = Callable[["OrderImport", translate.OrderRecord, SalesOrder | None], bool]


@dataclass
class OrderImport(RunWork):
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
    # Orders resolved in this run: their store stock holds (services/inventory/store_holds.py) go at commit.
    released: set[int] = field(default_factory=set)
    documents: dict[int, Any] = field(default_factory=dict)  # the chunk's Show Order JSON, by order id
    held_before: set[int] = field(default_factory=set)  # the chunk's orders held as unimported until now

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

    def import_documents(self, documents: list[tuple[int, Any]]) -> None:
        """(store order id, its Show Order JSON) already in hand (pushed): imported like fetched ones."""
        process_documents(self, documents, existing_orders(self.channel, [oid for oid, _ in documents]))

    def checkpoint(self) -> None:
        self.pending.flush()
        store_holds.release(self.channel.id, self.released)
        self.released = set()
        self.ctx.checkpoint()

    def status(self) -> RunStatus:
        return RunStatus.PARTIAL if self.counts["failed"] else RunStatus.SUCCEEDED


def existing_orders(channel: SalesChannel, ids: Iterable[int]) -> dict[int, SalesOrder]:
    ids = list(ids)
    if not ids:
        return {}
    orders = db.session.scalars(
        select(SalesOrder).where(SalesOrder.channel_id == channel.id, SalesOrder.external_id.in_(ids))
    )
    return {order.external_id: order for order in orders}


def process_documents(
    state: OrderImport, outcomes: Iterable[tuple[int, Any]], existing: dict[int, SalesOrder]
) -> None:
    """(store order id, its Show Order JSON or the error fetching it raised), fetched or pushed: translated,
    resolved and upserted a chunk at a time. The one import path of orders."""
    outcomes = iter(outcomes)
    while chunk := list(islice(outcomes, CHUNK)):
        state.pending.start_chunk(oid for oid, _ in chunk)
        state.documents = {oid: outcome for oid, outcome in chunk if isinstance(outcome, dict)}
        records = [record for oid, outcome in chunk if (record := _translated(state, oid, outcome))]
        if state.admit is not None:
            records = [r for r in records if state.admit(state, r, existing.get(r.external_id))]
        skus = {line.sku for record in records for line in record.physical_lines if line.sku}
        variant_ids = state.skus.resolve_many(skus) if skus else {}
        state.held_before = set(store_holds.versions(state.channel.id, [r.external_id for r in records]))
        with allocation.written_once():  # the stock levels' locks held only from there to the commit
            for record in records:
                _import_one(state, record, existing.get(record.external_id), variant_ids)
        state.checkpoint()


def _translated(state: OrderImport, oid: int, outcome: Any) -> translate.OrderRecord | None:
    state.handled.add(oid)
    state.run.progress_done += 1
    if isinstance(outcome, bs_errors.NotFound):
        clear_pending(state, oid)
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
        clear_pending(state, record.external_id)
        state.counts["skipped"] += 1
        return
    if _fails_for_skus(state, record, order, variant_ids):
        return
    carrier = state.carriers.to_system(record.shipping_method) if record.shipping_method else None
    was = order.status if order is not None else None
    saved, outcome = order_upsert.upsert(
        state.channel, record, order, variant_ids, carrier, state.warehouse_id
    )
    outbox.record_import(saved, outcome.value)
    if outcome == order_upsert.Outcome.CREATED:
        db.session.add(OrderArrival(order=saved, channel_id=state.channel.id, path=state.arrival))
        if record.external_id not in state.held_before and record.status != statuses.CANCELED:
            # the store took the units when the order was placed (a held order's were noted when held)
            store_records.sold_on_store(
                state.channel.id, store_holds.store_quantities(record)[0], record.created_at
            )
    clear_pending(state, record.external_id)
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
    store_order_changes.seen_on_import(state.ctx.run, state.carriers, saved, record, outcome)


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
    if order is None:
        hold_store_stock(state, record, "unmapped")
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
    # An order that failed on its SKUs keeps the JSON it failed on: a retry after a mapping reuses it.
    document = state.documents.get(oid) if cause in (FailureCause.MISSING_SKU, FailureCause.NO_SKU) else None
    at = translate.timestamp(document.get("updated_at"), state.store_tz) if document else None
    state.pending.fail(
        oid, message, cause, skus=skus, number=number, document=document, document_updated_at=at
    )


def clear_pending(state: OrderImport, oid: int) -> None:
    state.pending.clear(oid)
    state.released.add(oid)


def hold_store_stock(state: OrderImport, record: translate.OrderRecord, reason: str) -> None:
    """A store order techOMS does not import (yet) still holds store stock: the export subtracts it."""
    state.released.discard(record.external_id)
    store_holds.hold(state.channel.id, record, reason)
