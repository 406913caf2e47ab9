"""Store orders in a status the channel does not import (new before payment, MOAS pending, …) still hold
store stock: the store took their units off its count when they were placed. The order listing hands the
new ones here; on a channel that publishes stock, each is fetched once (the listing has no lines) and its
lines are held by store SKU (services/inventory/store_holds.py) until it is imported or leaves those
statuses. An order already held is not fetched again; one the store shipped, completed or cancelled is
released without a call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from connectors.brightsites import errors as bs_errors
from connectors.brightsites import translate
from models.channels import InventoryMode, SalesChannel
from services.inventory import store_holds
from sync.errors import CredentialsRefused


def hold_unselected(
    channel: SalesChannel,
    fetch: Callable[[list[int]], Iterator[Any]],
    zone: ZoneInfo,
    unselected: list[tuple[int, str]],
) -> set[int]:
    """(store order id, status) of orders techOMS does not import: holds the lines of those not held yet.
    Returns the ids whose holds are to be released (the store let go of their stock)."""
    released = {oid for oid, status in unselected if status in store_holds.RELEASED_STATUSES}
    if channel.inventory_mode == InventoryMode.DO_NOT_SYNC:
        return released  # its stock is published by hand only: no call for holds
    candidates = [oid for oid, status in unselected if status not in store_holds.RELEASED_STATUSES]
    already = store_holds.versions(channel.id, candidates)
    wanted = [oid for oid in candidates if oid not in already]
    for outcome in fetch(wanted):
        if isinstance(outcome, bs_errors.AuthenticationError | bs_errors.PermissionDenied):
            raise CredentialsRefused(str(outcome))
        if isinstance(outcome, bs_errors.BrightSitesError):
            continue  # not held: a store error on this one call (rare); its next change is read again
        try:
            record = translate.order(outcome, zone)
        except (translate.TranslationError, AttributeError, KeyError, TypeError, ValueError):
            continue
        if record.updated_at is not None:
            store_holds.hold(channel.id, record, record.status)
    return released
