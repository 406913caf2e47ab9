"""Before the inventory export publishes, it brings the channel's orders up to date in the same run, so the
quantities it computes count every order the store has taken (the store already took their units off its
count: a figure that does not know of them would hand the units back to the store to sell again).

* Order push on: the payloads the store pushed and techOMS has not imported yet are imported first
  (sync/import_pushed.py, its own 0-call run).
* Otherwise: the import's own listing since its watermark (1 call for up to 500 changed orders) and the
  details of new or changed orders, through the import's code path (sync/import_orders.py): the calls the
  next import would make anyway, so the day's total does not grow. It lists up to now, not up to the import
  lag: an order younger than the lag holds store stock too. The watermark still moves only to now minus the
  lag, so the next import lists those orders again and finds them unchanged (no detail call). Orders that
  failed before are not fetched again here (the import retries them).

Orders it still cannot import hold their store SKUs' units (services/inventory/store_holds.py): the export
subtracts them. When an import of the channel is running at this moment, its listing is left to it (two runs
creating the same order would collide) and the export goes on with what is stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from connectors.brightsites.client import BrightSitesClient
from extensions import db
from models.activity import EventLevel, RunStatus, SyncAction, SyncRun
from models.base import utcnow
from services import timezones
from services.inventory import allocation
from services.mappings.resolvers import CarrierResolver, SkuResolver
from services.order_push import settings as order_push
from sync import import_pushed, runs
from sync.call_recorder import CallRecorder
from sync.import_orders import ImportState, list_and_import
from sync.pending_orders import PendingBook

_COUNTED = ("created", "updated", "cancelled", "failed")  # shown on the export run as orders_<kind>


def bring_orders_up_to_date(
    run: SyncRun,
    client: BrightSitesClient,
    fetch: Callable[[list[int]], Iterator[Any]],
    recorder: CallRecorder,
) -> Counter:
    """Imports what the store has and techOMS has not; the orders' counts, for the export run's counts."""
    channel = run.channel
    if order_push.is_on(channel):
        status = import_pushed.drain(channel)
        db.session.refresh(run)
        if status == RunStatus.FAILED:
            runs.add_event(
                run,
                EventLevel.WARNING,
                "Pushed orders could not all be imported before publishing; stock is published as stored.",
            )
        return Counter()
    running = runs.active_run(channel.id, SyncAction.IMPORT_ORDERS)
    if running is not None and running.status == RunStatus.RUNNING:
        return Counter()  # that run imports them; racing it would store the same orders twice
    state = ImportState(
        run,
        channel,
        recorder,
        fetch,
        timezones.zone(channel.timezone),
        skus=SkuResolver(channel),
        carriers=CarrierResolver(channel),
        warehouse_id=allocation.primary_warehouse_id(channel),
    )
    state.pending = PendingBook(channel.id, run.id)
    now = utcnow().replace(microsecond=0)
    try:
        list_and_import(
            state,
            client,
            now + timedelta(seconds=1),  # whole seconds, rounded up: an order placed this second is listed
            watermark_to=now - timedelta(minutes=channel.import_lag_minutes),
            retry_failed=False,
        )
    except IntegrityError:
        # An import started meanwhile stored one of these orders first: it is stored, so it is counted.
        db.session.rollback()
        db.session.refresh(run)
    return Counter({f"orders_{kind}": state.counts[kind] for kind in _COUNTED if state.counts[kind]})
