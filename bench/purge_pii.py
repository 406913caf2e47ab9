"""PII retention purge: time and peak memory for N closed orders (2 lines and 2 addresses each).

    .venv/bin/python bench/purge_pii.py --orders 100000
    .venv/bin/python bench/purge_pii.py --orders 1000000
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/purge_pii.py --orders 1000000

The orders are inserted set-based (executemany in chunks, then INSERT ... SELECT for lines and addresses),
never as ORM objects. The purge then runs in a child process of its own, so its figures are its own:
  * one child times the purge (the sync action itself, as the RQ job calls it) and reads its peak RSS;
  * the data is put back (one UPDATE per table) and a second child repeats the purge under tracemalloc.
Target: under 60 s for 1,000,000 orders, and memory flat in N (compare --orders 100000).

SQLite: a temporary database (migrated like production). PostgreSQL when DATABASE_URL is set: a schema of its
own (`bench_purge`, dropped at the end), so the database's other tables are never touched.

Checks (OK/FAIL; exit 1 when one fails), counted by the bench with plain SQL after the purge process ended:
every order marked purged; no order with a customer name, e-mail or phone; no address with a name, company,
street line, e-mail or phone; every address still with its city, postal code and country (kept for
reporting); lines untouched.

    .venv/bin/python bench/purge_pii.py --self-test

purges 2,000 orders, then puts one address's phone number back: the addresses check must FAIL.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# One scratch folder, shared with the child processes through the environment; instance/ is never touched.
WORK = Path(os.environ.get("BENCH_PURGE_WORK") or tempfile.mkdtemp(prefix="bench-purge-"))
os.environ["BENCH_PURGE_WORK"] = os.environ["TECHOMS_INSTANCE_PATH"] = str(WORK)

from sqlalchemy import literal, select, text, update  # noqa: E402

from app import create_app  # noqa: E402
from bench.scratch_database import migrate_fresh  # noqa: E402
from bench.store_channel import bench_account  # noqa: E402
from bench.verdicts import Verdicts  # noqa: E402
from extensions import db  # noqa: E402
from models.activity import SyncAction, SyncRun, SyncTrigger  # noqa: E402
from models.channels import SalesChannel  # noqa: E402
from models.orders import OrderAddress, OrderStatus, SalesOrder, SalesOrderLine  # noqa: E402
from sync import purge_pii, runs  # noqa: E402
from sync.executor import execute_run  # noqa: E402

SCHEMA = "bench_purge"
CHUNK = 20_000
CLOSED_AT = datetime(2024, 1, 1, tzinfo=UTC)


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{WORK / 'bench.sqlite3'}"


def make_app():
    url = database_url()
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": "redis://127.0.0.1:1/0",  # never used: the purge calls neither Redis nor the store
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    if url.startswith("postgresql"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}
    return create_app(config)


def rss_mib() -> float:
    """This process's resident memory now."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1_048_576


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(orders: int) -> int:
    """A channel with `orders` closed orders (2 lines, 2 addresses each) and a queued purge run: its id."""
    migrate_fresh(SCHEMA)
    account = bench_account("Bench", "Bench", "BENCH")
    channel = SalesChannel(
        account=account, name="Bench", shop_domain="bench.mybrightsites.com", pii_retention_days=30
    )
    db.session.add_all([account.organization, account, channel])
    db.session.commit()
    started = time.perf_counter()
    order_table = SalesOrder.__table__
    for first in range(0, orders, CHUNK):
        db.session.execute(
            order_table.insert(),
            [_order_row(channel, n) for n in range(first, min(first + CHUNK, orders))],
        )
        db.session.commit()
    ids = (
        select(order_table.c.id, order_table.c.external_id)
        .where(order_table.c.channel_id == channel.id)
        .subquery()
    )
    lines = SalesOrderLine.__table__
    for n in (1, 2):
        db.session.execute(
            lines.insert().from_select(
                ["order_id", "external_line_id", "sku", "name", "quantity", "unit_price", "total_price"],
                select(
                    ids.c.id, ids.c.external_id * 10 + n, literal(f"SKU-{n}"), literal("Tee"), literal(2),
                    literal(5), literal(10),
                ),
            )
        )  # fmt: skip
    addresses = OrderAddress.__table__
    for kind in ("shipping", "billing"):
        db.session.execute(
            addresses.insert().from_select(
                ["order_id", "kind", "first_name", "last_name", "company", "line1", "line2", "city",
                 "postal_code", "subdivision", "country", "email", "phone"],
                select(
                    ids.c.id, literal(kind), literal("Jane"), literal("Doe"), literal("Doe Holdings"),
                    literal("1 Main St"), literal("Suite 5"), literal("Austin"), literal("78701"),
                    literal("Texas"), literal("United States"), literal("jane.doe@example.com"),
                    literal("+1 512 555 0199"),
                ),
            )
        )  # fmt: skip
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    elapsed = time.perf_counter() - started
    print(f"  inserted {orders:,} orders, {2 * orders:,} lines, {2 * orders:,} addresses in {elapsed:.1f} s")
    run = runs.new_run(channel, SyncAction.PURGE_PII, SyncTrigger.SCHEDULED)
    db.session.add(run)
    db.session.commit()
    return run.id


def _order_row(channel: SalesChannel, n: int) -> dict:
    return {
        "account_id": channel.account_id,
        "channel_id": channel.id,
        "external_id": 1_000_000 + n,
        "number": f"BS-{1_000_000 + n}",
        "status": OrderStatus.SHIPPED.value,
        "store_status": "shipped",
        "store_created_at": CLOSED_AT - timedelta(days=3),
        "store_updated_at": CLOSED_AT,
        "item_total": 20,
        "shipping_total": 5,
        "tax_total": 1,
        "grand_total": 26,
        "shipping_method": "UPS Ground",
        "customer_name": "Jane Doe",
        "customer_email": f"customer{n}@example.com",
        "customer_phone": "+1 512 555 0199",
        "imported_at": CLOSED_AT,
        "updated_at": CLOSED_AT,
        "closed_at": CLOSED_AT + timedelta(seconds=n % 86_400),
    }


# What the bench inserted as customer data, spelled out here (what must be gone, and what must stay).
LEFT_SQL = {
    "orders": "SELECT COUNT(*) FROM sales_order WHERE customer_name <> '' OR customer_email <> ''"
    " OR customer_phone <> ''",
    "addresses": "SELECT COUNT(*) FROM order_address WHERE first_name <> '' OR last_name <> ''"
    " OR company <> '' OR line1 <> '' OR line2 <> '' OR email <> '' OR phone <> ''",
    "kept lost": "SELECT COUNT(*) FROM order_address WHERE city <> 'Austin' OR postal_code <> '78701'"
    " OR country <> 'United States'",
    "marked": "SELECT COUNT(*) FROM sales_order WHERE pii_purged_at IS NOT NULL",
    "all addresses": "SELECT COUNT(*) FROM order_address",
    "lines": "SELECT COUNT(*) FROM sales_order_line WHERE quantity = 2 AND sku IN ('SKU-1', 'SKU-2')",
}


def check_purged(verdicts: Verdicts, orders: int) -> None:
    """Plain SQL over the tables after the purge process ended (NULL <> '' is not true: NULL is gone)."""
    n = {name: int(db.session.execute(text(sql)).scalar_one()) for name, sql in LEFT_SQL.items()}
    verdicts.check("every order marked purged", n["marked"] == orders, f"{n['marked']:,} of {orders:,}")
    verdicts.check(
        "0 orders with a customer name, e-mail or phone",
        n["orders"] == 0,
        f"{n['orders']:,} of {orders:,} left",
    )
    verdicts.check(
        "0 addresses with a name, company, street, e-mail or phone",
        n["addresses"] == 0 and n["all addresses"] == 2 * orders,
        f"{n['addresses']:,} of {n['all addresses']:,} left",
    )
    verdicts.check("city, postal code and country kept", n["kept lost"] == 0, f"{n['kept lost']:,} lost them")
    verdicts.check("order lines untouched", n["lines"] == 2 * orders, f"{n['lines']:,} of {2 * orders:,}")


def tamper() -> None:
    """The self-test: one address's phone number back, as a purge that skipped it would leave it."""
    db.session.execute(
        text(
            "UPDATE order_address SET phone = '+1 512 555 0199'"
            " WHERE id = (SELECT MIN(id) FROM order_address)"
        )
    )
    db.session.commit()
    print("  self-test: one address has its phone number back")


def put_back(run_id: int) -> int:
    """Undo the purge (customer data back, tombstones cleared) and queue a new run, for the traced repeat."""
    channel_id = db.session.get(SyncRun, run_id).channel_id
    db.session.execute(
        update(SalesOrder)
        .where(SalesOrder.channel_id == channel_id)
        .values(customer_name="Jane Doe", customer_email="jane.doe@example.com", pii_purged_at=None),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        update(OrderAddress).values(first_name="Jane", line1="1 Main St", email="jane.doe@example.com"),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    run = runs.new_run(db.session.get(SalesChannel, channel_id), SyncAction.PURGE_PII, SyncTrigger.SCHEDULED)
    db.session.add(run)
    db.session.commit()
    return run.id


def child(run_id: int, traced: bool) -> None:
    """In a fresh process: run the purge and print its figures as JSON."""
    app = make_app()
    with app.app_context():
        before = rss_mib()
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        execute_run(run_id)
        elapsed = time.perf_counter() - started
        traced_peak = tracemalloc.get_traced_memory()[1] / 1_048_576 if traced else None
        run = db.session.get(SyncRun, run_id)
        print(
            json.dumps(
                {
                    "status": run.status.value,
                    "purged": run.counts["purged"],
                    "addresses": run.counts["addresses"],
                    "seconds": elapsed,
                    "rss_before": before,
                    "rss_peak": peak_rss_mib(),
                    "traced_peak": traced_peak,
                }
            )
        )


def run_child(run_id: int, traced: bool) -> dict:
    command = [sys.executable, __file__, "--child-run", str(run_id)] + (["--traced"] if traced else [])
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=os.environ).stdout
    return json.loads(output.strip().splitlines()[-1])


def traced_repeat(app, run_id: int) -> None:
    """The purge again (data put back) under tracemalloc, in a fresh process."""
    with app.app_context():
        again = put_back(run_id)
        traced = run_child(again, traced=True)
    print(
        f"  peak traced memory (tracemalloc): {traced['traced_peak']:.1f} MiB "
        f"(that run took {traced['seconds']:.1f} s under tracemalloc)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--child-run", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--self-test", action="store_true", help="tamper with the outcome: checks must FAIL")
    args = parser.parse_args()
    if args.child_run:
        child(args.child_run, args.traced)
        return
    if args.self_test:
        args.orders = 2_000
    verdicts = Verdicts()
    app = make_app()
    backend = "PostgreSQL" if database_url().startswith("postgresql") else "SQLite"
    print(f"PII purge of {args.orders:,} closed orders on {backend} (batch {purge_pii.BATCH_SIZE:,})")
    try:
        with app.app_context():
            run_id = prepare(args.orders)
        timed = run_child(run_id, traced=False)
        print(
            f"  purge: {timed['seconds']:.1f} s ({args.orders / timed['seconds']:,.0f} orders/s), "
            f"{timed['purged']:,} orders and {timed['addresses']:,} addresses purged (the run's counts), "
            f"run {timed['status']}"
        )
        print(
            f"  peak RSS of the purge process: {timed['rss_peak']:.0f} MiB "
            f"({timed['rss_before']:.0f} MiB before the purge started)"
        )
        with app.app_context():
            if args.self_test:
                tamper()
            check_purged(verdicts, args.orders)
        if not args.self_test:
            traced_repeat(app, run_id)
    finally:
        if database_url().startswith("postgresql"):
            with app.app_context(), db.engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        shutil.rmtree(WORK, ignore_errors=True)
    verdicts.finish()


if __name__ == "__main__":
    main()
