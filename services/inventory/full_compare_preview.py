"""What a full compare would change, without changing anything: `GET /inventories` read (its listing calls,
counted on the channel's API cost like the store's other lists), and each tracked row's value set against
the figure techOMS would publish (services/inventory/publish_figures.py). Nothing is written: neither the
store nor techOMS's records of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.brightsites import translate
from connectors.brightsites.errors import BrightSitesError
from models.channels import SalesChannel
from services.api_cost import usage
from services.channels import store_connection
from services.channels.token_vault import TokenUnreadable
from services.inventory.publish_figures import figures
from services.mappings.resolvers import SkuResolver


@dataclass(frozen=True)
class FullComparePreview:
    calls: int = 0  # the listing calls this preview made
    changes: list[tuple[str, int, int]] = field(default_factory=list)  # (store SKU, store value, would push)
    products: int = 0  # the batch_update calls the compare would make
    error: str | None = None


def preview(channel: SalesChannel) -> FullComparePreview:
    try:
        with (
            usage.counted(channel.id, usage.REFERENCE_LISTS) as tally,
            store_connection.client_for_channel(
                channel, max_wait=store_connection.PAGE_MAX_WAIT, max_retries=1, on_call=tally
            ) as client,
        ):
            rows = _tracked_rows(client.iter_inventories())
    except BrightSitesError as exc:
        return FullComparePreview(tally.calls, error=f"Could not read the store's inventory: {exc}")
    except (TokenUnreadable, ValueError):
        return FullComparePreview(error="Could not read the store's inventory: the access token is unusable.")
    targets = figures(channel, SkuResolver(channel).resolve_many({sku for sku, _, _ in rows}))
    changes, products = [], set()
    for sku, product, quantity in rows:
        if sku in targets and targets[sku].published != quantity:
            changes.append((sku, quantity, targets[sku].published))
            products.add(product)
    return FullComparePreview(tally.calls, changes, len(products))


def _tracked_rows(items) -> list[tuple[str, int, int]]:
    """(store SKU, store product id, quantity) of each readable tracked row."""
    rows = []
    for item in items:
        try:
            read = translate.inventory_row(item)
        except (translate.TranslationError, AttributeError, TypeError, ValueError):
            continue
        if read.track and read.sku:
            rows.append((read.sku, read.product_id, read.quantity))
    return rows
