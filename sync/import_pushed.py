"""Import the orders a store pushed (Push Orders add-on): no call to the store at all.

The order push endpoint stored each payload (`PushedOrder`, state received) and queued a job with its id.
The job (sync/push_drain.py) drains the channel's received payloads in arrival order, in runs of action
"import_pushed" (one queued-or-running run per channel, like every action); this module is that action: a
push that comes while a run works is taken by that run, or, if the run had already looked for the last
time, by the next one.

Each batch goes through the import's own path (`import_orders.OrderImport`: translate, resolve SKUs
and carriers, upsert, failed orders with Retry), with two rules of pushes: a copy no newer than the stored
order is not written (pushes come late, twice, out of order), and a new order in a status the channel does
not import is left to the listing. Several copies of one order in a batch: the newest is imported. Nothing
here moves the listing's watermark, so the catch-up sweep still sees every order a push missed, and an order
a push brought is not fetched again by it (its store update time is the same).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from connectors.brightsites import statuses, translate
from extensions import db
from models.activity import EventLevel, RunStatus, SyncRun
from models.base import utcnow
from models.order_push import ArrivalPath, PushedOrder, PushState
from models.orders import SalesOrder
from services import privacy
from sync.context import RunContext
from sync.import_orders import OrderImport
from sync.outcomes import Outcome

log = logging.getLogger("techoms.sync")

# Payloads read, imported and committed together: short write transactions, as the push endpoint keeps writing
# while a run works (SQLite has one writer at a time).
BATCH = 100
FAILED = (
    "Pushed orders could not be imported (a failure inside techOMS); they are kept and tried again with the "
    "next push or within a few minutes."
)
SUMMARY = (
    ("created", "new"),
    ("updated", "updated"),
    ("cancelled", "cancelled"),
    ("unchanged", "already up to date"),
    ("outdated", "older than the stored copy"),
    ("locked", "kept (released)"),
    ("not_selected", "not in an imported status"),
    ("skipped", "skipped"),
    ("failed", "failed"),
)


def import_received(ctx: RunContext) -> RunStatus:
    """The action: every payload of the channel still received, oldest first, a batch at a time."""
    channel, run = ctx.channel, ctx.run
    ignored: set[int] = set()  # orders whose pushed copy was set aside by `_admit`
    importer = OrderImport.start(
        ctx, ArrivalPath.PUSH, admit=lambda imp, rec, stored: _admit(imp, rec, stored, ignored)
    )
    run.progress_total = 0
    while batch := _received(channel.id):
        run.progress_total += len(batch)
        ignored.clear()
        importer.import_documents(_newest_copies(ctx, importer, batch))
        now = utcnow()
        for pushed in batch:
            if pushed.state == PushState.RECEIVED:
                pushed.state = PushState.IGNORED if pushed.external_id in ignored else PushState.IMPORTED
            pushed.processed_at = now
        importer.checkpoint()
    privacy.forget_imported_payloads(channel.id, utcnow())
    db.session.commit()
    return importer.status()


def _admit(
    importer: OrderImport, record: translate.OrderRecord, order: SalesOrder | None, ignored: set[int]
) -> bool:
    """A pushed copy is written only when it is newer than the stored one (pushes arrive late, twice or out
    of order), and a new order only in a status the channel imports (a later listing sees it change)."""
    counts = importer.counts
    if order is None:
        wanted = set(importer.channel.order_statuses) - statuses.NEVER_FULFILLED
        if record.status in wanted or record.external_id in importer.pending:
            return True
        counts["not_selected"] += 1
        ignored.add(record.external_id)
        return False
    if order.store_updated_at is not None and record.updated_at <= order.store_updated_at:
        counts["unchanged" if record.updated_at == order.store_updated_at else "outdated"] += 1
        ignored.add(record.external_id)
        return False
    return True


def ending(raised: Exception) -> Outcome | None:
    """A scheduled import created one of these orders at the same moment: the next run finds it stored."""
    if isinstance(raised, IntegrityError):
        return Outcome(
            RunStatus.PARTIAL, "An import running at the same time stored some of these orders first."
        )
    return None


def pushed_summary(run: SyncRun) -> str:
    counts = run.counts or {}
    parts = [f"{counts[key]} {label}" for key, label in SUMMARY if counts.get(key)]
    return f"Pushed orders imported: {', '.join(parts) or 'nothing new'}; 0 API calls."


def _received(channel_id: int) -> list[PushedOrder]:
    return list(
        db.session.scalars(
            select(PushedOrder)
            .where(PushedOrder.channel_id == channel_id, PushedOrder.state == PushState.RECEIVED)
            .order_by(PushedOrder.id)
            .limit(BATCH)
        )
    )


def _newest_copies(ctx: RunContext, importer: OrderImport, batch: list[PushedOrder]) -> list[tuple[int, Any]]:
    """(order id, document) once per order: the copy with the latest store update time; the others, and
    payloads techOMS cannot read as an order, are set aside here."""
    newest: dict[int, tuple[PushedOrder, Any, Any]] = {}
    for pushed in batch:
        document = translate.push_document(pushed.payload)
        if document is None or pushed.external_id is None:
            _unreadable(ctx, pushed)
            continue
        try:
            updated = translate.timestamp(document.get("updated_at"), importer.store_tz)
        except (translate.TranslationError, TypeError, ValueError):
            updated = None
        kept = newest.get(pushed.external_id)
        if kept is None or (updated is not None and (kept[2] is None or updated >= kept[2])):
            if kept is not None:
                _set_aside(ctx, kept[0])
            newest[pushed.external_id] = (pushed, document, updated)
        else:
            _set_aside(ctx, pushed)
    ctx.run.progress_done += len(batch) - len(newest)
    return [(oid, document) for oid, (_, document, _) in newest.items()]


def _set_aside(ctx: RunContext, pushed: PushedOrder) -> None:
    pushed.state = PushState.IGNORED
    pushed.error = "A newer copy of this order was pushed in the same batch."
    ctx.counts["outdated"] += 1


def _unreadable(ctx: RunContext, pushed: PushedOrder) -> None:
    pushed.state = PushState.UNREADABLE
    pushed.error = "The pushed JSON is not an order techOMS can read (no valid order id)."
    ctx.counts["failed"] += 1
    ctx.event(
        EventLevel.ERROR,
        f"A pushed order could not be read (payload {pushed.id}: no valid order id); it was not imported.",
    )
