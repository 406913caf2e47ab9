"""Export inventory's state over one attempt (`StockExport`): the store rows it knows, the events it wrote per
kind, the confirmed pushes and forgotten rows the next commit saves; and what reading the store
(inventory_full_compare.py) and pushing (inventory_pushes.py) both do with it: forget rows, commit, name
a product's SKUs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from models.activity import EventLevel
from services import outbox
from services.inventory import store_records
from services.inventory.store_records import ConfirmedPush, StoreRow
from sync import runs
from sync.context import RunContext, RunWork

EVENTS_PER_KIND = 50  # individual Warning / Info events per run and kind; the rest are counted in one event
Change = tuple[StoreRow, int]  # a row and the quantity to set


@dataclass
class StockExport(RunWork):
    ctx: RunContext
    rows: dict[int, StoreRow] = field(default_factory=dict)  # by store inventory id
    events: Counter = field(default_factory=Counter)  # individual events written, per kind
    pushes: list[ConfirmedPush] = field(default_factory=list)  # saved at the next commit
    forgotten: set[int] = field(default_factory=set)  # inventory ids deleted at the next commit

    @property
    def channel_id(self) -> int:
        return self.ctx.channel.id

    def note(self, kind: str, level: EventLevel, message: str) -> None:
        """An event, unless EVENTS_PER_KIND of this kind were written already (then it is only counted)."""
        self.events[kind] += 1
        if self.events[kind] <= EVENTS_PER_KIND:
            runs.add_event(self.run, level, message)

    def note_the_rest(self, kind: str, level: EventLevel, message: str) -> None:
        more = self.events[kind] - EVENTS_PER_KIND
        if more > 0:
            runs.add_event(self.run, level, message.format(more=more))


def commit(state: StockExport) -> None:
    """The confirmed pushes and forgotten rows saved with the run's checkpoint (one transaction)."""
    outbox.record_stock(state.ctx.channel.account_id, state.channel_id, len(state.pushes))
    store_records.note_pushes(state.channel_id, state.pushes)
    store_records.forget(state.channel_id, state.forgotten)
    state.pushes, state.forgotten = [], set()
    state.ctx.checkpoint()


def forget(state: StockExport, rows: list[StoreRow], *, count: bool = True) -> None:
    if count:
        state.counts["skipped"] += len(rows)
    for row in rows:
        state.forgotten.add(row.inventory_id)
        state.rows.pop(row.inventory_id, None)


def forget_product(state: StockExport, product_id: int) -> None:
    """Every known row of the product: the store refuses the product as a whole."""
    forget(state, [row for row in state.rows.values() if row.product_id == product_id])


def skus_text(rows: list[StoreRow]) -> str:
    """Up to three of the rows' SKUs, for an event."""
    names = sorted(row.sku for row in rows)
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
