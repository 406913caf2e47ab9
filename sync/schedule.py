"""Which channels are due for a scheduled run (Main settings › Automations)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, true

from extensions import db
from models.activity import SyncAction, SyncRun
from models.channels import ChannelStatus, InventoryMode, SalesChannel
from models.tenancy import Account

# The channel column holding each action's interval in minutes (None = never on its own).
INTERVAL_COLUMNS = {
    SyncAction.IMPORT_ORDERS: SalesChannel.import_orders_every,
    SyncAction.EXPORT_SHIPMENTS: SalesChannel.export_shipments_every,
    SyncAction.EXPORT_INVENTORY: SalesChannel.export_inventory_every,
}
# What else a channel must be for the action to run on its own: "Do not synchronise" pushes only by hand.
RUNS_ON_ITS_OWN_WHEN = {SyncAction.EXPORT_INVENTORY: SalesChannel.inventory_mode == InventoryMode.ABSOLUTE}
SCHEDULED_ACTIONS = tuple(INTERVAL_COLUMNS)
PURGE_EVERY = timedelta(days=1)


def due_channels(action: SyncAction, now: datetime) -> list[SalesChannel]:
    """Active channels of active accounts, whose token the store has not refused, whose last run of `action`
    started at least one interval ago."""
    interval = INTERVAL_COLUMNS[action]
    last_run = (
        select(SyncRun.channel_id, func.max(SyncRun.created_at).label("last"))
        .where(SyncRun.action == action)
        .group_by(SyncRun.channel_id)
        .subquery()
    )
    candidates = db.session.execute(
        select(SalesChannel, last_run.c.last)
        .join(Account, Account.id == SalesChannel.account_id)
        .outerjoin(last_run, last_run.c.channel_id == SalesChannel.id)
        .where(
            SalesChannel.deleted_at.is_(None),
            SalesChannel.status == ChannelStatus.ACTIVE,
            SalesChannel.token_ciphertext != "",
            SalesChannel.token_refused_at.is_(None),
            Account.active,
            interval.is_not(None),
            RUNS_ON_ITS_OWN_WHEN.get(action, true()),
        )
    ).all()
    due = []
    for channel, last in candidates:
        minutes = getattr(channel, interval.key)
        if last is None or now - _aware(last) >= timedelta(minutes=minutes):
            due.append(channel)
    return due


def due_purges(now: datetime) -> list[SalesChannel]:
    """Channels with a PII retention threshold whose last purge run was requested a day or more ago.
    Retention holds whatever the channel's state: inactive, deleted, with a refused token or a paused
    account alike (the purge never calls the store)."""
    last_run = (
        select(SyncRun.channel_id, func.max(SyncRun.created_at).label("last"))
        .where(SyncRun.action == SyncAction.PURGE_PII)
        .group_by(SyncRun.channel_id)
        .subquery()
    )
    candidates = db.session.execute(
        select(SalesChannel, last_run.c.last)
        .outerjoin(last_run, last_run.c.channel_id == SalesChannel.id)
        .where(SalesChannel.pii_retention_days.is_not(None))
        .order_by(SalesChannel.id)
    ).all()
    return [channel for channel, last in candidates if last is None or now - _aware(last) >= PURGE_EVERY]


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
