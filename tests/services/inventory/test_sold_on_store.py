"""A store order lowers techOMS's record of the store's figure only when the store's own clock says the order
came after the figure was served or confirmed: before it, a push may have overwritten the store's decrement,
and lowering then would hide units the store still offers (an oversell). Both times are the store's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models.base import utcnow
from models.catalog import sku_key
from models.inventory_sync import StoreInventoryRecord
from services.inventory import store_records
from services.inventory.store_records import ConfirmedPush, StoreRow
from tests.support.inventory import export_now, inventory_setup, set_stock

SEEN = datetime(2026, 12, 7, 10, 0, 0, tzinfo=UTC)
A, B = sku_key("SKU-A"), sku_key("SKU-B")  # what an order's lines give, by SKU key


def record(channel, inventory_id: int = 1) -> StoreInventoryRecord:
    db.session.expire_all()
    return db.session.scalar(
        select(StoreInventoryRecord).where(
            StoreInventoryRecord.channel_id == channel.id,
            StoreInventoryRecord.store_inventory_id == inventory_id,
        )
    )


@pytest.mark.parametrize(
    ("placed_after_seen", "left"),
    [
        (timedelta(seconds=-30), 10),  # before the store served 10: 10 already counts it
        (timedelta(seconds=1), 10),  # the same second, or its servers' drift: it may have been overwritten
        (timedelta(seconds=2), 7),  # clearly after: the store went down from 10
        (timedelta(hours=3), 7),
    ],
)
def test_a_listed_figure_is_lowered_by_orders_placed_after_the_store_served_it(
    world, placed_after_seen, left
):
    channel = world.a.channel
    store_records.save(channel.id, [StoreRow(1, 100, "SKU-A", 10)], [], [], SEEN)
    store_records.sold_on_store(channel.id, {A: 3}, SEEN + placed_after_seen)
    assert record(channel).store_quantity == left and record(channel).store_seen_at == SEEN


def test_a_pushed_figure_follows_the_store_confirmation_time_not_techoms_clock(world):
    channel = world.a.channel
    store_records.save(channel.id, [StoreRow(1, 100, "SKU-A", 4)], [], [], SEEN - timedelta(days=1))
    row = StoreRow(1, 100, "SKU-A", 10)
    # techOMS's clock says an hour ago; the store confirmed at SEEN
    store_records.note_pushes(channel.id, [ConfirmedPush(row, 10, SEEN - timedelta(hours=1), SEEN)])
    store_records.sold_on_store(channel.id, {A: 3}, SEEN + timedelta(seconds=1))
    assert record(channel).store_quantity == 10
    store_records.sold_on_store(channel.id, {A: 3}, SEEN + timedelta(seconds=5))
    assert record(channel).store_quantity == 7


def test_without_the_stores_clock_a_push_needs_a_minute_of_techoms_clock(world):
    channel = world.a.channel
    store_records.save(channel.id, [StoreRow(1, 100, "SKU-A", 4), StoreRow(2, 100, "SKU-B", 4)], [], [], None)
    store_records.note_pushes(channel.id, [ConfirmedPush(StoreRow(1, 100, "SKU-A", 10), 10, SEEN, None)])
    store_records.sold_on_store(channel.id, {A: 3, B: 9}, SEEN + timedelta(seconds=30))
    assert record(channel, 1).store_quantity == 10  # pushed 30 s before by techOMS's clock: left alone
    assert record(channel, 2).store_quantity == 0  # read, never pushed: lowered, never below 0
    store_records.sold_on_store(channel.id, {A: 3}, SEEN + timedelta(seconds=61))
    assert record(channel, 1).store_quantity == 7


def test_an_unchanged_row_of_a_listing_takes_the_new_served_time(world):
    channel = world.a.channel
    store_records.save(channel.id, [StoreRow(1, 100, "SKU-A", 10)], [], [], SEEN)
    later = SEEN + timedelta(minutes=5)
    store_records.save(channel.id, [], [], [1], later)
    store_records.sold_on_store(channel.id, {A: 3}, SEEN + timedelta(minutes=1))  # before the re-read
    assert record(channel).store_quantity == 10 and record(channel).store_seen_at == later


def test_a_push_and_a_full_compare_record_the_simulators_clock(simulator, world):
    """End to end: the Date of the simulator's answers lands on the records (one clock on this machine)."""
    store, channel, variants = inventory_setup(simulator, world.a)
    before = utcnow().replace(microsecond=0)
    export_now(channel, full=True)
    read = [r.store_seen_at for r in db.session.scalars(select(StoreInventoryRecord))]
    assert read and all(before <= seen <= utcnow() for seen in read)
    sku = min(sku for sku in variants if sku != "GIFTCERT")  # a tracked row
    set_stock(variants[sku], world.a.warehouse, 30)
    pushed_from = utcnow().replace(microsecond=0)
    export_now(channel)
    db.session.expire_all()
    (pushed,) = [r for r in db.session.scalars(select(StoreInventoryRecord)) if r.channel_sku == sku]
    assert pushed.pushed_quantity == 30 and pushed.pushed_at >= pushed_from
    assert pushed_from <= pushed.store_seen_at <= utcnow()
