"""Export inventory on the screens: Sync menu and Sync Actions, the channel list's column, the SKU Mappings
rows' last push, the Warehouse Mappings tab and the Main settings schedule."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.activity import RunStatus, SyncAction, SyncRun
from models.catalog import sku_key
from models.channels import InventoryMode
from models.mappings import SkuMapping
from models.tenancy import Role
from tests.support.inventory import add_warehouse, inventory_setup, map_warehouse, set_stock, store_quantities
from tests.support.sync import work
from tests.support.world import ROLE_EMAILS


def latest_run() -> SyncRun:
    db.session.expire_all()
    return db.session.scalars(select(SyncRun).order_by(SyncRun.id.desc())).first()


def test_sync_menu_starts_an_export_and_a_full_compare(client, world, login, simulator):
    store, channel, _variants = inventory_setup(simulator, world.a)
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    page = client.get(f"/channels/{channel.id}/main").get_data(as_text=True)
    assert "Export inventory" in page and "Full inventory compare" in page

    response = client.post(f"/channels/{channel.id}/sync/export-inventory")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/channels/{channel.id}/sync"
    )
    run = latest_run()
    assert (run.action, run.status, run.params) == (SyncAction.EXPORT_INVENTORY, RunStatus.QUEUED, {})
    again = client.post(f"/channels/{channel.id}/sync/full-inventory-compare", follow_redirects=True)
    assert b"An inventory export is already queued or running" in again.data
    work()

    section = client.get(f"/channels/{channel.id}/sync").get_data(as_text=True)
    card = section[section.index('id="run-card-export_inventory"') :][:2000]
    assert "Succeeded" in card and "(full compare)" in card and "updated" in card  # the first one reads all
    assert "Last full compare: never" not in section

    client.post(f"/channels/{channel.id}/sync/full-inventory-compare")
    assert latest_run().params == {"full": True}
    work()
    assert latest_run().status == RunStatus.SUCCEEDED

    listing = client.get("/channels/").get_data(as_text=True)
    assert "Last inventory export" in listing and listing.count("Succeeded") >= 1


def test_sku_mapping_rows_show_the_last_pushed_quantity(client, world, login, simulator):
    store, channel, variants = inventory_setup(simulator, world.a)
    sku = sorted(store_quantities(simulator, store))[0]
    db.session.add(
        SkuMapping(
            channel_id=channel.id, channel_sku=sku, channel_sku_key=sku_key(sku), variant_id=variants[sku].id
        )
    )
    db.session.commit()
    set_stock(variants[sku], world.a.warehouse, 4321)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    before = client.get(f"/channels/{channel.id}/mappings/skus").get_data(as_text=True)
    assert "Last pushed" in before and "4,321" not in before

    client.post(f"/channels/{channel.id}/sync/export-inventory")
    work()

    after = client.get(f"/channels/{channel.id}/mappings/skus").get_data(as_text=True)
    row = after[after.index(f">{sku}<") :][:1200]
    assert "4,321" in row
    assert store_quantities(simulator, store)[sku] == 4321


def test_warehouse_mappings_say_what_is_published_and_where_orders_allocate(client, world, login, simulator):
    store, channel, _variants = inventory_setup(simulator, world.a)
    west = add_warehouse(world.a, "WEST")
    add_warehouse(world.a, "SPARE")
    map_warehouse(channel, west, "2")
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])

    page = client.get(f"/channels/{channel.id}/mappings/warehouses").get_data(as_text=True)

    assert "Published: Yes" not in page and ">Yes<" not in page
    rows = {code: page[page.index(f'warehouse-row-{code}"') :][:1500] for code in ("WH-A1", "WEST", "SPARE")}
    assert "Counted in Export inventory" in rows["WH-A1"] and "Primary" in rows["WH-A1"]
    assert "Counted in Export inventory" in rows["WEST"] and "Primary" not in rows["WEST"]
    assert "Not published" in rows["SPARE"]
    assert "only when someone runs it: the inventory mode is Do not synchronise" in page
    channel.inventory_mode = InventoryMode.ABSOLUTE
    db.session.commit()
    page = client.get(f"/channels/{channel.id}/mappings/warehouses").get_data(as_text=True)
    assert "on its schedule and when run by hand" in page


def test_main_settings_no_longer_say_the_inventory_schedule_does_nothing(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    page = client.get(f"/channels/{world.a.channel.id}/main").get_data(as_text=True)
    assert "the inventory export action is not available yet" not in page
    assert "Runs only when the inventory mode is Synchronise absolute quantities" in page
