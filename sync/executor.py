"""Run one attempt of a SyncRun, whatever its action: the one place that decides how a run ends.

It loads the run, marks it running, gives the action (sync/actions.py) a RunContext — with a store client
and a detail fetcher when the action calls the store — and ends the attempt with an Outcome
(sync/outcomes.py has the table of endings): whatever the action raised is read as a RunEnding, the failed
page is rolled back (pages checkpointed before it stay), and `runs.finish` records the ending. For an action
that calls the store, the attempt's API calls are saved and add up over the attempts, are added to the
channel's cost counter (services/api_cost/usage.py), and its ending is told to the store's breaker; a
scheduled run while the breaker is open and a run of a deleted channel end without a call. After a run
ended, a follow-up run is started when the action says one is owed (import orders: retries asked for too
late). The job (jobs/sync_jobs.py) passes how many attempts are left and lets RQ retry when `execute_run`
raises StoreUnavailable; it decides nothing else.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from flask import current_app

from connectors.brightsites import errors as bs_errors
from connectors.brightsites.client import BrightSitesClient
from extensions import db
from models.activity import EventLevel, RunStatus, SyncRun, SyncTrigger
from models.base import utcnow
from services.api_cost import usage
from services.channels import store_connection
from sync import actions, breaker, runs
from sync.call_recorder import CallRecorder
from sync.context import RunContext
from sync.errors import CredentialsRefused, InternalFailure, RunEnding
from sync.outcomes import Outcome, ending_error, failure_outcome
from sync.start import start_run

log = logging.getLogger("techoms.sync")

BREAKER_OPEN = (
    "Skipped: the store failed repeatedly, so scheduled runs wait before calling it again (circuit "
    "breaker open). No call was made; a run started by hand still goes through."
)
CHANNEL_DELETED = "The channel was deleted; nothing was run."


def execute_run(run_id: int, *, attempts_left: int = 0) -> RunStatus | None:
    """Run one attempt. Returns the run's final status, or None when there was nothing to run (already
    final: a duplicate delivery of the job); raises StoreUnavailable when the run went back to the queue for
    one of the `attempts_left`."""
    run = db.session.get(SyncRun, run_id)
    if run is None or run.status.is_final:
        return None
    action = actions.of(run.action)
    refusal = _refusal(run) if action.calls_store else None
    if refusal is not None:
        runs.finish(run, refusal)
        return refusal.status
    runs.mark_running(run)
    channel, calls_before = run.channel, run.api_calls
    recorder = CallRecorder(
        channel.id, run.id, channel.api_logging_until, utcnow(), calls_before=calls_before
    )
    ctx = RunContext(run, channel, recorder, execute=execute_run)
    try:
        status = _attempt(action, ctx)
    except Exception as raised:
        outcome, error = _ending(action, raised, attempts_left)
        db.session.rollback()  # the failed page's changes; the pages checkpointed before it stay
        ctx.run = db.session.get(SyncRun, run_id)
        _after_failure(action, ctx, calls_before, error)
        runs.finish(ctx.run, outcome)
        if outcome.status == RunStatus.QUEUED:
            raise error from None
        start_follow_up(ctx.run)
        return outcome.status
    if action.calls_store:
        _note_attempt(run, ctx.recorder.calls - calls_before, None)
    runs.finish(run, Outcome(status, action.summary(run)))
    start_follow_up(run)
    return status


def _refusal(run: SyncRun) -> Outcome | None:
    """Why a store-calling run ends before any call: its channel is gone, or its store's breaker is open."""
    channel = run.channel
    if channel.deleted_at is not None or not channel.token_ciphertext:
        return Outcome(RunStatus.FAILED, CHANNEL_DELETED, EventLevel.ERROR)
    if run.trigger == SyncTrigger.SCHEDULED and not breaker.admit_scheduled(channel.shop_domain, utcnow()):
        return Outcome(RunStatus.FAILED, BREAKER_OPEN, EventLevel.WARNING)
    return None


def _ending(action: actions.Action, raised: Exception, attempts_left: int) -> tuple[Outcome, RunEnding]:
    own = action.ending(raised) if action.ending is not None else None
    error = ending_error(raised)
    if own is not None:
        return own, error
    if isinstance(error, InternalFailure):
        log.exception("sync run of %s failed unexpectedly", action.key.value)
    if isinstance(error, InternalFailure) and action.internal_failure:
        return Outcome(RunStatus.FAILED, action.internal_failure, error.level), error
    return failure_outcome(error, attempts_left), error


def _after_failure(action: actions.Action, ctx: RunContext, calls_before: int, error: RunEnding) -> None:
    if action.after_failure is not None:
        action.after_failure(ctx)
    if not action.calls_store:
        return
    ctx.recorder.flush()
    ctx.run.api_calls = ctx.recorder.calls
    if isinstance(error, CredentialsRefused):
        # Scheduled runs pause until a new token: each would be another billed refusal.
        ctx.run.channel.token_refused_at = utcnow()
    _note_attempt(ctx.run, ctx.recorder.calls - calls_before, error)


def _note_attempt(run: SyncRun, calls: int, error: RunEnding | None) -> None:
    """The attempt's billed calls on the channel's cost counter, and its ending on the store's breaker
    (only when it reached the store: a token that cannot be decrypted says nothing about the store)."""
    usage.add(run.channel_id, run.action.value, calls)
    if calls:
        breaker.record(run.channel.shop_domain, error, utcnow())


def start_follow_up(run: SyncRun) -> SyncRun | None:
    """After `run` ended: a run of the same action when it owes one (committed at once, so its job is
    queued), or None (nothing owed, or another run of the action is queued or running: it picks it up)."""
    follow_up = actions.of(run.action).follow_up
    if follow_up is None or not follow_up(run):
        return None
    started = start_run(run.channel, run.action, SyncTrigger.RETRY, follow_up_of=run.id)
    db.session.commit()
    return started.run if started.created else None


def _attempt(action: actions.Action, ctx: RunContext) -> RunStatus:
    if not action.calls_store:
        return action.perform(ctx)
    config = current_app.config
    make_client = store_connection.client_factory(
        ctx.channel,
        on_call=ctx.recorder,
        max_retries=config["SYNC_CLIENT_RETRIES"],
        timeout=config["SYNC_CLIENT_TIMEOUT"],
        sleep=config.get("SYNC_CLIENT_SLEEP") or _sleep,
    )
    workers = ctx.channel.detail_concurrency
    with make_client() as client, detail_fetcher(make_client, workers, action.detail) as fetch:
        ctx.client, ctx.fetch = client, fetch
        return action.perform(ctx)


@contextmanager
def detail_fetcher(
    make_client: Callable[[], BrightSitesClient],
    workers: int,
    getter: Callable[[BrightSitesClient, Any], Any] = BrightSitesClient.get_order,
) -> Iterator[Callable[..., Iterator[Any]]]:
    """fetch(items) -> the JSON `getter` reads (an order's by default), or the BrightSitesError it raised, for
    each item, in order, `workers` requests at a time, one client (one connection pool) per thread.

    Every item is submitted at once, unless `ahead` is given: then items are taken from the iterable only as
    results are handed back, at most `ahead` in flight, so an item can be prepared (a shipment claimed and
    committed) just before its request leaves, and a caller that stops taking results sends nothing more."""
    local = threading.local()
    clients: list[BrightSitesClient] = []
    lock = threading.Lock()

    def client() -> BrightSitesClient:
        if not hasattr(local, "client"):
            local.client = make_client()
            with lock:
                clients.append(local.client)
        return local.client

    def get(item: Any) -> Any:
        try:
            return getter(client(), item)
        except bs_errors.BrightSitesError as error:
            return error

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="store-detail") as pool:

        def fetch(items: Iterable[Any], ahead: int | None = None) -> Iterator[Any]:
            if ahead is None:
                return pool.map(get, items)  # every call submitted now; results come back in order
            return _windowed(pool, get, items, max(1, ahead))

        try:
            yield fetch
        finally:
            for each in clients:
                each.close()


def _windowed(pool: ThreadPoolExecutor, get: Callable[[Any], Any], items: Iterable[Any], ahead: int):
    """Results in the items' order; the next item is taken (on the caller's thread) only when fewer than
    `ahead` are in flight. Requests not started when the caller gives up are never sent."""
    in_flight: deque[Future] = deque()
    try:
        for item in items:
            in_flight.append(pool.submit(get, item))
            while len(in_flight) >= ahead:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()
    finally:
        for future in in_flight:
            future.cancel()


def _sleep(seconds: float) -> None:
    threading.Event().wait(seconds)
