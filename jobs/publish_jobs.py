"""Cron: the delta inventory exports that changes made due (services/inventory/publish_queue.py). Each due
channel gets a scheduled Export inventory run (params `on_change`); a channel whose export is still queued or
running is due again a few seconds later, so a change made while it computes is not left to the schedule."""

from __future__ import annotations

from extensions import db
from jobs.enqueue import enqueue_run
from jobs.sync_jobs import with_app_context
from models.activity import SyncAction, SyncTrigger
from models.channels import InventoryMode, SalesChannel
from services.inventory import publish_queue
from sync import runs

BUSY_RETRY_SECONDS = 5


@with_app_context
def enqueue_due_publishes(now: float | None = None) -> int:
    """Returns how many exports it queued."""
    started = 0
    for channel_id in publish_queue.take_due(now):
        channel = db.session.get(SalesChannel, channel_id)
        if (
            channel is None
            or channel.deleted_at is not None
            or channel.inventory_mode != InventoryMode.ABSOLUTE
        ):
            continue  # deleted, or switched to Do not synchronise since
        run, created = runs.request_run(
            channel, SyncAction.EXPORT_INVENTORY, SyncTrigger.SCHEDULED, params={"on_change": True}
        )
        if created:
            enqueue_run(run)
            started += 1
        else:
            publish_queue.due_later(channel_id, BUSY_RETRY_SECONDS)
    return started
