"""Export inventory's full compare: every page of the store's inventory list read into the records techOMS
keeps of it; rows it no longer lists forgotten (sync/export_inventory.py says when a full compare runs)."""

from __future__ import annotations

from collections import defaultdict

from connectors.brightsites import translate
from connectors.brightsites.client import BrightSitesClient
from models.activity import EventLevel
from models.mappings import SKU_LENGTH
from services.inventory import store_records
from services.inventory.store_records import StoreRow
from sync import runs
from sync.inventory_export_state import StockExport, commit, forget, skus_text


def read_store(state: StockExport, client: BrightSitesClient) -> bool:
    """Every page of /inventories updates the records it lists, in the page's own commit. True when the
    listing was whole and stable; only then are the rows it did not list forgotten."""
    listed: set[int] = set()
    untracked: set[int] = set()
    totals: set[int] = set()
    served = 0
    state.run.progress_total = 0
    for page in client.iter_pages("/inventories", "inventories"):
        if page.total is not None:
            totals.add(page.total)
            state.run.progress_total = page.total
        new, changed, unchanged = [], [], []
        for item in page.items:
            served += 1
            state.run.progress_done += 1
            try:
                read = translate.inventory_row(item)
            except (translate.TranslationError, AttributeError, TypeError, ValueError):
                state.counts["failed"] += 1
                state.note(
                    "unreadable", EventLevel.ERROR, "The store listed an inventory row techOMS cannot read."
                )
                continue
            if not read.track or not read.sku:
                untracked.add(read.inventory_id)  # the store ignores its stock: nothing to publish
                continue
            listed.add(read.inventory_id)
            row = StoreRow(read.inventory_id, read.product_id, read.sku[:SKU_LENGTH], read.quantity)
            known = state.rows.get(row.inventory_id)
            if known is None:
                new.append(row)
            elif known != row:
                changed.append(row)
            else:
                unchanged.append(row.inventory_id)
            state.rows[row.inventory_id] = row
        store_records.save(state.channel_id, new, changed, unchanged, page.served_at)
        commit(state)
    if len(totals) > 1 or (totals and served < max(totals)):
        runs.add_event(
            state.run,
            EventLevel.INFO,
            f"The store's inventory list changed while it was read ({served} rows served of {max(totals)}): "
            "rows it did not serve are kept, and the next run reads the list again.",
        )
        return False
    forget(state, [row for row in state.rows.values() if row.inventory_id in untracked], count=False)
    _forget_unlisted(state, listed)
    return True


def _forget_unlisted(state: StockExport, listed: set[int]) -> None:
    """Rows the store stopped listing: their product is now managed by its vendor, or it is gone."""
    by_product: dict[int, list[StoreRow]] = defaultdict(list)
    for inventory_id, row in state.rows.items():
        if inventory_id not in listed:
            by_product[row.product_id].append(row)
    for product_id, rows in sorted(by_product.items()):
        state.note(
            "unlisted",
            EventLevel.INFO,
            f"Store product {product_id} ({skus_text(rows)}) is no longer in the store's inventory list "
            "(its vendor manages its stock, or it was removed): it is skipped.",
        )
        forget(state, rows)
    state.note_the_rest("unlisted", EventLevel.INFO, "{more} more store products are no longer listed.")
    commit(state)
