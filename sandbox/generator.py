"""Seeded, deterministic store content: products with size/colour options and sub-SKUs, orders with 1-5
lines, a few gift-certificate lines, some orders awaiting MOAS approval, some vendor-managed products.

Same seed, counts and `now` give the same store, field for field.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sandbox.store import (
    InventoryRow,
    LineItem,
    Order,
    Product,
    ProductOption,
    Shipment,
    Store,
    SubOption,
    utc_now,
)

DEFAULT_SHIPPING_METHODS = [
    "UPS Ground",
    "UPS 2nd Day Air",
    "UPS 2nd Day Air Saver",
    "UPS Next Day Air",
    "FedEx Ground",
    "FedEx 2 Day",
    "USPS Priority Mail",
    "Flat Rate Custom",
    "Will Call",
    "No Shipping Method",
]

_FIRST_NAMES = [
    "Ava",
    "Liam",
    "Mia",
    "Noah",
    "Emma",
    "Lucas",
    "Olivia",
    "Ethan",
    "Sofia",
    "Mason",
    "Zoe",
    "Omar",
]
_LAST_NAMES = ["Smith", "Garcia", "Chen", "Johnson", "Okafor", "Miller", "Nguyen", "Brown", "Rossi", "Patel"]
_ADDRESSES = [  # (city, state, country, zip) with full names as the API serves them
    ("Chicago", "Illinois", "United States", "60601"),
    ("Denver", "Colorado", "United States", "80202"),
    ("New York", "New York", "United States", "10001"),
    ("Austin", "Texas", "United States", "73301"),
    ("Seattle", "Washington", "United States", "98101"),
    ("Boston", "Massachusetts", "United States", "02108"),
    ("Toronto", "Ontario", "Canada", "M5H 2N2"),
    ("London", "England", "United Kingdom", "SW1A 1AA"),
]
_STREETS = ["Main St", "Oak Ave", "Market St", "Elm St", "Lake Shore Dr", "Broadway"]
_STATUS_WEIGHTS = {
    "new": 25,
    "paid": 30,
    "billed": 3,
    "in_progress": 10,
    "shipped": 14,
    "completed": 10,
    "back_ordered": 3,
    "canceled": 5,
}
_SHIPPING_COSTS = [Decimal("0.0"), Decimal("7.95"), Decimal("12.5"), Decimal("24.99")]


@dataclass(frozen=True)
class ProductPlan:
    """How one generated product is named and which sub-SKUs its size and colour sub-options carry."""

    name: str
    sku: str
    sizes: dict[str, str]  # sub-option name -> sub_sku
    colours: dict[str, str]
    separator: str = "-"
    price: Decimal = Decimal("12.5")


SIZES = ("S", "M", "L", "XL", "2XL", "3XL")
COLOURS = (("Black", "BLK"), ("White", "WHT"), ("Navy", "NVY"), ("Red", "RED"))


def default_plan(n: int, sizes: int = 3, colours: int = 2) -> ProductPlan:
    """Product n with the first `sizes` sizes and `colours` colours: sizes × colours inventory rows."""
    return ProductPlan(
        name=f"Product {n}",
        sku=f"SIM-{n:04d}",
        sizes={size: size for size in SIZES[:sizes]},
        colours=dict(COLOURS[:colours]),
        price=Decimal(10 + n % 15) + Decimal("0.5"),
    )


@dataclass
class StoreSpec:
    subdomain: str
    seed: int = 1
    products: int = 10
    orders: int = 20
    gift_rate: float = 0.05
    moas_rate: float = 0.05
    vendor_rate: float = 0.1
    vendor_managed: frozenset[int] | None = None  # explicit product numbers; overrides vendor_rate
    token: str | None = None
    readonly_token: str | None = None
    now: datetime | None = None
    history_days: int = 60
    plan: Callable[[int], ProductPlan] = default_plan
    shipping_methods: list[str] = field(default_factory=lambda: list(DEFAULT_SHIPPING_METHODS))
    # share of open orders the store has partly shipped itself (status "split"); drawn only when > 0, so
    # the data of every seed stays the same without it
    partly_shipped_rate: float = 0.0


def _add_product(
    store: Store, n: int, plan: ProductPlan, created: datetime, vendor_managed: bool, rng: random.Random
) -> Product:
    product = Product(
        id=n,
        name=plan.name,
        sku=plan.sku,
        sku_separator=plan.separator,
        created_at=created,
        updated_at=created,
        base_price=plan.price,
        weight=Decimal("0.5"),
        width=Decimal("10.0"),
        height=Decimal("1.5"),
        length=Decimal("12.0"),
        vendor_inventory_enabled=vendor_managed,
        inventory_vendor_id=7 if vendor_managed else None,
        description=f"{plan.name} in {len(plan.sizes)} sizes and {len(plan.colours)} colours.",
        custom_url=plan.sku.lower(),
    )
    groups: list[list[int]] = []
    for position, (option_name, option_type, values) in enumerate(
        [("Size", "size", plan.sizes), ("Color", "color", plan.colours)], start=1
    ):
        option = ProductOption(
            id=store.next_id("option", 100), name=option_name, option_type=option_type, position=position
        )
        product.options.append(option)
        group = []
        for sub_position, (name, sub_sku) in enumerate(values.items(), start=1):
            sub = SubOption(
                id=store.next_id("sub_option", 10_000),
                option_id=option.id,
                name=name,
                sub_sku=sub_sku,
                position=sub_position,
            )
            product.sub_options.append(sub)
            group.append(sub.id)
        groups.append(group)
    for size_id in groups[0]:
        for colour_id in groups[1]:
            product.inventories.append(
                InventoryRow(
                    id=store.next_id("inventory", 50_000),
                    sub_option_ids=[size_id, colour_id],
                    inventory=rng.randint(0, 120),
                    trigger=5,
                )
            )
    store.products[product.id] = product
    return product


def _add_gift_certificate_product(store: Store, product_id: int, created: datetime) -> Product:
    product = Product(
        id=product_id,
        name="Gift Certificate",
        sku="GIFTCERT",
        created_at=created,
        updated_at=created,
        base_price=Decimal("25.0"),
    )
    product.inventories.append(
        InventoryRow(id=store.next_id("inventory", 50_000), sub_option_ids=[], inventory=0, track=False)
    )
    store.products[product.id] = product
    return product


def _person(rng: random.Random, n: int) -> tuple[dict[str, str], dict[str, str]]:
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    city, state, country, zip_code = rng.choice(_ADDRESSES)
    contact = {
        "first_name": first,
        "last_name": last,
        "email": f"{first}.{last}{n}@example.com".lower(),
        "phone": f"555-01{rng.randint(0, 99):02d}",
    }
    address = {
        "company": rng.choice(["", "", "Acme Promotions", "Globex"]),
        "first_address": f"{rng.randint(1, 9999)} {rng.choice(_STREETS)}",
        "second_address": rng.choice(["", "", "Suite 200", f"Attn: {first} {last}"]),
        "city": city,
        "state": state,
        "country": country,
        "zip": zip_code,
    }
    return contact, address


def make_order(
    store: Store,
    rng: random.Random,
    created: datetime,
    updated: datetime,
    *,
    status: str,
    gift: bool,
    physical_products: list[Product],
    gift_product: Product,
    only_gift: bool | None = None,
) -> Order:
    """`only_gift` None: a gift order holds nothing else three times in ten; True/False decides it."""
    order_id = store.next_id("order", 1)
    contact, address = _person(rng, order_id)
    lines: list[LineItem] = []
    if only_gift is None:
        only_gift = gift and rng.random() < 0.3
    gift = gift or only_gift
    for _ in range(0 if only_gift else rng.randint(1, 5)):
        product = rng.choice(physical_products)
        row = rng.choice(product.inventories)
        lines.append(
            LineItem(
                id=store.next_id("line_item", 700_000),
                product_id=product.id,
                name=product.name,
                final_sku=product.final_sku(row),
                quantity=rng.randint(1, 6),
                product_price=product.base_price,
                options_price=Decimal("0.0"),
                sub_option_ids=list(row.sub_option_ids),
            )
        )
    if gift:
        amount = rng.choice([Decimal("25.0"), Decimal("50.0")])
        lines.append(
            LineItem(
                id=store.next_id("line_item", 700_000),
                product_id=gift_product.id,
                name="Gift Certificate",
                final_sku=gift_product.sku,
                quantity=1,
                product_price=amount,
                options_price=Decimal("0.0"),
                sub_option_ids=[],
                gift_certificate={
                    "first_name": contact["first_name"],
                    "last_name": contact["last_name"],
                    "email": contact["email"],
                    "message": "Enjoy!",
                    "expires_at": None,
                    "code": f"GC{order_id:06d}",
                    "amount": str(amount),
                },
            )
        )
    item_total = sum((li.total_price for li in lines), Decimal("0"))
    shipping_method = rng.choice(store.shipping_methods[:7] or ["UPS Ground"])
    order = Order(
        id=order_id,
        status=status,
        created_at=created,
        updated_at=updated,
        customer_email=contact["email"],
        customer_id=None if rng.random() < 0.2 else 100 + order_id,
        shipping_contact=dict(contact),
        billing_contact=dict(contact),
        shipping_address=dict(address),
        billing_address=dict(address),
        shipping_method=shipping_method,
        shipping_cost=rng.choice(_SHIPPING_COSTS),
        tax=(item_total * Decimal("0.07")).quantize(Decimal("0.01")),
        line_items=lines,
        awaiting_approval=status == "moas_pending",
    )
    store.orders[order.id] = order
    return order


def _random_status(rng: random.Random, moas_rate: float) -> str:
    if rng.random() < moas_rate:
        return "moas_pending"
    return rng.choices(list(_STATUS_WEIGHTS), weights=list(_STATUS_WEIGHTS.values()))[0]


def build_store(spec: StoreSpec) -> Store:
    rng = random.Random(spec.seed)
    now = (spec.now or utc_now()).replace(microsecond=0)
    store = Store(
        subdomain=spec.subdomain,
        token=spec.token or secrets.token_hex(20),
        readonly_token=spec.readonly_token or secrets.token_hex(20),
        seed=spec.seed,
        shipping_methods=list(spec.shipping_methods),
    )
    store.faults.configure(seed=spec.seed)
    store.origin_addresses = [
        {
            "id": 1,
            "nickname": "Main warehouse",
            "first_address": "100 Industrial Way",
            "second_address": "",
            "city": "Denver",
            "country": "United States",
            "state": "Colorado",
            "zip": "80216",
        },
        {
            "id": 2,
            "nickname": "East coast",
            "first_address": "5 Harbor Rd",
            "second_address": "Dock 3",
            "city": "Newark",
            "country": "United States",
            "state": "New Jersey",
            "zip": "07102",
        },
        {
            "id": 3,
            "nickname": "Supplier drop-ship",
            "first_address": "77 Supplier Pkwy",
            "second_address": "",
            "city": "Dallas",
            "country": "United States",
            "state": "Texas",
            "zip": "75201",
        },
    ]
    catalog_start = now - timedelta(days=spec.history_days + 30)
    # An hour apart, closer for a big catalog: no product is created in the future (a day before now at most).
    step = min(timedelta(hours=1), (now - timedelta(days=1) - catalog_start) / max(1, spec.products))
    for n in range(1, spec.products + 1):
        drawn = rng.random() < spec.vendor_rate
        managed = (n in spec.vendor_managed) if spec.vendor_managed is not None else drawn
        product = _add_product(store, n, spec.plan(n), catalog_start + step * n, managed, rng)
        product.origin_address_id = rng.choice([None, None, 1, 2])
    gift_product = _add_gift_certificate_product(store, max(9000, spec.products + 1), catalog_start)
    physical = [p for p in store.products.values() if p.id != gift_product.id] or [gift_product]
    created_times = sorted(
        now - timedelta(seconds=rng.randint(60, spec.history_days * 86_400)) for _ in range(spec.orders)
    )
    for created in created_times:
        updated = min(now, created + timedelta(seconds=rng.choice([0, 0, 600, 7200, 86_400])))
        order = make_order(
            store,
            rng,
            created,
            updated,
            status=_random_status(rng, spec.moas_rate),
            gift=rng.random() < spec.gift_rate,
            physical_products=physical,
            gift_product=gift_product,
        )
        if order.status in ("shipped", "completed"):
            _ship_everything(store, order, rng)
        elif (
            spec.partly_shipped_rate
            and order.status in ("new", "billed", "paid", "in_progress")
            and rng.random() < spec.partly_shipped_rate
        ):
            _ship_part(store, order, rng)
    return store


def _ship_part(store: Store, order: Order, rng: random.Random) -> None:
    """The store shipped part of the order itself: half (rounded down, at least one unit left) of each
    physical line of more than one unit, and the order reads "split"."""
    lines = [
        (li.id, li.quantity // 2)
        for li in order.line_items
        if li.gift_certificate is None and li.quantity > 1
    ]
    if not lines:
        return
    order.status = "split"
    order.shipments.append(
        Shipment(
            id=store.next_id("shipment", 1),
            tracking_number=f"1Z{rng.randint(10**15, 10**16 - 1)}",
            ship_date=order.updated_at.date(),
            note=None,
            shipping_method=order.shipping_method,
            lines=lines,
        )
    )


def _ship_everything(store: Store, order: Order, rng: random.Random) -> None:
    lines = [(li.id, li.quantity) for li in order.line_items if li.gift_certificate is None]
    if not lines:
        return
    tracking = f"1Z{rng.randint(10**15, 10**16 - 1)}"
    order.tracking_number = tracking
    order.shipments.append(
        Shipment(
            id=store.next_id("shipment", 1),
            tracking_number=tracking,
            ship_date=order.updated_at.date(),
            note=None,
            shipping_method=order.shipping_method,
            lines=lines,
        )
    )
