"""The circuit breaker per store (SYNC-08): after K consecutive attempts the store could not serve,
scheduled runs exit without calling for T minutes; then exactly one probe; a failed probe doubles the pause
(capped); the first success closes it; a run by hand always goes through; a refused token holds it open until
the token changes. Real simulator over HTTP, real Redis, a real RQ worker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from extensions import db
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from models.breakers import BreakerState, StoreBreaker
from sync import breaker
from sync.errors import StoreUnavailable
from sync.schedule import due_channels
from sync.start import start_run
from tests.support.sync import catalog_for, make_store, sync_channel, work

K, T = 5, 60


@pytest.fixture
def app_config(app_config):
    # One call per attempt and five attempts per run: one scheduled run is K failures in a row.
    app_config.update(
        SYNC_CLIENT_RETRIES=0,
        SYNC_RETRY_INTERVALS=[0] * (K - 1),
        BREAKER_FAILURES=K,
        BREAKER_OPEN_MINUTES=T,
        BREAKER_MAX_OPEN_MINUTES=4 * T,
    )
    return app_config


def scheduled_run(channel, trigger=SyncTrigger.SCHEDULED) -> SyncRun:
    run, created = start_run(channel, SyncAction.IMPORT_ORDERS, trigger)
    assert created
    db.session.commit()  # queues its job
    work()
    return db.session.get(SyncRun, run.id)


def state_of(channel) -> StoreBreaker:
    db.session.expire_all()
    return db.session.get(StoreBreaker, channel.shop_domain)


def time_passes(channel) -> None:
    """The pause is over (the open_until instant moved into the past instead of waiting T minutes)."""
    row = state_of(channel)
    row.open_until = utcnow() - timedelta(seconds=1)
    db.session.commit()


@pytest.fixture
def failing_store(simulator, world):
    store = make_store(simulator, seed=4, products=2, orders=4, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account, import_orders_every=5)
    simulator.set_faults(store, error_rate=1.0)
    simulator.reset_calls(store)
    return store, channel


def test_five_outages_open_it_then_zero_calls_then_exactly_one_probe(simulator, failing_store):
    store, channel = failing_store

    first = scheduled_run(channel)
    assert first.status == RunStatus.FAILED and first.attempts == K
    assert simulator.calls(store)["total"] == K  # 5 × 500
    assert state_of(channel).state == BreakerState.OPEN
    assert state_of(channel).open_until > utcnow() + timedelta(minutes=T - 1)

    # Open: the schedule leaves the channel out, and a scheduled job already queued exits without a call.
    later = utcnow() + timedelta(minutes=10)  # the channel's interval has passed, not the pause
    assert channel not in due_channels(SyncAction.IMPORT_ORDERS, later)
    simulator.reset_calls(store)
    skipped = scheduled_run(channel)
    assert simulator.calls(store)["total"] == 0
    assert skipped.status == RunStatus.FAILED and skipped.attempts == 0
    assert "circuit breaker open" in skipped.error_summary

    # After T: exactly one probe. It fails: open again for twice as long; its own retries do not call.
    time_passes(channel)
    assert channel in due_channels(SyncAction.IMPORT_ORDERS, utcnow() + timedelta(minutes=10))
    probe = scheduled_run(channel)
    assert simulator.calls(store)["total"] == 1
    assert probe.status == RunStatus.FAILED
    assert state_of(channel).state == BreakerState.OPEN and state_of(channel).open_minutes == 2 * T

    # The store is back: the next probe succeeds and closes the breaker.
    time_passes(channel)
    simulator.reset_faults(store)
    simulator.reset_calls(store)
    healed = scheduled_run(channel)
    assert healed.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
    assert simulator.calls(store)["total"] >= 1
    closed = state_of(channel)
    assert closed.state == BreakerState.CLOSED and closed.failures == 0 and closed.open_until is None


def test_a_run_by_hand_goes_through_and_its_success_closes_it(simulator, failing_store):
    store, channel = failing_store
    scheduled_run(channel)
    assert state_of(channel).state == BreakerState.OPEN
    simulator.reset_faults(store)
    simulator.reset_calls(store)
    manual = scheduled_run(channel, SyncTrigger.MANUAL)
    assert manual.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
    assert simulator.calls(store)["total"] >= 1
    assert state_of(channel).state == BreakerState.CLOSED


def test_fewer_failures_than_k_keep_it_closed_and_a_success_resets_the_count(app, simulator, failing_store):
    store, channel = failing_store
    simulator.reset_faults(store)
    simulator.set_faults(store, script=["500"] * (K - 1))  # then the store answers
    run = scheduled_run(channel)
    assert run.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL) and run.attempts == K
    assert state_of(channel).state == BreakerState.CLOSED and state_of(channel).failures == 0


def test_failed_probes_double_the_pause_up_to_the_cap(app, world):
    domain = world.a.channel.shop_domain
    now = utcnow()
    for _ in range(K):
        breaker.record(domain, StoreUnavailable("500"), now)
    db.session.commit()
    pauses = []
    for _ in range(4):
        now = db.session.get(StoreBreaker, domain).open_until
        assert not breaker.admit_scheduled(domain, now - timedelta(seconds=1))
        assert breaker.admit_scheduled(domain, now)  # the probe
        assert not breaker.admit_scheduled(domain, now)  # only one
        breaker.record(domain, StoreUnavailable("500"), now)
        db.session.commit()
        pauses.append(db.session.get(StoreBreaker, domain).open_minutes)
    assert pauses == [2 * T, 4 * T, 4 * T, 4 * T]


def test_a_refused_token_holds_it_open_until_the_token_changes(client, login, simulator, failing_store):
    from models.tenancy import Role
    from services.channels import token_vault
    from tests.support.world import ROLE_EMAILS

    store, channel = failing_store
    simulator.reset_faults(store)
    channel.token_ciphertext = token_vault.encrypt("not-the-token-of-this-store")
    db.session.commit()
    refused = scheduled_run(channel)
    assert refused.status == RunStatus.FAILED and channel.token_refused_at is not None
    assert channel not in due_channels(SyncAction.IMPORT_ORDERS, utcnow() + timedelta(days=1))
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    page = client.get(f"/channels/{channel.id}/main").text
    assert "Held open: token refused" in page
