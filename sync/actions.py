"""The registry of sync actions: everything techOMS knows about an action, in one entry per action.

The executor (sync/executor.py) runs an attempt of any of them, the schedule (sync/schedule.py) reads the
interval column, start_run (sync/start.py) reads the job that runs it, and the run's summary comes from
here. The label shown for an action lives with its enum (models.activity.SyncAction.label). Adding a flow:
a SyncAction member, a module with its `perform(ctx) -> RunStatus`, and one entry below (docs/architecture.md,
"How to add a sync flow").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import InstrumentedAttribute

from connectors.brightsites.client import BrightSitesClient
from models.activity import RunStatus, SyncAction, SyncRun
from models.channels import SalesChannel
from sync import (
    export_inventory,
    export_shipments,
    import_orders,
    import_products,
    import_pushed,
    purge_pii,
    shipment_sending,
)
from sync.context import RunContext
from sync.outcomes import Outcome

# The RQ job (by its import path: sync knows nothing of RQ) that runs one attempt of a run by its id.
RUN_JOB = "jobs.sync_jobs.run_sync"

# What a run's counts mean in its summary, in this order (a count of 0 is left out).
STORE_SUMMARY = (
    ("created", "new"),
    ("updated", "updated"),
    ("linked", "linked to techOMS variants"),
    ("proposed", "SKU mappings proposed"),
    ("gone", "gone from the store"),
    ("cancelled", "cancelled"),
    ("unchanged", "unchanged"),
    ("locked", "kept (released)"),
    ("skipped", "skipped"),
    ("withheld", "held back while store orders are unread"),
    ("sent", "shipments sent"),
    ("reconciled", "found already on the store"),
    ("store_updates", "store orders updated"),
    ("failed", "failed"),
    ("unmapped", "without a techOMS variant"),
)


@dataclass(frozen=True)
class Action:
    """One sync action. `perform(ctx)` does the work and returns SUCCEEDED or PARTIAL (it raises to fail);
    `calls_store`: the executor builds a client and a detail fetcher, records the calls' cost, consults and
    feeds the store's breaker, and RQ retries a store outage; `detail`: the store call `ctx.details(items)`
    makes per item (reads an order by default); `interval`: the channel column of its schedule (None: not
    scheduled by interval); `job`: the RQ job that runs it (None: it runs inside another job, never queued
    on its own); `ending`: the action's own reading of an exception, before the common one
    (sync/outcomes.py); `after_failure`: bookkeeping once a failed attempt was rolled back; `follow_up`:
    whether an ended run owes another run of the same action."""

    key: SyncAction
    perform: Callable[[RunContext], RunStatus]
    summary: Callable[[SyncRun], str]
    calls_store: bool = True
    detail: Callable[[BrightSitesClient, Any], Any] = BrightSitesClient.get_order
    interval: InstrumentedAttribute | None = None
    job: str | None = RUN_JOB
    ending: Callable[[Exception], Outcome | None] | None = None
    internal_failure: str | None = None  # the run's message for a failure inside techOMS, if not the common
    after_failure: Callable[[RunContext], None] | None = None
    follow_up: Callable[[SyncRun], bool] | None = None

    @property
    def label(self) -> str:
        return self.key.label

    @property
    def retries(self) -> bool:
        """Only a store outage is worth trying again later; an action that calls no store is not retried."""
        return self.calls_store


def store_summary(run: SyncRun) -> str:
    counts = run.counts or {}
    parts = [f"{counts[key]} {label}" for key, label in STORE_SUMMARY if counts.get(key)]
    return f"{run.action.label} finished: {', '.join(parts) or 'nothing to do'}; {run.api_calls} API calls."


REGISTRY: dict[SyncAction, Action] = {
    action.key: action
    for action in (
        Action(
            SyncAction.IMPORT_ORDERS,
            import_orders.import_orders,
            store_summary,
            interval=SalesChannel.import_orders_every,
            follow_up=import_orders.retries_owed,
        ),
        Action(
            SyncAction.EXPORT_SHIPMENTS,
            export_shipments.export_shipments,
            store_summary,
            detail=shipment_sending.perform,  # the shipment POSTs and order PUTs, on the fetch threads
            interval=SalesChannel.export_shipments_every,
        ),
        Action(
            SyncAction.EXPORT_INVENTORY,
            export_inventory.export_inventory,
            store_summary,
            interval=SalesChannel.export_inventory_every,
        ),
        Action(
            SyncAction.IMPORT_PRODUCTS,
            import_products.import_products,
            store_summary,
            detail=BrightSitesClient.get_product,
            interval=SalesChannel.import_products_every,
        ),
        Action(
            SyncAction.PURGE_PII,
            purge_pii.purge,
            purge_pii.purge_summary,
            calls_store=False,
            after_failure=purge_pii.audit_failure,
            internal_failure=purge_pii.FAILED,
        ),
        Action(
            SyncAction.IMPORT_PUSHED,
            import_pushed.import_received,
            import_pushed.pushed_summary,
            calls_store=False,
            job=None,  # the push job (sync/push_drain.py) runs it in place
            ending=import_pushed.ending,
            internal_failure=import_pushed.FAILED,
        ),
    )
}

# The actions started by the schedule when their interval has passed (the purge has its own daily rule).
SCHEDULED_ACTIONS = tuple(key for key, action in REGISTRY.items() if action.interval is not None)


def of(key: SyncAction) -> Action:
    return REGISTRY[key]
