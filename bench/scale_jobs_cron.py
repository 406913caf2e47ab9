"""bench/scale_jobs.py's cron tick (jobs/cron.py `tick`: sweep, scheduled runs, waiting pushes, alerts, the
outbox purge's hourly ask), with nothing due and with everything due.

Nothing due: every channel gets a finished run of each scheduled action and of the purge, started now (the
bench's own rows, marked by their params), so no interval has passed; the outbox purge's hourly ask is
already taken. Everything due: those rows are moved back a year, so each channel's last run is the generated
data's (days old). The runs the tick started are ended afterwards, and the bench's rows deleted, so the data
is as before. Each part of the tick is also counted on its own, so a part that grows with the channels
shows."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text

from bench.scale_jobs_measure import Measured, StatementCounter, measure
from extensions import db
from jobs import cron
from jobs.alert_jobs import evaluate_alerts
from run_queue.outbox_purge import enqueue_outbox_purge

MARK = '{"bench": "scale_jobs"}'
ACTIONS = ("import_orders", "export_shipments", "export_inventory", "import_products", "purge_pii")
PARTS: dict[str, Callable[[], object]] = {
    "sweep": cron.sweep,
    "scheduled runs": cron.start_scheduled_runs,
    "waiting pushes": cron.import_waiting_pushes,
    "alerts": evaluate_alerts,
    "outbox purge ask": enqueue_outbox_purge,
}


def live_channels() -> int:
    """Channels a schedule can start: live, active, with a token the store did not refuse (plain SQL)."""
    return db.session.scalar(
        text(
            "SELECT count(*) FROM sales_channel c JOIN account a ON a.id = c.account_id WHERE a.active"
            " AND c.deleted_at IS NULL AND c.status = 'active' AND c.token_ciphertext <> ''"
            " AND c.token_refused_at IS NULL"
        )
    )


def mark_all_ran(ago: str) -> None:
    """A finished run of every action on every channel, created `ago` (a PostgreSQL interval) ago."""
    db.session.execute(text("DELETE FROM sync_run WHERE params::text = :mark"), {"mark": MARK})
    db.session.execute(
        text(
            "INSERT INTO sync_run (account_id, channel_id, action, trigger, status, params, created_at,"
            " started_at, finished_at, attempts, progress_done, progress_total, counts, api_calls,"
            " error_summary)"
            " SELECT c.account_id, c.id, a.action, 'scheduled', 'succeeded', CAST(:mark AS json),"
            " now() - CAST(:ago AS interval), now() - CAST(:ago AS interval), now() - CAST(:ago AS interval),"
            " 1, 0, 0, '{}', 0, ''"
            " FROM sales_channel c CROSS JOIN unnest(CAST(:actions AS text[])) AS a(action)"
        ),
        {"mark": MARK, "ago": ago, "actions": list(ACTIONS)},
    )
    db.session.commit()


def end_started(after_id: int) -> int:
    """The runs a tick started (queued, their jobs never run here): ended, so the data stays as it was."""
    ended = db.session.execute(
        text(
            "UPDATE sync_run SET status = 'failed', finished_at = now(), error_summary = 'scale jobs bench'"
            " WHERE id > :after AND status IN ('queued', 'running')"
        ),
        {"after": after_id},
    ).rowcount
    db.session.commit()
    return ended


def tick(
    label: str, redis, queued_work: Callable[[int], Measured] | None = None
) -> tuple[Measured, dict[str, int], dict[str, int], Measured | None]:
    """One tick measured whole, then `queued_work(last run id before the tick)` (runs of what it queued, as a
    worker would), then each part counted on its own (on the state the tick left). Returns the measure, the
    statements per part, the scheduled runs started per action, and queued_work's measure."""
    last_id = db.session.scalar(text("SELECT coalesce(max(id), 0) FROM sync_run"))
    with measure(db.engine, label) as whole:
        cron.tick()
    started = dict(
        db.session.execute(
            text(
                "SELECT action, count(*) FROM sync_run WHERE id > :after AND trigger = 'scheduled'"
                " GROUP BY action"
            ),
            {"after": last_id},
        ).all()
    )
    whole.items, whole.unit = sum(started.values()), "runs started"
    worked = queued_work(last_id) if queued_work is not None else None
    parts = {}
    for name, part in PARTS.items():
        counter = StatementCounter(db.engine)
        part()
        counter.close()
        parts[name] = counter.count
    end_started(last_id)
    redis.flushdb()
    return whole, parts, started, worked


def nothing_due(label: str, redis) -> tuple[Measured, dict[str, int]]:
    mark_all_ran("1 second")
    tick("warm-up", redis)  # alerts of the data's failed runs are recorded once, as any first tick would
    enqueue_outbox_purge()  # the hour's ask taken, as after any earlier tick
    whole, parts, _started, _worked = tick(label, redis)
    db.session.execute(text("DELETE FROM sync_run WHERE params::text = :mark"), {"mark": MARK})
    db.session.commit()
    return whole, parts


def all_due(
    label: str, redis, queued_work: Callable[[int], Measured] | None = None
) -> tuple[Measured, dict[str, int], Measured | None]:
    """The tick with every channel's every action due; `queued_work` as `tick` takes it."""
    mark_all_ran("1 year")
    # The bench's own jobs ran minutes ago (a purge, an import): their runs move back two days too.
    db.session.execute(
        text(
            "UPDATE sync_run SET created_at = created_at - interval '2 days'"
            " WHERE created_at > now() - interval '1 day'"
        )
    )
    db.session.commit()
    redis.flushdb()  # the outbox purge's hourly ask is due too
    whole, _parts, started, worked = tick(label, redis, queued_work)
    db.session.execute(text("DELETE FROM sync_run WHERE params::text = :mark"), {"mark": MARK})
    db.session.commit()
    return whole, started, worked


def with_retention() -> int:
    return db.session.scalar(text("SELECT count(*) FROM sales_channel WHERE pii_retention_days IS NOT NULL"))
