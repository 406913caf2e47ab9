"""In-memory state of simulated Bright Sites stores.

Each store is guarded by its own lock because the simulator runs threaded; handlers take `store.lock` for the
whole read-modify-write so a request never sees half an update.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sandbox.faults import FaultInjector

SHOP_DOMAIN_SUFFIX = ".mybrightsites.com"

ORDER_STATUSES = (
    "new",
    "billed",
    "paid",
    "in_progress",
    "split",
    "shipped",
    "completed",
    "back_ordered",
    "canceled",
    "moas_pending",
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SubOption:
    id: int
    option_id: int
    name: str
    sub_sku: str
    position: int


@dataclass
class ProductOption:
    id: int
    name: str
    option_type: str  # "size", "color"
    position: int


@dataclass
class InventoryRow:
    id: int
    sub_option_ids: list[int]
    inventory: int
    trigger: int = 5
    track: bool = True
    allow_negative: bool = False


@dataclass
class Product:
    id: int
    name: str
    sku: str
    created_at: datetime
    updated_at: datetime
    sku_separator: str = "-"
    internal_id: str = ""
    base_price: Decimal = Decimal("10.0")
    weight: Decimal | None = None  # pounds, as the API doc says; the dimensions are inches
    width: Decimal | None = None
    height: Decimal | None = None
    length: Decimal | None = None
    origin_address_id: int | None = None
    vendor_inventory_enabled: bool = False
    inventory_vendor_id: int | None = None
    active: bool = True
    # Storefront fields every live product show carries; a connector has no use for them.
    description: str | None = None
    meta_title: str | None = None
    meta_description: str | None = None
    meta_keywords: str | None = None
    custom_url: str | None = None
    featured: bool = False
    enable_quantity_discount: bool = False
    related_products_type: str = "auto"
    enable_related_products: bool = False
    enable_product_personalization: bool = False
    enable_logo_locations: bool = False
    options: list[ProductOption] = field(default_factory=list)
    sub_options: list[SubOption] = field(default_factory=list)
    inventories: list[InventoryRow] = field(default_factory=list)

    def sub_option(self, sub_option_id: int) -> SubOption | None:
        return next((s for s in self.sub_options if s.id == sub_option_id), None)

    def sub_sku(self, row: InventoryRow) -> str:
        parts = [s.sub_sku for s in (self.sub_option(i) for i in row.sub_option_ids) if s and s.sub_sku]
        return self.sku_separator.join(parts)

    def final_sku(self, row: InventoryRow) -> str:
        sub_sku = self.sub_sku(row)
        return f"{self.sku}{self.sku_separator}{sub_sku}" if sub_sku else self.sku

    def inventory_row(self, row_id: int) -> InventoryRow | None:
        return next((r for r in self.inventories if r.id == row_id), None)

    def row_for_sub_options(self, sub_option_ids: list[int]) -> InventoryRow | None:
        wanted = set(sub_option_ids)
        return next((r for r in self.inventories if set(r.sub_option_ids) == wanted), None)


@dataclass
class LineItem:
    id: int
    product_id: int
    name: str
    final_sku: str
    quantity: int
    product_price: Decimal
    options_price: Decimal
    sub_option_ids: list[int]
    gift_certificate: dict[str, Any] | None = None
    note: str | None = None

    @property
    def unit_price(self) -> Decimal:
        return self.product_price + self.options_price

    @property
    def total_price(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass
class Shipment:
    id: int
    tracking_number: str | None
    ship_date: date | None
    note: str | None
    shipping_method: str | None
    lines: list[tuple[int, int]]  # (line item id, quantity)
    send_shipping_confirmation: bool = False


@dataclass
class Note:
    username: str
    created_at: datetime
    note: str


@dataclass
class Order:
    id: int
    status: str
    created_at: datetime
    updated_at: datetime
    customer_email: str
    customer_id: int | None
    shipping_contact: dict[str, str]
    billing_contact: dict[str, str]
    shipping_address: dict[str, str]
    billing_address: dict[str, str]
    shipping_method: str
    shipping_cost: Decimal
    tax: Decimal
    line_items: list[LineItem]
    awaiting_approval: bool = False
    tracking_number: str = ""
    ship_date: str | None = None
    in_hands_date: str | None = None
    notes: list[Note] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    send_shipping_confirmation: bool = False

    @property
    def item_total(self) -> Decimal:
        return sum((li.total_price for li in self.line_items), Decimal("0"))

    @property
    def grand_total(self) -> Decimal:
        return self.item_total + self.shipping_cost + self.tax

    def line_item(self, line_id: int) -> LineItem | None:
        return next((li for li in self.line_items if li.id == line_id), None)

    def shipped_quantity(self, line_id: int) -> int:
        return sum(q for s in self.shipments for (lid, q) in s.lines if lid == line_id)

    def touch(self) -> None:
        # updated_at must visibly move forward (timestamps are served with milliseconds) even when two
        # changes land within the same millisecond
        self.updated_at = max(utc_now(), self.updated_at + timedelta(milliseconds=1))


@dataclass
class CallCounter:
    """Billable calls: every API request counts, failed and faulted ones too."""

    per_token: dict[str, int] = field(default_factory=dict)
    per_route: dict[str, int] = field(default_factory=dict)  # "GET /api/v2.6/orders/<int:order_id>": n
    # Of those, the requests given an injected fault (500, 429, dropped, ...): a client must make each again.
    faulted_per_token: dict[str, int] = field(default_factory=dict)
    total: int = 0

    def count(self, token: str | None, route: str = "") -> None:
        self.total += 1
        key = token or "(none)"
        self.per_token[key] = self.per_token.get(key, 0) + 1
        if route:
            self.per_route[route] = self.per_route.get(route, 0) + 1

    def count_fault(self, token: str | None) -> None:
        key = token or "(none)"
        self.faulted_per_token[key] = self.faulted_per_token.get(key, 0) + 1

    def reset(self) -> None:
        self.per_token.clear()
        self.per_route.clear()
        self.faulted_per_token.clear()
        self.total = 0


@dataclass
class Store:
    subdomain: str
    token: str
    readonly_token: str
    seed: int
    products: dict[int, Product] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    shipping_methods: list[str] = field(default_factory=list)
    origin_addresses: list[dict[str, Any]] = field(default_factory=list)
    calls: CallCounter = field(default_factory=CallCounter)
    faults: FaultInjector = field(default_factory=FaultInjector)
    lock: threading.RLock = field(default_factory=threading.RLock)
    # API requests counted and not answered yet (their handler may still write): a test follows it to zero
    # instead of waiting for the store to finish what a killed client left in flight.
    in_progress: int = 0
    push: Any = None  # sandbox.push.PushSender while the Push Orders add-on is configured
    _next_ids: dict[str, int] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return f"{self.subdomain}{SHOP_DOMAIN_SUFFIX}"

    def next_id(self, kind: str, start: int = 1) -> int:
        value = self._next_ids.get(kind, start)
        self._next_ids[kind] = value + 1
        return value

    def token_access(self, token: str | None) -> str | None:
        """'rw', 'ro' or None for an unknown token."""
        if token and token == self.token:
            return "rw"
        if token and token == self.readonly_token:
            return "ro"
        return None

    def find_inventory_row(self, row_id: int) -> tuple[Product, InventoryRow] | None:
        for product in self.products.values():
            row = product.inventory_row(row_id)
            if row is not None:
                return product, row
        return None


class StoreRegistry:
    """All stores of one simulator process, looked up by subdomain (taken from the Host header)."""

    def __init__(self) -> None:
        self._stores: dict[str, Store] = {}
        self._lock = threading.Lock()

    def add(self, store: Store) -> None:
        with self._lock:
            if store.subdomain in self._stores:
                raise ValueError(f"store {store.subdomain!r} already exists")
            self._stores[store.subdomain] = store

    def get(self, subdomain: str) -> Store | None:
        with self._lock:
            return self._stores.get(subdomain)

    def all(self) -> list[Store]:
        with self._lock:
            return list(self._stores.values())

    def for_host(self, host: str | None) -> Store | None:
        if not host:
            return None
        hostname = host.split(":", 1)[0].lower()  # store hosts are names, never IPv6 literals
        if not hostname.endswith(SHOP_DOMAIN_SUFFIX):
            return None
        label = hostname[: -len(SHOP_DOMAIN_SUFFIX)]
        if not label or "." in label:
            return None
        return self.get(label)
