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

from collections import defaultdict
from datetime import datetime, timedelta

from models.activity import EventLevel, RunStatus, SyncRun, SyncTrigger
from models.base import utcnow
from models.channels import InventoryMode, SalesChannel
from services.inventory import allocation, publish_figures, publish_queue, store_holds, store_records
from services.mappings.resolvers import SkuResolver, mapped_warehouse_ids
from sync import inventory_catch_up, runs
from sync.context import RunContext
from sync.errors import ChannelUnusable
from sync.inventory_export_state import Change, StockExport, commit
from sync.inventory_full_compare import read_store
from sync.inventory_pushes import push

FULL_COMPARE_EVERY = timedelta(days=1)
DEFERRED_SECONDS = 5  # an export that waits for the channel's active import is due again this much later
UNSURE_RETRY_SECONDS = 60  # an export that held figures back for unread store orders tries again then


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
    state = StockExport(ctx)
    allocation.allocate_waiting(channel, allocation.primary_warehouse_id(channel))
    started = utcnow()
    full = _full_compare_due(run, channel, started)
    run.params = {**(run.params or {}), "full": full}
    commit(state)
    state.rows = store_records.known_rows(channel.id)
    complete = read_store(state, client) if full else False
    if _targets_differ(state, channel):
        caught_up = inventory_catch_up.bring_orders_up_to_date(ctx)
        state.counts.update(caught_up.counts)
        if caught_up.deferred:  # another import is active: publish after it, never beside it
            publish_queue.due_later(channel.id, DEFERRED_SECONDS)
            if complete:
                store_records.remember_full_compare(channel, started)
            commit(state)
            return RunStatus.SUCCEEDED
        if not full:  # the orders it imported lowered the records the store's own sales lowered
            state.rows = store_records.known_rows(channel.id)
    changes = _changes(state, channel, report_unmapped=full)
    push(state, client, _while_unsure(state, channel, changes, fresh=full))
    if complete:
        store_records.remember_full_compare(channel, started)
    commit(state)
    return RunStatus.PARTIAL if state.counts["failed"] else RunStatus.SUCCEEDED


def _full_compare_due(run: SyncRun, channel: SalesChannel, now: datetime) -> bool:
    if (run.params or {}).get("full"):
        return True
    last = store_records.last_full_compare(channel)
    return last is None or now - last >= FULL_COMPARE_EVERY


# --- what to push ------------------------------------------------------------------------------------


def _targets(state: StockExport, channel: SalesChannel) -> dict[str, int]:
    """Store SKU -> the quantity to publish, for the known rows whose SKU resolves to a variant."""
    variant_of = SkuResolver(channel).resolve_many({row.sku for row in state.rows.values()})
    return {sku: figure.published for sku, figure in publish_figures.figures(channel, variant_of).items()}


def _targets_differ(state: StockExport, channel: SalesChannel) -> bool:
    targets = _targets(state, channel)
    return any(row.sku in targets and targets[row.sku] != row.quantity for row in state.rows.values())


def _changes(state: StockExport, channel: SalesChannel, *, report_unmapped: bool) -> dict[int, list[Change]]:
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
    state: StockExport, channel: SalesChannel, changes: dict[int, list[Change]], *, fresh: bool
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
