"""Import products against the simulator: the first run creates the catalog, re-runs list only, a changed
product is shown alone, existing SKUs are linked, differently spelled ones proposed (and once confirmed the
failed orders import on Retry), gift certificates skipped, measures converted, faults duplicate nothing."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from extensions import db
from models.activity import EventLevel, RunStatus, SyncAction, SyncEvent, SyncRun, SyncTrigger
from models.catalog import Product, ProductVariant
from models.channels import DimensionUnit, WeightUnit
from models.store_catalog import StoreProduct, StoreProductVariant
from services.catalog_import import CatalogWriter, MalformedProduct
from services.mappings import sku_auto_map
from sync.start import start_run
from tests.support.failed_orders import respelled_channel
from tests.support.sync import catalog_for, import_now, make_store, next_second, sync_channel, work

PRODUCTS = 4
VARIANTS = PRODUCTS * 6  # 3 sizes × 2 colours each, plus the store's gift certificate


def import_products(channel, **params) -> SyncRun:
    run, created = start_run(channel, SyncAction.IMPORT_PRODUCTS, SyncTrigger.MANUAL, **params)
    assert created, "a product import was already active"
    db.session.commit()  # queues its job
    work()
    return db.session.get(SyncRun, run.id)


def events(run, level: EventLevel | None = None) -> list[str]:
    query = select(SyncEvent.message).where(SyncEvent.run_id == run.id).order_by(SyncEvent.id)
    if level is not None:
        query = query.where(SyncEvent.level == level)
    return list(db.session.scalars(query))


def account_variants(account) -> dict[str, ProductVariant]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(ProductVariant).where(
            ProductVariant.account_id == account.id, ProductVariant.sku.like("SIM-%")
        )
    )
    return {row.sku: row for row in rows}  # the store's SKUs (the world's own variant left out)


@pytest.fixture
def store(simulator):
    return make_store(simulator, seed=21, products=PRODUCTS, orders=0)


def test_first_import_into_an_empty_account_creates_the_catalog(simulator, world, store):
    channel = sync_channel(store, world.a.account)

    run = import_products(channel)

    assert run.status == RunStatus.SUCCEEDED
    assert run.counts["created"] == VARIANTS and run.counts["skipped"] == 1  # the gift certificate
    # One listing (5 products) and one show per product; no show of the gift certificate.
    assert run.api_calls == math.ceil((PRODUCTS + 1) / 500) + PRODUCTS == simulator.calls(store)["total"]
    variants = account_variants(world.a.account)
    assert len(variants) == VARIANTS and "GIFTCERT" not in variants
    first = variants["SIM-0001-S-BLK"]
    assert first.title == "S / Black" and first.product.name == "Product 1"
    # 0.5 lb, 12 × 10 × 1.5 in: rounded half up, not truncated.
    assert (first.weight_g, first.length_mm, first.width_mm, first.height_mm) == (227, 305, 254, 38)
    assert (
        db.session.scalar(select(func.count()).select_from(Product).where(Product.name.like("Product %")))
        == PRODUCTS
    )
    assert any("gift certificate" in message for message in events(run, EventLevel.INFO))
    assert "Import products finished: 24 new" in events(run)[-1]


def test_units_follow_the_channel_setting(simulator, world, store):
    channel = sync_channel(store, world.a.account, weight_unit=WeightUnit.KG, dimension_unit=DimensionUnit.CM)
    import_products(channel)
    variant = account_variants(world.a.account)["SIM-0002-M-WHT"]
    assert (variant.weight_g, variant.length_mm, variant.width_mm, variant.height_mm) == (500, 120, 100, 15)


def test_a_rerun_with_nothing_changed_makes_only_the_listing_call(simulator, world, store):
    channel = sync_channel(store, world.a.account)
    import_products(channel)
    simulator.reset_calls(store)

    run = import_products(channel)

    assert run.status == RunStatus.SUCCEEDED
    assert run.api_calls == 1 == simulator.calls(store)["total"]
    assert not run.counts.get("created") and len(account_variants(world.a.account)) == VARIANTS

    full = import_products(channel, full=True)  # the whole listing, still no show
    assert full.api_calls == 1 and full.counts["unchanged"] == PRODUCTS


def test_a_changed_product_is_shown_alone_and_updated_only_when_asked(simulator, world, store):
    channel = sync_channel(store, world.a.account)
    import_products(channel)
    next_second()
    simulator.change_product(store, 2, weight="2.0", name="Product 2 heavy")
    simulator.reset_calls(store)

    kept = import_products(channel)  # default: create missing products only

    assert kept.api_calls == 2 == simulator.calls(store)["total"]  # the listing and its one show
    assert kept.counts["unchanged"] == 6 and not kept.counts.get("updated")
    assert account_variants(world.a.account)["SIM-0002-S-BLK"].weight_g == 227

    next_second()
    simulator.change_product(store, 2, weight="2.5")
    updated = import_products(channel, update_linked=True)

    assert updated.counts["updated"] == 6
    variant = account_variants(world.a.account)["SIM-0002-S-BLK"]
    assert variant.weight_g == 1134 and variant.product.name == "Product 2 heavy"  # 2.5 lb = 1133.98 g


def test_an_existing_sku_is_linked_not_duplicated(simulator, world, store):
    existing = catalog_for(simulator, store, world.a.account, missing=("GIFTCERT",))
    channel = sync_channel(store, world.a.account)
    before = existing["SIM-0001-S-BLK"]
    before_weight = before.weight_g

    run = import_products(channel)

    assert run.counts["linked"] == VARIANTS and not run.counts.get("created")
    variants = account_variants(world.a.account)
    assert len(variants) == VARIANTS
    assert variants["SIM-0001-S-BLK"].weight_g == before_weight  # create-only leaves linked ones alone
    linked = db.session.scalars(
        select(StoreProductVariant.variant_id).where(StoreProductVariant.channel_id == channel.id)
    ).all()
    assert len(linked) == VARIANTS and None not in linked


def test_differently_spelled_skus_are_proposed_and_once_confirmed_failed_orders_import(
    simulator, world, client
):
    store, channel, spellings = respelled_channel(simulator, world)
    before = set(account_variants(world.a.account))

    run = import_products(channel)

    assert run.counts["proposed"] == len(spellings)
    assert not run.counts.get("created")  # nothing created for the store's own spellings
    assert set(account_variants(world.a.account)) == before
    warnings = " ".join(events(run, EventLevel.WARNING))
    for store_sku, techoms_sku in spellings.items():
        assert f"{store_sku} → {techoms_sku}" in warnings

    # The proposals wait in SKU Mappings; confirming them is the Auto-map confirmation.
    proposals = sku_auto_map.propose(channel, sku_auto_map.catalog_waiting_skus(channel))
    pairs = [(p.variant_id, p.channel_sku) for p, _ in proposals.items]
    assert {sku for _, sku in pairs} == set(spellings)
    sku_auto_map.create_confirmed(channel, pairs, None)
    db.session.commit()

    retried = import_now(channel, trigger=SyncTrigger.RETRY, order_ids=[])
    assert retried.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
    rerun = import_now(channel)
    assert rerun.status == RunStatus.SUCCEEDED and not rerun.counts.get("failed")
    again = import_products(channel)
    assert again.counts["linked"] == len(spellings)  # confirmed: linked without a store call for them


def test_a_product_gone_from_the_store_is_reported_and_kept(simulator, world, store):
    channel = sync_channel(store, world.a.account)
    import_products(channel)
    simulator.admin("DELETE", f"/stores/{store.subdomain}/products/3")

    run = import_products(channel, full=True)

    assert run.counts["gone"] == 1
    assert any("no longer on the store" in m and "SIM-0003" in m for m in events(run, EventLevel.WARNING))
    assert "SIM-0003-S-BLK" in account_variants(world.a.account)
    assert db.session.scalar(select(StoreProduct.gone_at).where(StoreProduct.external_id == 3)) is not None


def test_faults_on_nothing_is_duplicated(simulator, world, store):
    channel = sync_channel(store, world.a.account, detail_concurrency=1)
    simulator.set_faults(store, seed=4, error_rate=0.3, drop_rate=0.1)
    first = import_products(channel)
    simulator.reset_faults(store)
    second = import_products(channel)
    third = import_products(channel, full=True)

    assert RunStatus.FAILED not in (second.status, third.status)
    variants = account_variants(world.a.account)
    assert len(variants) == VARIANTS
    assert (
        db.session.scalar(select(func.count()).select_from(Product).where(Product.name.like("Product %")))
        == PRODUCTS
    )
    assert (first.counts.get("created", 0) + second.counts.get("created", 0)) == VARIANTS


def test_an_unreadable_product_is_an_error_for_it_alone(app, world, store):
    channel = sync_channel(store, world.a.account)
    writer = CatalogWriter(channel)
    listed = {"id": 77, "name": "Odd", "sku": "ODD", "updated_at": "2026-01-01T00:00:00Z"}
    with pytest.raises(MalformedProduct, match="measures"):
        writer.write(listed, {**listed, "weight": "heavy", "inventories": []}, None)
    with pytest.raises(MalformedProduct, match="no SKU"):
        writer.write(listed, {**listed, "sku": "", "inventories": []}, None)
    assert (
        db.session.scalar(select(func.count()).select_from(ProductVariant).where(ProductVariant.sku == "ODD"))
        == 0
    )


def test_a_product_without_options_is_its_base_sku(app, world, store):
    channel = sync_channel(store, world.a.account)
    writer = CatalogWriter(channel)
    listed = {"id": 78, "name": "Poster", "sku": "POSTER", "updated_at": "2026-01-01T00:00:00Z"}
    shown = {
        **listed,
        "weight": None,
        "length": "0",
        "inventories": [{"id": 1, "sub_sku": "", "sub_option_ids": []}],
    }
    result = writer.write(listed, shown, None)
    db.session.flush()
    assert result.counts["created"] == 1
    variant = db.session.scalar(select(ProductVariant).where(ProductVariant.sku == "POSTER"))
    assert variant.title == "" and variant.weight_g is None and variant.length_mm == 0


def test_a_whole_listing_that_updates_brings_variants_linked_earlier_in_line(simulator, world, store):
    catalog_for(simulator, store, world.a.account, missing=("GIFTCERT",))  # no weights, SKUs as titles
    channel = sync_channel(store, world.a.account)
    import_products(channel)  # create-only: links them, changes nothing
    assert account_variants(world.a.account)["SIM-0001-S-BLK"].weight_g is None
    simulator.reset_calls(store)

    run = import_products(channel, update_linked=True, full=True)

    assert run.api_calls == 1 + PRODUCTS == simulator.calls(store)["total"]  # every product shown again
    assert run.counts["updated"] == VARIANTS
    variant = account_variants(world.a.account)["SIM-0001-S-BLK"]
    assert (variant.title, variant.weight_g) == ("S / Black", 227)


def test_a_store_that_fails_to_show_products_stops_the_run_and_duplicates_nothing(simulator, world):
    store = make_store(simulator, seed=22, products=30, orders=0)
    channel = sync_channel(store, world.a.account)
    simulator.set_faults(store, script=["ok"], error_rate=1.0)  # the listing answers, then every call fails

    run = import_products(channel)

    assert run.status == RunStatus.FAILED
    assert any("failed to show" in message for message in events(run, EventLevel.WARNING))  # tried again
    assert not account_variants(world.a.account)  # the failed page's writes were rolled back
    simulator.reset_faults(store)
    again = import_products(channel)
    assert again.status == RunStatus.SUCCEEDED and again.counts["created"] == 30 * 6
    assert len(account_variants(world.a.account)) == 30 * 6
