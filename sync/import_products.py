"""Import products: the store's catalog into the account's products and variants.

List `/products` 500 a page — the whole store on the first run (or when asked for a full listing), then only
what changed since the watermark (minus an overlap) — and show only the products that are new or whose
`updated_at` differs from the one last read: ceil(P/500) + changed products calls, and a re-run with nothing
changed costs the listing alone (one call with the watermark). Gift certificates are skipped without a show.
Each page is one transaction (services/catalog_import.py writes the products). A product the store answers
badly is an Error event and the run goes on; a product the store fails to show keeps the watermark where it
was, so the next run shows it again. A full listing also reports the products gone from the store; nothing
is ever deleted in techOMS.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from connectors.brightsites import errors as bs_errors
from connectors.brightsites.client import format_filter_time
from connectors.brightsites.gift_certificates import is_gift_certificate
from extensions import db
from models.activity import EventLevel, RunStatus, SyncAction, SyncRun
from models.base import utcnow
from models.channels import SalesChannel
from models.store_catalog import StoreProduct
from services import watermarks
from services.catalog_import import CatalogWriter, MalformedProduct
from sync import runs
from sync.context import RunContext
from sync.errors import StoreUnavailable

OVERLAP = timedelta(minutes=15)  # re-list a little before the watermark: clock skew, equal timestamps
MAX_SHOW_FAILURES = 25  # past this the store is unwell: stop and let the job retry later
SHOW_CHUNK = 100  # products shown (a few at a time) and written together, then the failures are counted
GONE_LISTED = 20  # products named in the "gone from the store" event; the count says the rest
PROPOSALS_EVENT = (
    "Confirm them in SKU Mappings › Proposals from Import products; nothing was created for them."
)


def import_products(ctx: RunContext) -> RunStatus:
    run, channel, client, fetch, counts = ctx.run, ctx.channel, ctx.store, ctx.details, ctx.counts
    writer = CatalogWriter(channel, update_linked=bool(run.params.get("update_linked")))
    relinked = writer.link_confirmed()
    if relinked:
        counts["linked"] += relinked
    started = utcnow().replace(microsecond=0)  # whole seconds: the filter is sent with second precision
    cursor = watermarks.cursor(channel, SyncAction.IMPORT_PRODUCTS)
    full = cursor is None or bool(run.params.get("full"))
    # A whole listing that also updates linked variants shows every product again, changed or not: the way
    # to bring variants linked by an earlier create-only run in line with the store (one call per product).
    reshow = bool(run.params.get("full")) and writer.update_linked
    filters = {} if full else {"updated_at_from": format_filter_time(cursor.value - OVERLAP)}
    seen: set[int] = set()
    stable, first_total, show_failures = True, None, 0
    run.progress_total, run.progress_done = 0, 0
    for page in client.iter_pages("/products", "products", filters):
        if first_total is None:
            first_total = page.total
            run.progress_total = page.total if page.total is not None else len(page.items)
        elif page.total != first_total:
            stable = False  # products changed while paging: one may have shifted past us
        listed = [item for item in page.items if _listed_id(item) is not None]
        for item in page.items:
            if _listed_id(item) is None:
                counts["failed"] += 1
                runs.add_event(
                    run, EventLevel.ERROR, "The store listed a product without an id; it was left out."
                )
        seen.update(_listed_id(item) for item in listed)
        show_failures += _import_page(
            run, fetch, writer, counts, listed, reshow=reshow, failures_before=show_failures
        )
        run.progress_done += len(page.items)
        ctx.checkpoint()
    if full and stable:
        _report_gone(run, channel, seen, counts)
    if stable and not show_failures:
        watermarks.advance(channel, SyncAction.IMPORT_PRODUCTS, started)
    elif not stable:
        runs.add_event(
            run,
            EventLevel.INFO,
            "The store's product list changed while it was read; the next run reads it again.",
        )
    ctx.checkpoint()
    return RunStatus.PARTIAL if counts["failed"] else RunStatus.SUCCEEDED


def _import_page(
    run: SyncRun,
    fetch: Callable[[list[int]], Iterator[Any]],
    writer: CatalogWriter,
    counts: Counter,
    listed: list[dict[str, Any]],
    *,
    reshow: bool = False,
    failures_before: int = 0,
) -> int:
    """One page of the listing: gift certificates skipped, unchanged products left alone (unless `reshow`),
    the others shown (a few at a time) and written. Returns how many the store failed to show (shown again
    next run)."""
    known = writer.remembered(_listed_id(item) for item in listed)
    to_show = []
    for item in listed:
        row = known.get(_listed_id(item))
        if is_gift_certificate(item):
            if row is None or row.skipped_reason == "":
                runs.add_event(
                    run,
                    EventLevel.INFO,
                    f"{_label(item)} skipped: a gift certificate is not a product to ship.",
                )
            writer.note_read(item, row, skipped_reason="gift certificate")
            counts["skipped"] += 1
        elif (
            not reshow
            and row is not None
            and row.gone_at is None
            and row.store_updated_at == _updated_at(item)
        ):
            counts["unchanged"] += 1
        else:
            to_show.append(item)
    failures = 0
    for start in range(0, len(to_show), SHOW_CHUNK):
        chunk = to_show[start : start + SHOW_CHUNK]
        readable = []
        for item, outcome in zip(chunk, fetch([_listed_id(item) for item in chunk]), strict=True):
            if isinstance(outcome, bs_errors.NotFound):
                runs.add_event(
                    run, EventLevel.WARNING, f"{_label(item)} was deleted from the store while it was read."
                )
            elif isinstance(outcome, bs_errors.AuthenticationError | bs_errors.PermissionDenied):
                raise outcome  # the whole run stops: every later call would be refused too
            elif isinstance(outcome, bs_errors.BrightSitesError):
                failures += 1
                counts["failed"] += 1
                runs.add_event(
                    run,
                    EventLevel.ERROR,
                    f"{_label(item)} could not be read: {outcome}. The next run tries again.",
                )
            else:
                readable.append((item, outcome if isinstance(outcome, dict) else {}))
        if failures_before + failures > MAX_SHOW_FAILURES:
            raise StoreUnavailable(f"The store failed to show {failures_before + failures} products.")
        writer.prepare([shown for _, shown in readable])
        for item, outcome in readable:
            _write_one(run, writer, counts, item, outcome, known.get(_listed_id(item)))
    return failures


def _write_one(
    run: SyncRun,
    writer: CatalogWriter,
    counts: Counter,
    item: dict[str, Any],
    shown: dict[str, Any],
    known: StoreProduct | None,
) -> None:
    label = _label(item)
    try:
        result = writer.write(item, shown, known)  # raises before it changes anything
    except MalformedProduct as error:
        counts["failed"] += 1
        writer.note_read(item, known, skipped_reason=f"unreadable: {error}")
        runs.add_event(run, EventLevel.ERROR, f"{label} was not imported: {error}.")
        return
    counts.update(result.counts)
    if result.proposals:
        runs.add_event(
            run,
            EventLevel.WARNING,
            f"{label}: SKU mapping proposed for {', '.join(result.proposals)}. {PROPOSALS_EVENT}",
        )
    for note in result.notes:
        runs.add_event(run, EventLevel.INFO, f"{label}: {note}.")


def _report_gone(run: SyncRun, channel: SalesChannel, seen: set[int], counts: Counter) -> None:
    """Products read before that a full listing no longer has: reported once, kept in techOMS."""
    gone = [
        row
        for row in db.session.scalars(
            select(StoreProduct)
            .where(StoreProduct.channel_id == channel.id, StoreProduct.gone_at.is_(None))
            .order_by(StoreProduct.external_id)
        )
        if row.external_id not in seen
    ]
    if not gone:
        return
    now = utcnow()
    for row in gone:
        row.gone_at = now
    counts["gone"] += len(gone)
    named = ", ".join(f"{row.name} ({row.sku})" for row in gone[:GONE_LISTED])
    more = f" and {len(gone) - GONE_LISTED} more" if len(gone) > GONE_LISTED else ""
    runs.add_event(
        run,
        EventLevel.WARNING,
        f"{len(gone)} product{'s are' if len(gone) != 1 else ' is'} no longer on the store: {named}{more}. "
        "Their techOMS products and variants are kept.",
    )


def _updated_at(item: dict[str, Any]) -> str:
    return str(item.get("updated_at") or "").strip()[:40]  # as the store product row keeps it


def _listed_id(item: object) -> int | None:
    if not isinstance(item, dict):
        return None
    value = item.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _label(item: dict[str, Any]) -> str:
    name = str(item.get("name") or "").strip()[:80]
    sku = str(item.get("sku") or "").strip()[:60]
    return f"Product {item.get('id')} {name} ({sku})" if sku else f"Product {item.get('id')} {name}"
