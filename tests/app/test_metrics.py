"""/metrics: behind METRICS_TOKEN (404 otherwise), figures computed from the database and Redis on scrape."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from extensions import db
from models.activity import PendingOrder, RunStatus, SyncAction, SyncTrigger
from sync.start import start_run
from tests.support.shipments import export_channel, export_now, imported_orders, ship_all
from tests.support.sync import catalog_for, import_now, make_store, sku_used_by_an_order, sync_channel

TOKEN = "metrics-token-for-tests-0123456789"  # noqa: S105


@pytest.fixture
def app_config(app_config):
    return {**app_config, "METRICS_TOKEN": TOKEN, "METRICS_CACHE_SECONDS": 0}


def scrape(client, token: str = TOKEN) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "Set-Cookie" not in response.headers
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def test_metrics_need_the_configured_token(client, make_app, app_config):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 404  # no scheme
    unconfigured = make_app({**app_config, "METRICS_TOKEN": None}).test_client()
    assert unconfigured.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404
    assert scrape(client)[("techoms_queue_depth", (("queue", "sync"),))] == 0


def test_runs_calls_durations_and_failed_orders(client, simulator, world):
    store = make_store(simulator, seed=3, products=4, orders=10, moas_rate=0)
    catalog_for(simulator, store, world.a.account, missing=(sku_used_by_an_order(simulator, store),))
    channel = sync_channel(store, world.a.account)
    run = import_now(channel)
    assert run.status == RunStatus.PARTIAL, run.counts
    failed = db.session.scalar(select(func.count(PendingOrder.id)))
    assert failed > 0

    figures = scrape(client)
    action = ("action", "import_orders")
    assert figures[("techoms_sync_runs_total", (action, ("result", "partial")))] == 1
    assert figures[("techoms_store_calls_billed_total", (action,))] == run.api_calls > 0
    assert figures[("techoms_sync_run_duration_seconds_count", (action,))] == 1
    assert figures[("techoms_sync_run_duration_seconds_bucket", (action, ("le", "+Inf")))] == 1
    assert figures[("techoms_sync_run_duration_seconds_sum", (action,))] >= 0
    assert figures[("techoms_failed_orders", ())] == failed
    assert figures[("techoms_cron_heartbeat_age_seconds", ())] == -1

    queued, _created = start_run(channel, SyncAction.EXPORT_SHIPMENTS, SyncTrigger.MANUAL)
    db.session.commit()  # queues its job
    figures = scrape(client)
    assert figures[("techoms_queue_depth", (("queue", "sync"),))] == 1
    assert figures[("techoms_sync_runs_active", (("action", "export_shipments"), ("status", "queued")))] == 1
    assert ("techoms_sync_runs_total", (("action", "export_shipments"), ("result", "queued"))) not in figures


def test_unsent_shipments_until_the_export(client, simulator, world):
    _store, channel = export_channel(simulator, world, orders=4)
    ship_all(imported_orders(channel)[0], "1ZMETRICS01")
    assert scrape(client)[("techoms_unsent_shipments", ())] == 1
    assert export_now(channel).status == RunStatus.SUCCEEDED
    figures = scrape(client)
    assert figures[("techoms_unsent_shipments", ())] == 0
    assert (
        figures[("techoms_sync_runs_total", (("action", "export_shipments"), ("result", "succeeded")))] == 1
    )


def test_processes_share_the_database_figures_for_a_few_seconds(client, app, simulator, world):
    app.config["METRICS_CACHE_SECONDS"] = 60
    assert scrape(client)[("techoms_failed_orders", ())] == 0
    store = make_store(simulator, seed=3, products=4, orders=10, moas_rate=0)
    catalog_for(simulator, store, world.a.account, missing=(sku_used_by_an_order(simulator, store),))
    import_now(sync_channel(store, world.a.account))
    figures = scrape(client)  # another process would read the same snapshot from Redis
    assert figures[("techoms_failed_orders", ())] == 0
    assert figures[("techoms_queue_depth", (("queue", "sync"),))] == 0  # Redis figures stay live
    app.config["METRICS_CACHE_SECONDS"] = 0
    assert scrape(client)[("techoms_failed_orders", ())] > 0
