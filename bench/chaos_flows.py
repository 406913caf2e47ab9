"""The chaos bench's flows: one kind of sync work on one channel of its own store, each independent of the
others so its floor of billed calls is exact. A flow is set up before the faults start (`setup`), asks for a
run whenever it has work left and none is active (`wants_run`, as the schedule would), and at the end says
what must hold (`invariants`) and the fewest billed calls its workload needs (`floor`).

Adding a flow: subclass Flow, set `action` and `kind`, write setup / done / floor / invariants (and `tick` for
work that happens during the chaos, as orders placed on a store), and add the class to FLOWS. Verification
reads use the store's read-only token, so they are never counted as the workload's calls (only the read-write
token's calls are).
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import func, select, text

from bench.store_channel import map_ups_ground, ship_in_packages
from connectors.brightsites import BrightSitesClient
from extensions import db
from models.activity import PendingOrder, RunStatus, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from models.catalog import InventoryLevel, Product, ProductVariant, Warehouse
from models.channels import InventoryMode, SalesChannel, ShipmentStoreStatus
from models.mappings import WarehouseMapping
from models.order_push import OrderArrival, PushedOrder, PushState
from models.orders import OrderAddress, OrderStatus, SalesOrder
from models.shipments import Shipment
from models.tenancy import Account
from services import privacy
from services.channels import token_vault
from services.order_push import settings as order_push
from services.shipments import export_state
from sync import runs
from sync.executor import execute_run

IMPORTED_STATUSES = ["new", "paid", "in_progress"]
# Scheduled, not manual: a manual first import would switch the channel's schedule on.
RUN_TRIGGER = SyncTrigger.SCHEDULED
NO_EXTRAS = {"vendor_rate": 0, "vendor_managed": [], "moas_rate": 0, "gift_rate": 0}


@dataclass(frozen=True)
class Size:
    """How much work each flow gets, per channel."""

    orders: int = 400  # store orders for the import flow (about half are in the imported statuses)
    shipped_orders: int = 150  # store orders imported before the chaos, each shipped in one or two packages
    products: int = 100  # store products of 4 inventory rows each, for the inventory flow
    purge_orders: int = 500  # closed orders with customer data, due for the purge
    pushed_orders: int = 300  # orders placed on the push flow's store during the chaos, each pushed


@dataclass(frozen=True)
class Check:
    flow: str
    name: str
    ok: bool
    detail: str


class Flow:
    action: ClassVar[SyncAction]
    kind: ClassVar[str]
    params: ClassVar[dict[str, Any]] = {}

    def __init__(self, sim, account: Account, slot: int, size: Size, web_url: str = "") -> None:
        self.sim, self.account, self.slot, self.size = sim, account, slot, size
        self.web_url = web_url  # the app served over HTTP (the push flow's intake)
        self.name = f"{self.kind}{slot}"
        self.store: dict | None = None
        self.channel: SalesChannel | None = None

    # -- setup helpers
    def _store(self, **spec) -> dict:
        self.store = self.sim.admin(
            "POST", "/stores", {"subdomain": f"chaos{self.name}", "seed": 10 + self.slot, **spec}
        )
        return self.store

    def _reader(self) -> BrightSitesClient:
        """A client on the read-only token: the bench's own reads, never counted as the workload's."""
        return BrightSitesClient(
            self.store["domain"], self.store["readonly_token"], route_to=self.sim.base_url
        )

    def _channel(self, **settings) -> SalesChannel:
        store = self.store or {"domain": f"chaos{self.name}.mybrightsites.com", "token": "unused-token-0000"}
        channel = SalesChannel(
            account_id=self.account.id,
            name=f"Chaos {self.name}",
            shop_domain=store["domain"],
            token_ciphertext=token_vault.encrypt(store["token"]),
            token_last4=store["token"][-4:],
            token_can_write=True,
            order_statuses=IMPORTED_STATUSES,
            import_lag_minutes=0,
            timezone="UTC",
        )
        db.session.add(channel)
        db.session.flush()
        # No schedule: the bench asks for the runs (the cron still runs its sweeper and the daily purge).
        channel.import_orders_every = channel.export_shipments_every = channel.export_inventory_every = None
        for name, value in settings.items():
            setattr(channel, name, value)
        db.session.commit()
        self.channel = channel
        return channel

    def _catalog(self) -> dict[str, ProductVariant]:
        with self._reader() as client:
            skus = sorted({row["final_sku"] for row in client.iter_inventories()})
        product = Product(account_id=self.account.id, name=f"Chaos {self.name} goods")
        variants = {}
        for sku in skus:
            variant = ProductVariant(account_id=self.account.id, title=sku)
            variant.set_sku(sku)
            product.variants.append(variant)
            variants[sku] = variant
        db.session.add(product)
        db.session.commit()
        return variants

    # -- the driver's interface
    def setup(self) -> None:
        raise NotImplementedError

    def tick(self) -> None:
        """Called on every turn of the driver, before `wants_run`: work of the flow's own during the chaos."""

    def faults(self, faults: dict) -> None:
        if self.store:
            self.sim.admin("PUT", f"/stores/{self.store['subdomain']}/faults", {**faults, "seed": self.slot})

    def calm(self) -> None:
        if self.store:
            self.sim.admin("DELETE", f"/stores/{self.store['subdomain']}/faults")

    def reset_calls(self) -> None:
        if self.store:
            self.sim.admin("DELETE", f"/stores/{self.store['subdomain']}/calls")

    def billed_calls(self) -> int:
        if not self.store:
            return 0
        return self.sim.admin("GET", f"/stores/{self.store['subdomain']}/calls")["read_write"]

    def faulted_calls(self) -> int:
        """Of the billed calls, those the store answered with an injected fault (the simulator's count): no
        client gets the work done without making each of them again."""
        if not self.store:
            return 0
        return self.sim.admin("GET", f"/stores/{self.store['subdomain']}/calls")["faulted_read_write"]

    def latest_run(self) -> SyncRun | None:
        return db.session.scalar(
            select(SyncRun)
            .where(SyncRun.channel_id == self.channel.id, SyncRun.action == self.action)
            .order_by(SyncRun.id.desc())
            .limit(1)
        )

    def done(self) -> bool:
        run = self.latest_run()
        return run is not None and run.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)

    def wants_run(self) -> bool:
        return not self.done() and runs.active_run(self.channel.id, self.action) is None

    def floor(self) -> int:
        raise NotImplementedError

    def invariants(self) -> list[Check]:
        raise NotImplementedError


class ImportFlow(Flow):
    """Import a store's orders. Floor: one listing page per 500 orders, one detail per order in scope."""

    action, kind = SyncAction.IMPORT_ORDERS, "import"

    def setup(self) -> None:
        self._store(products=30, orders=self.size.orders, **NO_EXTRAS)
        self._catalog()
        self._channel()
        self.in_scope = self._store_ids()
        self.listed = self.size.orders

    def done(self) -> bool:
        """A run ended well and no order waits for a retry: an order whose detail failed past the client's
        retries is pending (a partial run), and the next import, as the schedule would start, retries it."""
        return super().done() and not self._pending()

    def _pending(self) -> bool:
        return (
            db.session.scalar(
                select(PendingOrder.id).where(PendingOrder.channel_id == self.channel.id).limit(1)
            )
            is not None
        )

    def _store_ids(self) -> Counter:
        with self._reader() as client:
            return Counter(
                int(s["order_id"]) for st in IMPORTED_STATUSES for s in client.iter_orders(status=st)
            )

    def floor(self) -> int:
        return math.ceil(self.listed / 500) + len(self.in_scope)

    def invariants(self) -> list[Check]:
        imported = Counter(
            db.session.scalars(select(SalesOrder.external_id).where(SalesOrder.channel_id == self.channel.id))
        )
        store = set(self._store_ids())
        duplicates = sum(n - 1 for n in imported.values())
        return [
            Check(
                self.name,
                "store orders in scope = imported orders",
                store == set(imported),
                f"store {len(store)}, imported {len(imported)}, missing {len(store - set(imported))}, "
                f"extra {len(set(imported) - store)}",
            ),
            Check(self.name, "0 duplicate orders", duplicates == 0, f"{duplicates} duplicates"),
        ]


class ShipmentFlow(Flow):
    """Export shipments of orders imported before the chaos (one or two packages each, no store-order update).
    Floor: one POST per package."""

    action, kind = SyncAction.EXPORT_SHIPMENTS, "ship"

    def setup(self) -> None:
        self._store(products=30, orders=self.size.shipped_orders, **NO_EXTRAS)
        self._catalog()
        channel = self._channel(
            shipment_store_status=ShipmentStoreStatus.NONE, update_order_with_last_shipment=False
        )
        service = map_ups_ground(channel)
        db.session.commit()
        run = runs.new_run(channel, SyncAction.IMPORT_ORDERS, RUN_TRIGGER)
        db.session.add(run)
        db.session.commit()
        execute_run(run.id)  # before the chaos, in this process: the orders the shipments belong to
        self.packages = 0
        for order in db.session.scalars(select(SalesOrder).where(SalesOrder.channel_id == channel.id)):
            self.packages += len(ship_in_packages(order, service, f"1Z{self.slot:02d}"))
            db.session.commit()

    def done(self) -> bool:
        return super().done() and not export_state.has_work(self.channel)

    def floor(self) -> int:
        return self.packages

    def invariants(self) -> list[Check]:
        ours = set(
            db.session.scalars(select(Shipment.tracking_number).where(Shipment.channel_id == self.channel.id))
        )
        on_store = Counter(
            s["tracking_number"]
            for s in self.sim.admin("GET", f"/stores/{self.store['subdomain']}/shipments")["shipments"]
            if s["tracking_number"] in ours  # the generated store has shipments of its own
        )
        duplicates = sum(n - 1 for n in on_store.values() if n > 1)
        missing = len(ours - set(on_store))
        return [
            Check(
                self.name,
                "every shipment on the store exactly once",
                duplicates == 0 and missing == 0 and len(ours) == self.packages,
                f"{len(ours)} shipments, on the store {sum(on_store.values())}, duplicates {duplicates}, "
                f"missing {missing}",
            )
        ]


class InventoryFlow(Flow):
    """A full inventory export. Floor: one listing page per 500 store rows, one batch_update per product
    whose figures differ, and before those pushes one listing of the store's orders (a push must count the
    orders the store took since the last import: the store already took their units off its count)."""

    action, kind = SyncAction.EXPORT_INVENTORY, "stock"
    params = {"full": True}

    def setup(self) -> None:
        self._store(
            products=self.size.products, orders=0, sizes=2, colours=2, vendor_rate=0, vendor_managed=[]
        )
        variants = self._catalog()
        warehouse = Warehouse(
            organization_id=self.account.organization_id, code=f"W{self.slot}", name="Chaos DC"
        )
        warehouse.accounts.append(self.account)
        channel = self._channel(inventory_mode=InventoryMode.ABSOLUTE)
        db.session.add(warehouse)
        db.session.flush()
        db.session.add(
            WarehouseMapping(channel_id=channel.id, warehouse_id=warehouse.id, external_identifier="1")
        )
        rng = random.Random(self.slot)
        for variant in variants.values():
            db.session.add(
                InventoryLevel(variant=variant, warehouse=warehouse, on_hand=rng.randint(0, 50), allocated=0)
            )
        db.session.commit()
        rows = self._store_rows()
        self.listed = len(rows)
        wanted = self._wanted()
        self.differing = len(
            {r["product_id"] for r in rows if r["track"] and r["inventory"] != wanted[r["final_sku"]]}
        )

    def _store_rows(self) -> list[dict]:
        with self._reader() as client:
            return list(client.iter_inventories())

    def _wanted(self) -> dict[str, int]:
        """What the store should show per SKU, computed here in plain SQL (not by the code under test): the
        mapped warehouses' on hand − allocated, clamped at 0 (the bench's channels have no buffer or max)."""
        rows = db.session.execute(
            text(
                "SELECT v.sku, SUM(l.on_hand - l.allocated) FROM inventory_level l"
                " JOIN product_variant v ON v.id = l.variant_id"
                " JOIN warehouse_mapping m ON m.warehouse_id = l.warehouse_id"
                " WHERE m.channel_id = :channel GROUP BY v.sku"
            ),
            {"channel": self.channel.id},
        )
        return {sku: max(int(total), 0) for sku, total in rows}

    def floor(self) -> int:
        orders_listing = 1 if self.differing else 0
        return math.ceil(self.listed / 500) + orders_listing + self.differing

    def invariants(self) -> list[Check]:
        wanted = self._wanted()
        rows = [r for r in self._store_rows() if r["track"]]
        wrong = [r["final_sku"] for r in rows if r["inventory"] != wanted.get(r["final_sku"])]
        return [
            Check(
                self.name,
                "store inventory = availability (plain SQL)",
                not wrong,
                f"{len(rows)} tracked rows, {len(wrong)} differ" + (f" (e.g. {wrong[0]})" if wrong else ""),
            )
        ]


class PurgeFlow(Flow):
    """The PII retention purge of closed orders (no store calls: floor 0). The cron asks for it too."""

    action, kind = SyncAction.PURGE_PII, "purge"
    closed_at = datetime(2024, 1, 1, tzinfo=UTC)

    def setup(self) -> None:
        channel = self._channel(pii_retention_days=30)
        for n in range(self.size.purge_orders):
            external = 9_000_000 + self.slot * 100_000 + n
            order = SalesOrder(
                account_id=self.account.id, channel_id=channel.id, external_id=external,
                number=f"BS-{external}", status=OrderStatus.SHIPPED, store_status="shipped", item_total=20,
                shipping_total=5, tax_total=1, grand_total=26, customer_name="Jane Doe",
                customer_email=f"c{external}@example.com", customer_phone="+1 512 555 0199",
                closed_at=self.closed_at + timedelta(seconds=n),
                store_created_at=self.closed_at - timedelta(days=3), store_updated_at=self.closed_at,
            )  # fmt: skip
            order.addresses = [
                OrderAddress(kind=kind, first_name="Jane", last_name="Doe", line1="1 Main St", city="Austin",
                             email="jane.doe@example.com", phone="+1 512 555 0199", country="United States")
                for kind in ("shipping", "billing")
            ]  # fmt: skip
            db.session.add(order)
        db.session.commit()

    def floor(self) -> int:
        return 0

    def invariants(self) -> list[Check]:
        orders = db.session.scalars(select(SalesOrder).where(SalesOrder.channel_id == self.channel.id)).all()
        left = [
            o.id
            for o in orders
            if o.pii_purged_at is None
            or any(getattr(o, c) for c in privacy.columns(SalesOrder, privacy.Handling.REMOVE))
            or any(
                getattr(a, c)
                for a in o.addresses
                for c in privacy.columns(OrderAddress, privacy.Handling.REMOVE)
            )
        ]
        return [
            Check(
                self.name,
                "no PII left in purged orders",
                not left and len(orders) == self.size.purge_orders,
                f"{len(orders)} orders, {len(left)} still with customer data",
            )
        ]


class PushIntakeFlow(ImportFlow):
    """Orders placed on a store with the Push Orders add-on during the chaos, pushed to the app's intake over
    HTTP with push faults (lost, duplicated, out of order) on top of the API faults; the intake's jobs import
    them without a call, then the catch-up sweep (the scheduled import with push on) fetches what no push
    brought. Floor: one listing page per 500 orders, one detail per order no push brought (a lost push, or
    one the intake could not take); the push path's own runs make no call at all."""

    action, kind = SyncAction.IMPORT_ORDERS, "push"
    BATCHES = 6  # orders are placed in this many batches ...
    BATCH_EVERY = 1.5  # ... this many seconds apart, so pushes arrive during the kills and the restart
    PUSH_FAULTS = {"lost_rate": 0.03, "duplicate_rate": 0.03, "reorder_rate": 0.03}

    def setup(self) -> None:
        self._store(products=30, orders=0, **NO_EXTRAS)
        self._catalog()
        channel = self._channel()
        setting, secret = order_push.turn_on(channel, None)
        db.session.commit()
        self.sim.admin(
            "PUT",
            f"/stores/{self.store['subdomain']}/push",
            {"url": f"{self.web_url}/intake/brightsites/{setting.public_id}/{secret}", "concurrency": 4,
             "seed": self.slot, **self.PUSH_FAULTS},
        )  # fmt: skip
        self.listed = self.size.pushed_orders
        self.in_scope: Counter = Counter()
        self.placed = 0
        self.next_batch = 0.0
        self.pushed_at: datetime | None = None  # when the store had sent every push
        self.push_stats: dict[str, int] = {}
        self.delivered = 0  # orders the store pushed with a 2xx answer (the simulator's count)
        self.unanswered = 0  # orders whose push went out whole but got no answer in time (the simulator's)
        self.calls_before_sweep: int | None = None  # billed while only pushes were taken (must be 0)

    def tick(self) -> None:
        now = time.monotonic()
        if self.placed < self.size.pushed_orders and now >= self.next_batch:
            count = min(
                math.ceil(self.size.pushed_orders / self.BATCHES), self.size.pushed_orders - self.placed
            )
            self.sim.admin(
                "POST", f"/stores/{self.store['subdomain']}/orders", {"status": "paid", "count": count}
            )
            self.placed += count
            self.next_batch = now + self.BATCH_EVERY
        elif self.placed == self.size.pushed_orders and self.pushed_at is None:
            waited = self.sim.admin("POST", f"/stores/{self.store['subdomain']}/push/wait", {"timeout": 0.2})
            if waited["finished"]:
                # The listing compares store update times to the second: the sweep starts a second later.
                time.sleep(1.1)
                self.pushed_at = utcnow()
                self.push_stats = waited["stats"]
                self.delivered = waited["delivered_orders"]
                self.unanswered = waited.get("unanswered_orders", 0)

    def _pushes_waiting(self) -> bool:
        return (
            db.session.scalar(
                select(func.count(PushedOrder.id)).where(
                    PushedOrder.channel_id == self.channel.id, PushedOrder.state == PushState.RECEIVED
                )
            )
            > 0
            or runs.active_run(self.channel.id, SyncAction.IMPORT_PUSHED) is not None
        )

    def done(self) -> bool:
        """A sweep asked for after the last push, that ended well, and no order waiting for a retry (the
        pushes' own runs are done by then)."""
        if self.pushed_at is None:
            return False
        run = self.latest_run()
        return (
            run is not None
            and run.created_at >= self.pushed_at
            and run.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
            and not self._pending()
        )

    def wants_run(self) -> bool:
        # The sweep after the pushes were taken: earlier it would fetch orders whose push is on its way.
        wanted = (
            self.pushed_at is not None
            and not self.done()
            and not self._pushes_waiting()
            and runs.active_run(self.channel.id, self.action) is None
        )
        if wanted and self.calls_before_sweep is None:
            self.calls_before_sweep = self.billed_calls()  # the simulator's count: what the push path cost
        return wanted

    def _arrivals(self) -> dict[str, int]:
        rows = db.session.execute(
            select(OrderArrival.path, func.count())
            .where(OrderArrival.channel_id == self.channel.id)
            .group_by(OrderArrival.path)
        ).all()
        return {str(path): int(count) for path, count in rows}

    def floor(self) -> int:
        """From the simulator: one detail per placed order no push could have reached the intake with (lost,
        refused, not sent). A push sent whole and left unanswered (the intake was slow) may have been taken:
        not counted, so the floor stays a floor."""
        return math.ceil(self.listed / 500) + self.placed - self.delivered - self.unanswered

    def invariants(self) -> list[Check]:
        checks = super().invariants()
        push_calls = self.calls_before_sweep
        stats = self.push_stats
        answers = {k.removeprefix("status_"): v for k, v in stats.items() if k.startswith("status_")}
        checks.append(
            Check(
                self.name,
                "push path: 0 billed calls before the sweep",
                push_calls == 0 and self.placed == self.size.pushed_orders,
                f"{self.placed} placed; pushes lost {stats.get('lost', 0)}, duplicated "
                f"{stats.get('duplicated', 0)}, out of order {stats.get('reordered', 0)}, answers {answers}; "
                f"{self.delivered} orders pushed with a 2xx, {self.unanswered} more sent but unanswered; "
                f"orders by arrival {self._arrivals()}; billed "
                f"before the sweep {push_calls}",
            )
        )
        return checks


FLOWS: list[type[Flow]] = [ImportFlow, ShipmentFlow, InventoryFlow, PurgeFlow, PushIntakeFlow]


def run_counts(channel_ids: list[int]) -> dict[str, int]:
    """Runs of the bench's channels by status, and their attempts."""
    rows = db.session.execute(
        select(SyncRun.status, func.count(), func.sum(SyncRun.attempts))
        .where(SyncRun.channel_id.in_(channel_ids))
        .group_by(SyncRun.status)
    ).all()
    return {str(status): int(count) for status, count, _ in rows}
