"""Quick actions › Sync and the Sync Actions section through HTTP."""

from __future__ import annotations

import re

from sqlalchemy import select

from extensions import db
from models.activity import ApiCallLog, RunStatus, SyncAction, SyncRun, SyncTrigger
from models.catalog import ProductVariant
from models.tenancy import Role
from sync.start import start_run
from tests.support.sync import catalog_for, make_store, sku_used_by_an_order, sync_channel, work
from tests.support.world import ROLE_EMAILS


def latest_run() -> SyncRun:
    db.session.expire_all()
    return db.session.scalars(select(SyncRun).order_by(SyncRun.id.desc())).first()


def test_account_user_imports_and_watches_the_run(client, world, login, simulator):
    store = make_store(simulator, seed=12, products=4, orders=15, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    page = client.get(f"/channels/{channel.id}/main").data
    assert b'id="sync-menu"' in page
    response = client.post(f"/channels/{channel.id}/sync/import-orders", data={})
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/channels/{channel.id}/sync"
    )
    run = latest_run()
    assert run.status == RunStatus.QUEUED
    progress = client.get(
        f"/channels/{channel.id}/sync/runs/{run.id}/progress", headers={"HX-Request": "true"}
    )
    assert progress.status_code == 200 and b'hx-trigger="every 1s"' in progress.data
    work()
    progress = client.get(
        f"/channels/{channel.id}/sync/runs/{run.id}/progress", headers={"HX-Request": "true"}
    )
    assert (
        progress.status_code == 286
        and b"Succeeded" in progress.data
        and b"hx-trigger" not in progress.data
        and progress.headers["HX-Trigger"] == "sync-run-finished"
    )
    section = client.get(f"/channels/{channel.id}/sync").data.decode()
    assert "Succeeded" in section and "new" in section and 'id="run-history"' in section
    listing = client.get("/channels/").data.decode()
    assert "Succeeded" in listing


def test_second_click_shows_the_existing_run(client, world, login, simulator):
    store = make_store(simulator, seed=1, products=2, orders=3)
    channel = sync_channel(store, world.a.account)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    client.post(f"/channels/{channel.id}/sync/import-orders")
    response = client.post(f"/channels/{channel.id}/sync/import-orders", follow_redirects=True)
    assert b"already queued or running" in response.data
    assert db.session.query(SyncRun).count() == 1
    assert simulator.calls(store)["total"] == 0


def test_bad_date_range_is_explained(client, world, login, simulator):
    store = make_store(simulator, seed=1, products=2, orders=3)
    channel = sync_channel(store, world.a.account)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    for data in ({"created_from": "2026-05-02", "created_to": "2026-05-01"}, {"created_from": "soon"}):
        response = client.post(f"/channels/{channel.id}/sync/import-orders", data=data)
        assert response.status_code == 422 and b"invalid-feedback" in response.data
    assert db.session.query(SyncRun).count() == 0


def test_run_events_filter_and_retry_a_failed_order(client, world, login, simulator):
    store = make_store(simulator, seed=3, products=4, orders=20, moas_rate=0, gift_rate=0)
    variants = catalog_for(simulator, store, world.a.account)
    missing = sku_used_by_an_order(simulator, store)
    db.session.delete(variants[missing])
    db.session.commit()
    channel = sync_channel(store, world.a.account)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    client.post(f"/channels/{channel.id}/sync/import-orders")
    work()
    run = latest_run()
    assert run.status == RunStatus.PARTIAL
    errors = client.get(f"/channels/{channel.id}/sync/runs/{run.id}?level=error").data.decode()
    assert f"SKU &#39;{missing}&#39; matches no product variant" in errors
    assert "Warning (" in errors and 'id="pending-orders"' in errors
    infos = client.get(f"/channels/{channel.id}/sync/runs/{run.id}?level=info").data.decode()
    assert "matches no product variant" not in infos
    external_id = int(re.search(r"/sync/orders/(\d+)/retry", errors).group(1))
    variants_fix = ProductVariant(account_id=world.a.account.id, product_id=world.a.product.id, title="fix")
    variants_fix.set_sku(missing)
    db.session.add(variants_fix)
    db.session.commit()
    response = client.post(f"/channels/{channel.id}/sync/orders/{external_id}/retry")
    assert response.status_code == 303
    work()
    retry = latest_run()
    assert retry.status == RunStatus.SUCCEEDED and retry.params == {"order_ids": [external_id]}
    assert client.post(f"/channels/{channel.id}/sync/orders/999999/retry").status_code == 404


def test_manual_logging_records_calls_without_token_or_pii(client, world, login, simulator):
    store = make_store(simulator, seed=12, products=3, orders=6, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    assert client.post(f"/channels/{channel.id}/sync/api-logging", data={"enable": "on"}).status_code == 303
    client.post(f"/channels/{channel.id}/sync/import-orders")
    work()
    calls = db.session.scalars(select(ApiCallLog)).all()
    assert len(calls) == latest_run().api_calls > 0
    dump = " ".join(f"{c.path} {c.request_body} {c.response_body}" for c in calls)
    assert store.token not in dump and "@" not in dump
    page = client.get(f"/channels/{channel.id}/sync/api-log").data.decode()
    assert "GET /orders" in page and store.token not in page
    client.post(f"/channels/{channel.id}/sync/api-logging", data={"enable": "off"})
    db.session.expire_all()
    assert db.session.get(type(channel), channel.id).api_logging_until is None


def test_user_cannot_switch_logging_and_other_tenants_runs_are_404(client, world, login, simulator):
    store = make_store(simulator, seed=1, products=2, orders=3)
    mine = sync_channel(store, world.a.account)
    theirs = sync_channel(
        make_store(simulator, seed=2, products=2, orders=3), world.b.account, name="B store"
    )
    their_run, _ = start_run(theirs, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert client.post(f"/channels/{mine.id}/sync/api-logging", data={"enable": "on"}).status_code == 403
    assert client.get(f"/channels/{mine.id}/sync/runs/{their_run.id}").status_code == 404
    assert client.get(f"/channels/{theirs.id}/sync/runs/{their_run.id}").status_code == 404
    assert client.post(f"/channels/{theirs.id}/sync/import-orders").status_code == 404
