"""Store orders in a status the channel does not import (new before payment, MOAS pending, …) still hold
store stock: the store took their units off its count when they were placed. The order listing hands the
new ones here; on a channel that publishes stock, each is fetched once (the listing has no lines) and its
lines are held by store SKU (services/inventory/store_holds.py) until it is imported or leaves those
statuses. An order already held is not fetched again; one the store shipped, completed or cancelled is
released without a call. When the store errs on that one detail call, the order is held "unread" (its lines
unknown: the export publishes nothing that could exceed what can ship meanwhile) and every import reads it
again until the store serves it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from connectors.brightsites import errors as bs_errors
from connectors.brightsites import translate
from models.base import utcnow
from models.channels import InventoryMode, SalesChannel
from services.inventory import store_holds
from sync.errors import CredentialsRefused


def hold_unselected(
    channel: SalesChannel,
    fetch: Callable[[list[int]], Iterator[Any]],
    zone: ZoneInfo,
    unselected: list[tuple[int, str, datetime]],
) -> set[int]:
    """(store order id, status, listed update time) of orders techOMS does not import: holds the lines of
    those not held yet. Returns the ids whose holds are to be released (the store let go of their stock)."""
    released = {oid for oid, status, _ in unselected if status in store_holds.RELEASED_STATUSES}
    if channel.inventory_mode == InventoryMode.DO_NOT_SYNC:
        return released  # its stock is published by hand only: no call for holds
    candidates = {
        oid: listed for oid, status, listed in unselected if status not in store_holds.RELEASED_STATUSES
    }
    already = store_holds.versions(channel.id, candidates)
    wanted = [oid for oid in candidates if oid not in already]
    _read_and_hold(channel, fetch, zone, wanted, candidates)
    return released


def retry_unread(
    channel: SalesChannel,
    fetch: Callable[[list[int]], Iterator[Any]],
    zone: ZoneInfo,
    handled: set[int],
) -> None:
    """The orders whose lines the store did not serve before (held unread), except those this run `handled`
    already: read again, listed this time or not (an order older than the listing's window would never be
    read again otherwise)."""
    if channel.inventory_mode == InventoryMode.DO_NOT_SYNC:
        return
    unread = [oid for oid in store_holds.unread_orders(channel.id) if oid not in handled]
    _read_and_hold(channel, fetch, zone, unread, {})


def _read_and_hold(
    channel: SalesChannel,
    fetch: Callable[[list[int]], Iterator[Any]],
    zone: ZoneInfo,
    ids: list[int],
    listed: dict[int, datetime],
) -> None:
    for oid, outcome in zip(ids, fetch(ids), strict=True):
        if isinstance(outcome, bs_errors.AuthenticationError | bs_errors.PermissionDenied):
            raise CredentialsRefused(str(outcome))
        if isinstance(outcome, bs_errors.NotFound):
            store_holds.release(channel.id, [oid])  # gone from the store: it holds nothing
            continue
        if isinstance(outcome, bs_errors.BrightSitesError):
            # a store error on its one detail call: the listing's knowledge is kept, the detail read later
            store_holds.hold_unread(channel.id, oid, listed.get(oid) or utcnow())
            continue
        try:
            record = translate.order(outcome, zone)
        except (translate.TranslationError, AttributeError, KeyError, TypeError, ValueError):
            continue
        if record.updated_at is not None:
            store_holds.hold(channel.id, record, record.status)
