"""The one place that turns configuration and a channel into a Bright Sites client; every client it builds
passes the store's shared call rate (store_call_rate.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import current_app

from connectors.brightsites.client import BrightSitesClient
from connectors.brightsites.results import ConnectionReport
from models.channels import SalesChannel
from services.channels import store_call_rate, token_vault

# A page that calls the store (connection test, reference lists) waits at most this long for the store's
# turn; a worker waits up to BRIGHTSITES_CALL_MAX_WAIT.
PAGE_MAX_WAIT = 5.0


def client_for(
    shop_domain: str, token: str, *, max_wait: float | None = None, **options
) -> BrightSitesClient:
    config = current_app.config
    return BrightSitesClient(
        shop_domain,
        token,
        route_to=config["BRIGHTSITES_ROUTE_TO"],
        extra_hosts=frozenset(config["BRIGHTSITES_EXTRA_HOSTS"]),
        gate=_gate(shop_domain, max_wait),
        **options,
    )


def _gate(shop_domain: str, max_wait: float | None) -> store_call_rate.StoreCallRate | None:
    """The store's shared call rate (none when configured off); `max_wait` below the configured one."""
    config = current_app.config
    if config["BRIGHTSITES_CALLS_PER_SECOND"] <= 0:
        return None
    configured = float(config["BRIGHTSITES_CALL_MAX_WAIT"])
    return store_call_rate.gate_for(shop_domain, max_wait=min(configured, max_wait or configured))


def client_factory(
    channel: SalesChannel, *, max_wait: float | None = None, **options
) -> Callable[[], BrightSitesClient]:
    """Builds clients for this channel outside the app context (one per fetch thread): config and token are
    read now, in the calling thread."""
    config = current_app.config
    return partial(
        BrightSitesClient,
        channel.shop_domain,
        token_vault.decrypt(channel.token_ciphertext),
        route_to=config["BRIGHTSITES_ROUTE_TO"],
        extra_hosts=frozenset(config["BRIGHTSITES_EXTRA_HOSTS"]),
        gate=_gate(channel.shop_domain, max_wait),
        **options,
    )


def client_for_channel(
    channel: SalesChannel, *, max_wait: float | None = None, **options
) -> BrightSitesClient:
    return client_factory(channel, max_wait=max_wait, **options)()


def check(shop_domain: str, token: str, **options) -> ConnectionReport:
    """Reachability, authentication and write permission, in the fewest billed calls the client can do."""
    with client_for(shop_domain, token, max_wait=PAGE_MAX_WAIT, max_retries=0, **options) as client:
        return client.test_connection()


def check_channel_token(channel: SalesChannel, shop_domain: str, **options) -> ConnectionReport:
    """The channel's stored token tested against `shop_domain` (the store it would move to). Raises
    TokenUnreadable when no configured key decrypts it."""
    return check(shop_domain, token_vault.decrypt(channel.token_ciphertext), **options)
