"""The inventory export's catch-up is an order import: its listing counts as the schedule's, so a day of
imports with change-driven pushes between them bills the imports' calls plus the pushes, no more; and it
never lists beside another import of the channel (it waits for it, pushing nothing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from extensions import db, redis_client
from jobs.cron import start_scheduled_runs
from jobs.publish_jobs import enqueue_due_publishes
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger
from models.channels import InventoryMode
from services import catalog
from services.inventory import publish_queue
from sync import schedule
from sync.start import start_run
from tests.support.inventory import export_now, inventory_setup, set_stock, store_quantities
from tests.support.sync import import_now, imported_ids, next_second, work

TICK = timedelta(minutes=5)  # the simulated cron's step
ORDERS_AT = (1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23)  # ticks at which a shopper buys on the store
# Ticks at which techOMS receives stock (a push is due 30 s later): one per import interval. A second push
# within the same interval would pay one more listing: the price of never publishing above what can ship.
RECEIPTS_AT = (3, 14)
TICKS = 24  # two hours: imports every 30 minutes


def import_runs(channel) -> list[SyncRun]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(SyncRun)
            .where(SyncRun.channel_id == channel.id, SyncRun.action == SyncAction.IMPORT_ORDERS)
            .order_by(SyncRun.id)
        )
    )


def a_day(simulator, tenant, mode: InventoryMode, *, receipts: tuple[int, ...] = ()) -> dict:
    """Two hours at 5-minute ticks: the cron's scheduled runs and due publishes each tick, the same store
    orders in every day, stock receipts at `receipts`. The store's billed calls by route."""
    with time_machine.travel(datetime.now(UTC), tick=True) as clock:
        store, channel, variants = inventory_setup(
            simulator, tenant, inventory_mode=mode, import_orders_every=30
        )
        skus = sorted(sku for sku in variants if sku != "GIFTCERT")
        for sku in skus:
            set_stock(variants[sku], tenant.warehouse, 40)
        export_now(channel, full=True)
        opening = import_now(channel, trigger=SyncTrigger.SCHEDULED)
        next_second()
        simulator.reset_calls(store)
        for tick in range(1, TICKS + 1):
            clock.shift(TICK)
            if tick in ORDERS_AT:
                sku = skus[tick % len(skus)]
                simulator.add_order(store, status="paid", lines=[{"sku": sku, "quantity": 1}])
            if tick in receipts:
                level = catalog.level_for(variants[skus[tick % 3]], tenant.warehouse)
                catalog.adjust_stock(level, level.on_hand + 2, None, "receipt")
                db.session.commit()
            clock.shift(timedelta(seconds=40))  # past INVENTORY_PUBLISH_DELAY
            enqueue_due_publishes()
            start_scheduled_runs()
            work()
            next_second()
        import_now(channel)  # the day closes with every order imported, so both days did the same work
        calls = simulator.calls(store)
        imports = [run for run in import_runs(channel) if run.id > opening.id]
        on_store = store_quantities(simulator, store)
    return {"calls": calls, "imports": imports, "channel": channel, "on_store": on_store, "skus": skus}


def test_a_day_with_pushes_between_imports_bills_the_imports_alone_plus_the_pushes(simulator, world):
    alone = a_day(simulator, world.a, InventoryMode.DO_NOT_SYNC)  # the imports alone: nothing published
    with_pushes = a_day(simulator, world.b, InventoryMode.ABSOLUTE, receipts=RECEIPTS_AT)

    routes = with_pushes["calls"]["per_route"]
    pushes = sum(count for route, count in routes.items() if "batch_update" in route)
    assert pushes == len(RECEIPTS_AT)
    assert not any("batch_update" in route for route in alone["calls"]["per_route"])
    assert with_pushes["calls"]["total"] == alone["calls"]["total"] + pushes, (alone["calls"], with_pushes)
    # each push's catch-up took the place of the next scheduled import
    triggers = [run.trigger for run in with_pushes["imports"]]
    assert triggers.count(SyncTrigger.CATCH_UP) == len(RECEIPTS_AT)
    assert len(with_pushes["imports"]) == len(alone["imports"])
    assert all(run.status == RunStatus.SUCCEEDED for run in with_pushes["imports"])
    # and the store shows what techOMS can ship: 40 each, + 2 per receipt, - 1 per order of the SKU
    skus = with_pushes["skus"]
    expected = dict.fromkeys(skus, 40)
    for tick in RECEIPTS_AT:
        expected[skus[tick % 3]] += 2
    for tick in ORDERS_AT:
        expected[skus[tick % len(skus)]] -= 1
    assert {sku: with_pushes["on_store"][sku] for sku in skus} == expected


def test_the_schedule_runs_the_next_import_one_interval_after_a_catch_up(simulator, world):
    store, channel, variants = inventory_setup(
        simulator, world.a, inventory_mode=InventoryMode.ABSOLUTE, import_orders_every=30
    )
    export_now(channel, full=True)
    import_now(channel, trigger=SyncTrigger.SCHEDULED)
    next_second()
    sku = sorted(sku for sku in variants if sku != "GIFTCERT")[0]
    simulator.add_order(store, status="paid", lines=[{"sku": sku, "quantity": 1}])
    set_stock(variants[sku], world.a.warehouse, 30)

    export_now(channel)

    catch_up = import_runs(channel)[-1]
    assert catch_up.trigger == SyncTrigger.CATCH_UP
    caught_at = catch_up.created_at
    assert channel not in schedule.due_channels(SyncAction.IMPORT_ORDERS, caught_at + timedelta(minutes=29))
    assert channel in schedule.due_channels(SyncAction.IMPORT_ORDERS, caught_at + timedelta(minutes=30))


def test_an_import_already_running_is_waited_for_and_nothing_is_pushed_beside_it(simulator, world):
    store, channel, variants = inventory_setup(simulator, world.a, inventory_mode=InventoryMode.ABSOLUTE)
    export_now(channel, full=True)
    import_now(channel)
    next_second()
    sku = sorted(sku for sku in variants if sku != "GIFTCERT")[0]
    before = store_quantities(simulator, store)[sku]
    order_id = simulator.add_order(store, status="paid", lines=[{"sku": sku, "quantity": 2}])
    other = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.SCHEDULED, in_place=True).run
    other.status = RunStatus.RUNNING  # another worker's import, listing right now
    db.session.commit()
    set_stock(variants[sku], world.a.warehouse, before + 5)
    db.session.commit()
    redis_client().delete(publish_queue.DUE_KEY)
    simulator.reset_calls(store)

    waited = export_now(channel)

    assert waited.status == RunStatus.SUCCEEDED
    assert simulator.calls(store)["total"] == 0  # no listing beside the other import, no push
    assert store_quantities(simulator, store)[sku] == before - 2  # as the store left it
    assert channel.id in publish_queue.due_channels()  # published again a few seconds later
    assert enqueue_due_publishes(datetime.now(UTC).timestamp() + 6) == 0  # still importing: no run for it

    other.status = RunStatus.SUCCEEDED
    db.session.commit()
    after = export_now(channel)

    assert after.status == RunStatus.SUCCEEDED
    assert store_quantities(simulator, store)[sku] == before + 5 - 2
    assert order_id in imported_ids(channel)
