"""A store order whose one detail call the store failed keeps its hold: the listing's knowledge is kept
(held "unread"), the export publishes nothing that could exceed what can ship meanwhile, and the detail is
read again later, by the store's scripted faults."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.activity import RunStatus
from models.channels import InventoryMode
from models.store_holds import StoreOrderHold
from services.inventory import store_holds
from tests.support.inventory import export_now, inventory_setup, set_stock, store_quantities
from tests.support.sync import import_now, next_second

CLIENT_ATTEMPTS = 4  # SYNC_CLIENT_RETRIES (3) after the first


def holds(channel) -> list[tuple[int, str, int]]:
    db.session.expire_all()
    rows = db.session.scalars(select(StoreOrderHold).where(StoreOrderHold.channel_id == channel.id))
    return sorted((row.external_order_id, row.channel_sku, row.quantity) for row in rows)


def test_a_store_error_on_the_one_detail_call_keeps_the_hold_and_holds_back_the_push(simulator, world):
    store, channel, variants = inventory_setup(
        simulator, world.a, inventory_mode=InventoryMode.ABSOLUTE, statuses=["paid"]
    )
    sku = sorted(s for s in variants if s != "GIFTCERT")[0]
    set_stock(variants[sku], world.a.warehouse, 20)
    export_now(channel, full=True)
    import_now(channel)
    next_second()
    # an order techOMS does not import (status new) takes 3: its lines are only in its detail
    order_id = simulator.add_order(store, status="new", lines=[{"sku": sku, "quantity": 3}])
    set_stock(variants[sku], world.a.warehouse, 21)  # a receipt: something to push
    simulator.set_faults(store, script=["ok"] + ["500"] * CLIENT_ATTEMPTS)  # the listing, then its detail

    held_back = export_now(channel)

    assert holds(channel) == [(order_id, store_holds.UNREAD, 0)]  # the listing's knowledge kept
    assert held_back.status == RunStatus.SUCCEEDED and held_back.counts["withheld"] == 1
    assert store_quantities(simulator, store)[sku] == 20 - 3  # not 21: only 18 can ship

    simulator.reset_faults(store)
    next_second()
    published = export_now(channel)

    assert holds(channel) == [(order_id, sku, 3)]  # read again: its lines hold their units
    assert not published.counts.get("withheld")
    assert store_quantities(simulator, store)[sku] == 21 - 3


def test_an_unread_order_is_read_again_by_the_next_import_even_when_not_listed(simulator, world):
    store, channel, variants = inventory_setup(
        simulator, world.a, inventory_mode=InventoryMode.ABSOLUTE, statuses=["paid"]
    )
    sku = sorted(s for s in variants if s != "GIFTCERT")[0]
    export_now(channel, full=True)
    import_now(channel)
    next_second()
    order_id = simulator.add_order(store, status="moas_pending", lines=[{"sku": sku, "quantity": 2}])
    next_second()  # the import lists up to the last whole second
    simulator.set_faults(store, script=["ok"] + ["500"] * CLIENT_ATTEMPTS)
    import_now(channel)
    assert holds(channel) == [(order_id, store_holds.UNREAD, 0)]
    assert store_holds.unsure_orders(channel.account_id) == 1

    simulator.reset_faults(store)
    next_second()
    simulator.reset_calls(store)
    again = import_now(channel, created_from="2000-01-01", created_to="2000-01-02")  # lists nothing of it

    assert holds(channel) == [(order_id, sku, 2)]
    assert again.api_calls == 2 == simulator.calls(store)["total"]  # the listing and its detail
    assert store_holds.unsure_orders(channel.account_id) == 0
