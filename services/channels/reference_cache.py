"""The store's reference lists the mapping screens suggest from — shipping method names, origin addresses
and channel SKUs (every final SKU the store sells, vendor-managed products included: see store_skus) —
fetched through the channel's client and cached per channel in Redis.

Every fetch is billed by the store, so a list is kept for an hour (a failure for a minute, so a store that is
down is not called on every page view) and refreshed on demand. A failure is a message, never an exception.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from connectors.brightsites.errors import BrightSitesError
from extensions import redis_client
from models.base import utcnow
from models.channels import SalesChannel
from services.api_cost import usage
from services.channels import store_connection, store_skus
from services.channels.token_vault import TokenUnreadable

log = logging.getLogger(__name__)

TTL_SECONDS = 3600
FAILURE_TTL_SECONDS = 60
KINDS = ("shipping_methods", "origin_addresses", "channel_skus")
PRODUCT_SKUS = "product_skus"  # the SKUs of products /inventories leaves out, by product and updated_at
PRODUCT_SKUS_TTL_SECONDS = 7 * 86_400
LABELS = {
    "shipping_methods": "shipping methods",
    "origin_addresses": "origin addresses",
    "channel_skus": "channel SKUs",
}


@dataclass
class Reference:
    """A cached list: its items, or the reason it could not be fetched, and when it was fetched."""

    kind: str
    items: list = field(default_factory=list)
    error: str | None = None
    fetched_at: datetime | None = None


def _key(channel: SalesChannel, kind: str) -> str:
    return f"techoms:channel:{channel.id}:reference:{kind}"


def _origin_addresses(client) -> list[dict]:
    return [
        {
            "id": str(item.get("id", "")),
            "label": ", ".join(
                str(part) for part in (item.get("nickname"), item.get("city"), item.get("state")) if part
            ),
        }
        for item in client.list_origin_addresses()
    ]


def _channel_skus(client, channel: SalesChannel) -> list[str]:
    """What the last read learnt of the products /inventories leaves out is kept longer than the list, so
    a refresh shows only those that changed (each show is a billed call)."""
    redis = redis_client()
    key = _key(channel, PRODUCT_SKUS)
    try:
        memo = json.loads(redis.get(key) or "{}")
    except ValueError:
        memo = {}
    same_store = isinstance(memo, dict) and memo.get("shop_domain") == channel.shop_domain
    read = store_skus.read(client, memo.get("products") if same_store else None)
    redis.set(
        key,
        json.dumps({"shop_domain": channel.shop_domain, "products": read.remembered}),
        ex=PRODUCT_SKUS_TTL_SECONDS,
    )
    return read.skus


FETCHERS: dict[str, Callable] = {
    "shipping_methods": lambda client, _channel: sorted(
        set(client.list_shipping_methods()), key=str.casefold
    ),
    "origin_addresses": lambda client, _channel: _origin_addresses(client),
    "channel_skus": _channel_skus,
}


def _fetch(channel: SalesChannel, kind: str) -> Reference:
    try:
        with (
            usage.counted(channel.id, usage.REFERENCE_LISTS) as tally,
            store_connection.client_for_channel(
                channel, max_wait=store_connection.PAGE_MAX_WAIT, max_retries=1, on_call=tally
            ) as client,
        ):
            items = FETCHERS[kind](client, channel)
    except BrightSitesError as exc:
        log.warning(
            "reference fetch failed", extra={"channel_id": channel.id, "kind": kind, "error": str(exc)}
        )
        return Reference(kind, error=f"Could not read the store's {LABELS[kind]}: {exc}", fetched_at=utcnow())
    except (TokenUnreadable, ValueError):
        return Reference(
            kind, error=f"Could not read the store's {LABELS[kind]}: the access token is unusable."
        )
    return Reference(kind, items=items, fetched_at=utcnow())


def get(channel: SalesChannel, kind: str, *, refresh: bool = False) -> Reference:
    """The cached list, fetched from the store when missing, expired or `refresh` is asked for."""
    redis = redis_client()
    key = _key(channel, kind)
    if not refresh:
        cached = redis.get(key)
        if cached:
            data = json.loads(cached)
            fetched_at = datetime.fromisoformat(data["fetched_at"]) if data.get("fetched_at") else None
            return Reference(kind, data.get("items", []), data.get("error"), fetched_at)
    reference = _fetch(channel, kind)
    payload = {
        "items": reference.items,
        "error": reference.error,
        "fetched_at": reference.fetched_at.isoformat() if reference.fetched_at else None,
    }
    redis.set(key, json.dumps(payload), ex=FAILURE_TTL_SECONDS if reference.error else TTL_SECONDS)
    return reference


def forget(channel: SalesChannel) -> None:
    """Drop every cached list of the channel (e.g. after its store changed)."""
    redis_client().delete(*(_key(channel, kind) for kind in (*KINDS, PRODUCT_SKUS)))
