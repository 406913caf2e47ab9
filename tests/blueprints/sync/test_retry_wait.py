"""A run waiting for its retry after the store failed says when its next attempt is and offers "Run now";
"Import orders now" starts the waiting retry instead of refusing ("already queued"). A real RQ worker, a
real Redis (the retry waits in RQ's scheduled registry) and the simulator."""

from __future__ import annotations

from datetime import timedelta

import pytest

from extensions import db
from models.activity import RunStatus, SyncRun
from models.base import utcnow
from models.tenancy import Role
from run_queue.enqueue import retry_at
from tests.support.sync import catalog_for, import_now, make_store, sync_channel, work
from tests.support.world import ROLE_EMAILS


@pytest.fixture
def app_config(app_config):
    app_config.update(SYNC_CLIENT_RETRIES=0, SYNC_RETRY_INTERVALS=[600])
    return app_config


def _waiting_run(simulator, world):
    store = make_store(simulator, seed=5, products=2, orders=2, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    simulator.set_faults(store, error_rate=1.0)
    run = import_now(channel)
    assert run.status == RunStatus.QUEUED and run.attempts == 1
    simulator.reset_faults(store)
    return channel, run


def test_the_card_says_when_the_retry_is_and_run_now_starts_it(client, login, simulator, world):
    channel, run = _waiting_run(simulator, world)
    at = retry_at(run)
    assert at is not None and utcnow() + timedelta(seconds=590) < at <= utcnow() + timedelta(seconds=600)

    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    page = client.get(f"/channels/{channel.id}/sync").text
    assert f"Attempt 1 failed; the next attempt is at {at:%Y-%m-%d %H:%M}" in page
    assert f"/sync/runs/{run.id}/run-now" in page and ">Run now</button>" in page

    answer = client.post(f"/channels/{channel.id}/sync/runs/{run.id}/run-now", follow_redirects=True)
    assert "Import orders runs now instead of waiting for its retry." in answer.text
    assert retry_at(run) is None
    work()
    assert db.session.get(SyncRun, run.id).status == RunStatus.SUCCEEDED

    again = client.post(f"/channels/{channel.id}/sync/runs/{run.id}/run-now", follow_redirects=True)
    assert "is not waiting for a retry any more" in again.text


def test_import_orders_now_starts_the_waiting_retry(client, login, simulator, world):
    channel, run = _waiting_run(simulator, world)
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    answer = client.post(f"/channels/{channel.id}/sync/import-orders", follow_redirects=True)
    assert "The order import waiting for its retry runs now." in answer.text
    work()
    assert db.session.get(SyncRun, run.id).status == RunStatus.SUCCEEDED


def test_run_now_is_tenant_scoped(client, login, world):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert client.post(f"/channels/{world.b.channel.id}/sync/runs/1/run-now").status_code == 404
