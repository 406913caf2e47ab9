"""A year of a busy account, generated in bulk on PostgreSQL: reusable by any bench (`generate(sizes)` inside
an app context on a migrated, empty database; bench/scale.py is the CLI).

Full size (scale 1): 1 organization, 3 accounts, 100 channels, 1,000,000 orders (2 lines and 2 addresses
each, a shipment per shipped order; statuses as bench/ready_orders_page.py: n % 20), 200,000 variants with
stock in 5 warehouses, 50,000 SKU mappings on one channel, 100,000 runs with 2,000,000 events, failed orders,
outbox events and webhook deliveries; users of each role.
The small reference rows (organization, accounts, users, channels, carriers, keys) go through the ORM so every
default applies; the big tables are set-based SQL (`INSERT … SELECT generate_series`), never row by row.

The busy account ("Scale Apparel") holds 80% of the channels and orders and the whole catalog. Everything is a
function of the row number, so a bench can say what a page must show from plain SQL of its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select, text

from bench.mfa_enrolment import enrol_if_required
from extensions import db
from models.catalog import Carrier, CarrierService, Warehouse
from models.channels import InventoryMode, SalesChannel
from models.tenancy import Account, Membership, Organization, Role, User
from services import api_keys
from services.channels import token_vault

PASSWORD = "scale-password-2026"  # noqa: S105  a throwaway bench database's users only
T_END = datetime(2026, 12, 1, tzinfo=UTC)  # the year of orders ends here
ACCOUNT_NAMES = ("Scale Apparel", "Scale Events", "Scale Promo")
USERS = (
    ("owner@scale.test", "Olga Owner", Role.ORG_OWNER),
    ("admin@scale.test", "Arne Admin", Role.ORG_ADMIN),
    ("supervisor@scale.test", "Suki Supervisor", Role.ORG_SUPERVISOR),
    ("accountadmin@scale.test", "Ana AccountAdmin", Role.ACCOUNT_ADMIN),
    ("user@scale.test", "Ugo User", Role.ACCOUNT_USER),
)
FIRST_NAMES = (  # noqa: SIM905  a list of names reads better as words
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony "
    "Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth "
    "Carol Kevin Amanda Brian Dorothy George Melissa Timothy Deborah Ronald Stephanie Edward Rebecca "
    "Jason Sharon Jeffrey Laura Ryan Cynthia Jacob Kathleen Gary Amy Nicholas Angela Eric Shirley "
    "Jonathan Anna Stephen Brenda"
).split()
LAST_NAMES = (  # noqa: SIM905  a list of names reads better as words
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker "
    "Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
    "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James "
    "Bennett Gray Mendoza Ruiz Hughes Price"
).split()
MAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "acme-corp.com", "northwind.org")
CITIES = ("Springfield", "Riverside", "Franklin", "Greenville", "Bristol", "Clinton", "Fairview", "Salem")
PRODUCT_WORDS = ("Classic Tee", "Hoodie", "Polo", "Cap", "Tote Bag", "Mug", "Water Bottle", "Notebook")
SIZES = ("S", "M", "L", "XL")
EVENT_MESSAGES = (
    "Order imported",
    "Order updated from the store",
    "Order unchanged since the last import",
    "Shipment sent to the store",
    "Inventory pushed for the product",
    "SKU maps to no product variant",
)


@dataclass(frozen=True)
class Sizes:
    channels: int = 100
    orders: int = 1_000_000
    variants: int = 200_000
    warehouses: int = 5
    sku_mappings: int = 50_000
    runs: int = 100_000
    events: int = 2_000_000
    failed_orders: int = 5_000
    outbox_events: int = 1_000_000
    webhook_deliveries: int = 500_000

    @classmethod
    def scaled(cls, factor: float) -> Sizes:
        """Every count times `factor` (channels and warehouses keep a floor that still makes sense)."""
        full = cls()
        counts = {name: max(1, int(getattr(full, name) * factor)) for name in full.__dataclass_fields__}
        counts["channels"] = max(3, counts["channels"])
        counts["warehouses"] = full.warehouses
        counts["variants"] = max(4, counts["variants"] - counts["variants"] % 4)  # 4 sizes a product
        counts["sku_mappings"] = min(counts["sku_mappings"], counts["variants"])
        counts["events"] = max(counts["events"], counts["runs"])
        return cls(**counts)


@dataclass
class Generated:
    """What a bench needs to log in and to know what the data holds."""

    sizes: Sizes
    organization_id: int
    account_ids: list[int]
    channel_ids: list[int]  # of the busy account first
    api_key: str  # of the busy account
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def account_id(self) -> int:
        return self.account_ids[0]

    @property
    def channel_id(self) -> int:
        """The busy channel: the SKU mappings, the failed orders and most events are its."""
        return self.channel_ids[0]


def _names_sql(array: tuple[str, ...]) -> str:
    return "ARRAY[" + ",".join(f"'{word}'" for word in array) + "]"


def _small_rows(sizes: Sizes) -> Generated:
    """Organization, accounts, warehouses, carrier, users of every role, channels, API key: by the ORM."""
    organization = Organization(name="Scale Organization")
    db.session.add(organization)
    db.session.flush()
    accounts = [
        Account(organization_id=organization.id, name=name, code=name.upper().replace(" ", "-"))
        for name in ACCOUNT_NAMES
    ]
    db.session.add_all(accounts)
    warehouses = [
        Warehouse(organization_id=organization.id, code=f"WH{n}", name=f"Warehouse {n}", accounts=accounts)
        for n in range(1, sizes.warehouses + 1)
    ]
    db.session.add_all(warehouses)
    carrier = Carrier(code="SCALEUPS", name="UPS (scale)")
    carrier.services.append(CarrierService(code="GND", name="Ground"))
    db.session.add(carrier)
    db.session.flush()
    for email, name, role in USERS:
        user = User(email=email, name=name)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        scope = {"organization_id": organization.id} if role.is_org_level else {"account_id": accounts[0].id}
        db.session.add(Membership(user_id=user.id, role=role, **scope))
        db.session.flush()
        enrol_if_required(user)
    ciphertext = token_vault.encrypt("scale-token-0000000000000000000000000000abcd")
    busy = int(sizes.channels * 0.8)
    channels = []
    for n in range(1, sizes.channels + 1):
        account = accounts[0] if n <= busy else accounts[1 + n % 2]
        channels.append(
            SalesChannel(
                account_id=account.id,
                name=f"Scale Store {n:03d}",
                shop_domain=f"scale{n:03d}.mybrightsites.com",
                token_ciphertext=ciphertext,
                token_last4="abcd",
                token_can_write=True,
                inventory_mode=InventoryMode.ABSOLUTE,
                pii_retention_days=365,
            )
        )
    db.session.add_all(channels)
    db.session.flush()
    _row, key = api_keys.create_key(accounts[0], "Scale bench", None)
    db.session.commit()
    ordered = sorted(channels, key=lambda c: (c.account_id != accounts[0].id, c.id))
    return Generated(
        sizes=sizes,
        organization_id=organization.id,
        account_ids=[account.id for account in accounts],
        channel_ids=[channel.id for channel in ordered],
        api_key=key,
    )


# Each statement: one table, set-based. :n_* are the sizes; channels are numbered by their rank (1 = busy).
BULK_SQL: list[tuple[str, str]] = [
    (
        "channel_rank",
        """CREATE TEMP TABLE channel_rank AS
        SELECT row_number() OVER (ORDER BY (c.account_id <> :account), c.id) AS rank, c.id, c.account_id
        FROM sales_channel c""",
    ),
    (
        "warehouse_mapping",
        """INSERT INTO warehouse_mapping (channel_id, warehouse_id, external_identifier, sells_from,
            is_primary, created_at, updated_at)
        SELECT c.id, w.id, w.code, true, w.code = 'WH1', now(), now()
        FROM sales_channel c CROSS JOIN warehouse w""",
    ),
    (
        "product",
        # name_sort_key is models.natural_order's key written in SQL for these names: the words hold no digit
        # and no double space, and the number's digit run is its length (two digits) then its digits.
        """INSERT INTO product (account_id, name, name_sort_key, created_at)
        SELECT :account, (CAST(:products AS text[]))[n % 8 + 1] || ' ' || lpad(n::text, 6, '0'),
               lower((CAST(:products AS text[]))[n % 8 + 1]) || ' ' || lpad(length(n::text)::text, 2, '0')
                   || n::text,
               CAST(:t_end AS timestamptz) - n * interval '1 minute'
        FROM generate_series(1, :n_variants / 4) AS n""",
    ),
    (
        "product_variant",
        """INSERT INTO product_variant (product_id, account_id, sku, sku_key, sku_sort_key, title, weight_g)
        SELECT p.id, :account, 'SC-' || lpad(p.id::text, 6, '0') || '-' || s.size,
               lower('SC-' || lpad(p.id::text, 6, '0') || '-' || s.size),
               'sc-' || lpad(length(p.id::text)::text, 2, '0') || p.id::text || '-' || lower(s.size),
               s.size, 150 + p.id % 700
        FROM product p CROSS JOIN unnest(ARRAY['S','M','L','XL']) AS s(size)
        WHERE p.account_id = :account""",
    ),
    (
        "inventory_level",
        """INSERT INTO inventory_level (variant_id, warehouse_id, on_hand, allocated, updated_at)
        SELECT v.id, w.id, (v.id * 7 + w.id * 13) % 250, 0, now()
        FROM product_variant v CROSS JOIN warehouse w""",
    ),
    (
        "sku_mapping",
        """INSERT INTO sku_mapping (channel_id, channel_sku, channel_sku_key, channel_sku_sort_key,
            variant_id, created_at)
        SELECT :busy_channel, 'BS-' || v.sku, lower('BS-' || v.sku), 'bs-' || v.sku_sort_key, v.id, now()
        FROM product_variant v ORDER BY v.id LIMIT :n_sku_mappings""",
    ),
    (
        "sales_order",
        """INSERT INTO sales_order (account_id, channel_id, external_id, number, status, store_status,
            store_created_at, store_updated_at, item_total, shipping_total, tax_total, grand_total,
            shipping_method, customer_name, customer_email, customer_phone, imported_at, updated_at,
            closed_at, store_update_due, store_update_error, hold_reason)
        SELECT c.account_id, c.id, 10000000 + n, 'BS-' || (10000000 + n), s.status,
               CASE s.status WHEN 'shipped' THEN 'completed' WHEN 'cancelled' THEN 'cancelled'
                   ELSE 'paid' END,
               t.at, t.at, 40.00, 5.00, 3.20, 48.20, 'UPS Ground',
               nm.given || ' ' || nm.family,
               lower(nm.given || '.' || nm.family) || '.' || n || '@'
                   || (CAST(:domains AS text[]))[n % 6 + 1],
               '+1 555 ' || lpad((n % 10000000)::text, 7, '0'),
               t.at, t.at, CASE WHEN s.status IN ('shipped', 'cancelled') THEN t.at + interval '2 days' END,
               false, '', ''
        FROM generate_series(1, :n_orders) AS n
        JOIN channel_rank c ON c.rank = CASE WHEN n % 10 < 8 THEN n % (:n_busy) + 1
                                             ELSE :n_busy + n % (:n_channels - :n_busy) + 1 END
        CROSS JOIN LATERAL (SELECT (ARRAY['shipped','shipped','shipped','shipped','draft','draft','cancelled',
            'cancelled','approved','approved','approved','approved','approved','approved','approved','approved',
            'released','released','partially_shipped','partially_shipped'])[n % 20 + 1] AS status) s
        CROSS JOIN LATERAL (SELECT (CAST(:first AS text[]))[n % :n_first + 1] AS given,
                                   (CAST(:last AS text[]))[n / :n_first % :n_last + 1] AS family) nm
        CROSS JOIN LATERAL (SELECT CAST(:t_end AS timestamptz)
                                   - (:n_orders - n) * (interval '365 days' / :n_orders) AS at) t""",
    ),
    (
        "sales_order_line",
        """INSERT INTO sales_order_line (order_id, external_line_id, sku, variant_id, name, quantity,
            shipped_quantity, unit_price, total_price, is_physical, allocated_quantity, allocated_variant_id,
            allocated_warehouse_id)
        SELECT o.id, o.external_id * 10 + k, v.sku, v.id, 'Scale item ' || v.sku, 2,
               CASE WHEN o.status = 'shipped' OR (o.status = 'partially_shipped' AND k = 1) THEN 2 ELSE 0 END,
               10.00, 20.00, true, a.quantity,
               CASE WHEN a.quantity > 0 THEN v.id END,
               CASE WHEN a.quantity > 0 THEN (SELECT min(id) FROM warehouse) END
        FROM sales_order o CROSS JOIN generate_series(1, 2) AS k
        JOIN product_variant v ON v.id = (SELECT min(id) FROM product_variant)
                                         + (o.external_id * 2 + k) % :n_variants
        CROSS JOIN LATERAL (SELECT CASE WHEN o.status IN ('approved', 'released')
                                             OR (o.status = 'partially_shipped' AND k = 2)
                                        THEN 2 ELSE 0 END AS quantity) a""",
    ),
    (
        "inventory_allocated",
        # What the open lines hold, on the levels they hold it in (the allocation's invariant).
        """UPDATE inventory_level l SET allocated = h.quantity
        FROM (SELECT allocated_variant_id AS variant_id, allocated_warehouse_id AS warehouse_id,
                     sum(allocated_quantity) AS quantity
              FROM sales_order_line WHERE allocated_quantity > 0
              GROUP BY allocated_variant_id, allocated_warehouse_id) h
        WHERE l.variant_id = h.variant_id AND l.warehouse_id = h.warehouse_id""",
    ),
    (
        "order_address",
        """INSERT INTO order_address (order_id, kind, first_name, last_name, company, line1, line2, city,
            postal_code, subdivision, subdivision_code, country, country_code, email, phone)
        SELECT o.id, k.kind, split_part(o.customer_name, ' ', 1), split_part(o.customer_name, ' ', 2), '',
               (o.external_id % 9000 + 100) || ' Main Street', '',
               (CAST(:cities AS text[]))[o.external_id % 8 + 1],
               lpad((o.external_id % 99999)::text, 5, '0'), 'Ohio', 'OH', 'United States', 'US',
               o.customer_email, o.customer_phone
        FROM sales_order o CROSS JOIN unnest(ARRAY['billing', 'shipping']) AS k(kind)""",
    ),
    (
        "shipment",
        """INSERT INTO shipment (account_id, order_id, channel_id, warehouse_id, carrier_service_id,
            tracking_number, ship_date, created_at, origin, export_status, store_shipment_id, sent_at,
            export_error, export_attempts)
        SELECT o.account_id, o.id, o.channel_id, (SELECT min(id) FROM warehouse),
               (SELECT min(id) FROM carrier_service), '1Z' || lpad(o.external_id::text, 16, '0'),
               (o.store_created_at + interval '1 day')::date, o.store_created_at + interval '1 day',
               'techoms',
               'sent', o.external_id, o.store_created_at + interval '1 day', '', 1
        FROM sales_order o WHERE o.status IN ('shipped', 'partially_shipped')""",
    ),
    (
        "shipment_line",
        """INSERT INTO shipment_line (shipment_id, order_line_id, quantity)
        SELECT s.id, l.id, l.shipped_quantity
        FROM shipment s JOIN sales_order_line l ON l.order_id = s.order_id WHERE l.shipped_quantity > 0""",
    ),
    (
        "sync_run",
        """INSERT INTO sync_run (account_id, channel_id, action, trigger, status, params, created_at,
            started_at, finished_at, attempts, progress_done, progress_total, counts, api_calls,
            error_summary)
        SELECT c.account_id, c.id,
               (ARRAY['import_orders','import_orders','export_shipments','export_inventory'])[n % 4 + 1],
               CASE WHEN n % 10 = 0 THEN 'manual' ELSE 'scheduled' END,
               CASE WHEN n % 50 = 0 THEN 'failed' WHEN n % 10 = 0 THEN 'partial' ELSE 'succeeded' END,
               '{}', t.at, t.at, t.at + interval '20 seconds', 1, 20, 20,
               '{"created": 15, "updated": 5}', 22,
               CASE WHEN n % 50 = 0 THEN 'The store did not answer (HTTP 503)' ELSE '' END
        FROM generate_series(1, :n_runs) AS n
        JOIN channel_rank c ON c.rank = CASE WHEN n % 10 < 3 THEN 1 ELSE n % :n_channels + 1 END
        CROSS JOIN LATERAL (SELECT CAST(:t_end AS timestamptz)
                                   - (:n_runs - n) * (interval '365 days' / :n_runs) AS at) t""",
    ),
    (
        "sync_event",
        """INSERT INTO sync_event (run_id, channel_id, level, message, order_id, external_order_id,
            created_at)
        SELECT r.id, r.channel_id,
               CASE WHEN k % 17 = 0 THEN 'error' WHEN k % 7 = 0 THEN 'warning' ELSE 'info' END,
               (CAST(:messages AS text[]))[k % 6 + 1] || ' (run ' || r.id || ', item ' || k || ')',
               NULL, NULL,
               r.created_at + k * interval '1 second'
        FROM sync_run r CROSS JOIN generate_series(1, :events_per_run) AS k""",
    ),
    (
        "pending_order",
        """INSERT INTO pending_order (channel_id, external_id, number, reason, attempts, first_failed_at,
            last_failed_at, last_run_id, cause)
        SELECT :busy_channel, 90000000 + n, 'BS-' || (90000000 + n),
               'SKU NOPE-' || (n % 50) || ' maps to no product variant', 1 + n % 3,
               CAST(:t_end AS timestamptz) - n * interval '1 hour',
               CAST(:t_end AS timestamptz) - n * interval '1 minute', NULL,
               CASE WHEN n % 10 = 0 THEN 'store_error' ELSE 'missing_sku' END
        FROM generate_series(1, :n_failed_orders) AS n""",
    ),
    (
        "pending_order_sku",
        """INSERT INTO pending_order_sku (pending_order_id, channel_id, sku, sku_key)
        SELECT p.id, p.channel_id, 'NOPE-' || (p.external_id % 50), lower('NOPE-' || (p.external_id % 50))
        FROM pending_order p WHERE p.cause = 'missing_sku'""",
    ),
    (
        "outbox_event",
        """INSERT INTO outbox_event (account_id, type, object_type, object_id, order_id, data, created_at,
            position, version)
        SELECT o.account_id, 'order.created', 'order', o.id, o.id,
               json_build_object('id', o.id, 'number', o.number, 'status', o.status), o.imported_at,
               row_number() OVER (ORDER BY o.id), 1
        FROM sales_order o ORDER BY o.id LIMIT :n_outbox_events""",
    ),
    (
        "webhook_endpoint",
        """INSERT INTO webhook_endpoint (account_id, url, event_types, secret_ciphertext, last_position,
            enabled, disabled_reason, created_at)
        SELECT a.id, 'https://wms.example.com/hooks/' || a.id, '["order.created"]', :secret,
               (SELECT coalesce(max(position), 0) FROM outbox_event), true, '', :t_start
        FROM account a""",
    ),
    (
        "webhook_delivery",
        """INSERT INTO webhook_delivery (account_id, endpoint_id, event_id, event_type, order_id, position,
            status, attempts, first_attempt_at, next_attempt_at, last_attempt_at, response_status,
            response_excerpt, error, created_at)
        SELECT e.account_id, w.id, e.id, e.type, e.order_id, e.position, 'delivered', 1, e.created_at,
               e.created_at, e.created_at, 200, 'ok', '', e.created_at
        FROM outbox_event e JOIN webhook_endpoint w ON w.account_id = e.account_id
        ORDER BY e.id LIMIT :n_webhook_deliveries""",
    ),
]
TABLES = sorted(
    {name for name, _sql in BULK_SQL if name not in ("channel_rank", "inventory_allocated")}
    | {"sales_channel", "user"}
)


def generate(sizes: Sizes, *, say=print) -> Generated:
    """Fill the (migrated, empty) PostgreSQL database of the app context; returns what was made."""
    if db.engine.dialect.name != "postgresql":
        raise RuntimeError("the scale data is PostgreSQL only (set DATABASE_URL)")
    began = time.perf_counter()
    made = _small_rows(sizes)
    busy = max(1, int(sizes.channels * 0.8))
    params = {
        "account": made.account_id,
        "busy_channel": made.channel_id,
        "n_busy": busy,
        "products": list(PRODUCT_WORDS),
        "t_end": T_END,
        "t_start": T_END.replace(year=T_END.year - 1),
        "first": list(FIRST_NAMES),
        "n_first": len(FIRST_NAMES),
        "n_last": len(LAST_NAMES),
        "last": list(LAST_NAMES),
        "domains": list(MAIL_DOMAINS),
        "cities": list(CITIES),
        "messages": list(EVENT_MESSAGES),
        "events_per_run": max(1, sizes.events // sizes.runs),
        "secret": token_vault.encrypt("scale-webhook-secret"),
    } | {f"n_{name}": getattr(sizes, name) for name in sizes.__dataclass_fields__}
    # Foreign-key triggers off while loading (the rows are consistent by construction): a check per row
    # would triple the time. Needs a superuser, as the development database's postgres is.
    for name, sql in BULK_SQL:
        db.session.execute(text("SET session_replication_role = replica"))
        step = time.perf_counter()
        used = {key: value for key, value in params.items() if f":{key}" in sql}
        result = db.session.execute(text(sql), used)
        db.session.execute(text("SET session_replication_role = DEFAULT"))
        db.session.commit()
        say(f"  {name:<20} {max(result.rowcount, 0):>10,} rows  {time.perf_counter() - step:6.1f} s")
    step = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    say(f"  {'VACUUM ANALYZE':<20} {'':>10}       {time.perf_counter() - step:6.1f} s")
    made.rows = row_counts()
    made.seconds = time.perf_counter() - began
    return made


def row_counts() -> dict[str, int]:
    return {
        table: db.session.scalar(text(f'SELECT count(*) FROM "{table}"'))  # noqa: S608  names from TABLES
        for table in TABLES
    }


def busy_account(made: Generated) -> Account:
    return db.session.scalar(select(Account).where(Account.id == made.account_id))
