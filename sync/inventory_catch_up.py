"""Before the inventory export publishes, it brings the channel's orders up to date in the same job, so the
quantities it computes count every order the store has taken (the store already took their units off its
count: a figure that does not know of them would hand the units back to the store to sell again).

* Order push on: the payloads the store pushed and techOMS has not imported yet are imported first
  (sync/import_pushed.py, its own 0-call run).
* Otherwise: an order import run (trigger "catch up"), run here through the executor, whose listing reaches
  this second instead of stopping at the import lag (an order younger than the lag holds store stock too).
  It is an import like a scheduled one — the listing since the watermark, the details of new or changed
  orders, failed orders retried, the watermark moved as far as the lag allows — so its listing counts as the
  import's: the schedule runs the next import one interval after it (sync/schedule.py reads the last import
  run, whatever started it), and the day's total of calls does not grow for a push between two imports.

One import per channel at a time (start_run and the one-active-run index): when an import of the channel is
already queued or running, its listing may be older than the store's latest orders and this run may not
list beside it, so the export pushes nothing now and is due again a few seconds later (after that import).
When the catch-up fails (the store cannot be reached), nothing is pushed either: the export is retried.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from extensions import db
from models.activity import EventLevel, RunStatus, SyncAction, SyncRun, SyncTrigger
from services.order_push import settings as order_push
from sync import push_drain
from sync.context import RunContext
from sync.errors import StoreUnavailable
from sync.start import start_run

_COUNTED = ("created", "updated", "cancelled", "failed")  # shown on the export run as orders_<kind>


@dataclass
class CatchUp:
    """What bringing the orders up to date did: `deferred` when another import is active (push nothing now);
    the import's counts, for the export run's."""

    deferred: bool = False
    counts: Counter = field(default_factory=Counter)


def bring_orders_up_to_date(ctx: RunContext) -> CatchUp:
    channel, run = ctx.channel, ctx.run
    if ctx.execute is None:
        raise RuntimeError("the inventory export imports orders through the executor: run it with one")
    if order_push.is_on(channel):
        status = push_drain.drain(channel, ctx.execute)
        db.session.refresh(run)
        if status == RunStatus.FAILED:
            ctx.event(
                EventLevel.WARNING,
                "Pushed orders could not all be imported before publishing; stock is published as stored.",
            )
        return CatchUp()
    started, created = start_run(
        channel,
        SyncAction.IMPORT_ORDERS,
        SyncTrigger.CATCH_UP,
        run.requested_by,
        in_place=True,
        up_to_now=True,
        for_export=run.id,
    )
    db.session.commit()
    if not created:
        ctx.event(
            EventLevel.INFO,
            f"An order import of this channel is {started.status.value} (run {started.id}): nothing is "
            "published before it ends; the stock is published again a few seconds later.",
        )
        return CatchUp(deferred=True)
    status = ctx.execute(started.id)
    db.session.refresh(run)
    imported = db.session.get(SyncRun, started.id)
    if status not in (RunStatus.SUCCEEDED, RunStatus.PARTIAL):
        raise StoreUnavailable(
            f"The orders could not be brought up to date before publishing (import run {imported.id}: "
            f"{imported.error_summary or 'failed'}); nothing was pushed."
        )
    counts = imported.counts or {}
    return CatchUp(counts=Counter({f"orders_{kind}": counts[kind] for kind in _COUNTED if counts.get(kind)}))
