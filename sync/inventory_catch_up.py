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
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from extensions import db
from models.activity import EventLevel, RunStatus, SyncAction
from models.base import utcnow
from models.order_push import ArrivalPath
from services.order_push import settings as order_push
from sync import push_drain, runs
from sync.context import RunContext
from sync.import_orders import list_and_import
from sync.order_documents import OrderImport

_COUNTED = ("created", "updated", "cancelled", "failed")  # shown on the export run as orders_<kind>


def bring_orders_up_to_date(ctx: RunContext) -> Counter:
    """Imports what the store has and techOMS has not; the orders' counts, for the export run's counts."""
    channel, run = ctx.channel, ctx.run
    if order_push.is_on(channel):
        if ctx.execute is None:
            raise RuntimeError("the inventory export drains pushes through the executor: run it with one")
        status = push_drain.drain(channel, ctx.execute)
        db.session.refresh(run)
        if status == RunStatus.FAILED:
            ctx.event(
                EventLevel.WARNING,
                "Pushed orders could not all be imported before publishing; stock is published as stored.",
            )
        return Counter()
    running = runs.active_run(channel.id, SyncAction.IMPORT_ORDERS)
    if running is not None and running.status == RunStatus.RUNNING:
        return Counter()  # that run imports them; racing it would store the same orders twice
    # The import's own context on the same run, calls and client: its counts stay apart from the export's.
    own = RunContext(run, channel, ctx.recorder, ctx.client, ctx.fetch)
    state = OrderImport.start(own, ArrivalPath.POLL)
    now = utcnow().replace(microsecond=0)
    try:
        list_and_import(
            state,
            now + timedelta(seconds=1),  # whole seconds, rounded up: an order placed this second is listed
            watermark_to=now - timedelta(minutes=channel.import_lag_minutes),
            retry_failed=False,
        )
    except IntegrityError:
        # An import started meanwhile stored one of these orders first: it is stored, so it is counted.
        db.session.rollback()
        db.session.refresh(run)
    return Counter({f"orders_{kind}": state.counts[kind] for kind in _COUNTED if state.counts[kind]})
