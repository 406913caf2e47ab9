"""Which channels are due for a scheduled run (Main settings › Automations), and when a new channel's first
scheduled run comes (the wizard's choice: models.channels.ScheduleStart)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, true

from extensions import db
from models.activity import SyncAction, SyncRun
from models.channels import ChannelStatus, InventoryMode, SalesChannel, ScheduleStart
from models.tenancy import Account
from services.api_cost import budget
from services.shipments import export_state
from sync import actions, breaker

# What else a channel must be for the action to run on its own: "Do not synchronise" pushes only by hand.
RUNS_ON_ITS_OWN_WHEN = {SyncAction.EXPORT_INVENTORY: SalesChannel.inventory_mode == InventoryMode.ABSOLUTE}
PURGE_EVERY = timedelta(days=1)


def due_channels(action: SyncAction, now: datetime) -> list[SalesChannel]:
    """Active channels of active accounts, whose token the store has not refused, within their monthly
    allowance of calls, whose store's breaker lets calls through, whose last run of `action` started at least
    one interval ago. A channel that never ran is due at once, unless its wizard said "on
    schedule": then one interval after it was created ("later" leaves the interval empty: never due)."""
    interval = actions.of(action).interval
    candidates = db.session.execute(
        select(SalesChannel, _last_created(action))
        .join(Account, Account.id == SalesChannel.account_id)
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
    # At the monthly allowance, or while the store's breaker is open, scheduled runs wait (manual ones
    # do not).
    paused = budget.paused_channel_ids(now.date())
    blocked = breaker.blocked_domains(now)
    due = []
    for channel, last in candidates:
        if channel.id in paused or channel.shop_domain in blocked:
            continue
        minutes = getattr(channel, interval.key)
        if last is None and channel.schedule_start == ScheduleStart.AFTER_INTERVAL:
            last = channel.created_at
        if last is None or now - _aware(last) >= timedelta(minutes=minutes):
            due.append(channel)
    return due


def due_runs(now: datetime) -> list[tuple[SalesChannel, SyncAction]]:
    """Every scheduled run due now: each action whose interval passed (a shipment export only when something
    waits, and not with a token known to be read-only: each would fail), then the daily purges."""
    due = []
    for action in actions.SCHEDULED_ACTIONS:
        channels = due_channels(action, now)
        if action == SyncAction.EXPORT_SHIPMENTS:
            writable = [channel for channel in channels if channel.token_can_write is not False]
            with_work = export_state.channels_with_work(channel.id for channel in writable)
            channels = [channel for channel in writable if channel.id in with_work]
        due.extend((channel, action) for channel in channels)
    return due + [(channel, SyncAction.PURGE_PII) for channel in due_purges(now)]


def next_run_after(
    channel: SalesChannel, action: SyncAction, last_started: datetime | None
) -> datetime | None:
    """Around when the schedule runs `action` next (the cron looks once a minute), or None when it is off."""
    minutes = getattr(channel, actions.of(action).interval.key)
    if minutes is None:
        return None
    if last_started is None and channel.schedule_start == ScheduleStart.AFTER_INTERVAL:
        last_started = channel.created_at
    if last_started is None:
        return None  # due now: the next minute's tick starts it
    return _aware(last_started) + timedelta(minutes=minutes)


def due_purges(now: datetime) -> list[SalesChannel]:
    """Channels with a PII retention threshold whose last purge run was requested a day or more ago.
    Retention holds whatever the channel's state: inactive, deleted, with a refused token or a paused
    account alike (the purge never calls the store)."""
    candidates = db.session.execute(
        select(SalesChannel, _last_created(SyncAction.PURGE_PII))
        .where(SalesChannel.pii_retention_days.is_not(None))
        .order_by(SalesChannel.id)
    ).all()
    return [channel for channel, last in candidates if last is None or now - _aware(last) >= PURGE_EVERY]


def _last_created(action: SyncAction):
    """When each channel's last run of `action` was created: a probe per channel of the index on (channel_id,
    action, created_at), so the cron's look costs the same however many runs the channels made over the
    years (a GROUP BY over the action's runs read them all: docs/scale-explain.md, "Jobs")."""
    return (
        select(func.max(SyncRun.created_at))
        .where(SyncRun.channel_id == SalesChannel.id, SyncRun.action == action)
        .correlate(SalesChannel)
        .scalar_subquery()
        .label("last")
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
