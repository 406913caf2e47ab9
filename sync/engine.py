"""Run one SyncRun: load it, build the channel's client, call the action, and record how it ended.

A store that cannot be reached raises StoreUnavailable to the caller (the job retries it with backoff); a
refused token or bad data end the run with a message and no retry."""

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
from models.activity import EventLevel, RunStatus, SyncAction, SyncRun
from models.base import utcnow
from services.channels import store_connection, token_vault
from sync import runs
from sync.call_recorder import CallRecorder
from sync.export_inventory import export_inventory
from sync.import_orders import CredentialsRefused, StoreUnavailable, import_orders

log = logging.getLogger("techoms.sync")

ACTIONS = {SyncAction.IMPORT_ORDERS: import_orders, SyncAction.EXPORT_INVENTORY: export_inventory}
REFUSED = (
    "The store refused the access token ({reason}). Replace the token in Advanced settings; "
    "the run was not retried and scheduled runs are paused until then."
)


@contextmanager
def detail_fetcher(
    make_client: Callable[[], BrightSitesClient], workers: int
) -> Iterator[Callable[[list[int]], Iterator[Any]]]:
    """fetch(ids) -> the order JSON (or the BrightSitesError it raised) for each id, in order, `workers`
    requests at a time, one client (one connection pool) per thread."""
    local = threading.local()
    clients: list[BrightSitesClient] = []
    lock = threading.Lock()

    def client() -> BrightSitesClient:
        if not hasattr(local, "client"):
            local.client = make_client()
            with lock:
                clients.append(local.client)
        return local.client

    def get(order_id: int) -> Any:
        try:
            return client().get_order(order_id)
        except bs_errors.BrightSitesError as error:
            return error

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="order-detail") as pool:

        def fetch(ids: list[int]) -> Iterator[Any]:
            return pool.map(get, ids)  # every call submitted now; results come back in order

        try:
            yield fetch
        finally:
            for each in clients:
                each.close()


def execute(run_id: int) -> RunStatus | None:
    run = db.session.get(SyncRun, run_id)
    if run is None or run.status.is_final:
        return None  # already done (a duplicate delivery of the job): nothing to redo
    channel = run.channel
    if channel.deleted_at is not None or not channel.token_ciphertext:
        runs.finish(run, RunStatus.FAILED, "The channel was deleted; nothing was run.")
        return RunStatus.FAILED
    runs.mark_running(run)
    recorder = CallRecorder(channel.id, run.id, channel.api_logging_until, utcnow())
    config = current_app.config
    try:
        make_client = store_connection.client_factory(
            channel,
            on_call=recorder,
            max_retries=config["SYNC_CLIENT_RETRIES"],
            timeout=config["SYNC_CLIENT_TIMEOUT"],
            sleep=config.get("SYNC_CLIENT_SLEEP") or _sleep,
        )
        with make_client() as client, detail_fetcher(make_client, channel.detail_concurrency) as fetch:
            status = ACTIONS[run.action](run, client, fetch, recorder)
    except token_vault.TokenUnreadable as error:
        return _end(run, recorder, RunStatus.FAILED, str(error), EventLevel.ERROR)
    except (CredentialsRefused, bs_errors.AuthenticationError, bs_errors.PermissionDenied) as error:
        status = _end(run, recorder, RunStatus.FAILED, REFUSED.format(reason=error), EventLevel.ERROR)
        channel.token_refused_at = utcnow()  # scheduled runs pause: each would be another billed refusal
        db.session.commit()
        return status
    except (StoreUnavailable, bs_errors.Unavailable, bs_errors.RateLimited, bs_errors.HostNotFound) as error:
        db.session.rollback()
        _save_calls(run, recorder)
        raise StoreUnavailable(f"The store could not be reached: {error}") from None
    except bs_errors.BrightSitesError as error:
        return _end(
            run,
            recorder,
            RunStatus.FAILED,
            f"The store answered in an unexpected way: {error}",
            EventLevel.FATAL,
        )
    except Exception:
        log.exception("sync run %s failed unexpectedly", run_id)
        _end(
            run,
            recorder,
            RunStatus.FAILED,
            "Unexpected failure inside techOMS; it has been logged.",
            EventLevel.FATAL,
        )
        raise
    summary = _summary(run)
    runs.add_event(run, EventLevel.INFO, summary)
    runs.finish(run, status)
    return status


def _sleep(seconds: float) -> None:
    threading.Event().wait(seconds)


def _save_calls(run: SyncRun, recorder: CallRecorder) -> None:
    run = db.session.get(SyncRun, run.id)
    recorder.flush()
    run.api_calls = recorder.calls
    db.session.commit()


def _end(
    run: SyncRun, recorder: CallRecorder, status: RunStatus, message: str, level: EventLevel
) -> RunStatus:
    db.session.rollback()
    _save_calls(run, recorder)
    runs.add_event(run, level, message)
    runs.finish(run, status, message)
    return status


def _summary(run: SyncRun) -> str:
    counts = run.counts or {}
    parts = [
        f"{counts[key]} {label}"
        for key, label in (
            ("created", "new"),
            ("updated", "updated"),
            ("cancelled", "cancelled"),
            ("unchanged", "unchanged"),
            ("locked", "kept (released)"),
            ("skipped", "skipped"),
            ("failed", "failed"),
            ("unmapped", "without a techOMS variant"),
        )
        if counts.get(key)
    ]
    return f"{run.action.label} finished: {', '.join(parts) or 'nothing to do'}; {run.api_calls} API calls."
