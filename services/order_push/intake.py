"""Taking a pushed order in: find the channel by the URL's public id, prove the secret (constant time), store
the raw JSON first (durable) with the store order id when it can be read. The import is a job's work
(sync/import_pushed.py). Refusals are counted per channel in Redis (not written to the database: a flood of
bad pushes must not become a flood of writes). Never commits."""

from __future__ import annotations

import hmac
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update

from connectors.brightsites import translate
from extensions import db, redis_client
from models.base import utcnow
from models.channels import SalesChannel
from models.order_push import OrderPushSetting, PushedOrder
from services.order_push.settings import secret_hash

log = logging.getLogger("techoms.intake")

REFUSALS = ("not_found", "unreadable", "too_large", "rate_limited")
_COUNTER_KEY = "order-push:refused:{scope}"
LAST_RECEIVED_RESOLUTION = timedelta(minutes=1)


class Refused(Exception):
    """A push taken nowhere: `reason` is one of REFUSALS."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def authenticate(public_id: str, secret: str) -> OrderPushSetting:
    """The enabled setting the URL names; wrong secret, unknown id or push off are the same refusal."""
    row = db.session.execute(
        select(OrderPushSetting, SalesChannel.deleted_at)
        .join(SalesChannel, SalesChannel.id == OrderPushSetting.channel_id)
        .where(OrderPushSetting.public_id == public_id[:64])
    ).first()
    setting, deleted_at = row if row is not None else (None, None)
    # Compared even when there is no row, so the answer takes as long either way.
    expected = setting.secret_hash if setting is not None else "0" * 64
    matches = hmac.compare_digest(secret_hash(secret), expected)
    if setting is None or not matches or not setting.enabled or deleted_at is not None:
        count_refusal(setting.channel_id if setting is not None else None, "not_found")
        raise Refused("not_found")
    return setting


def store_payload(setting: OrderPushSetting, body: bytes) -> PushedOrder:
    """The raw payload, stored as received; one that is not a JSON object is refused (and not stored)."""
    document = translate.push_document(body)
    if document is None:
        count_refusal(setting.channel_id, "unreadable")
        raise Refused("unreadable")
    pushed = PushedOrder(
        channel_id=setting.channel_id, external_id=_order_id(document), payload=body.decode("utf-8")
    )
    db.session.add(pushed)
    now = utcnow()
    db.session.execute(
        update(OrderPushSetting)
        .where(
            OrderPushSetting.id == setting.id,
            or_(
                OrderPushSetting.last_received_at.is_(None),
                OrderPushSetting.last_received_at < now - LAST_RECEIVED_RESOLUTION,
            ),
        )
        .values(last_received_at=now)
    )
    return pushed


def _order_id(document: dict[str, Any]) -> int | None:
    """The store order id when it is readable; the import decides what an unreadable one means."""
    value = document.get("order_id", document.get("id"))
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def count_refusal(channel_id: int | None, reason: str) -> None:
    """Counted per channel (unknown ids under "unknown"), and logged without the URL's secret."""
    scope = str(channel_id) if channel_id is not None else "unknown"
    try:
        redis_client().hincrby(_COUNTER_KEY.format(scope=scope), reason, 1)
    except Exception:  # noqa: BLE001  a counter must never turn a refusal into a 500
        log.warning("order push refusal not counted (Redis unavailable)")
    log.info("order push refused", extra={"channel_id": channel_id, "reason": reason})


def refusal_counts(channel_id: int) -> dict[str, int]:
    raw = redis_client().hgetall(_COUNTER_KEY.format(scope=channel_id))
    counts = {key.decode(): int(value) for key, value in raw.items()}
    return {reason: counts.get(reason, 0) for reason in REFUSALS}
