"""The demo store: `demo.mybrightsites.com` with fixed, printed tokens, carrying most of the main app's demo
catalog (products 1..220, variant SKUs `BS-{n:04d}-{size}-{colour}`) so a newcomer sees orders import.

Every 12th product uses deliberately different SKUs on the store, so SKU mappings have something to do.
"""

from __future__ import annotations

from decimal import Decimal

from sandbox.generator import ProductPlan, StoreSpec, build_store
from sandbox.store import Store, StoreRegistry

DEMO_SUBDOMAIN = "demo"
DEMO_SHOP_DOMAIN = "demo.mybrightsites.com"
# Fixed on purpose so `make run` can print them; they only open the local simulator.
DEMO_TOKEN = "8ae9bfa240f71b7aa1db76f010d314c98122fb34"  # noqa: S105  read/write key
DEMO_READONLY_TOKEN = "21d200dee8d0816ce69d9892ec2edf7c59105041"  # noqa: S105  read-only key
DEMO_SEED = 2024
DEMO_PRODUCTS = 60
DEMO_ORDERS = 300
DEMO_VENDOR_MANAGED = frozenset({57, 58})

_SIZES = ("S", "M", "L")
_COLOURS = ("NAVY", "WHITE")


def demo_plan(n: int) -> ProductPlan:
    """Catalog SKUs for most products; the store's own spellings for products 12, 24, 36, 48 and 60."""
    sizes = {s: s for s in _SIZES}
    colours = {c: c for c in _COLOURS}
    sku, separator = f"BS-{n:04d}", "-"
    if n == 12:
        sku = "BS0012"  # no dash: BS0012-M-NAVY
    elif n == 24:
        sku = "bs-0024-v2"  # lowercase with a suffix: bs-0024-v2-m-navy
        sizes = {s: s.lower() for s in _SIZES}
        colours = {c: c.lower() for c in _COLOURS}
    elif n == 36:
        separator = "_"  # BS-0036_M_NAVY
    elif n == 48:
        colours = {"NAVY": "NVY", "WHITE": "WHT"}  # abbreviated colours: BS-0048-M-NVY
    elif n == 60:
        sku = "DEMO60"  # supplier's own code: DEMO60-M-NAVY
    return ProductPlan(
        name=f"Demo product {n}",
        sku=sku,
        sizes=sizes,
        colours=colours,
        separator=separator,
        price=Decimal(8 + n % 20) + Decimal("0.99"),
    )


def build_demo_store() -> Store:
    return build_store(
        StoreSpec(
            subdomain=DEMO_SUBDOMAIN,
            seed=DEMO_SEED,
            products=DEMO_PRODUCTS,
            orders=DEMO_ORDERS,
            vendor_managed=DEMO_VENDOR_MANAGED,
            token=DEMO_TOKEN,
            readonly_token=DEMO_READONLY_TOKEN,
            plan=demo_plan,
            history_days=45,
        )
    )


def add_demo_store(registry: StoreRegistry) -> Store:
    store = build_demo_store()
    registry.add(store)
    return store
