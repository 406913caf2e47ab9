"""The cron's tick costs a constant number of SQL statements when nothing is due, whatever the number of
channels (issue #28: 100 channels ticked once a minute), and grows only with the runs it starts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from extensions import db
from jobs.cron import tick
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from models.channels import SalesChannel
from services.channels import token_vault
from sync import actions, runs
from tests.support.queries import recorded_statements


def quiet_channels(account, count: int, start: int = 0) -> list[SalesChannel]:
    """Channels whose every scheduled action (and daily purge) ran a minute ago — except the shipment export,
    whose interval has passed but which has nothing to send: nothing is due."""
    channels = []
    for n in range(start, start + count):
        channel = SalesChannel(
            account_id=account.id,
            name=f"Quiet {n}",
            shop_domain=f"quiet{n}.mybrightsites.com",
            token_ciphertext=token_vault.encrypt(f"token-{n}"),
            token_last4="0000",
            token_can_write=True,
            order_statuses=["new"],
            timezone="UTC",
        )
        db.session.add(channel)
        channels.append(channel)
    db.session.flush()
    for channel in channels:
        channel.import_products_every = 60
        channel.pii_retention_days = 90
        for action in (*actions.SCHEDULED_ACTIONS, SyncAction.PURGE_PII):
            if action != SyncAction.EXPORT_SHIPMENTS:
                ran = runs.new_run(channel, action, SyncTrigger.SCHEDULED)
                ran.status, ran.created_at = RunStatus.SUCCEEDED, utcnow() - timedelta(minutes=1)
                db.session.add(ran)
    db.session.commit()
    return channels


def make_due(channels: list[SalesChannel]) -> None:
    """Their order import ran long ago: one run is due per channel."""
    for channel in channels:
        channel.import_orders_every = 15
        for run in db.session.scalars(
            select(SyncRun).where(
                SyncRun.channel_id == channel.id, SyncRun.action == SyncAction.IMPORT_ORDERS
            )
        ):
            run.created_at = utcnow() - timedelta(hours=1)
    db.session.commit()


def tick_statements() -> int:
    db.session.expire_all()
    with recorded_statements() as statements:
        tick()
    return len(statements)


def scheduled_runs() -> int:
    return len(db.session.scalars(select(SyncRun).where(SyncRun.status == RunStatus.QUEUED)).all())


def test_a_tick_with_nothing_due_costs_the_same_for_1_and_100_channels(world):
    world.a.channel.import_orders_every = world.b.channel.import_orders_every = None
    world.a.channel.export_shipments_every = world.b.channel.export_shipments_every = None
    world.a.channel.export_inventory_every = world.b.channel.export_inventory_every = None
    db.session.commit()
    quiet_channels(world.a.account, 1)
    tick()  # the first tick records each channel's health for the alerts: a change, once
    one = tick_statements()
    assert scheduled_runs() == 0
    quiet_channels(world.a.account, 99, start=1)
    tick()
    hundred = tick_statements()
    assert scheduled_runs() == 0
    assert hundred == one


def finish_scheduled_runs() -> None:
    for run in db.session.scalars(select(SyncRun).where(SyncRun.status == RunStatus.QUEUED)):
        run.status = RunStatus.SUCCEEDED
    db.session.commit()


def test_with_k_channels_due_the_tick_grows_with_k_only(world):
    world.a.channel.import_orders_every = world.b.channel.import_orders_every = None
    world.a.channel.export_shipments_every = world.b.channel.export_shipments_every = None
    world.a.channel.export_inventory_every = world.b.channel.export_inventory_every = None
    db.session.commit()
    channels = quiet_channels(world.a.account, 100)
    tick()
    quiet = tick_statements()
    costs = []
    for k, due in ((3, channels[:3]), (6, channels[3:9]), (9, channels[9:18])):
        make_due(due)
        costs.append(tick_statements())
        assert scheduled_runs() == k
        finish_scheduled_runs()
        assert tick_statements() == quiet  # nothing due again
    three, six, nine = costs
    # The same statements for each run started, whatever the other 100 - k channels: linear in k.
    assert six - three == nine - six == 3 * ((six - three) // 3) > 0, (quiet, costs)
