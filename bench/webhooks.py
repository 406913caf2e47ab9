"""Event webhooks under faults, and the ready-orders page at scale.

    .venv/bin/python bench/webhooks.py           # 10,000 events, receiver down 60 s, 100,000 orders
    .venv/bin/python bench/webhooks.py --events 2000 --down 15 --orders 20000
    DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/webhooks.py
    .venv/bin/python bench/webhooks.py --self-test

Deliveries: order events (4 per order: created, updated, shipment recorded, shipment sent, each in its own
transaction) are written to the outbox while a real dispatcher process (`python -m jobs.webhook_jobs`) and RQ
workers deliver them to a local receiver that fails 30% of requests and is down (503) for `--down` seconds;
a busy worker is SIGKILLed (with its work horse) meanwhile. Figures, from the receiver's own record against
the outbox read in plain SQL: delivered at least once, lost (must be 0), duplicate deliveries (counted, the
price of at least once), out of order per order (must be 0: first receipts of an order's events in commit
order), lag from the event's write to its first receipt (p50/p95).

Then the ready-orders page: bench/ready_orders_page.py. `--self-test` tampers with both outcomes (one
delivery dropped and two of an order swapped; an order listed twice) and shows each check failing.
The database: a temporary SQLite file, or with DATABASE_URL a PostgreSQL schema of its own (bench_webhooks).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.cluster import RedisServer, WorkerPool, busy_worker_pids  # noqa: E402
from bench.ready_orders_page import insert_orders, walk  # noqa: E402
from bench.webhook_receiver import Delivery, Receiver  # noqa: E402
from extensions import db  # noqa: E402
from models.base import utcnow  # noqa: E402
from models.channels import SalesChannel  # noqa: E402
from models.outbox import OutboxEvent  # noqa: E402
from models.tenancy import Account, Organization  # noqa: E402
from models.webhooks import WebhookEndpoint  # noqa: E402
from services.channels import token_vault  # noqa: E402
from services.webhooks import endpoints  # noqa: E402

KINDS = ("order.created", "order.updated", "shipment.recorded", "shipment.sent")
ORDERS_PER_BLOCK = 100  # a block writes 100 orders' events, one kind per transaction


@dataclass
class Outcome:
    events: int
    delivered_once: int
    lost: int
    duplicates: int
    out_of_order: int
    lag_p50: float
    lag_p95: float
    killed: int
    refused: int
    elapsed: float

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.out_of_order == 0 and self.delivered_once == self.events

    def lines(self) -> list[str]:
        return [
            f"webhooks: {self.events:,} events in {self.elapsed:.1f} s; receiver refused {self.refused:,} "
            f"requests (30% failures and the down time); {self.killed} worker(s) SIGKILLed",
            f"  delivered at least once {self.delivered_once:,} / {self.events:,}; lost {self.lost} "
            f"(must be 0); duplicate deliveries {self.duplicates:,}; out of order per order "
            f"{self.out_of_order} (must be 0): {'ok' if self.ok else 'FAILED'}",
            f"  lag from write to first receipt: p50 {self.lag_p50:.2f} s, p95 {self.lag_p95:.2f} s",
        ]


def judge(expected: dict[str, tuple[int, int, float]], received: list[Delivery], **figures) -> Outcome:
    """`expected`: event id -> (order id, position, written at); computed from the outbox in plain SQL."""
    first: dict[str, Delivery] = {}
    for delivery in received:
        first.setdefault(delivery.event_id, delivery)
    out_of_order = 0
    last_position: dict[int, int] = {}
    for delivery in sorted(first.values(), key=lambda d: d.received_at):
        if delivery.event_id not in expected:
            continue
        order_id, position, _ = expected[delivery.event_id]
        if position < last_position.get(order_id, 0):
            out_of_order += 1
        last_position[order_id] = max(position, last_position.get(order_id, 0))
    lags = sorted(first[e].received_at - written for e, (_, _, written) in expected.items() if e in first)
    return Outcome(
        events=len(expected),
        delivered_once=sum(1 for e in expected if e in first),
        lost=sum(1 for e in expected if e not in first),
        duplicates=len(received) - len(first),
        out_of_order=out_of_order,
        lag_p50=statistics.median(lags) if lags else 0.0,
        lag_p95=lags[int(0.95 * (len(lags) - 1))] if lags else 0.0,
        **figures,
    )


def _world() -> tuple[Account, SalesChannel]:
    organization = Organization(name="Bench")
    account = Account(organization=organization, name="Bench", code="BENCH")
    channel = SalesChannel(account=account, name="Bench", shop_domain="bench.mybrightsites.com")
    db.session.add_all([organization, account, channel])
    db.session.commit()
    return account, channel


def _write_block(account_id: int, block: int, kind: str) -> None:
    """One transaction: this kind of event for the block's 100 orders (order ids are plain numbers here)."""
    now = utcnow()
    db.session.execute(
        OutboxEvent.__table__.insert(),
        [
            {
                "account_id": account_id,
                "type": kind,
                "object_type": "order",
                "object_id": order_id,
                "order_id": order_id,
                "data": {"id": order_id, "bench": True},
                "created_at": now,
            }
            for order_id in range(block * ORDERS_PER_BLOCK + 1, (block + 1) * ORDERS_PER_BLOCK + 1)
        ],
    )
    db.session.commit()


def _expected() -> dict[str, tuple[int, int, float]]:
    rows = db.session.execute(text("SELECT id, order_id, position, created_at FROM outbox_event"))
    found = {}
    for event_id, order_id, position, created_at in rows:
        written = created_at if isinstance(created_at, float) else _timestamp(created_at)
        found[f"evt_{event_id}"] = (order_id, position or 0, written)
    return found


def _timestamp(value) -> float:
    if isinstance(value, str):  # SQLite through a plain SQL read
        from datetime import datetime

        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def deliver_under_faults(app, args, work: Path, redis_url: str) -> Outcome:
    receiver = Receiver(fail_rate=0.3)
    env = {
        "TECHOMS_INSTANCE_PATH": str(work),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "TOKEN_ENCRYPTION_KEYS": ",".join(app.config["TOKEN_ENCRYPTION_KEYS"]),
        "WEBHOOK_ROUTE_TO": receiver.start(),
        "WEBHOOK_RETRY_BASE_SECONDS": "0.5",
        "WEBHOOK_RETRY_MAX_SECONDS": "4",
        "WEBHOOK_DISPATCH_SECONDS": "0.3",
        "WORKER_MAINTENANCE_SECONDS": "5",
    }
    account, _channel = _world()
    # Saved without create_endpoint's host check: the name need not resolve (a machine without DNS), every
    # delivery goes to the local receiver through WEBHOOK_ROUTE_TO.
    receiver.secret = endpoints.new_secret()
    db.session.add(
        WebhookEndpoint(
            account_id=account.id, url="https://hooks.bench.example/events", event_types=list(KINDS),
            secret_ciphertext=token_vault.encrypt(receiver.secret), last_position=0, enabled=True,
            disabled_reason="",
        )
    )  # fmt: skip
    db.session.commit()
    pool = WorkerPool(args.workers, env, work)
    dispatcher_log = open(work / "dispatcher.log", "wb")  # noqa: SIM115  closed below
    dispatcher = subprocess.Popen(
        [sys.executable, "-m", "jobs.webhook_jobs"], cwd=ROOT, env={**os.environ, **env},
        stdout=dispatcher_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    blocks = max(1, args.events // (len(KINDS) * ORDERS_PER_BLOCK))
    writes = [(block, kind) for group in range(0, blocks, 5) for kind in KINDS
              for block in range(group, min(group + 5, blocks))]  # fmt: skip
    began = time.monotonic()
    down_from, down_until = began + 3, began + 3 + args.down
    killed_at = None
    try:
        pool.start()
        while True:
            now = time.monotonic()
            receiver.down = down_from <= now < down_until
            if writes:
                _write_block(account.id, *writes.pop(0))
            if killed_at is None and now > down_until + 2:
                busy = busy_worker_pids(redis_url)
                if busy or now > down_until + 10:
                    pool.kill_random(busy)
                    killed_at = now
            pool.supervise()
            if not writes and killed_at is not None and _all_delivered(receiver):
                break
            if now - began > args.timeout:
                print(f"  timed out after {args.timeout:.0f} s")
                break
            time.sleep(0.1 if writes else 0.5)
        elapsed = time.monotonic() - began
    finally:
        dispatcher.terminate()
        dispatcher.wait(30)
        dispatcher_log.close()
        pool.stop()
        receiver.stop()
    received = list(receiver.deliveries)
    if args.self_test:
        received = _tampered(received)
    return judge(_expected(), received, killed=pool.killed, refused=receiver.refused, elapsed=elapsed)


def _all_delivered(receiver: Receiver) -> bool:
    total = db.session.scalar(text("SELECT count(*) FROM outbox_event"))
    db.session.commit()
    return len({d.event_id for d in receiver.deliveries}) >= total


def _tampered(received: list[Delivery]) -> list[Delivery]:
    """Drop every delivery of one event, and swap the first receipts of two events of one order."""
    dropped = received[0].event_id
    kept = [d for d in received if d.event_id != dropped]
    by_order: dict[int, list[Delivery]] = {}
    for delivery in kept:
        by_order.setdefault(delivery.body["data"]["id"], []).append(delivery)
    pair = next(ds for ds in by_order.values() if len({d.event_id for d in ds}) >= 2)
    first, second = pair[0], next(d for d in pair if d.event_id != pair[0].event_id)
    first.received_at, second.received_at = second.received_at, first.received_at
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=None, help="default 10,000 (800 with --self-test)")
    parser.add_argument("--down", type=float, default=None, help="seconds the receiver is down (60; 3)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--orders", type=int, default=None, help="for the ready-orders page (100,000; 2,000)")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--self-test", action="store_true", help="tamper with the outcomes: the checks fail")
    args = parser.parse_args()
    small = args.self_test  # the self-test shows the checks failing; its size does not matter
    args.events = args.events or (800 if small else 10_000)
    args.down = args.down if args.down is not None else (3.0 if small else 60.0)
    args.orders = args.orders or (2_000 if small else 100_000)
    work = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    os.environ["TECHOMS_INSTANCE_PATH"] = str(work)
    from bench.scratch_database import scratch_app_factory

    redis_server = RedisServer(work)
    try:
        app = scratch_app_factory(work, "webhooks")(redis_server.url)
        app.config["API_RATE_LIMIT"] = "1000000/minute"
        with app.app_context():
            print(
                f"database: {db.engine.dialect.name}; {args.events:,} events, receiver down {args.down:.0f} s"
            )
            outcome = deliver_under_faults(app, args, work, redis_server.url)
            print("\n".join(outcome.lines()))
            account = db.session.get(Account, db.session.scalar(text("SELECT id FROM account")))
            channel_id = db.session.scalar(text("SELECT id FROM sales_channel"))
            started = time.perf_counter()
            insert_orders(account.id, channel_id, args.orders)
            print(f"  ({args.orders:,} orders inserted in {time.perf_counter() - started:.1f} s)")
            page = walk(app, account, args.orders, tamper=args.self_test)
            print("\n".join(page.lines()))
    finally:
        redis_server.stop()
    passed = outcome.ok and page.correct
    if args.self_test:
        caught = not outcome.ok and not page.correct and outcome.lost == 1 and outcome.out_of_order >= 1
        print(f"self-test: the tampered outcomes are {'caught' if caught else 'NOT caught'}")
        sys.exit(0 if caught else 1)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
