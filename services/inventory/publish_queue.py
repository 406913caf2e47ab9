"""Published within a minute, on change: when a variant's availability changes (an import or a push on any
channel, the stock API or CSV, a shipment, a cancel, a mapping change, a store order's hold), every channel of
the account that publishes stock is due for a delta export `INVENTORY_PUBLISH_DELAY` seconds later (default
30), besides its schedule. Changes within that delay ride on the same export (the first due time stays: a
steady stream of changes cannot postpone it). A delta that finds nothing to push costs 0 calls; "Do not
synchronise" channels are never made due.

The due times are a Redis sorted set (channel id → due time); the cron drains it every few seconds
(jobs/sync_jobs.py `enqueue_due_publishes`). Marking happens inside the writer's transaction: a change rolled
back leaves a due export that finds nothing to push. Redis being down must not fail the write: the channel's
schedule still publishes, so the mark is logged and dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import select

from extensions import db, redis_client
from models.catalog import ProductVariant
from models.channels import InventoryMode, SalesChannel

log = logging.getLogger("techoms.inventory")
DUE_KEY = "techoms:inventory:publish-due"
DEFAULT_DELAY_SECONDS = 30


def delay_seconds() -> float:
    return float(current_app.config.get("INVENTORY_PUBLISH_DELAY", DEFAULT_DELAY_SECONDS))


def variants_changed(variant_ids: Iterable[int]) -> None:
    """The availability of these variants changed: their accounts' publishing channels are due."""
    ids = sorted({variant for variant in variant_ids if variant})
    if not ids:
        return
    accounts = select(ProductVariant.account_id).where(ProductVariant.id.in_(ids[:1000])).distinct()
    _mark(_publishing_channels(SalesChannel.account_id.in_(accounts)))


def accounts_changed(account_ids: Iterable[int]) -> None:
    _mark(_publishing_channels(SalesChannel.account_id.in_(sorted(set(account_ids)))))


def channel_changed(channel_id: int) -> None:
    """What one channel publishes changed (its mappings, its store orders' holds): its account's channels."""
    account = select(SalesChannel.account_id).where(SalesChannel.id == channel_id).scalar_subquery()
    _mark(_publishing_channels(SalesChannel.account_id == account))


def _publishing_channels(where) -> list[int]:
    with db.session.no_autoflush:
        return list(
            db.session.scalars(
                select(SalesChannel.id).where(
                    where,
                    SalesChannel.inventory_mode == InventoryMode.ABSOLUTE,
                    SalesChannel.deleted_at.is_(None),
                )
            )
        )


def _mark(channel_ids: list[int]) -> None:
    if not channel_ids:
        return
    due = time.time() + delay_seconds()
    try:
        # NX: a channel already due keeps its earlier time.
        redis_client().zadd(DUE_KEY, {str(channel_id): due for channel_id in channel_ids}, nx=True)
    except RedisError:
        log.warning("inventory publish not marked due (Redis unreachable): the schedule publishes it")


def take_due(now: float | None = None) -> list[int]:
    """The channels whose due time has come, each taken by one caller only (ZREM decides)."""
    redis = redis_client()
    members = redis.zrangebyscore(DUE_KEY, "-inf", now if now is not None else time.time())
    return [int(member) for member in members if redis.zrem(DUE_KEY, member)]


def due_later(channel_id: int, seconds: float) -> None:
    """Due again `seconds` from now (its export was still running when its time came)."""
    redis_client().zadd(DUE_KEY, {str(channel_id): time.time() + seconds}, nx=True)


def due_channels() -> dict[int, float]:
    """Every channel due, with its due time (epoch seconds): for the Stock tab and the tests."""
    return {int(member): score for member, score in redis_client().zrange(DUE_KEY, 0, -1, withscores=True)}
