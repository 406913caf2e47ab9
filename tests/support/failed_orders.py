"""Channels whose first import leaves orders waiting for a retry: the catalog lacks the SKUs most orders use,
or spells them its own way. For the failed-orders and Auto-map tests (HTTP and browser)."""

from __future__ import annotations

from collections import Counter

from extensions import db
from models.activity import RunStatus
from models.catalog import ProductVariant, sku_key
from models.mappings import SkuMapping
from tests.support.sync import catalog_for, import_now, make_store, sync_channel


def used_skus(simulator, store) -> Counter:
    """How many order lines use each SKU (the store's orders, every status)."""
    with simulator.client(store) as client:
        used = Counter(
            line["final_sku"]
            for summary in client.iter_orders()
            for line in client.get_order(summary["order_id"])["line_items"]
        )
    simulator.reset_calls(store)
    return used


def failing_channel(simulator, world, *, orders=40, products=4, seed=3, missing_count=1):
    """A channel whose first import leaves orders waiting: the catalog lacks the `missing_count` SKUs most
    orders use. Returns (store, channel, missing SKUs, the catalog's variants by SKU)."""
    store = make_store(simulator, seed=seed, products=products, orders=orders, moas_rate=0, gift_rate=0)
    missing = tuple(sku for sku, _ in used_skus(simulator, store).most_common(missing_count))
    variants = catalog_for(simulator, store, world.a.account, missing=missing)
    channel = sync_channel(store, world.a.account)
    assert import_now(channel).status == RunStatus.PARTIAL
    simulator.reset_calls(store)
    return store, channel, missing, variants


def respelled_channel(simulator, world):
    """A channel whose store's three most ordered SKUs techOMS spells its own way: without separators, with
    an extra segment, with a colour written out. Returns (store, channel, {store SKU: techOMS SKU})."""
    store = make_store(simulator, seed=5, products=3, orders=60, moas_rate=0, gift_rate=0)
    top = [sku for sku, _ in used_skus(simulator, store).most_common(3)]
    variants = catalog_for(simulator, store, world.a.account)
    spellings = {
        top[0]: top[0].replace("-", ""),  # SIM0001MBLK
        top[1]: top[1] + "-V2",  # SIM-0001-M-BLK-V2
        top[2]: top[2].replace("-BLK", "-BLACK").replace("-WHT", "-WHITE"),
    }
    for store_sku, techoms_sku in spellings.items():
        variants[store_sku].set_sku(techoms_sku)
    db.session.commit()
    channel = sync_channel(store, world.a.account)
    assert import_now(channel).status == RunStatus.PARTIAL
    simulator.reset_calls(store)
    return store, channel, spellings


def map_sku(channel, sku: str, variant: ProductVariant) -> None:
    db.session.add(
        SkuMapping(
            channel_id=channel.id, channel_sku=sku, channel_sku_key=sku_key(sku), variant_id=variant.id
        )
    )
    db.session.commit()
