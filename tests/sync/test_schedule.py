"""Scheduled syncs and the cron tick."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from extensions import db
from jobs.cron import tick
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from models.channels import ChannelStatus
from sync.schedule import due_channels
from sync.start import start_run
from tests.support.sync import make_store, sync_channel, work


def quiet_world(world) -> None:
    """The world's own channels point at stores that do not exist: keep them out of the schedule."""
    world.a.channel.import_orders_every = world.b.channel.import_orders_every = None
    db.session.commit()


def test_due_channels_follow_their_interval(simulator, world):
    quiet_world(world)
    store = make_store(simulator, seed=1, products=2, orders=2)
    every_30 = sync_channel(store, world.a.account, import_orders_every=30)
    never = sync_channel(
        make_store(simulator, seed=2, products=2, orders=2),
        world.a.account,
        name="Never",
        import_orders_every=None,
    )
    inactive = sync_channel(
        make_store(simulator, seed=3, products=2, orders=2),
        world.a.account,
        name="Off",
        import_orders_every=5,
        status=ChannelStatus.INACTIVE,
    )
    now = utcnow()
    assert due_channels(SyncAction.IMPORT_ORDERS, now) == [every_30]
    run, _ = start_run(every_30, SyncAction.IMPORT_ORDERS, SyncTrigger.SCHEDULED)
    db.session.commit()
    assert due_channels(SyncAction.IMPORT_ORDERS, now + timedelta(minutes=29)) == []
    assert due_channels(SyncAction.IMPORT_ORDERS, now + timedelta(minutes=31)) == [every_30]
    assert never.id and inactive.id


def test_cron_tick_enqueues_due_runs_and_sweeps(simulator, world):
    quiet_world(world)
    store = make_store(simulator, seed=1, products=2, orders=4, moas_rate=0)
    channel = sync_channel(store, world.a.account, import_orders_every=15)
    tick()
    scheduled = db.session.scalar(select(SyncRun).where(SyncRun.channel_id == channel.id))
    assert scheduled.trigger == SyncTrigger.SCHEDULED and scheduled.status == RunStatus.QUEUED
    tick()  # not due again, and one is already queued
    assert db.session.query(SyncRun).count() == 1
    work()
    db.session.refresh(scheduled)
    assert scheduled.status.is_final


def test_refused_token_pauses_the_schedule_until_replaced(client, login, simulator, world):
    from models.tenancy import Role
    from tests.support.world import ROLE_EMAILS

    quiet_world(world)
    store = make_store(simulator, seed=1, products=2, orders=2)
    channel = sync_channel(store, world.a.account, import_orders_every=15)
    channel.token_refused_at = utcnow()
    db.session.commit()
    assert due_channels(SyncAction.IMPORT_ORDERS, utcnow()) == []
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    page = client.get(f"/channels/{channel.id}/main").data
    assert b'id="token-refused"' in page and b"Token refused" in page
    response = client.post(f"/channels/{channel.id}/token", data={"access_token": store.token})
    assert response.status_code == 303
    db.session.expire_all()
    assert due_channels(SyncAction.IMPORT_ORDERS, utcnow()) == [channel]


def test_each_channel_is_due_by_its_own_last_run_of_the_action(world):
    """The last run is read per channel and action (docs/scale-explain.md, "Jobs"): another channel's run,
    another action's run, or an older run of the channel's own, say nothing."""
    from sync import runs
    from sync.schedule import due_purges

    a, b = world.a.channel, world.b.channel
    a.import_orders_every = b.import_orders_every = 60
    a.pii_retention_days = b.pii_retention_days = 30
    now = utcnow()

    def ran(channel, action, minutes_ago):
        run = runs.new_run(channel, action, SyncTrigger.SCHEDULED)
        run.status, run.created_at = RunStatus.SUCCEEDED, now - timedelta(minutes=minutes_ago)
        db.session.add(run)

    ran(a, SyncAction.IMPORT_ORDERS, 600)
    ran(a, SyncAction.IMPORT_ORDERS, 10)  # a's latest: not due
    ran(b, SyncAction.IMPORT_ORDERS, 600)  # b's only one: due
    ran(b, SyncAction.EXPORT_INVENTORY, 5)
    ran(a, SyncAction.PURGE_PII, 60 * 25)  # a day and more ago: due
    ran(b, SyncAction.PURGE_PII, 60)
    db.session.commit()

    assert due_channels(SyncAction.IMPORT_ORDERS, now) == [b]
    assert due_purges(now) == [a]
