"""Export inventory: publish each store SKU's available quantity, in as few
billed calls as the store allows.

1. Open order lines still waiting for a warehouse are allocated first, so availability counts every order.
2. Full compare — on demand, on a channel's first export, and when the last one is a day old: read
   `GET /inventories`, 500 rows a page (ceil(M/500) calls), and record each row's inventory id, product and
   current quantity (StoreInventoryRecord). Rows the store no longer lists — a product now managed by its
   vendor, or removed — are forgotten, with an Info event. Untracked rows (`track: false`, e.g. gift
   certificates) are left alone: the store ignores their stock. Delta (the default) reads nothing.
3. The orders the store took since the last import are imported first, by an import run in this job
   (sync/inventory_catch_up.py) whose listing counts as the schedule's: the store already took their units
   off its count. Only when some row differs: with nothing to push there is nothing to catch up (the
   store's own orders only lowered it). While another import of the channel is active, nothing is pushed
   and the export is due again a few seconds later.
4. Each store SKU resolves to a variant (SKU mapping, else the same SKU); a store SKU without one is a
   Warning. Its target is the variant's available quantity less what store orders techOMS cannot import yet
   hold (services/inventory/publish_figures.py), so no push, and no full compare, ever offers the store more
   than techOMS can ship. While a store order of the account took stock whose lines the store did not serve
   yet (its detail call failed: held "unread", or failed to import), only figures that cannot offer more go
   out (0, or below what this run read on the store); the rest waits for the order to be read.
5. Every row whose target differs from what the store holds (as last read or pushed) is pushed: one
   `PUT /inventories/:product_id/batch_update` per product, with absolute values. The store applies a batch
   whole or not at all, and a product's records change only with the store's confirmation, in the same
   commit, so no product is ever half-updated on either side. A delta with nothing changed costs 0 calls, and
   k changed products cost k calls.

A 422 for one product is an Error for that product (its records stay as they were, so the next run tries
again) and the others go on; a 422 because the vendor manages the product's stock is an Info, and the product
is skipped until a full compare lists it again. A store that cannot be reached ends the run with what was
pushed so far committed; the job retries, and re-sending the same absolute figures is harmless.

"Do not synchronise" channels push only when someone runs the action by hand: a scheduled run pushes nothing.
Without a mapped warehouse nothing is pushed at all (it would set every SKU of the store to 0).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connectors.brightsites import errors as bs_errors
from connectors.brightsites import translate
from connectors.brightsites.client import BrightSitesClient
from models.activity import EventLevel, RunStatus, SyncRun, SyncTrigger
from models.base import utcnow
from models.channels import InventoryMode, SalesChannel
from models.mappings import SKU_LENGTH
from services import outbox
from services.inventory import allocation, publish_figures, publish_queue, store_holds, store_records
from services.inventory.store_records import ConfirmedPush, StoreRow
from services.mappings.resolvers import SkuResolver, mapped_warehouse_ids
from sync import inventory_catch_up, runs
from sync.context import RunContext, RunWork
from sync.errors import ChannelUnusable

FULL_COMPARE_EVERY = timedelta(days=1)
DEFERRED_SECONDS = 5  # an export that waits for the channel's active import is due again this much later
UNSURE_RETRY_SECONDS = 60  # an export that held figures back for unread store orders tries again then
PRODUCTS_PER_COMMIT = 50
EVENTS_PER_KIND = 50  # individual Warning / Info events per run and kind; the rest are counted in one event
Change = tuple[StoreRow, int]  # a row and the quantity to set


@dataclass
class _StockExport(RunWork):
    ctx: RunContext
    rows: dict[int, StoreRow] = field(default_factory=dict)  # by store inventory id
    events: Counter = field(default_factory=Counter)  # individual events written, per kind
    pushes: list[ConfirmedPush] = field(default_factory=list)  # saved at the next commit
    forgotten: set[int] = field(default_factory=set)  # inventory ids deleted at the next commit

    @property
    def channel_id(self) -> int:
        return self.ctx.channel.id

    def note(self, kind: str, level: EventLevel, message: str) -> None:
        """An event, unless EVENTS_PER_KIND of this kind were written already (then it is only counted)."""
        self.events[kind] += 1
        if self.events[kind] <= EVENTS_PER_KIND:
            runs.add_event(self.run, level, message)

    def note_the_rest(self, kind: str, level: EventLevel, message: str) -> None:
        more = self.events[kind] - EVENTS_PER_KIND
        if more > 0:
            runs.add_event(self.run, level, message.format(more=more))


def export_inventory(ctx: RunContext) -> RunStatus:
    run, channel, client = ctx.run, ctx.channel, ctx.store
    if run.trigger == SyncTrigger.SCHEDULED and channel.inventory_mode == InventoryMode.DO_NOT_SYNC:
        runs.add_event(
            run,
            EventLevel.INFO,
            "Nothing pushed: the inventory mode is Do not synchronise, so only a manual run pushes stock.",
        )
        return RunStatus.SUCCEEDED
    if not mapped_warehouse_ids(channel):
        message = (
            "Nothing pushed: no warehouse is mapped on this channel, so every SKU would be published as 0. "
            "Map the warehouses whose stock the store sells under Warehouse Mappings."
        )
        raise ChannelUnusable(message)
    state = _StockExport(ctx)
    allocation.allocate_waiting(channel, allocation.primary_warehouse_id(channel))
    started = utcnow()
    full = _full_compare_due(run, channel, started)
    run.params = {**(run.params or {}), "full": full}
    _commit(state)
    state.rows = store_records.known_rows(channel.id)
    complete = _read_store(state, client) if full else False
    if _targets_differ(state, channel):
        caught_up = inventory_catch_up.bring_orders_up_to_date(ctx)
        state.counts.update(caught_up.counts)
        if caught_up.deferred:  # another import is active: publish after it, never beside it
            publish_queue.due_later(channel.id, DEFERRED_SECONDS)
            if complete:
                store_records.remember_full_compare(channel, started)
            _commit(state)
            return RunStatus.SUCCEEDED
        if not full:  # the orders it imported lowered the records the store's own sales lowered
            state.rows = store_records.known_rows(channel.id)
    changes = _changes(state, channel, report_unmapped=full)
    _push(state, client, _while_unsure(state, channel, changes, fresh=full))
    if complete:
        store_records.remember_full_compare(channel, started)
    _commit(state)
    return RunStatus.PARTIAL if state.counts["failed"] else RunStatus.SUCCEEDED


def _full_compare_due(run: SyncRun, channel: SalesChannel, now: datetime) -> bool:
    if (run.params or {}).get("full"):
        return True
    last = store_records.last_full_compare(channel)
    return last is None or now - last >= FULL_COMPARE_EVERY


# --- full compare: read the store ----------------------------------------------------------------------


def _read_store(state: _StockExport, client: BrightSitesClient) -> bool:
    """Every page of /inventories updates the records it lists, in the page's own commit. True when the
    listing was whole and stable; only then are the rows it did not list forgotten."""
    listed: set[int] = set()
    untracked: set[int] = set()
    totals: set[int] = set()
    served = 0
    state.run.progress_total = 0
    for page in client.iter_pages("/inventories", "inventories"):
        if page.total is not None:
            totals.add(page.total)
            state.run.progress_total = page.total
        new, changed, unchanged = [], [], []
        for item in page.items:
            served += 1
            state.run.progress_done += 1
            try:
                read = translate.inventory_row(item)
            except (translate.TranslationError, AttributeError, TypeError, ValueError):
                state.counts["failed"] += 1
                state.note(
                    "unreadable", EventLevel.ERROR, "The store listed an inventory row techOMS cannot read."
                )
                continue
            if not read.track or not read.sku:
                untracked.add(read.inventory_id)  # the store ignores its stock: nothing to publish
                continue
            listed.add(read.inventory_id)
            row = StoreRow(read.inventory_id, read.product_id, read.sku[:SKU_LENGTH], read.quantity)
            known = state.rows.get(row.inventory_id)
            if known is None:
                new.append(row)
            elif known != row:
                changed.append(row)
            else:
                unchanged.append(row.inventory_id)
            state.rows[row.inventory_id] = row
        store_records.save(state.channel_id, new, changed, unchanged, page.served_at)
        _commit(state)
    if len(totals) > 1 or (totals and served < max(totals)):
        runs.add_event(
            state.run,
            EventLevel.INFO,
            f"The store's inventory list changed while it was read ({served} rows served of {max(totals)}): "
            "rows it did not serve are kept, and the next run reads the list again.",
        )
        return False
    _forget(state, [row for row in state.rows.values() if row.inventory_id in untracked], count=False)
    _forget_unlisted(state, listed)
    return True


def _forget_unlisted(state: _StockExport, listed: set[int]) -> None:
    """Rows the store stopped listing: their product is now managed by its vendor, or it is gone."""
    by_product: dict[int, list[StoreRow]] = defaultdict(list)
    for inventory_id, row in state.rows.items():
        if inventory_id not in listed:
            by_product[row.product_id].append(row)
    for product_id, rows in sorted(by_product.items()):
        state.note(
            "unlisted",
            EventLevel.INFO,
            f"Store product {product_id} ({_skus(rows)}) is no longer in the store's inventory list "
            "(its vendor manages its stock, or it was removed): it is skipped.",
        )
        _forget(state, rows)
    state.note_the_rest("unlisted", EventLevel.INFO, "{more} more store products are no longer listed.")
    _commit(state)


def _forget(state: _StockExport, rows: list[StoreRow], *, count: bool = True) -> None:
    if count:
        state.counts["skipped"] += len(rows)
    for row in rows:
        state.forgotten.add(row.inventory_id)
        state.rows.pop(row.inventory_id, None)


def _forget_product(state: _StockExport, product_id: int) -> None:
    """Every known row of the product: the store refuses the product as a whole."""
    _forget(state, [row for row in state.rows.values() if row.product_id == product_id])


def _skus(rows: list[StoreRow]) -> str:
    names = sorted(row.sku for row in rows)
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


# --- targets and pushes --------------------------------------------------------------------------------


def _targets(state: _StockExport, channel: SalesChannel) -> dict[str, int]:
    """Store SKU -> the quantity to publish, for the known rows whose SKU resolves to a variant."""
    variant_of = SkuResolver(channel).resolve_many({row.sku for row in state.rows.values()})
    return {sku: figure.published for sku, figure in publish_figures.figures(channel, variant_of).items()}


def _targets_differ(state: _StockExport, channel: SalesChannel) -> bool:
    targets = _targets(state, channel)
    return any(row.sku in targets and targets[row.sku] != row.quantity for row in state.rows.values())


def _changes(state: _StockExport, channel: SalesChannel, *, report_unmapped: bool) -> dict[int, list[Change]]:
    """Per store product, the rows whose target differs from what the store holds."""
    rows = list(state.rows.values())
    targets = _targets(state, channel)
    changes: dict[int, list[Change]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.product_id, r.inventory_id)):
        if row.sku not in targets:
            state.counts["unmapped"] += 1
            if report_unmapped:
                state.note(
                    "unmapped",
                    EventLevel.WARNING,
                    f"Store SKU {row.sku} (product {row.product_id}) matches no techOMS variant: its stock "
                    "is not published. Add a SKU mapping.",
                )
        elif targets[row.sku] == row.quantity:
            state.counts["unchanged"] += 1
        else:
            changes[row.product_id].append((row, targets[row.sku]))
    state.note_the_rest("unmapped", EventLevel.WARNING, "{more} more store SKUs match no techOMS variant.")
    return changes


def _while_unsure(
    state: _StockExport, channel: SalesChannel, changes: dict[int, list[Change]], *, fresh: bool
) -> dict[int, list[Change]]:
    """While store orders of the account took stock techOMS cannot count (their lines unread), a figure could
    exceed what can ship by their unknown units: only 0 goes out, or (after this run read the store) a
    figure below what the store shows, which never offers more than the store already does. The rest waits
    for the orders to be read (every import retries them; this export is due again shortly)."""
    unsure = store_holds.unsure_orders(channel.account_id)
    if not unsure:
        return changes
    kept: dict[int, list[Change]] = {}
    withheld = 0
    for product_id, rows in changes.items():
        safe = [(row, target) for row, target in rows if target == 0 or (fresh and target < row.quantity)]
        withheld += len(rows) - len(safe)
        if safe:
            kept[product_id] = safe
    if withheld:
        state.counts["withheld"] += withheld
        publish_queue.due_later(channel.id, UNSURE_RETRY_SECONDS)
        runs.add_event(
            state.run,
            EventLevel.WARNING,
            f"{unsure} store order(s) could not be read from the store yet, so the units they hold are "
            f"unknown: {withheld} figure(s) that could offer more than can ship are held back until they "
            "are read (every import reads them again).",
        )
    return kept


def _push(state: _StockExport, client: BrightSitesClient, changes: dict[int, list[Change]]) -> None:
    run = state.run
    run.progress_total = (run.progress_total or 0) + len(changes)
    try:
        for number, (product_id, rows) in enumerate(sorted(changes.items()), start=1):
            _push_product(state, client, product_id, rows)
            run.progress_done += 1
            if number % PRODUCTS_PER_COMMIT == 0:
                _commit(state)
    finally:
        # What the store confirmed is kept even when the run stops here (store unreachable, token refused).
        _commit(state)


def _push_product(
    state: _StockExport, client: BrightSitesClient, product_id: int, rows: list[Change]
) -> None:
    items = translate.inventory_batch_items((row.inventory_id, target) for row, target in rows)
    try:
        confirmation = client.batch_update_inventory(product_id, items)
    except bs_errors.ValidationFailed as error:
        _refused(state, product_id, rows, error)
        return
    except bs_errors.NotFound:
        state.note(
            "gone",
            EventLevel.WARNING,
            f"Store product {product_id} ({_skus([r for r, _ in rows])}) no longer exists on the store; "
            "it is skipped until a full compare finds it again.",
        )
        _forget_product(state, product_id)
        return
    confirmed = _confirmed_quantities(confirmation.rows)
    now = utcnow()
    for row, target in rows:
        row.quantity = confirmed.get(row.inventory_id, target)
        state.pushes.append(ConfirmedPush(row, target, now, confirmation.served_at))
    state.counts["updated"] += len(rows)
    state.counts["products"] += 1


def _confirmed_quantities(answer: list[dict[str, Any]]) -> dict[int, int]:
    confirmed = {}
    for item in answer:
        try:
            confirmed[translate.record_id(item.get("id"))] = int(item.get("inventory"))
        except (translate.TranslationError, AttributeError, TypeError, ValueError):
            continue
    return confirmed


def _refused(
    state: _StockExport, product_id: int, rows: list[Change], error: bs_errors.ValidationFailed
) -> None:
    detail = "; ".join(
        str(message)
        for messages in error.field_errors.values()
        for message in (messages if isinstance(messages, list) else [messages])
    )
    skus = _skus([row for row, _ in rows])
    if "vendor" in detail.casefold():
        state.note(
            "vendor",
            EventLevel.INFO,
            f"Store product {product_id} ({skus}): its vendor manages its stock on the store; skipped.",
        )
        _forget_product(state, product_id)
        return
    state.counts["failed"] += len(rows)
    runs.add_event(
        state.run,
        EventLevel.ERROR,
        f"Store product {product_id} ({skus}): the store refused the new quantities "
        f"({detail[:500] or 'no reason given'}). It keeps its previous figures; the next run tries again.",
    )


def _commit(state: _StockExport) -> None:
    outbox.record_stock(state.ctx.channel.account_id, state.channel_id, len(state.pushes))
    store_records.note_pushes(state.channel_id, state.pushes)
    store_records.forget(state.channel_id, state.forgotten)
    state.pushes, state.forgotten = [], set()
    state.ctx.checkpoint()
