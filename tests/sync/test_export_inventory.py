"""Export inventory against the simulator: what is published (buffer, maximum, several warehouses), how many
billed calls it costs (delta and full compare), and what happens to products the store will not take."""

from __future__ import annotations

import math
import time
from datetime import timedelta

from sqlalchemy import select

from extensions import db
from models.activity import EventLevel, RunStatus, SyncAction, SyncEvent, SyncTrigger
from models.base import utcnow
from models.channels import InventoryMode
from models.inventory_sync import StoreInventoryRecord
from sync.schedule import due_channels
from tests.support.inventory import (
    add_warehouse,
    edit_store_row,
    export_calls,
    export_now,
    inventory_setup,
    map_warehouse,
    records,
    set_stock,
    store_quantities,
    store_rows,
)

# A run with something to push first lists the orders the store took since the last import (1 call, on the
# import run it starts: export_calls counts both).
LISTING = 1


def events(run, level: EventLevel | None = None) -> list[str]:
    query = select(SyncEvent.message).where(SyncEvent.run_id == run.id).order_by(SyncEvent.id)
    if level is not None:
        query = query.where(SyncEvent.level == level)
    return list(db.session.scalars(query))


def expected(variants) -> dict[str, int]:
    """The n-th SKU has n on hand in `warehouse` (inventory_setup), nothing allocated."""
    return {sku: n for n, sku in enumerate(sorted(variants), start=1)}


def test_first_export_reads_the_store_then_pushes_one_call_per_differing_product(simulator, world):
    store, channel, variants = inventory_setup(simulator, world.a)
    rows = store_rows(simulator, store)
    want = expected(variants)
    differing = {
        row["product_id"] for row in rows if row["track"] and row["inventory"] != want[row["final_sku"]]
    }

    run = export_now(channel)

    assert run.status == RunStatus.SUCCEEDED and run.params["full"] is True
    floor = math.ceil(len(rows) / 500) + LISTING + len(differing)
    assert export_calls(run) == floor == simulator.calls(store)["total"]
    shown = store_quantities(simulator, store)
    assert shown == {sku: want[sku] for sku in shown}
    assert "GIFTCERT" not in shown or shown["GIFTCERT"] == 0
    known = records(channel)
    assert {sku: r.store_quantity for sku, r in known.items()} == shown
    assert all(r.pushed_at is not None for r in known.values() if r.pushed_quantity is not None)


def test_delta_with_nothing_changed_costs_no_call(simulator, world):
    store, channel, _variants = inventory_setup(simulator, world.a)
    export_now(channel)
    simulator.reset_calls(store)

    run = export_now(channel)

    assert run.status == RunStatus.SUCCEEDED and run.params["full"] is False
    assert run.api_calls == 0 and simulator.calls(store)["total"] == 0
    assert run.counts.get("updated", 0) == 0 and run.counts["unchanged"] == 24


def test_delta_with_k_products_changed_costs_k_calls(simulator, world):
    store, channel, variants = inventory_setup(simulator, world.a)
    export_now(channel)
    simulator.reset_calls(store)
    by_product = {}
    for row in store_rows(simulator, store):
        by_product.setdefault(row["product_id"], []).append(row["final_sku"])
    first, second = sorted(by_product)[:2]
    changed = [by_product[first][0], by_product[first][1], by_product[second][0]]  # 3 SKUs in 2 products
    for n, sku in enumerate(changed):
        set_stock(variants[sku], world.a.warehouse, 500 + n)

    run = export_now(channel)

    assert export_calls(run) == LISTING + 2 == simulator.calls(store)["total"]
    assert run.counts["updated"] == 3 and run.counts["products"] == 2
    shown = store_quantities(simulator, store)
    assert [shown[sku] for sku in changed] == [500, 501, 502]
    known = records(channel)
    assert [known[sku].pushed_quantity for sku in changed] == [500, 501, 502]


def test_buffer_and_maximum_shape_what_is_published(simulator, world):
    store, channel, variants = inventory_setup(simulator, world.a, inventory_buffer=3, inventory_max=10)

    export_now(channel)

    shown = store_quantities(simulator, store)
    for n, sku in enumerate(sorted(variants), start=1):
        if sku in shown:
            assert shown[sku] == min(max(n - 3, 0), 10), sku


def test_mapped_warehouses_add_up_and_allocated_stock_is_not_offered(simulator, world):
    store, channel, variants = inventory_setup(simulator, world.a)
    west = add_warehouse(world.a, "WEST")
    unmapped = add_warehouse(world.a, "SPARE")
    map_warehouse(channel, west, "2")
    skus = sorted(sku for sku in variants if sku != "GIFTCERT")
    one, two, three = (variants[sku] for sku in skus[:3])
    set_stock(one, world.a.warehouse, 10)
    set_stock(one, west, 7)
    set_stock(one, unmapped, 1000)  # not mapped: never published
    set_stock(two, world.a.warehouse, 2)
    set_stock(two, west, 5)
    set_stock(three, world.a.warehouse, 4)
    db.session.execute(
        db.text("UPDATE inventory_level SET allocated = 6 WHERE variant_id = :v AND warehouse_id = :w"),
        {"v": two.id, "w": world.a.warehouse.id},
    )  # two: 2 on hand, 6 held by orders here (a back order), 5 free in WEST -> 1
    db.session.commit()

    export_now(channel)

    shown = store_quantities(simulator, store)
    assert (shown[skus[0]], shown[skus[1]], shown[skus[2]]) == (17, 1, 4)


def test_full_compare_corrects_what_someone_edited_in_the_store(simulator, world):
    store, channel, variants = inventory_setup(simulator, world.a)
    export_now(channel)
    rows = [row for row in store_rows(simulator, store) if row["track"]]
    edited = rows[5]
    edit_store_row(simulator, store, edited, 999)

    delta = export_now(channel)
    assert delta.api_calls == 0  # techOMS cannot know without reading the store
    assert store_quantities(simulator, store)[edited["final_sku"]] == 999

    full = export_now(channel, full=True)

    assert full.params["full"] is True
    assert export_calls(full) == math.ceil(len(rows) / 500) + LISTING + 1 == simulator.calls(store)["total"]
    assert full.counts["updated"] == 1
    want = expected(variants)
    assert store_quantities(simulator, store)[edited["final_sku"]] == want[edited["final_sku"]]


def test_full_compare_runs_by_itself_once_the_last_is_a_day_old(simulator, world):
    store, channel, _variants = inventory_setup(simulator, world.a, inventory_mode=InventoryMode.ABSOLUTE)
    export_now(channel)
    cursor_time = utcnow().replace(year=utcnow().year - 1)
    db.session.execute(
        db.text("UPDATE sync_cursor SET value = :v WHERE channel_id = :c AND action = 'export_inventory'"),
        {"v": cursor_time.replace(tzinfo=None), "c": channel.id},
    )
    db.session.commit()
    simulator.reset_calls(store)

    run = export_now(channel, trigger=SyncTrigger.SCHEDULED)

    assert run.params["full"] is True and run.api_calls == 1  # one page read, nothing differs


def test_vendor_managed_product_is_skipped_with_an_info_event(simulator, world):
    store, channel, variants = inventory_setup(simulator, world.a)
    export_now(channel)
    rows = [row for row in store_rows(simulator, store) if row["track"]]
    product_id = rows[0]["product_id"]
    sku = rows[0]["final_sku"]
    simulator.change_product(store, product_id, vendor_inventory_enabled=True)
    set_stock(variants[sku], world.a.warehouse, 321)
    simulator.reset_calls(store)

    run = export_now(channel)

    assert run.status == RunStatus.SUCCEEDED
    assert export_calls(run) == LISTING + 1  # the refused batch_update, once
    [info] = [m for m in events(run, EventLevel.INFO) if f"Store product {product_id}" in m]
    assert "vendor manages its stock" in info and not events(run, EventLevel.ERROR)
    assert not [r for r in records(channel).values() if r.store_product_id == product_id]
    assert export_now(channel).api_calls == 0  # skipped from now on, no more billed refusals

    full = export_now(channel, full=True)  # the store no longer lists it: nothing to say twice
    assert full.status == RunStatus.SUCCEEDED and not events(full, EventLevel.ERROR)


def test_a_product_the_store_stops_listing_is_skipped_with_an_info_event(simulator, world):
    store, channel, _variants = inventory_setup(simulator, world.a)
    export_now(channel)
    product_id = store_rows(simulator, store)[0]["product_id"]
    simulator.change_product(store, product_id, vendor_inventory_enabled=True)

    run = export_now(channel, full=True)

    assert run.status == RunStatus.SUCCEEDED
    assert any(f"Store product {product_id}" in m and "skipped" in m for m in events(run, EventLevel.INFO))
    assert run.counts["skipped"] == 6


def test_a_422_for_one_product_is_an_error_and_the_others_go_on(simulator, world):
    store, channel, variants = inventory_setup(simulator, world.a)
    export_now(channel)
    rows = [row for row in store_rows(simulator, store) if row["track"]]
    by_product: dict[int, list[dict]] = {}
    for row in rows:
        by_product.setdefault(row["product_id"], []).append(row)
    broken, healthy = sorted(by_product)[:2]
    # What techOMS knows of one product went stale: its row id now belongs to another product.
    stale = by_product[broken][0]
    record = db.session.scalar(
        select(StoreInventoryRecord).where(
            StoreInventoryRecord.channel_id == channel.id,
            StoreInventoryRecord.store_inventory_id == stale["id"],
        )
    )
    record.store_inventory_id = by_product[healthy][-1]["id"] + 10_000
    db.session.commit()
    set_stock(variants[stale["final_sku"]], world.a.warehouse, 77)
    set_stock(variants[by_product[healthy][0]["final_sku"]], world.a.warehouse, 88)

    run = export_now(channel)

    assert run.status == RunStatus.PARTIAL and export_calls(run) == LISTING + 2
    [error] = events(run, EventLevel.ERROR)
    assert f"Store product {broken}" in error and "refused" in error
    shown = store_quantities(simulator, store)
    assert shown[by_product[healthy][0]["final_sku"]] == 88
    assert shown[stale["final_sku"]] != 77  # the refused product kept its figures, all of them


def test_store_sku_without_a_techoms_variant_is_a_warning(simulator, world):
    store, channel, variants = inventory_setup(simulator, world.a)
    first_sku = sorted(store_quantities(simulator, store))[0]
    variant = variants[first_sku]
    variant.set_sku("SOMETHING-ELSE")
    db.session.commit()

    run = export_now(channel)

    assert run.status == RunStatus.SUCCEEDED and run.counts["unmapped"] == 1
    [warning] = events(run, EventLevel.WARNING)
    assert first_sku in warning and "matches no techOMS variant" in warning


def test_do_not_synchronise_pushes_only_by_hand(simulator, world):
    world.a.channel.import_orders_every = world.b.channel.import_orders_every = None
    db.session.commit()
    store, channel, _variants = inventory_setup(
        simulator, world.a, inventory_mode=InventoryMode.DO_NOT_SYNC, export_inventory_every=15
    )
    assert channel not in due_channels(SyncAction.EXPORT_INVENTORY, utcnow())

    scheduled = export_now(channel, trigger=SyncTrigger.SCHEDULED)
    assert scheduled.api_calls == 0 and "Do not synchronise" in events(scheduled)[0]

    manual = export_now(channel)
    assert manual.status == RunStatus.SUCCEEDED and manual.counts["updated"] > 0

    channel.inventory_mode = InventoryMode.ABSOLUTE
    db.session.commit()
    assert channel in due_channels(SyncAction.EXPORT_INVENTORY, utcnow() + timedelta(minutes=16))


def test_without_a_mapped_warehouse_nothing_is_pushed(simulator, world):
    store, channel, _variants = inventory_setup(simulator, world.a)
    db.session.execute(db.text("DELETE FROM warehouse_mapping"))
    db.session.commit()

    run = export_now(channel)

    assert run.status == RunStatus.FAILED and run.api_calls == 0
    assert "no warehouse is mapped" in run.error_summary


def test_with_faults_on_the_store_converges_and_no_product_is_half_updated(simulator, world):
    """500s, 429s, dropped connections and answers that come too late: every run keeps what the store
    confirmed, the job retries, and re-sent batches are harmless (absolute figures). Each product's rows
    change together or not at all, and in the end the store shows exactly the computed availability."""
    store, channel, variants = inventory_setup(simulator, world.a, products=8)
    faults = FaultsOn(simulator, store)
    skus = sorted(sku for sku in variants if sku != "GIFTCERT")
    product_of = {row["final_sku"]: row["product_id"] for row in faults.rows()}
    billed, needed = 0, 0
    for round_number in range(3):
        target = {sku: (n * 7 + round_number * 13) % 50 for n, sku in enumerate(skus)}
        for sku, quantity in target.items():
            set_stock(variants[sku], world.a.warehouse, quantity)
        before = faults.quantities()
        for _attempt in range(8):
            run = export_now(channel)
            billed += export_calls(run)
            needed += run.counts.get("products", 0) + (1 if run.params["full"] else 0)
            time.sleep(0.4)  # a batch answered too late lands now, before the next round changes figures
            now = faults.quantities()
            for product_id in set(product_of.values()):
                moved = [s for s in skus if product_of[s] == product_id and before[s] != target[s]]
                states = {
                    "old" if now[s] == before[s] else "new" if now[s] == target[s] else "?" for s in moved
                }
                assert len(states) <= 1 and "?" not in states, f"product {product_id} half-updated: {states}"
            if run.status == RunStatus.SUCCEEDED:
                break
        assert run.status == RunStatus.SUCCEEDED, run.error_summary
        assert faults.quantities() == target
    assert billed > needed, "no fault was met: the test proves nothing"
    simulator.reset_faults(store)
    known = records(channel)
    assert {sku: record.store_quantity for sku, record in known.items()} == store_quantities(simulator, store)


class FaultsOn:
    """The store's faults, switched off only while the test itself reads the store; each switch back on
    draws a new seed, so runs do not all meet the same sequence of faults."""

    SETTINGS = {
        "error_rate": 0.15,
        "rate_limit_rate": 0.05,
        "drop_rate": 0.1,
        "timeout_rate": 0.05,
        "timeout_seconds": 2.2,  # the client gives up after 2 s; the store still applies the batch
        "retry_after": "0",
    }

    def __init__(self, simulator, store):
        self.simulator, self.store, self.seed = simulator, store, 100
        self.simulator.set_faults(store, seed=self.seed, **self.SETTINGS)

    def rows(self) -> list[dict]:
        self.simulator.reset_faults(self.store)
        try:
            return [row for row in store_rows(self.simulator, self.store) if row["track"]]
        finally:
            self.seed += 1
            self.simulator.set_faults(self.store, seed=self.seed, **self.SETTINGS)

    def quantities(self) -> dict[str, int]:
        return {row["final_sku"]: row["inventory"] for row in self.rows()}
