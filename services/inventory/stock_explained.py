"""The channel's Stock tab: per store SKU, the figure techOMS publishes and its parts, the last value techOMS
pushed (when, by which run), what the store holds as techOMS last read or pushed it, and whether they differ;
the same as CSV; and a preview of the next delta export (what it would push, and the calls: one per store
product), computed from the database alone (0 calls)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from extensions import db
from models.activity import SyncAction, SyncRun
from models.channels import SalesChannel
from models.inventory_sync import StoreInventoryRecord
from services.inventory.publish_figures import Figure, figures
from services.mappings.csv_io import escape
from services.mappings.resolvers import SkuResolver

CSV_COLUMNS = (
    "store_sku",
    "store_product_id",
    "on_hand",
    "allocated",
    "unimported_store_orders",
    "buffer",
    "cap",
    "sold_out_at",
    "techoms_figure",
    "last_pushed",
    "last_pushed_at",
    "last_push_run",
    "store_value",
    "differs",
)


@dataclass(frozen=True)
class StockLine:
    sku: str
    product_id: int
    figure: Figure | None  # None: the store SKU matches no techOMS variant (nothing is published)
    pushed_quantity: int | None
    pushed_at: datetime | None
    pushed_by_run: int | None
    store_quantity: int

    @property
    def published(self) -> int | None:
        return self.figure.published if self.figure else None

    @property
    def differs(self) -> bool:
        return self.figure is not None and self.figure.published != self.store_quantity


@dataclass(frozen=True)
class DeltaPreview:
    changes: list[StockLine]  # the rows the next delta would push
    products: int  # its batch_update calls (one per store product)


def lines(channel: SalesChannel, *, only_differing: bool = False) -> list[StockLine]:
    records = list(
        db.session.scalars(
            select(StoreInventoryRecord)
            .where(StoreInventoryRecord.channel_id == channel.id)
            .order_by(StoreInventoryRecord.channel_sku_key)
        )
    )
    variant_of = SkuResolver(channel).resolve_many({record.channel_sku for record in records})
    by_sku = figures(channel, variant_of)
    run_of = _push_runs(channel, [record.pushed_at for record in records if record.pushed_at])
    found = [
        StockLine(
            sku=record.channel_sku,
            product_id=record.store_product_id,
            figure=by_sku.get(record.channel_sku),
            pushed_quantity=record.pushed_quantity,
            pushed_at=record.pushed_at,
            pushed_by_run=run_of.get(record.pushed_at) if record.pushed_at else None,
            store_quantity=record.store_quantity,
        )
        for record in records
    ]
    return [line for line in found if line.differs] if only_differing else found


def delta_preview(channel: SalesChannel) -> DeltaPreview:
    changes = lines(channel, only_differing=True)
    return DeltaPreview(changes, len({line.product_id for line in changes}))


def _push_runs(channel: SalesChannel, instants: list[datetime]) -> dict[datetime, int]:
    """Each push instant → the export run that was running then (one query over the channel's exports)."""
    if not instants:
        return {}
    exports = db.session.execute(
        select(SyncRun.id, SyncRun.started_at, SyncRun.finished_at)
        .where(
            SyncRun.channel_id == channel.id,
            SyncRun.action == SyncAction.EXPORT_INVENTORY,
            SyncRun.started_at.is_not(None),
            SyncRun.started_at <= max(instants),
        )
        .order_by(SyncRun.started_at)
    ).all()
    found: dict[datetime, int] = {}
    for instant in set(instants):
        for run_id, started, finished in exports:
            if started <= instant and (finished is None or instant <= finished):
                found[instant] = run_id
    return found


def csv_rows(channel: SalesChannel) -> Iterator[str]:
    yield _line(list(CSV_COLUMNS))
    for line in lines(channel):
        part = line.figure
        yield _line(
            [
                line.sku,
                str(line.product_id),
                *(
                    [str(part.on_hand), str(part.allocated), str(part.held), str(part.buffer)]
                    if part
                    else ["", "", "", ""]
                ),
                "" if part is None or part.cap is None else str(part.cap),
                str(part.sold_out_at) if part else "",
                "" if line.published is None else str(line.published),
                "" if line.pushed_quantity is None else str(line.pushed_quantity),
                line.pushed_at.isoformat() if line.pushed_at else "",
                str(line.pushed_by_run or ""),
                str(line.store_quantity),
                "yes" if line.differs else "no",
            ]
        )


def _line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([escape(cell) for cell in cells])
    return buffer.getvalue()
