"""bench/scale_jobs.py's inventory exports on the channel of the 50,000 SKU mappings: a full compare, then
a delta after a few variants' stock changed in techOMS.

The store (simulator) has `products` products of 4 tracked rows each; the first rows' worth of the channel's
SKU mappings (by id) are pointed at the store's SKUs, the others stay mapped to SKUs the store does not sell,
so the channel still holds all its mappings. After each export every tracked store row must show the bench's
own figure: Σ (on hand − allocated) of its mapped variant over the channel's selling warehouses, minus the
channel's buffer, clamped to [0, cap] (the generated data holds no store-order holds)."""

from __future__ import annotations

from sqlalchemy import select, text

from bench.scale_jobs_measure import Measured, measure
from bench.simulator_process import Simulator
from bench.store_channel import expected_store_figures
from bench.verdicts import Verdicts
from connectors.brightsites import BrightSitesClient
from extensions import db
from models.activity import SyncAction, SyncTrigger
from models.catalog import InventoryLevel
from models.channels import SalesChannel
from models.natural_order import natural_sort_key
from services.channels import token_vault
from sync import runs
from sync.executor import execute_run

STORE = "scaleinventory"
EXPECTED_SQL = text(
    """
    SELECT m.channel_sku_key, SUM(l.on_hand - l.allocated)
    FROM sku_mapping m
    JOIN inventory_level l ON l.variant_id = m.variant_id
    JOIN warehouse_mapping w ON w.warehouse_id = l.warehouse_id AND w.channel_id = m.channel_id
    WHERE m.channel_id = :channel AND w.sells_from
    GROUP BY m.channel_sku_key
    """
)


def point_at_store(sim: Simulator, channel: SalesChannel, products: int) -> tuple[dict, list[dict]]:
    info = sim.create_store(subdomain=STORE, seed=3, products=products, orders=0, vendor_rate=0,
                            vendor_managed=[], sizes=2, colours=2)  # fmt: skip
    rows = store_rows(sim, info)
    skus = sorted({row["final_sku"] for row in rows})
    mapping_ids = db.session.scalars(
        text("SELECT id FROM sku_mapping WHERE channel_id = :c ORDER BY id LIMIT :n"),
        {"c": channel.id, "n": len(skus)},
    ).all()
    # Out of the way first (a store SKU may sit on another row from an earlier run), then onto the rows.
    db.session.execute(
        text(
            "UPDATE sku_mapping SET channel_sku_key = 'moving-' || id, channel_sku = 'moving-' || id"
            " WHERE channel_id = :c AND id <= :last"
        ),
        {"c": channel.id, "last": mapping_ids[-1]},
    )
    db.session.execute(
        text(
            "UPDATE sku_mapping SET channel_sku = :sku, channel_sku_key = :key, channel_sku_sort_key = :sort"
            " WHERE id = :id"
        ),
        [
            {"id": i, "sku": sku, "key": sku.lower(), "sort": natural_sort_key(sku)}
            for i, sku in zip(mapping_ids, skus, strict=True)
        ],
    )
    db.session.execute(
        text(
            "UPDATE sku_mapping SET channel_sku = 'BS-' || v.sku, channel_sku_key = lower('BS-' || v.sku),"
            " channel_sku_sort_key = 'bs-' || v.sku_sort_key FROM product_variant v"
            " WHERE v.id = sku_mapping.variant_id AND channel_id = :c AND sku_mapping.id <= :last"
            " AND channel_sku LIKE 'moving-%'"
        ),
        {"c": channel.id, "last": mapping_ids[-1]},
    )
    channel.shop_domain = info["domain"]
    channel.token_ciphertext = token_vault.encrypt(info["token"])
    channel.token_last4 = info["token"][-4:]
    channel.import_lag_minutes = 0
    db.session.commit()
    sim.admin("DELETE", f"/stores/{STORE}/calls")
    return info, rows


def store_rows(sim: Simulator, info: dict) -> list[dict]:
    """The store's tracked rows, on the read-only token (the caller resets the counter after)."""
    with BrightSitesClient(info["domain"], info["readonly_token"], route_to=sim.base_url) as client:
        return [row for row in client.iter_inventories() if row["track"]]


def wrong_rows(sim: Simulator, info: dict, channel: SalesChannel) -> tuple[int, list[str]]:
    expected = expected_store_figures(channel, EXPECTED_SQL)
    rows = store_rows(sim, info)
    sim.admin("DELETE", f"/stores/{STORE}/calls")
    return len(rows), [r["final_sku"] for r in rows if r["inventory"] != expected.get(r["final_sku"].lower())]


def export(sim: Simulator, channel: SalesChannel, label: str, *, full: bool) -> Measured:
    run = runs.new_run(
        channel, SyncAction.EXPORT_INVENTORY, SyncTrigger.MANUAL, **({"full": True} if full else {})
    )
    db.session.add(run)
    db.session.commit()
    with measure(db.engine, label, lambda: sim.calls(STORE)) as measured:
        execute_run(run.id)
    sim.admin("DELETE", f"/stores/{STORE}/calls")
    return measured


def exports(sim: Simulator, channel: SalesChannel, products: int, changed: int, verdicts: Verdicts,
            *, tamper: bool = False) -> list[Measured]:  # fmt: skip
    info, rows = point_at_store(sim, channel, products)
    full = export(sim, channel, f"inventory full compare ({len(rows):,} store rows)", full=True)
    full.items, full.unit = len(rows), "rows"
    if tamper:  # the self-test: a store row set to a figure techOMS never published
        row = rows[0]
        with BrightSitesClient(info["domain"], info["token"], route_to=sim.base_url) as client:
            client.request("PUT", "/products/{product_id}/inventories/{row_id}",
                           ids={"product_id": row["product_id"], "row_id": row["id"]},
                           body={"inventory": {"inventory": 99_999}})  # fmt: skip
        print(f"  self-test: store row {row['final_sku']} set to 99999")
    seen, wrong = wrong_rows(sim, info, channel)
    example = f" (e.g. {wrong[0]})" if wrong else ""
    verdicts.check("inventory full: store figures = the bench's SQL", not wrong and seen == len(rows),
                   f"{seen} tracked rows, {len(wrong)} differ{example}")  # fmt: skip
    one_per_product = {}
    for row in rows:
        one_per_product.setdefault(row["product_id"], row["final_sku"].lower())
    picked = list(one_per_product.values())[:changed]
    for key in picked:
        level = db.session.scalar(
            select(InventoryLevel)
            .where(InventoryLevel.variant_id == variant_of(channel, key))
            .order_by(InventoryLevel.warehouse_id)
            .limit(1)
        )
        level.on_hand += 1
    db.session.commit()
    delta = export(sim, channel, f"inventory delta ({len(picked)} products changed)", full=False)
    delta.items, delta.unit = len(picked), "products"
    _seen, wrong = wrong_rows(sim, info, channel)
    verdicts.check("inventory delta: store figures = the bench's SQL", not wrong,
                   f"{len(wrong)} differ" + (f" (e.g. {wrong[0]})" if wrong else ""))  # fmt: skip
    floor = 1 + len(picked)  # the listing of the store's orders, then a PUT per changed product
    verdicts.check("inventory delta: billed calls = the floor", delta.billed == floor,
                   f"{delta.billed} billed, floor {floor}")  # fmt: skip
    return [full, delta]


def variant_of(channel: SalesChannel, key: str) -> int:
    return db.session.scalar(
        text("SELECT variant_id FROM sku_mapping WHERE channel_id = :c AND channel_sku_key = :k"),
        {"c": channel.id, "k": key},
    )
