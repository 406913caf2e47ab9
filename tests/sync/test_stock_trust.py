"""Stock the store can trust: the simulator's shoppers buy between techOMS's import and its push, and the
export never offers the store more than techOMS can ship (delta, full compare, order push on); store orders
techOMS cannot import hold their units; the sold-out threshold; which warehouses count; two channels sharing
variants."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from extensions import db, redis_client
from jobs.publish_jobs import enqueue_due_publishes
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger
from models.channels import InventoryMode, SalesChannel
from models.orders import SalesOrder
from models.store_holds import StoreOrderHold
from models.tenancy import Role
from run_queue.enqueue import sync_queue
from services import catalog
from services.inventory import publish_queue
from services.mappings import warehouses as warehouse_mappings
from services.mappings.resolvers import mapped_warehouse_ids
from tests.support.inventory import (
    add_warehouse,
    edit_store_row,
    export_now,
    inventory_setup,
    map_warehouse,
    records,
    set_stock,
    store_quantities,
    store_rows,
)
from tests.support.order_push import payload, turn_push_on
from tests.support.sync import catalog_for, import_now, make_store, next_second, sync_channel, work
from tests.support.world import ROLE_EMAILS

SYNC = {"inventory_mode": InventoryMode.ABSOLUTE}
ADVANCED = {  # the Advanced settings form, every field filled in
    "order_statuses": ["paid"],
    "import_lag_minutes": "30",
    "import_since": "",
    "order_number_prefix": "",
    "initial_order_status": "approved",
    "detail_concurrency": "4",
    "shipment_store_status": "none",
    "update_order_with_last_shipment": "no",
    "inventory_mode": "absolute",
    "inventory_buffer": "0",
    "inventory_max": "",
    "timezone": "UTC",
    "weight_unit": "lb",
    "dimension_unit": "in",
}


def physical_skus(variants) -> list[str]:
    return sorted(sku for sku in variants if sku != "GIFTCERT")


def buy(simulator, store, sku: str, quantity: int, *, status: str = "paid") -> int:
    """A shopper buys on the store: the store takes the units off its count."""
    return simulator.add_order(store, status=status, lines=[{"sku": sku, "quantity": quantity}])


def orders_of(channel) -> dict[int, SalesOrder]:
    db.session.expire_all()
    found = db.session.scalars(select(SalesOrder).where(SalesOrder.channel_id == channel.id))
    return {order.external_id: order for order in found}


def held(channel) -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.scalars(select(StoreOrderHold).where(StoreOrderHold.channel_id == channel.id))
    totals: dict[str, int] = {}
    for row in rows:
        totals[row.channel_sku] = totals.get(row.channel_sku, 0) + row.quantity
    return totals


def catch_up_of(export: SyncRun) -> SyncRun:
    """The import run an export started in place to bring the orders up to date."""
    db.session.expire_all()
    found = db.session.scalars(
        select(SyncRun).where(
            SyncRun.channel_id == export.channel_id,
            SyncRun.action == SyncAction.IMPORT_ORDERS,
            SyncRun.trigger == SyncTrigger.CATCH_UP,
        )
    )
    return next(run for run in found if run.params.get("for_export") == export.id)


def published_and_imported(simulator, world, **settings):
    """A channel that published its stock (n-th SKU: n + 10 on hand) and imported every order so far."""
    store, channel, variants = inventory_setup(simulator, world.a, **{**SYNC, **settings})
    for n, sku in enumerate(sorted(variants), start=1):
        set_stock(variants[sku], world.a.warehouse, n + 10)
    export_now(channel, full=True)
    import_now(channel)
    next_second()
    simulator.reset_calls(store)
    return store, channel, variants


def test_delta_after_a_store_order_and_a_receipt_never_exceeds_what_can_ship(simulator, world):
    store, channel, variants = published_and_imported(simulator, world)
    sku = physical_skus(variants)[0]
    before = store_quantities(simulator, store)[sku]
    order_id = buy(simulator, store, sku, 3)  # the store shows before - 3; techOMS has not imported it
    set_stock(variants[sku], world.a.warehouse, before + 1)  # a receipt of +1

    run = export_now(channel)
    billed = simulator.calls(store)["total"]

    assert store_quantities(simulator, store)[sku] == before + 1 - 3  # what can ship, not before + 1
    assert order_id in orders_of(channel)  # imported by the export's own catch-up
    catch_up = catch_up_of(run)
    assert catch_up.status == RunStatus.SUCCEEDED and catch_up.trigger == SyncTrigger.CATCH_UP
    # the listing and the new order's detail (the import's calls), the one product's batch_update: no more
    assert catch_up.api_calls == 2 and run.api_calls == 1 and billed == 3
    assert run.counts["orders_created"] == 1 == catch_up.counts["created"]


def test_full_compare_with_nothing_changed_in_techoms_does_not_reopen_sold_units(simulator, world):
    store, channel, variants = published_and_imported(simulator, world)
    sku = physical_skus(variants)[1]
    before = store_quantities(simulator, store)[sku]
    buy(simulator, store, sku, 2)
    other = next(
        row for row in store_rows(simulator, store) if row["final_sku"] == physical_skus(variants)[2]
    )
    edit_store_row(simulator, store, other, 999)  # the store drifted up: re-asserted

    export_now(channel, full=True)

    shown = store_quantities(simulator, store)
    assert shown[sku] == before - 2  # not raised back to `before`
    assert shown[other["final_sku"]] == sorted(variants).index(other["final_sku"]) + 1 + 10  # on hand


def test_push_on_channel_imports_waiting_pushes_before_publishing(simulator, world, client):
    store, channel, variants = published_and_imported(simulator, world)
    path = turn_push_on(channel)
    sku = physical_skus(variants)[0]
    before = store_quantities(simulator, store)[sku]
    order_id = buy(simulator, store, sku, 4)
    response = client.post(
        path, data=json.dumps(payload(simulator, store, order_id)), content_type="application/json"
    )
    assert response.status_code == 202
    sync_queue().empty()  # the push's own job is lost or late: the export takes the payload
    set_stock(variants[sku], world.a.warehouse, before + 2)
    simulator.reset_calls(store)

    run = export_now(channel)
    billed = simulator.calls(store)["total"]

    assert order_id in orders_of(channel)
    assert store_quantities(simulator, store)[sku] == before + 2 - 4
    assert run.api_calls == 1 == billed  # no listing, no detail: the push had it


def test_orders_techoms_cannot_import_hold_their_units_by_store_sku(simulator, world):
    store = make_store(simulator, seed=11, products=4, orders=0)
    skus = sorted(sku for sku in catalog_for_skus(simulator, store) if sku != "GIFTCERT")
    missing = skus[-1]
    variants = catalog_for(simulator, store, world.a.account, missing=(missing,))
    channel = sync_channel(store, world.a.account, statuses=["paid"], **SYNC)
    map_warehouse(channel, world.a.warehouse)
    for variant in variants.values():
        set_stock(variant, world.a.warehouse, 20)
    export_now(channel, full=True)
    import_now(channel)
    next_second()
    mapped, moas_sku = skus[0], skus[1]
    # an order with an unmapped SKU fails to import; its mapped line still holds store stock
    simulator.add_order(
        store, status="paid", lines=[{"sku": missing, "quantity": 1}, {"sku": mapped, "quantity": 2}]
    )
    moas = buy(simulator, store, moas_sku, 5, status="moas_pending")
    set_stock(variants[mapped], world.a.warehouse, 21)  # something to push

    export_now(channel)

    assert held(channel) == {missing: 1, mapped: 2, moas_sku: 5}
    shown = store_quantities(simulator, store)
    assert shown[mapped] == 21 - 2 and shown[moas_sku] == 20 - 5

    simulator.mutate_order(store, moas, "cancel")  # the store restocks; the hold goes with the next listing
    set_stock(variants[moas_sku], world.a.warehouse, 22)
    export_now(channel)

    assert held(channel) == {missing: 1, mapped: 2}
    assert store_quantities(simulator, store)[moas_sku] == 22


def catalog_for_skus(simulator, store) -> list[str]:
    with simulator.client(store) as client:
        skus = sorted({row["final_sku"] for row in client.iter_inventories()})
    simulator.reset_calls(store)
    return skus


def test_sold_out_threshold_publishes_zero_and_full_compare_reasserts_it(simulator, world):
    store, channel, variants = inventory_setup(simulator, world.a, inventory_sold_out_at=2, **SYNC)
    export_now(channel, full=True)
    shown = store_quantities(simulator, store)
    for n, sku in enumerate(sorted(variants), start=1):
        if sku in shown:
            assert shown[sku] == (0 if n <= 2 else n), sku
    lowest = physical_skus(variants)[0]  # 2 on hand (GIFTCERT sorts first)
    first = next(row for row in store_rows(simulator, store) if row["final_sku"] == lowest)
    edit_store_row(simulator, store, first, 5)  # the store drifted from 0

    export_now(channel, full=True)

    assert store_quantities(simulator, store)[first["final_sku"]] == 0


def test_a_warehouse_left_out_does_not_count_and_the_primary_one_holds_orders(simulator, world):
    store, channel, variants = inventory_setup(simulator, world.a, **SYNC)
    west = add_warehouse(world.a, "WEST")
    spare = add_warehouse(world.a, "SPARE")
    map_warehouse(channel, west, "2").is_primary = True
    left_out = map_warehouse(channel, spare, "3")
    left_out.sells_from = False
    db.session.commit()
    sku = physical_skus(variants)[0]
    set_stock(variants[sku], world.a.warehouse, 10)
    set_stock(variants[sku], west, 5)
    set_stock(variants[sku], spare, 1000)
    export_now(channel, full=True)
    assert store_quantities(simulator, store)[sku] == 15
    import_now(channel)
    next_second()

    order_id = buy(simulator, store, sku, 3)
    export_now(channel, full=True)

    order = orders_of(channel)[order_id]
    assert {line.allocated_warehouse_id for line in order.lines if line.is_physical} == {west.id}
    assert store_quantities(simulator, store)[sku] == 12


def test_two_channels_sharing_variants_subtract_each_others_unimported_orders(simulator, world):
    first = make_store(simulator, seed=11, products=4, orders=0)
    second = make_store(simulator, seed=11, products=4, orders=0)  # the same SKUs
    skus = catalog_for_skus(simulator, first)
    missing = skus[-1]
    variants = catalog_for(simulator, first, world.a.account, missing=(missing,))
    channels = []
    for store, name in ((first, "First"), (second, "Second")):
        channel = sync_channel(store, world.a.account, name=name, statuses=["paid"], **SYNC)
        map_warehouse(channel, world.a.warehouse)
        channels.append(channel)
    sku = physical_skus(variants)[0]
    set_stock(variants[sku], world.a.warehouse, 30)
    for channel in channels:
        export_now(channel, full=True)
        import_now(channel)
    next_second()
    # on the first store, an order that cannot be imported (an unmapped SKU) takes 4 of the shared variant
    simulator.add_order(
        first, status="paid", lines=[{"sku": missing, "quantity": 1}, {"sku": sku, "quantity": 4}]
    )
    set_stock(variants[sku], world.a.warehouse, 31)

    export_now(channels[0])
    export_now(channels[1])

    assert store_quantities(simulator, first)[sku] == 31 - 4
    assert store_quantities(simulator, second)[sku] == 31 - 4  # the second store cannot sell those 4 either


def test_sold_out_threshold_is_a_channel_setting(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel = world.a.channel
    page = client.get(f"/channels/{channel.id}/advanced")
    assert b"Sold out at or below" in page.data
    saved = client.post(
        f"/channels/{channel.id}/advanced",
        data={**ADVANCED, "inventory_sold_out_at": "3"},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200
    db.session.expire_all()
    assert db.session.get(SalesChannel, channel.id).inventory_sold_out_at == 3
    refused = client.post(
        f"/channels/{channel.id}/advanced",
        data={**ADVANCED, "inventory_sold_out_at": "-1"},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422
    db.session.expire_all()
    assert db.session.get(SalesChannel, channel.id).inventory_sold_out_at == 3


def test_warehouse_mappings_pick_which_warehouses_sell_and_the_primary(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel = world.a.channel
    first = map_warehouse(channel, world.a.warehouse)
    west = add_warehouse(world.a, "WEST")
    map_warehouse(channel, west, "2")
    url = f"/channels/{channel.id}/mappings/warehouses"

    def row(code: str) -> str:
        page = client.get(url).get_data(as_text=True)
        return page.split(f'data-testid="warehouse-row-{code}"')[1].split("</tr>")[0]

    assert "Primary" in row(world.a.warehouse.code) and "Primary" not in row("WEST")
    answer = client.post(f"{url}/{west.id}/role", data={"role": "primary"}, headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "WEST is now primary" in answer.get_data(as_text=True)
    assert "Primary" in row("WEST") and "Primary" not in row(world.a.warehouse.code)
    left = client.post(f"{url}/{first.warehouse_id}/role", data={"role": "leave_out"})
    assert left.status_code == 303  # a plain post is answered with the page again
    assert "Left out" in row(world.a.warehouse.code)
    db.session.expire_all()
    assert mapped_warehouse_ids(channel) == [west.id]
    assert client.post(f"{url}/{west.id}/role", data={"role": "owner"}).status_code == 422
    outsider = add_warehouse(world.a, "NOTMAPPED")
    refused = client.post(f"{url}/{outsider.id}/role", data={"role": "sell"}, headers={"HX-Request": "true"})
    assert "is not mapped" in refused.get_data(as_text=True)
    other_tenant = world.b.warehouse
    assert client.post(f"{url}/{other_tenant.id}/role", data={"role": "sell"}).status_code == 404


def test_a_change_is_published_after_the_delay_and_nothing_changed_costs_nothing(simulator, world):
    store, channel, variants = published_and_imported(simulator, world)
    redis_client().delete(publish_queue.DUE_KEY)
    sku = physical_skus(variants)[0]
    level = catalog.level_for(variants[sku], world.a.warehouse)
    catalog.adjust_stock(level, 50, None, "receipt")  # the stock screen's write path
    db.session.commit()

    due = publish_queue.due_channels()
    assert set(due) == {channel.id}  # world.a.channel does not synchronise: left alone
    assert due[channel.id] - time.time() == pytest.approx(30, abs=5)  # INVENTORY_PUBLISH_DELAY
    assert enqueue_due_publishes() == 0  # not yet
    assert enqueue_due_publishes(time.time() + 31) == 1
    work()

    assert store_quantities(simulator, store)[sku] == 50
    assert publish_queue.due_channels() == {}
    simulator.reset_calls(store)
    assert enqueue_due_publishes(time.time() + 31) == 0  # nothing changed: no export, no call
    assert simulator.calls(store)["total"] == 0


def test_a_warehouse_mapping_change_makes_the_channel_due(simulator, world):
    store, channel, variants = published_and_imported(simulator, world)
    redis_client().delete(publish_queue.DUE_KEY)
    west = add_warehouse(world.a, "WEST")
    map_warehouse(channel, west, "2")
    assert publish_queue.due_channels() == {}  # the test helper writes the row directly
    warehouse_mappings.set_warehouse_role(
        channel, warehouse_mappings.mapping_of(channel, west), "leave_out", None
    )
    db.session.commit()
    assert set(publish_queue.due_channels()) == {channel.id}


def test_stock_tab_explains_each_store_sku_filters_differs_previews_and_exports_csv(
    simulator, world, client, login
):
    store, channel, variants = published_and_imported(simulator, world, inventory_buffer=1)
    sku = physical_skus(variants)[0]
    catalog.adjust_stock(catalog.level_for(variants[sku], world.a.warehouse), 40, None, "receipt")
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    url = f"/channels/{channel.id}/stock"

    page = client.get(url).get_data(as_text=True)
    row = page.split(f'data-testid="stock-row-{sku}"')[1].split("</tr>")[0]
    assert ">40<" in row and ">39<" in row and "differs" in row  # on hand 40, published 40 - 1 buffer
    differing = client.get(url + "?differs=1").get_data(as_text=True)
    assert differing.count('data-testid="stock-row-') == 1
    preview = client.get(url + "?preview=delta", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "in 1 call" in preview and f"{sku}</span>: " in preview
    assert simulator.calls(store)["total"] == 0  # the tab and its preview call nothing
    exported = client.get(url + "/stock.csv")
    assert exported.mimetype == "text/csv"
    header, *rows = exported.get_data(as_text=True).splitlines()
    assert header.startswith("store_sku,store_product_id,on_hand,allocated,unimported_store_orders")
    mine = next(line for line in rows if line.startswith(sku + ","))
    assert mine.endswith(",yes") and ",40,0,0,1," in mine
    assert client.get(f"/channels/{world.b.channel.id}/stock").status_code == 404


def test_full_compare_preview_reads_the_store_and_writes_nothing(simulator, world, client, login):
    store, channel, variants = published_and_imported(simulator, world)
    rows = store_rows(simulator, store)
    edited = next(row for row in rows if row["final_sku"] in variants and row["track"])
    edit_store_row(simulator, store, edited, 777)  # the store drifted: a full compare would set it back
    before = {sku: record.store_quantity for sku, record in records(channel).items()}
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])

    answer = client.post(f"/channels/{channel.id}/stock/preview-full", headers={"HX-Request": "true"})

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "would change 1 store SKU in 1 call" in page
    assert "the store shows 777, techOMS would set" in page
    assert "read the store&#39;s inventory (1 call)" in page or "read the store's inventory (1 call)" in page
    assert simulator.calls(store)["total"] == 1  # one listing page, no batch_update
    assert store_quantities(simulator, store)[edited["final_sku"]] == 777
    assert {sku: record.store_quantity for sku, record in records(channel).items()} == before
