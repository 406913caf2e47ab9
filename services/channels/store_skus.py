"""Every SKU the store sells (the channel SKUs of Auto-map and the Unmapped view), at the fewest billed
calls.

`/inventories` gives the final SKU of every variant, 500 rows a call, but leaves out vendor-managed products,
whose SKUs then fail orders until someone maps them by hand. The products listing (500 a call) names every
product; only those `/inventories` did not cover are shown, one call each, and their SKUs are built from the
show. So a refresh costs ceil(rows/500) + ceil(products/500) + one call per such product, and a product's SKUs
are remembered with its `updated_at`: a later refresh shows only the ones that changed since. Listing every
product's show instead would cost one call per product on every refresh; the SKUs of failed orders alone would
show a SKU only after an order had already failed on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.brightsites.client import BrightSitesClient
from connectors.brightsites.errors import NotFound
from connectors.brightsites.product_skus import final_skus


@dataclass
class StoreSkus:
    skus: list[str]
    # product id -> {"updated_at": the listing's value, "skus": [...]} for the products /inventories left out
    remembered: dict[str, dict[str, Any]] = field(default_factory=dict)


def read(client: BrightSitesClient, remembered: dict[str, dict[str, Any]] | None = None) -> StoreSkus:
    """The store's final SKUs in the order read; `remembered` is what the previous read returned."""
    remembered = remembered if isinstance(remembered, dict) else {}
    found: dict[str, None] = {}
    covered: set[str] = set()
    for row in client.iter_inventories():
        covered.add(str(row.get("product_id")))
        sku = str(row.get("final_sku") or "").strip()
        if sku:
            found.setdefault(sku, None)
    result = StoreSkus([])
    for product in client.iter_products():
        product_id = str(product.get("id"))
        if product_id in covered or not product_id.isdigit():
            continue
        updated_at = str(product.get("updated_at") or "")
        known = remembered.get(product_id)
        if isinstance(known, dict) and updated_at and known.get("updated_at") == updated_at:
            skus = list(known.get("skus") or [])
        else:
            try:
                skus = final_skus(client.get_product(int(product_id)))
            except NotFound:  # deleted since it was listed
                continue
        result.remembered[product_id] = {"updated_at": updated_at, "skus": skus}
        for sku in skus:
            found.setdefault(sku, None)
    result.skus = list(found)
    return result
