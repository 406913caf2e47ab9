"""Import the orders a store pushed (Push Orders add-on): no call to the store at all.

The intake stored each payload (`PushedOrder`, state received) and queued a job with its id. The job drains
the channel's received payloads in arrival order, in one run of action "import_pushed" (one queued-or-running
run per channel, like every action): a push that comes while a run works is taken by that run, or, if the
run had already looked for the last time, by the next one (`drain` looks again after each run ends).

Each batch goes through the import's own path (`import_orders.process_documents`: translate, resolve SKUs
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

from connectors import bounded_json
from connectors.brightsites import translate
from extensions import db
from models.activity import EventLevel, RunStatus, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from models.channels import SalesChannel
from models.order_push import ArrivalPath, PushedOrder, PushState
from services import privacy, timezones
from services.inventory import allocation
from services.mappings.resolvers import CarrierResolver, SkuResolver
from sync import runs
from sync.call_recorder import CallRecorder
from sync.import_orders import CHUNK, ImportState, commit_page, existing_orders, process_documents
from sync.pending_orders import PendingBook

log = logging.getLogger("techoms.sync")

BATCH = CHUNK  # payloads read, imported and committed together: short write transactions, as the intake
# keeps writing while a run works (SQLite has one writer at a time)
MAX_RUNS = 20  # runs one job starts before it leaves the rest to the next push or the cron's look


def import_payload(payload_id: int) -> RunStatus | None:
    """The job of one stored push: drains its channel (its own payload may have been taken by an earlier
    run, but pushes stored after that one queued no job of their own). None when there was nothing to do."""
    pushed = db.session.get(PushedOrder, payload_id)
    if pushed is None:
        return None
    return drain(db.session.get(SalesChannel, pushed.channel_id))


def channel_of(payload_id: int) -> int | None:
    return db.session.scalar(select(PushedOrder.channel_id).where(PushedOrder.id == payload_id))


def drain(channel: SalesChannel) -> RunStatus | None:
    """Runs until no received payload is left, or another worker's run is active (it takes them)."""
    status = None
    for _ in range(MAX_RUNS):
        if channel.deleted_at is not None or not _waiting(channel.id):
            return status
        run, created = runs.request_run(channel, SyncAction.IMPORT_PUSHED, SyncTrigger.PUSH)
        if not created:
            return status
        status = execute(run)
        if status == RunStatus.FAILED:
            return status
    return status


def waiting_channels() -> list[int]:
    """Channels with payloads still received: the cron's look, for jobs lost on the way."""
    return list(
        db.session.scalars(
            select(PushedOrder.channel_id).where(PushedOrder.state == PushState.RECEIVED).distinct()
        )
    )


def _waiting(channel_id: int) -> bool:
    return (
        db.session.scalar(
            select(PushedOrder.id)
            .where(PushedOrder.channel_id == channel_id, PushedOrder.state == PushState.RECEIVED)
            .limit(1)
        )
        is not None
    )


def execute(run: SyncRun) -> RunStatus:
    runs.mark_running(run)
    try:
        status = _import(run)
    except IntegrityError:
        # A scheduled import created one of these orders at the same moment: the next run finds it stored.
        db.session.rollback()
        run = db.session.get(SyncRun, run.id)
        runs.finish(
            run,
            runs.Outcome(
                RunStatus.PARTIAL, "An import running at the same time stored some of these orders first."
            ),
        )
        return RunStatus.PARTIAL
    except Exception:
        log.exception("pushed orders of run %s failed unexpectedly", run.id)
        db.session.rollback()
        run = db.session.get(SyncRun, run.id)
        runs.finish(
            run,
            runs.Outcome(
                RunStatus.FAILED,
                "Pushed orders could not be imported (a failure inside techOMS); they are kept and tried "
                "again with the next push or within a few minutes.",
                EventLevel.FATAL,
            ),
        )
        return RunStatus.FAILED
    counts = run.counts or {}
    parts = [f"{counts[k]} {label}" for k, label in _SUMMARY if counts.get(k)]
    runs.finish(
        run,
        runs.Outcome(status, f"Pushed orders imported: {', '.join(parts) or 'nothing new'}; 0 API calls."),
    )
    return status


_SUMMARY = (
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


def _no_fetch(_ids: list[int]) -> Any:
    raise RuntimeError("pushed orders are never fetched from the store")


def _import(run: SyncRun) -> RunStatus:
    channel = run.channel
    state = ImportState(
        run,
        channel,
        CallRecorder(channel.id, run.id, channel.api_logging_until, utcnow(), calls_before=run.api_calls),
        _no_fetch,
        timezones.zone(channel.timezone),
        skus=SkuResolver(channel),
        carriers=CarrierResolver(channel),
        warehouse_id=allocation.primary_warehouse_id(channel),
        arrival=ArrivalPath.PUSH,
        pushed=True,
    )
    state.pending = PendingBook(channel.id, run.id)
    run.progress_total = 0
    while batch := _received(channel.id):
        run.progress_total += len(batch)
        state.ignored = set()
        documents = _newest_copies(state, batch)
        process_documents(state, documents, existing_orders(channel, [oid for oid, _ in documents]))
        now = utcnow()
        for pushed in batch:
            if pushed.state == PushState.RECEIVED:
                ignored = pushed.external_id in state.ignored
                pushed.state = PushState.IGNORED if ignored else PushState.IMPORTED
            pushed.processed_at = now
        commit_page(state)
    privacy.forget_imported_payloads(channel.id, utcnow())
    db.session.commit()
    return RunStatus.PARTIAL if state.counts["failed"] else RunStatus.SUCCEEDED


def _received(channel_id: int) -> list[PushedOrder]:
    return list(
        db.session.scalars(
            select(PushedOrder)
            .where(PushedOrder.channel_id == channel_id, PushedOrder.state == PushState.RECEIVED)
            .order_by(PushedOrder.id)
            .limit(BATCH)
        )
    )


def _newest_copies(state: ImportState, batch: list[PushedOrder]) -> list[tuple[int, Any]]:
    """(order id, document) once per order: the copy with the latest store update time; the others, and
    payloads techOMS cannot read as an order, are set aside here."""
    newest: dict[int, tuple[PushedOrder, Any, Any]] = {}
    for pushed in batch:
        document = _document(pushed)
        if document is None or pushed.external_id is None:
            _unreadable(state, pushed)
            continue
        try:
            updated = translate.update_time(document.get("updated_at"), state.store_tz)
        except (translate.TranslationError, TypeError, ValueError):
            updated = None
        kept = newest.get(pushed.external_id)
        if kept is None or (updated is not None and (kept[2] is None or updated >= kept[2])):
            if kept is not None:
                _set_aside(kept[0], state)
            newest[pushed.external_id] = (pushed, document, updated)
        else:
            _set_aside(pushed, state)
    state.run.progress_done += len(batch) - len(newest)
    return [(oid, document) for oid, (_, document, _) in newest.items()]


def _set_aside(pushed: PushedOrder, state: ImportState) -> None:
    pushed.state = PushState.IGNORED
    pushed.error = "A newer copy of this order was pushed in the same batch."
    state.counts["outdated"] += 1


def _unreadable(state: ImportState, pushed: PushedOrder) -> None:
    pushed.state = PushState.UNREADABLE
    pushed.error = "The pushed JSON is not an order techOMS can read (no valid order id)."
    state.counts["failed"] += 1
    runs.add_event(
        state.run,
        EventLevel.ERROR,
        f"A pushed order could not be read (payload {pushed.id}: no valid order id); it was not imported.",
    )


def _document(pushed: PushedOrder) -> dict[str, Any] | None:
    """The Show Order JSON; also accepted wrapped in an "order" root, as API writes are."""
    try:
        document = bounded_json.loads(pushed.payload)
    except ValueError:
        return None
    if isinstance(document, dict) and isinstance(document.get("order"), dict):
        document = document["order"]
    return document if isinstance(document, dict) else None
