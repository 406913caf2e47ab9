"""Import products on screen, over HTTP: started from the Sync menu's form (options, 422 for a bad one), its
summary and counts on Sync Actions, the proposals it left confirmed in SKU Mappings and the failed orders then
retried, the store's weight in the channel's unit in the SKU picker, the schedule in Main settings."""

from __future__ import annotations

import re

from sqlalchemy import select

from extensions import db
from models.activity import PendingOrder, SyncAction, SyncRun
from models.base import utcnow
from models.channels import SalesChannel, WeightUnit
from models.tenancy import Role
from sync.schedule import due_channels
from tests.support.failed_orders import respelled_channel
from tests.support.sync import make_store, sync_channel, work
from tests.support.world import ROLE_EMAILS

HX = {"HX-Request": "true"}


def last_run(channel) -> SyncRun:
    db.session.expire_all()
    return db.session.scalar(
        select(SyncRun)
        .where(SyncRun.channel_id == channel.id, SyncRun.action == SyncAction.IMPORT_PRODUCTS)
        .order_by(SyncRun.id.desc())
    )


def test_import_products_from_sync_actions_shows_its_summary(client, login, simulator, world):
    store = make_store(simulator, seed=31, products=2, orders=0)
    channel = sync_channel(store, world.a.account)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    actions = client.get(f"/channels/{channel.id}/sync").data.decode()
    assert 'id="import-products-form"' in actions and "Create missing products only" in actions

    bad = client.post(f"/channels/{channel.id}/sync/import-products", data={"mode": "delete"})
    assert bad.status_code == 422 and "Not a valid choice" in bad.data.decode()
    assert last_run(channel) is None

    response = client.post(
        f"/channels/{channel.id}/sync/import-products", data={"mode": "update", "full": "y"}
    )
    assert response.status_code == 303
    work()
    run = last_run(channel)
    assert run.params == {"update_linked": True, "full": True}
    assert run.counts["created"] == 12
    page = client.get(f"/channels/{channel.id}/sync").data.decode()
    card = page[page.index('id="run-card-import_products"') :]
    assert "12 new" in card[:3000] and "1 skipped" in card[:3000]
    detail = client.get(f"/channels/{channel.id}/sync/runs/{run.id}").data.decode()
    assert "Import products finished: 12 new, 1 skipped; 3 API calls." in detail
    assert "gift certificate" in detail


def test_proposals_confirmed_from_sku_mappings_let_the_failed_orders_import(client, login, simulator, world):
    store, channel, spellings = respelled_channel(simulator, world)
    waiting = db.session.scalar(
        select(db.func.count(PendingOrder.id)).where(PendingOrder.channel_id == channel.id)
    )
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    client.post(f"/channels/{channel.id}/sync/import-products", data={"mode": "create"})
    work()
    actions = client.get(f"/channels/{channel.id}/sync").data.decode()
    assert re.search(r'data-testid="catalog-waiting">.*3 store SKUs spelled differently', actions, re.S)

    page = client.get(f"/channels/{channel.id}/mappings/skus/catalog-proposals", headers=HX).data.decode()
    rows = re.findall(r'<tr data-testid="proposal">(.*?)</tr>', page, re.S)
    assert len(rows) == len(spellings)
    for store_sku, techoms_sku in spellings.items():
        assert any(f">{store_sku}</label>" in row and f">{techoms_sku}</td>" in row for row in rows)
    values = re.findall(r'name="proposal" id="proposal-\d+" value="([^"]+)"', page)
    answer = client.post(
        f"/channels/{channel.id}/mappings/skus/auto-map/confirm", data={"proposal": values}, headers=HX
    ).data.decode()
    assert "3 mappings created" in answer

    client.post(f"/channels/{channel.id}/sync/failed-orders/retry", data={"group": "fixed"})
    work()
    still = db.session.scalar(
        select(db.func.count(PendingOrder.id)).where(PendingOrder.channel_id == channel.id)
    )
    assert waiting > 0 and still == 0
    after = client.get(f"/channels/{channel.id}/mappings/skus/catalog-proposals", headers=HX).data.decode()
    assert "No store SKU read by Import products waits for a mapping." in after


def test_the_sku_picker_shows_the_store_weight_in_the_channel_unit(client, login, simulator, world):
    store = make_store(simulator, seed=32, products=1, orders=0)
    channel = sync_channel(store, world.a.account, weight_unit=WeightUnit.LB)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    client.post(f"/channels/{channel.id}/sync/import-products", data={"mode": "create"})
    work()
    choices = client.get(
        f"/channels/{channel.id}/mappings/skus/variants", query_string={"variant_q": "SIM-0001-S"}, headers=HX
    ).data.decode()
    assert "SIM-0001-S-BLK" in choices
    assert (
        "227 g" in choices
        and '<span class="text-muted" data-testid="store-weight">(store: 0.5 lb)</span>' in choices
    )


def test_the_product_import_schedule_is_a_main_setting(client, login, simulator, world):
    store = make_store(simulator, seed=33, products=1, orders=0)
    channel = sync_channel(store, world.a.account)
    assert channel not in due_channels(SyncAction.IMPORT_PRODUCTS, utcnow())
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    page = client.get(f"/channels/{channel.id}/main").data.decode()
    assert 'name="import_products_every"' in page
    form = {
        "status": "active",
        "import_orders_every": "30",
        "export_shipments_every": "30",
        "export_inventory_every": "1440",
        "import_products_every": "1440",
    }
    assert client.post(f"/channels/{channel.id}/main", data=form).status_code == 303
    db.session.expire_all()
    assert channel in due_channels(SyncAction.IMPORT_PRODUCTS, utcnow())
    assert db.session.get(SalesChannel, channel.id).import_products_every == 1440


def test_also_update_needs_the_products_permission(client, login, simulator, world):
    """An account user may run Import products (create missing ones) but not rewrite catalog names through
    "also update", as POST /products/new is refused to them (issue 26, 8)."""
    store = make_store(simulator, seed=31, products=2, orders=0)
    channel = sync_channel(store, world.a.account)
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert client.post("/products/new", data={"name": "X"}).status_code == 403
    page = client.get(f"/channels/{channel.id}/sync").data.decode()
    assert "Import products now" in page and 'value="update"' not in page  # not offered to them
    refused = client.post(
        f"/channels/{channel.id}/sync/import-products", data={"mode": "update", "full": "y"}
    )
    assert refused.status_code == 422 and "needs the permission to manage products" in refused.data.decode()
    assert last_run(channel) is None
    allowed = client.post(f"/channels/{channel.id}/sync/import-products", data={"mode": "create"})
    assert allowed.status_code == 303 and last_run(channel).params == {}
