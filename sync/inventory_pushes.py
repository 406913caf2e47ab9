"""Export inventory's pushes: one `batch_update` per store product with absolute figures, the store's
confirmation kept for the next commit; a product the store refuses (422), has no more (404) or leaves to its
vendor is reported and the others go on."""

from __future__ import annotations

from typing import Any

from connectors.brightsites import errors as bs_errors
from connectors.brightsites import translate
from connectors.brightsites.client import BrightSitesClient
from models.activity import EventLevel
from models.base import utcnow
from services.inventory.store_records import ConfirmedPush
from sync import runs
from sync.inventory_export_state import Change, StockExport, commit, forget_product, skus_text

PRODUCTS_PER_COMMIT = 50


def push(state: StockExport, client: BrightSitesClient, changes: dict[int, list[Change]]) -> None:
    """Every product's changed rows, a commit every PRODUCTS_PER_COMMIT products and at the end."""
    run = state.run
    run.progress_total = (run.progress_total or 0) + len(changes)
    try:
        for number, (product_id, rows) in enumerate(sorted(changes.items()), start=1):
            _push_product(state, client, product_id, rows)
            run.progress_done += 1
            if number % PRODUCTS_PER_COMMIT == 0:
                commit(state)
    finally:
        # What the store confirmed is kept even when the run stops here (store unreachable, token refused).
        commit(state)


def _push_product(state: StockExport, client: BrightSitesClient, product_id: int, rows: list[Change]) -> None:
    items = translate.inventory_batch_items((row.inventory_id, target) for row, target in rows)
    try:
        confirmation = client.batch_update_inventory(product_id, items)
    except bs_errors.ValidationFailed as error:
        _refused(state, product_id, rows, error)
        return
    except bs_errors.NotFound:
        state.note(
            "gone",
            EventLevel.WARNING,
            f"Store product {product_id} ({skus_text([r for r, _ in rows])}) no longer exists on the store; "
            "it is skipped until a full compare finds it again.",
        )
        forget_product(state, product_id)
        return
    confirmed = _confirmed_quantities(confirmation.rows)
    now = utcnow()
    for row, target in rows:
        row.quantity = confirmed.get(row.inventory_id, target)
        state.pushes.append(ConfirmedPush(row, target, now, confirmation.served_at))
    state.counts["updated"] += len(rows)
    state.counts["products"] += 1


def _confirmed_quantities(answer: list[dict[str, Any]]) -> dict[int, int]:
    confirmed = {}
    for item in answer:
        try:
            confirmed[translate.record_id(item.get("id"))] = int(item.get("inventory"))
        except (translate.TranslationError, AttributeError, TypeError, ValueError):
            continue
    return confirmed


def _refused(
    state: StockExport, product_id: int, rows: list[Change], error: bs_errors.ValidationFailed
) -> None:
    detail = "; ".join(
        str(message)
        for messages in error.field_errors.values()
        for message in (messages if isinstance(messages, list) else [messages])
    )
    skus = skus_text([row for row, _ in rows])
    if "vendor" in detail.casefold():
        state.note(
            "vendor",
            EventLevel.INFO,
            f"Store product {product_id} ({skus}): its vendor manages its stock on the store; skipped.",
        )
        forget_product(state, product_id)
        return
    state.counts["failed"] += len(rows)
    runs.add_event(
        state.run,
        EventLevel.ERROR,
        f"Store product {product_id} ({skus}): the store refused the new quantities "
        f"({detail[:500] or 'no reason given'}). It keeps its previous figures; the next run tries again.",
    )
