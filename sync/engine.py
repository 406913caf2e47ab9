"""Run one attempt of a SyncRun: load it, build the channel's client, call the action, and end the attempt.

This is the one place that decides how a run ends. Whatever the attempt raises is turned into an error of
sync/errors.py (`ending_error`), and `runs.finish` records the outcome:

What the attempt raised (error type)              Run ends          Event                   RQ retries
------------------------------------------------  ----------------  ----------------------  ----------
nothing: the action finished (orders that         Succeeded, or     Info: the summary       no
  failed wait in PendingOrder for later runs)     Partial
store unreachable: 5xx, 429, timeout, DNS, too    Queued again      Warning: "techOMS       yes
  many failed details (StoreUnavailable), with                      will try again"
  attempts left
the same on the last attempt                      Failed            Fatal: "No attempts     no
                                                                    left"
token refused, 401/403 (CredentialsRefused)       Failed, and       Error                   no
                                                  scheduled runs
                                                  pause
token unreadable, shop domain refused by the      Failed            Error                   no
  client, host with a non-public address
  (ChannelUnusable)
store answered against the API contract           Failed            Fatal                   no
  (StoreAnswerUnreadable)
any other exception: a failure inside techOMS     Failed            Fatal; the traceback    no
  (InternalFailure)                                                 goes to the log
the channel was deleted before the run started    Failed            Error                   no
a scheduled run while the store's circuit         Failed, no call   Warning                 no
  breaker is open (sync/breaker.py)

The API calls of every attempt are saved before the attempt ends, and add up over the attempts; they are
also added to the channel's cost counter (services/api_cost/usage.py), and the attempt's ending is told to the
store's breaker. The job
(jobs/sync_jobs.py) passes how many attempts are left and lets RQ retry when `execute` raises
StoreUnavailable; it decides nothing else.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from flask import current_app

from connectors.brightsites import errors as bs_errors
from connectors.brightsites.client import BrightSitesClient
from extensions import db
from models.activity import EventLevel, RunStatus, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from services.api_cost import usage
from services.channels import store_connection, token_vault
from sync import breaker, runs
from sync.call_recorder import CallRecorder
from sync.errors import (
    ChannelUnusable,
    CredentialsRefused,
    InternalFailure,
    RunEnding,
    StoreAnswerUnreadable,
    StoreUnavailable,
)
from sync.export_inventory import export_inventory
from sync.export_shipments import export_shipments
from sync.import_orders import import_orders
from sync.import_products import import_products

log = logging.getLogger("techoms.sync")

ACTIONS = {
    SyncAction.IMPORT_ORDERS: import_orders,
    SyncAction.EXPORT_SHIPMENTS: export_shipments,
    SyncAction.EXPORT_INVENTORY: export_inventory,
    SyncAction.IMPORT_PRODUCTS: import_products,
}


# The detail an action's `fetch` reads for each id: an order's, except where an action reads another.
DETAIL_GETTERS: dict[SyncAction, Callable[[BrightSitesClient, int], Any]] = {
    SyncAction.IMPORT_PRODUCTS: BrightSitesClient.get_product,
}


@contextmanager
def detail_fetcher(
    make_client: Callable[[], BrightSitesClient],
    workers: int,
    getter: Callable[[BrightSitesClient, int], Any] = BrightSitesClient.get_order,
) -> Iterator[Callable[[list[int]], Iterator[Any]]]:
    """fetch(ids) -> the JSON `getter` reads (an order's by default), or the BrightSitesError it raised, for
    each id, in order, `workers` requests at a time, one client (one connection pool) per thread."""
    local = threading.local()
    clients: list[BrightSitesClient] = []
    lock = threading.Lock()

    def client() -> BrightSitesClient:
        if not hasattr(local, "client"):
            local.client = make_client()
            with lock:
                clients.append(local.client)
        return local.client

    def get(record_id: int) -> Any:
        try:
            return getter(client(), record_id)
        except bs_errors.BrightSitesError as error:
            return error

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="store-detail") as pool:

        def fetch(ids: list[int]) -> Iterator[Any]:
            return pool.map(get, ids)  # every call submitted now; results come back in order

        try:
            yield fetch
        finally:
            for each in clients:
                each.close()


def execute(run_id: int, *, attempts_left: int = 0) -> RunStatus | None:
    """Run one attempt. Returns the run's final status, or None when there was nothing to run; raises
    StoreUnavailable when the run went back to the queue for one of the `attempts_left`."""
    run = db.session.get(SyncRun, run_id)
    if run is None or run.status.is_final:
        return None  # already done (a duplicate delivery of the job): nothing to redo
    channel = run.channel
    if channel.deleted_at is not None or not channel.token_ciphertext:
        runs.finish(
            run, runs.Outcome(RunStatus.FAILED, "The channel was deleted; nothing was run.", EventLevel.ERROR)
        )
        return RunStatus.FAILED
    if run.trigger == SyncTrigger.SCHEDULED and not breaker.admit_scheduled(channel.shop_domain, utcnow()):
        runs.finish(run, runs.Outcome(RunStatus.FAILED, BREAKER_OPEN, EventLevel.WARNING))
        return RunStatus.FAILED
    runs.mark_running(run)
    calls_before = run.api_calls
    recorder = CallRecorder(
        channel.id, run.id, channel.api_logging_until, utcnow(), calls_before=calls_before
    )
    try:
        status = _attempt(run, recorder)
    except Exception as raised:
        error = ending_error(raised)
        if isinstance(error, InternalFailure):
            log.exception("sync run %s failed unexpectedly", run_id)
        outcome = _failure(error, attempts_left)
        db.session.rollback()  # the failed page's changes; the pages committed before it stay
        run = db.session.get(SyncRun, run_id)
        recorder.flush()
        run.api_calls = recorder.calls
        if isinstance(error, CredentialsRefused):
            # Scheduled runs pause until a new token: each would be another billed refusal.
            run.channel.token_refused_at = utcnow()
        _note_attempt(run, recorder.calls - calls_before, error)
        runs.finish(run, outcome)
        if outcome.status == RunStatus.QUEUED:
            raise error from None
        return outcome.status
    _note_attempt(run, recorder.calls - calls_before, None)
    runs.finish(run, runs.Outcome(status, _summary(run)))
    return status


BREAKER_OPEN = (
    "Skipped: the store failed repeatedly, so scheduled runs wait before calling it again (circuit "
    "breaker open). No call was made; a run started by hand still goes through."
)


def _note_attempt(run: SyncRun, calls: int, error: RunEnding | None) -> None:
    """The attempt's billed calls on the channel's cost counter, and its ending on the store's breaker
    (only when it reached the store: a token that cannot be decrypted says nothing about the store)."""
    usage.add(run.channel_id, run.action.value, calls)
    if calls:
        breaker.record(run.channel.shop_domain, error, utcnow())


def ending_error(error: Exception) -> RunEnding:
    """What an exception raised by an attempt means for the run (the table in the module docstring)."""
    match error:
        case RunEnding():
            return error
        case bs_errors.AuthenticationError() | bs_errors.PermissionDenied():
            return CredentialsRefused(str(error))
        case bs_errors.Unavailable() | bs_errors.RateLimited() | bs_errors.HostNotFound():
            return StoreUnavailable(str(error))
        case token_vault.TokenUnreadable():
            return ChannelUnusable(str(error))
        case bs_errors.InvalidShopDomain():
            return ChannelUnusable(f"The channel's shop domain is refused: {error.message}")
        case bs_errors.BlockedAddress():
            return ChannelUnusable(str(error))
        case bs_errors.BrightSitesError():
            return StoreAnswerUnreadable(str(error))
        case _:
            return InternalFailure(type(error).__name__)


def _failure(error: RunEnding, attempts_left: int) -> runs.Outcome:
    if not error.retryable:
        return runs.Outcome(RunStatus.FAILED, error.message, error.level)
    if attempts_left > 0:
        return runs.Outcome(
            RunStatus.QUEUED,
            f"{error.message} techOMS will try again ({attempts_left} attempt(s) left).",
            EventLevel.WARNING,
        )
    return runs.Outcome(RunStatus.FAILED, f"{error.message} No attempts left.", error.level)


def _attempt(run: SyncRun, recorder: CallRecorder) -> RunStatus:
    config = current_app.config
    make_client = store_connection.client_factory(
        run.channel,
        on_call=recorder,
        max_retries=config["SYNC_CLIENT_RETRIES"],
        timeout=config["SYNC_CLIENT_TIMEOUT"],
        sleep=config.get("SYNC_CLIENT_SLEEP") or _sleep,
    )
    getter = DETAIL_GETTERS.get(run.action, BrightSitesClient.get_order)
    with (
        make_client() as client,
        detail_fetcher(make_client, run.channel.detail_concurrency, getter) as fetch,
    ):
        return ACTIONS[run.action](run, client, fetch, recorder)


def _sleep(seconds: float) -> None:
    threading.Event().wait(seconds)


def _summary(run: SyncRun) -> str:
    counts = run.counts or {}
    parts = [
        f"{counts[key]} {label}"
        for key, label in (
            ("created", "new"),
            ("updated", "updated"),
            ("linked", "linked to techOMS variants"),
            ("proposed", "SKU mappings proposed"),
            ("gone", "gone from the store"),
            ("cancelled", "cancelled"),
            ("unchanged", "unchanged"),
            ("locked", "kept (released)"),
            ("skipped", "skipped"),
            ("sent", "shipments sent"),
            ("reconciled", "found already on the store"),
            ("store_updates", "store orders updated"),
            ("failed", "failed"),
            ("unmapped", "without a techOMS variant"),
        )
        if counts.get(key)
    ]
    return f"{run.action.label} finished: {', '.join(parts) or 'nothing to do'}; {run.api_calls} API calls."
