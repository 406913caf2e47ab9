"""A bench's account and channel on a simulator store, as the benches build them before they measure: the
account (with its organization), a channel on the store's token (publishing stock from a warehouse, or
importing orders), a channel on the store's token,
the store's SKUs as variants of one product, UPS Ground mapped for shipments, and orders shipped in packages.
Nothing here commits: the caller does, once its own settings are in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select, text

from bench.simulator_process import Simulator
from connectors.brightsites import BrightSitesClient
from extensions import db
from models.catalog import Carrier, CarrierService, Product, ProductVariant, Warehouse
from models.channels import InventoryMode, SalesChannel
from models.mappings import CarrierMapping, WarehouseMapping
from models.orders import SalesOrder
from models.tenancy import Account, Organization
from services.channels import token_vault
from services.shipments import recording


def store_skus(sim: Simulator, info: dict) -> set[str]:
    """Every final SKU of the store's inventory rows, read on the read-only token (the bench's own read, not
    the workload's; the caller resets the store's counter)."""
    with BrightSitesClient(info["domain"], info["readonly_token"], route_to=sim.base_url) as client:
        return {row["final_sku"] for row in client.iter_inventories()}


def bench_account(organization_name: str, name: str, code: str) -> Account:
    return Account(organization=Organization(name=organization_name), name=name, code=code)


def store_channel(account: Account, info: dict, name: str, **settings) -> SalesChannel:
    """A channel of `account` on the store `info` (the simulator's answer), on its read-write token."""
    return SalesChannel(
        account=account,
        name=name,
        shop_domain=info["domain"],
        token_ciphertext=token_vault.encrypt(info["token"]),
        token_last4=info["token"][-4:],
        timezone="UTC",
        **settings,
    )


def add_variants(product: Product, skus: Iterable[str]) -> dict[str, ProductVariant]:
    """A variant of the product per SKU, in SKU order; by SKU."""
    variants = {}
    for sku in sorted(skus):
        variant = ProductVariant(account=product.account, title=sku)
        variant.set_sku(sku)
        product.variants.append(variant)
        variants[sku] = variant
    return variants


def publishing_channel(
    account: Account, info: dict, name: str, product_name: str = "Bench goods", **settings
) -> tuple[SalesChannel, Warehouse, Product]:
    """A channel publishing absolute stock figures of the account's one warehouse (MAIN, the store's location
    1), and an empty product for the catalog; added and flushed."""
    warehouse = Warehouse(organization=account.organization, code="MAIN", name="Main")
    warehouse.accounts.append(account)
    channel = store_channel(account, info, name, inventory_mode=InventoryMode.ABSOLUTE, **settings)
    product = Product(account=account, name=product_name)
    db.session.add_all([account.organization, account, warehouse, channel, product])
    db.session.flush()
    db.session.add(
        WarehouseMapping(channel_id=channel.id, warehouse_id=warehouse.id, external_identifier="1")
    )
    return channel, warehouse, product


def channel_with_catalog(
    sim: Simulator, info: dict, account: Account, name: str, *, extra_skus: Iterable[str] = (), **settings
) -> SalesChannel:
    """A channel on the store and the store's SKUs (and `extra_skus`) in the account's catalog, added and
    flushed; orders are imported once they list."""
    skus = store_skus(sim, info) | set(extra_skus)
    channel = store_channel(account, info, name, import_lag_minutes=0, **settings)
    product = Product(account=account, name="Bench goods")
    add_variants(product, skus)
    db.session.add_all([account.organization, account, product, channel])
    db.session.flush()
    return channel


def ups_ground() -> CarrierService:
    """The UPS Ground service, added (and flushed) the first time."""
    service = db.session.scalar(
        select(CarrierService).join(Carrier).where(Carrier.code == "UPS", CarrierService.code == "GND")
    )
    if service is None:
        carrier = db.session.scalar(select(Carrier).where(Carrier.code == "UPS")) or Carrier(
            code="UPS", name="UPS"
        )
        service = CarrierService(code="GND", name="Ground")
        carrier.services.append(service)
        db.session.add(carrier)
        db.session.flush()
    return service


def expected_store_figures(channel: SalesChannel, availability_sql) -> dict[str, int]:
    """What the store should show per key: the availability `availability_sql` sums per key (the bench's own
    SQL, given :channel), less the channel's buffer, never below 0, capped at its maximum (read with plain
    SQL, not through the code measured)."""
    buffer, cap = db.session.execute(
        text("SELECT inventory_buffer, inventory_max FROM sales_channel WHERE id = :id"), {"id": channel.id}
    ).one()
    figures = {}
    for key, raw in db.session.execute(availability_sql, {"channel": channel.id}):
        quantity = max(int(raw) - (buffer or 0), 0)
        figures[key] = quantity if cap is None else min(quantity, cap)
    return figures


def map_ups_ground(channel: SalesChannel) -> CarrierService:
    """UPS Ground as the channel's primary carrier mapping; its service."""
    service = ups_ground()
    mapping = CarrierMapping(channel_id=channel.id, carrier_service_id=service.id, is_primary=True)
    mapping.set_codes("UPS Ground", None)
    db.session.add(mapping)
    return service


def ship_in_packages(order: SalesOrder, service: CarrierService, tracking_prefix: str) -> list[str]:
    """The order's physical lines shipped in full: the first line in a package, the rest in a second (one
    package when the order has one line). Tracking numbers `prefix` + store order id + package number."""
    lines = sorted((line for line in order.lines if line.is_physical), key=lambda line: line.id)
    groups = [lines[:1], lines[1:]] if len(lines) > 1 else [lines]
    tracking = []
    for n, group in enumerate(groups):
        data = recording.ShipmentInput(
            lines=[(line.id, line.quantity) for line in group],
            carrier_service=service,
            tracking_number=f"{tracking_prefix}{order.external_id:08d}{n}",
            ship_date=datetime.now(UTC).date(),
        )
        recording.create_shipment(order, data)
        tracking.append(data.tracking_number)
    return tracking
