"""The PII retention purge of one channel, as a sync run: orders closed (shipped or cancelled) more than the
channel's threshold ago lose their customer data, wherever it was copied (`services/privacy.py` lists the
tables and columns, `services/pii_copies.py` cuts the copies out of free text).

Set-based and batched: the oldest due orders, a few thousand at a time, are emptied with `UPDATE ... WHERE id
IN (batch)`, their copies scrubbed, and the tombstone set, in one transaction per batch, with the run's
progress. No ORM object per order, so memory stays flat in the number of orders. A purge killed half-way
leaves whole batches done and the rest due: the next run carries on from there (it is idempotent).
Manual-logging captures are scrubbed first, while the due orders still hold the values to cut out.

Each run ends with one Info event with its counts (never customer data) and one audit row. The executor
(sync/executor.py) runs it like every action; it calls no store, so it is never retried (the next run
resumes). PII_PURGE_BATCH_SIZE in the configuration overrides the batch size.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask import current_app

from extensions import db
from models.activity import RunStatus, SyncRun
from models.base import utcnow
from services import audit, pii_copies, privacy
from sync import runs
from sync.context import RunContext

BATCH_SIZE = 5000
CAPTURES_PER_READ = 20  # captures carry whole response bodies (a listing names up to 500 orders)
AUDIT_ACTION = "retention_purge"
COUNTS = ("purged", "addresses", "events", "pending_orders", "audit_rows", "api_calls")
FAILED = (
    "Unexpected failure inside techOMS; it has been logged. Orders purged so far stay purged; the next run "
    "carries on with the rest."
)


def purge(ctx: RunContext) -> RunStatus:
    """The action: purge the run's channel, one transaction per batch (with the run's counts and progress)."""
    run, channel, counts = ctx.run, ctx.channel, ctx.counts
    counts.update(dict.fromkeys(COUNTS, 0))
    if channel.pii_retention_days is None:
        _audit(run, counts, None, RunStatus.SUCCEEDED)
        return RunStatus.SUCCEEDED
    now = utcnow()
    before = privacy.cutoff(channel.pii_retention_days, now)
    run.params = {**run.params, "cutoff": before.isoformat(), "retention_days": channel.pii_retention_days}
    run.progress_done = 0
    run.progress_total = privacy.due_count(channel.id, before)
    db.session.commit()

    counts["api_calls"] = _scrub_captures(run, before)
    privacy.forget_old_idempotency_answers(channel.account_id, now)
    privacy.forget_imported_payloads(channel.id, now)
    db.session.commit()
    batch = privacy.Batch(channel.id, before, current_app.config.get("PII_PURGE_BATCH_SIZE") or BATCH_SIZE)
    while _purge_batch(run, batch, now, counts):
        pass

    run.counts = dict(counts)
    _audit(run, counts, before.isoformat(), RunStatus.SUCCEEDED)
    return RunStatus.SUCCEEDED


def audit_failure(ctx: RunContext) -> None:
    """After a failed attempt was rolled back: its counts so far, and the audit row of the failure."""
    ctx.run.counts = dict(ctx.counts)
    _audit(ctx.run, ctx.counts, ctx.run.params.get("cutoff"), RunStatus.FAILED)


def _scrub_captures(run: SyncRun, before: datetime) -> int:
    changed, after_id = 0, 0
    while rows := pii_copies.api_log_rows(run.channel_id, after_id, CAPTURES_PER_READ):
        changed += pii_copies.scrub_api_log(run.channel_id, rows, before)
        after_id = rows[-1].id
        runs.beat(run)
        db.session.commit()  # plain rows, not ORM objects: nothing of the captures stays in the session
    return changed


def _purge_batch(run: SyncRun, batch: privacy.Batch, now: datetime, counts: Counter) -> int:
    """One transaction: copies first (they need the values), then the orders and their addresses. Returns
    how many orders it purged: none once nothing is due."""
    counts.update(pii_copies.scrub_copies(batch))
    orders, addresses = privacy.empty_orders(batch, now)
    counts["purged"] += orders
    counts["addresses"] += addresses
    run.progress_done += orders
    run.counts = dict(counts)
    runs.beat(run)
    db.session.commit()
    return orders


def purge_summary(run: SyncRun) -> str:
    """The run's Info event: counts and the cutoff, never a customer's data."""
    if "cutoff" not in (run.params or {}):
        return "This channel keeps customer data (no retention threshold): nothing purged."
    counts = Counter(run.counts or {})
    before = datetime.fromisoformat(run.params["cutoff"])
    return (
        f"PII purge finished: {_n(counts['purged'], 'order')} closed before {before:%Y-%m-%d %H:%M} UTC "
        f"purged ({_n(counts['addresses'], 'address', 'addresses')}); customer data also removed from "
        f"{_n(counts['events'], 'sync event')}, {_n(counts['pending_orders'], 'pending order')}, "
        f"{_n(counts['audit_rows'], 'audit row')} and "
        f"{_n(counts['api_calls'], 'API log entry', 'API log entries')}."
    )


def _n(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def _audit(run: SyncRun, counts: Counter, before: str | None, status: RunStatus) -> None:
    """Who purged what and when, kept longer than the data (PII-06): run, cutoff, counts, outcome."""
    detail = ", ".join(f"{key} {counts[key]}" for key in COUNTS)
    text = f"run {run.id} {status.value}; cutoff {before or 'none (customer data kept)'}; {detail}"
    audit.record(run.channel, run.requested_by, AUDIT_ACTION, "orders", None, text)
