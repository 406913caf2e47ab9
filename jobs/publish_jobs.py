"""Cron: the delta inventory exports that changes made due (services/inventory/publish_queue.py). Each due
channel gets a scheduled Export inventory run (params `on_change`); a channel whose export (or, without order
push, whose order import) is still queued or running is due again a few seconds later, so a change made
while it computes is not left to the schedule."""

from __future__ import annotations

from extensions import db
from models.activity import SyncAction, SyncTrigger
from models.channels import InventoryMode, SalesChannel
from services.inventory import publish_queue
from services.order_push import settings as order_push
from sync import runs
from sync.start import start_run

BUSY_RETRY_SECONDS = 5


def enqueue_due_publishes(now: float | None = None) -> int:
    """In an app context. Returns how many exports it started (each committed, and so queued, on its own)."""
    started = 0
    for channel_id in publish_queue.take_due(now):
        channel = db.session.get(SalesChannel, channel_id)
        if (
            channel is None
            or channel.deleted_at is not None
            or channel.inventory_mode != InventoryMode.ABSOLUTE
        ):
            continue  # deleted, or switched to Do not synchronise since
        importing = runs.active_run(channel.id, SyncAction.IMPORT_ORDERS) is not None
        if importing and not order_push.is_on(channel):
            # its export would wait for that import anyway (sync/inventory_catch_up.py): no run for nothing
            publish_queue.due_later(channel_id, BUSY_RETRY_SECONDS)
            continue
        begun = start_run(channel, SyncAction.EXPORT_INVENTORY, SyncTrigger.SCHEDULED, on_change=True)
        db.session.commit()
        if begun.created:
            started += 1
        else:
            publish_queue.due_later(channel_id, BUSY_RETRY_SECONDS)
    return started
