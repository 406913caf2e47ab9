"""bench/scale_jobs.py's daily PII purges of every channel: the purge runs the cron's tick queued with
everything due, executed one after the other as a worker's job calls them (`execute_run`), on a schema the
bench generated (they purge the whole year's due orders, so bench/scale.py's data is left alone).

Expected figures come from plain SQL on the data, never from the code measured: the orders due for the purge
(closed, shipped or cancelled, longer ago than their channel's retention, not purged yet). The purges run
between two instants: every order due at the first must be purged, and none purged may have been not yet due
at the second (an order whose retention ends while they run may go either way); none purged keeps a customer
name, e-mail or phone."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bench.scale_jobs_measure import Measured, measure
from bench.verdicts import Verdicts
from extensions import db
from sync.executor import execute_run

# The orders the purge must reach at an instant, by the retention rule as the channel settings state it.
DUE_SQL = """
    SELECT count(*) FROM sales_order o JOIN sales_channel c ON c.id = o.channel_id
    WHERE c.pii_retention_days IS NOT NULL AND o.pii_purged_at IS NULL AND o.closed_at IS NOT NULL
      AND o.status IN ('shipped', 'cancelled')
      AND o.closed_at < CAST(:at AS timestamptz) - c.pii_retention_days * interval '1 day'"""
# Purged since :began, though not yet due at :at (after the purges ended): must be none.
PURGED_EARLY_SQL = """
    SELECT count(*) FROM sales_order o JOIN sales_channel c ON c.id = o.channel_id
    WHERE o.pii_purged_at >= CAST(:began AS timestamptz)
      AND NOT (o.closed_at < CAST(:at AS timestamptz) - c.pii_retention_days * interval '1 day')"""
PURGED_SQL = "SELECT count(*) FROM sales_order WHERE pii_purged_at IS NOT NULL"
CONTACT_LEFT_SQL = """
    SELECT count(*) FROM sales_order WHERE pii_purged_at IS NOT NULL
      AND (customer_name <> '' OR customer_email <> '' OR customer_phone <> '')"""
QUEUED_PURGES_SQL = """
    SELECT id FROM sync_run WHERE id > :after AND action = 'purge_pii' AND status = 'queued' ORDER BY id"""


def _one(sql: str, **params) -> int:
    return int(db.session.execute(text(sql), params).scalar_one())


def run_queued(after_id: int, verdicts: Verdicts, *, spoil: bool = False) -> Measured:
    """Execute the purge runs queued after run `after_id`, measured; check them against the bench's SQL.
    `spoil` (the self-test): one more order expected purged than the data holds due."""
    queued = db.session.scalars(text(QUEUED_PURGES_SQL), {"after": after_id}).all()
    began = datetime.now(UTC)
    due, purged_before = _one(DUE_SQL, at=began), _one(PURGED_SQL)
    with measure(db.engine, f"daily PII purges ({len(queued)} channels)") as measured:
        for run_id in queued:
            execute_run(run_id)
            db.session.remove()
    ended = datetime.now(UTC)
    purged = _one(PURGED_SQL) - purged_before
    measured.items, measured.unit = purged, "orders"
    due_left, purged_early = _one(DUE_SQL, at=began), _one(PURGED_EARLY_SQL, began=began, at=ended)
    contact_left = _one(CONTACT_LEFT_SQL)
    expected = due + (purged + 1 if spoil else 0)
    if spoil:
        print("  self-test: more orders are expected purged than the data holds due")
    verdicts.check(
        "daily purges: every order due when they began was purged",
        due_left == 0 and purged >= expected,
        f"{purged:,} purged by {len(queued)} runs, {expected:,} due by SQL, {due_left:,} of them left",
    )
    verdicts.check("daily purges: no order purged before it was due", purged_early == 0, f"{purged_early:,}")
    verdicts.check("daily purges: no purged order keeps contact data", contact_left == 0, f"{contact_left:,}")
    return measured
