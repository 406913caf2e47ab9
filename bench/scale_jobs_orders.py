"""bench/scale_jobs.py's order jobs on one channel of the busy account: an import run of a store's new orders,
a shipment export of N packages of those orders, and the PII purge of what the retention threshold selects.

The channel is the first of the busy account that holds no order of the simulator's (the store's order ids
are small, the generated ones start at 10,000,001), so a second bench run on the same data takes the next
channel. Expected figures come from the simulator (its orders in the imported statuses, its shipments) or the
bench's own SQL (the orders the threshold selects), never from the code measured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from bench.scale_jobs_measure import Measured, measure
from bench.simulator_process import Simulator
from bench.verdicts import Verdicts
from connectors.brightsites import BrightSitesClient
from extensions import db
from models.activity import SyncAction, SyncTrigger
from models.catalog import CarrierService, Product, ProductVariant
from models.channels import SalesChannel, ShipmentStoreStatus
from models.mappings import CarrierMapping
from models.orders import SalesOrder
from services.channels import token_vault
from services.shipments import recording
from sync import runs
from sync.executor import execute_run

STATUSES = ["new", "paid", "in_progress"]  # the bench's choice: orders a warehouse still ships
FIRST_GENERATED_ID = 10_000_001  # bench/scale_data.py numbers its orders from here


def free_channel(account_id: int) -> SalesChannel:
    """The first channel of the busy account that holds no store order and no purged order of an earlier run,
    among those whose year of orders was shipped: bench/scale_data.py gives each busy channel the orders of
    one status (order n goes to channel n % 80 and has status n % 20), and a channel of drafts only would make
    the import allocate 25,000 lines no real channel leaves unallocated, and leave the purge nothing."""
    channel_id = db.session.scalar(
        text(
            "SELECT c.id FROM sales_channel c WHERE c.account_id = :a AND c.deleted_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM sku_mapping m WHERE m.channel_id = c.id)"
            " AND EXISTS (SELECT 1 FROM sales_order o WHERE o.channel_id = c.id AND o.status = 'shipped')"
            " AND NOT EXISTS (SELECT 1 FROM sales_order o"
            "                 WHERE o.channel_id = c.id AND o.pii_purged_at IS NOT NULL)"
            " AND NOT EXISTS (SELECT 1 FROM sales_order o"
            "                 WHERE o.channel_id = c.id AND o.external_id < :first)"
            " ORDER BY c.id LIMIT 1"
        ),
        {"a": account_id, "first": FIRST_GENERATED_ID},
    )
    return db.session.get(SalesChannel, channel_id)


def store_name(channel: SalesChannel) -> str:
    """A store per channel: a channel of an earlier bench run keeps its shop domain."""
    return f"scaleorders{channel.id}"


def point_at_store(sim: Simulator, channel: SalesChannel, orders: int) -> dict:
    """A store of `orders` orders; the channel reads it, and the store's SKUs are variants of the account."""
    info = sim.create_store(subdomain=store_name(channel), seed=11, products=40, orders=orders, vendor_rate=0,
                            vendor_managed=[], moas_rate=0, gift_rate=0)  # fmt: skip
    with BrightSitesClient(info["domain"], info["readonly_token"], route_to=sim.base_url) as client:
        skus = {row["final_sku"] for row in client.iter_inventories()}
    known = set(
        db.session.scalars(
            select(ProductVariant.sku).where(
                ProductVariant.account_id == channel.account_id, ProductVariant.sku.in_(skus)
            )
        )
    )
    if skus - known:
        product = Product(account_id=channel.account_id, name="Store goods (scale jobs bench)")
        for sku in sorted(skus - known):
            variant = ProductVariant(account_id=channel.account_id, title=sku)
            variant.set_sku(sku)
            product.variants.append(variant)
        db.session.add(product)
    channel.shop_domain = info["domain"]
    channel.token_ciphertext = token_vault.encrypt(info["token"])
    channel.token_last4 = info["token"][-4:]
    channel.order_statuses = STATUSES
    channel.import_lag_minutes = 0
    channel.timezone = "UTC"
    channel.shipment_store_status = ShipmentStoreStatus.COMPLETED
    channel.update_order_with_last_shipment = True
    service = db.session.scalar(select(CarrierService).order_by(CarrierService.id))
    if not db.session.scalar(select(CarrierMapping.id).where(CarrierMapping.channel_id == channel.id)):
        mapping = CarrierMapping(channel_id=channel.id, carrier_service_id=service.id, is_primary=True)
        mapping.set_codes("UPS Ground", None)
        db.session.add(mapping)
    db.session.commit()
    return info


def store_in_scope(sim: Simulator, info: dict) -> set[int]:
    """The store's orders in the bench's statuses, read on the read-only token (not counted as the job's)."""
    with BrightSitesClient(info["domain"], info["readonly_token"], route_to=sim.base_url) as client:
        return {int(order["order_id"]) for st in STATUSES for order in client.iter_orders(status=st)}


def run_once(channel: SalesChannel, action: SyncAction) -> None:
    run = runs.new_run(channel, action, SyncTrigger.MANUAL)
    db.session.add(run)
    db.session.commit()
    execute_run(run.id)


def import_run(sim: Simulator, channel: SalesChannel, orders: int, verdicts: Verdicts) -> Measured:
    info = point_at_store(sim, channel, orders)
    expected = store_in_scope(sim, info)
    store = store_name(channel)
    sim.admin("DELETE", f"/stores/{store}/calls")
    with measure(db.engine, "import run (new store orders)", lambda: sim.calls(store)) as measured:
        run_once(channel, SyncAction.IMPORT_ORDERS)
    imported = set(
        db.session.scalars(
            text("SELECT external_id FROM sales_order WHERE channel_id = :c AND external_id < :first"),
            {"c": channel.id, "first": FIRST_GENERATED_ID},
        )
    )
    measured.items, measured.unit = len(imported), "orders"
    verdicts.check(
        "import: imported orders = the store's orders in the statuses",
        imported == expected,
        f"{len(imported)} imported, the store has {len(expected)} (missing {len(expected - imported)}, "
        f"extra {len(imported - expected)})",
    )
    return measured


def ship(channel: SalesChannel, packages: int) -> dict[int, list[str]]:
    """`packages` packages through the shipment service: each physical line of the imported orders its own
    package, order after order. Returns the tracking numbers per store order id."""
    service = db.session.scalar(select(CarrierService).order_by(CarrierService.id))
    shipped: dict[int, list[str]] = {}
    orders = db.session.scalars(
        select(SalesOrder)
        .where(SalesOrder.channel_id == channel.id, SalesOrder.external_id < FIRST_GENERATED_ID)
        .order_by(SalesOrder.external_id)
    ).all()
    made = 0
    for order in orders:
        for line in sorted((line for line in order.lines if line.is_physical), key=lambda line: line.id):
            if made == packages:
                return shipped
            data = recording.ShipmentInput(
                lines=[(line.id, line.quantity)],
                carrier_service=service,
                tracking_number=f"1ZSCALE{order.external_id:08d}{line.id:08d}",
                ship_date=datetime.now(UTC).date(),
            )
            recording.create_shipment(order, data)
            shipped.setdefault(order.external_id, []).append(data.tracking_number)
            made += 1
        db.session.commit()
    db.session.commit()
    return shipped


def shipment_export(sim: Simulator, channel: SalesChannel, packages: int, verdicts: Verdicts) -> Measured:
    shipped = ship(channel, packages)
    count = sum(len(numbers) for numbers in shipped.values())
    store = store_name(channel)
    sim.admin("DELETE", f"/stores/{store}/calls")
    with measure(db.engine, f"shipment export ({count} packages)", lambda: sim.calls(store)) as measured:
        run_once(channel, SyncAction.EXPORT_SHIPMENTS)
    measured.items, measured.unit = count, "packages"
    ours = {(order_id, number) for order_id, numbers in shipped.items() for number in numbers}
    on_store = [
        (s["order_id"], s["tracking_number"])
        for s in sim.admin("GET", f"/stores/{store}/shipments")["shipments"]
        if (s["order_id"], s["tracking_number"]) in ours
    ]
    verdicts.check(
        f"shipments: the store holds each of the {packages} packages once",
        sorted(on_store) == sorted(ours) and len(ours) == packages,
        f"{len(set(on_store))} of {packages} on the store, {len(on_store) - len(set(on_store))} duplicates",
    )
    floor = count + len(shipped)  # a POST per package + a PUT per order (completed + last tracking)
    detail = f"{measured.billed} billed, floor {floor} ({count} POSTs + {len(shipped)} PUTs)"
    verdicts.check("shipments: billed calls = the floor", measured.billed == floor, detail)
    return measured


def purge(channel: SalesChannel, retention_days: int, verdicts: Verdicts) -> Measured:
    """The purge at a threshold of `retention_days`; what it selects is counted by the bench's own SQL."""
    channel.pii_retention_days = retention_days
    db.session.commit()
    cutoff = datetime.now(UTC) - timedelta(days=retention_days)
    selected_sql = (
        "SELECT count(*) FROM sales_order WHERE channel_id = :c AND closed_at < :cutoff"
        " AND status IN ('shipped', 'cancelled')"
    )
    params = {"c": channel.id, "cutoff": cutoff}
    selected = db.session.scalar(text(selected_sql + " AND pii_purged_at IS NULL"), params)
    with measure(db.engine, f"PII purge ({retention_days}-day threshold)") as measured:
        run_once(channel, SyncAction.PURGE_PII)
    left = db.session.scalar(
        text(selected_sql + " AND (pii_purged_at IS NULL OR customer_email <> '')"), params
    )
    measured.items, measured.unit = selected, "orders"
    verdicts.check(
        "purge: every order the threshold selects is purged",
        left == 0 and selected > 0,
        f"{selected} selected by the bench's SQL, {left} still hold customer data",
    )
    return measured
