"""Jobs at a year of a busy account (bench/scale_data.py on PostgreSQL): the cron's tick and the daily PII
purge, each timed with its SQL statements counted.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/scale_cron_purge.py
    ... bench/scale_cron_purge.py --scale 0.02                 a quick run
    ... bench/scale_cron_purge.py --self-test                  a spoilt expectation: its check must FAIL

The jobs change the data (runs queued, customer data purged), so they get schemas of their own
(`bench_scale_cron` at `--scale`, `bench_scale_cron_tiny` at 0.001), generated like bench/scale.py's, never
the pages' `bench_scale`. On each, in this process as the cron and a worker run them (a Redis of the
bench's own, no worker: queued jobs stay queued):

1. the cron's first tick: every channel's last run is days old, so it queues the scheduled runs and each
   channel's daily purge;
2. the purges it queued, run one after the other (`execute_run`, as the worker's job calls it);
3. the tick again, now with nothing due.

Expected figures come from plain SQL on the generated data, before the jobs: the orders due for the purge
(closed, shipped or cancelled, longer ago than their channel's retention, not purged yet). Checks (exit 1 when
one fails): every order due when the jobs began was purged, none purged that was not yet due when the purges
ended, none purged keeps a customer name, e-mail or phone; the second tick queued nothing; and it cost the
same number of statements on the year of a busy account as on the tiny one (constant in the data's size).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import tempfile
import time
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from redis import Redis  # noqa: E402
from sqlalchemy import event, select, text  # noqa: E402

from bench.cluster import RedisServer  # noqa: E402
from bench.scale import scale_url  # noqa: E402
from bench.verdicts import Verdicts  # noqa: E402

TINY = 0.001
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
RUNS_SQL = "SELECT count(*) FROM sync_run"


@dataclass
class Step:
    seconds: float = 0.0
    statements: int = 0
    slowest_ms: float = 0.0
    slowest_sql: str = ""


@dataclass
class Figures:
    orders: int
    due: int
    purged_before: int
    first_tick: Step
    first_tick_runs: int
    purges: Step
    purge_runs: int
    purged_after: int
    contact_left: int
    due_left: int  # due before the jobs began, still not purged
    purged_early: int  # purged, though not due even when the purges ended
    second_tick: Step
    second_tick_runs: int
    peak_rss_mib: float


@contextmanager
def measured(step: Step):
    """Time and statements of what runs inside, on the app's engine."""
    from extensions import db

    def count(_conn, _cursor, _statement, _params, context, _many):
        step.statements += 1
        context.bench_began = time.perf_counter()

    def timed(_conn, _cursor, statement, _params, context, _many):
        ms = (time.perf_counter() - context.bench_began) * 1000
        if ms > step.slowest_ms:
            step.slowest_ms, step.slowest_sql = ms, " ".join(statement.split())[:100]

    event.listen(db.engine, "before_cursor_execute", count)
    event.listen(db.engine, "after_cursor_execute", timed)
    began = time.perf_counter()
    try:
        yield step
    finally:
        step.seconds = time.perf_counter() - began
        event.remove(db.engine, "before_cursor_execute", count)
        event.remove(db.engine, "after_cursor_execute", timed)


def one(sql: str, **params) -> int:
    from extensions import db

    return int(db.session.execute(text(sql), params).scalar_one())


def jobs_on(schema: str, scale: float, redis_url: str, reuse: bool) -> Figures:
    from app import create_app
    from bench import scale_data
    from extensions import db
    from jobs.cron import tick
    from models.activity import RunStatus, SyncAction, SyncRun
    from sync.executor import execute_run

    url = scale_url(schema, fresh=not reuse)
    Redis.from_url(redis_url).flushall()  # the other schema's queued jobs carry the same run ids
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url})
    with app.app_context():
        with redirect_stderr(io.StringIO()):
            upgrade()
        if not reuse:
            made = scale_data.generate(scale_data.Sizes.scaled(scale), say=lambda *_: None)
            print(f"  {schema}: generated x{scale} in {made.seconds:.0f} s")
        began = datetime.now(UTC)  # the purges run later: everything due now is due then
        orders, due, purged_before = (
            one("SELECT count(*) FROM sales_order"),
            one(DUE_SQL, at=began),
            one(PURGED_SQL),
        )
        runs_before = one(RUNS_SQL)
        with measured(Step()) as first:
            tick()
        db.session.remove()
        first_runs = one(RUNS_SQL) - runs_before
        queued = db.session.scalars(
            select(SyncRun.id)
            .where(SyncRun.action == SyncAction.PURGE_PII, SyncRun.status == RunStatus.QUEUED)
            .order_by(SyncRun.id)
        ).all()
        with measured(Step()) as purges:
            for run_id in queued:
                execute_run(run_id)
                db.session.remove()
        ended = datetime.now(UTC)
        purged_after, contact_left = one(PURGED_SQL), one(CONTACT_LEFT_SQL)
        due_left, purged_early = one(DUE_SQL, at=began), one(PURGED_EARLY_SQL, began=began, at=ended)
        runs_before = one(RUNS_SQL)
        with measured(Step()) as second:
            tick()
        db.session.remove()
        second_runs = one(RUNS_SQL) - runs_before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Figures(
        orders, due, purged_before, first, first_runs, purges, len(queued), purged_after, contact_left,
        due_left, purged_early, second, second_runs, peak,
    )  # fmt: skip


def _line(label: str, step: Step, what: str) -> str:
    return (
        f"  {label:<24}{step.seconds * 1000:9.0f} ms {step.statements:7,} statements  {what}\n"
        f"  {'':<24}slowest {step.slowest_ms:.0f} ms: {step.slowest_sql}"
    )


def report(label: str, f: Figures) -> None:
    print(f"{label}: {f.orders:,} orders; {f.due:,} due for the purge when the jobs began (SQL)")
    print(_line("cron tick, first", f.first_tick, f"{f.first_tick_runs:,} runs queued"))
    purged = f.purged_after - f.purged_before
    print(_line(f"purges ({f.purge_runs} runs)", f.purges, f"{purged:,} orders purged"))
    print(_line("cron tick, nothing due", f.second_tick, f"{f.second_tick_runs:,} runs queued"))
    print(f"  peak RSS of this process so far {f.peak_rss_mib:.0f} MiB")


def check(big: Figures, tiny: Figures, verdicts: Verdicts, *, spoil: bool) -> None:
    """The purges ran between two instants: whatever was due at the first must be purged, and nothing purged
    may have been not yet due at the second (an order whose retention ends while they run may go either way).
    """
    for label, f in (("year", big), ("tiny", tiny)):
        purged = f.purged_after - f.purged_before
        expected = f.due + (purged + 1 if spoil and label == "year" else 0)
        verdicts.check(
            f"{label}: every order due when the jobs began was purged",
            f.due_left == 0 and purged >= expected,
            f"{purged:,} purged, {expected:,} due by SQL, {f.due_left:,} of them left",
        )
        verdicts.check(
            f"{label}: no order purged before it was due", f.purged_early == 0, f"{f.purged_early:,}"
        )
        verdicts.check(
            f"{label}: no purged order keeps contact data", f.contact_left == 0, f"{f.contact_left:,}"
        )
        verdicts.check(f"{label}: the second tick queued nothing", f.second_tick_runs == 0,
                       f"{f.second_tick_runs} runs")  # fmt: skip
    verdicts.check(
        "the tick with nothing due costs the same statements at any size",
        big.second_tick.statements == tiny.second_tick.statements,
        f"{big.second_tick.statements} on {big.orders:,} orders, "
        f"{tiny.second_tick.statements} on {tiny.orders:,}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="size factor (1 = the issue's full size)")
    parser.add_argument("--schema", default="bench_scale_cron", help="the PostgreSQL schema of the year")
    parser.add_argument("--self-test", action="store_true", help="spoil one expectation: its check must FAIL")
    args = parser.parse_args()
    if args.self_test:
        args.scale, args.schema = 0.002, "bench_scale_cron_self_test"
    work = Path(tempfile.mkdtemp(prefix="bench-scale-cron-"))
    os.environ["TECHOMS_INSTANCE_PATH"] = str(work)
    redis_server = RedisServer(work)
    try:
        big = jobs_on(args.schema, args.scale, redis_server.url, reuse=False)
        report(f"x{args.scale} ({args.schema})", big)
        tiny = jobs_on(f"{args.schema}_tiny", TINY, redis_server.url, reuse=False)
        report(f"x{TINY} ({args.schema}_tiny)", tiny)
    finally:
        redis_server.stop()
    verdicts = Verdicts()
    if args.self_test:
        print("  self-test: more orders are expected purged than the data holds due")
    check(big, tiny, verdicts, spoil=args.self_test)
    verdicts.finish()


if __name__ == "__main__":
    main()
