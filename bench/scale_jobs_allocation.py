"""bench/scale_jobs.py's allocation job: the open order lines of a busy channel imported while no warehouse
was mapped (they hold no stock yet), allocated at once when a warehouse is (`allocation.allocate_waiting`, as
the next import or inventory export calls it), in the year of data.

The channel is the busy account's with the most open order lines. The bench takes their allocation back in
plain SQL first (each level gives back what they held; the lines hold nothing), then allocates them into the
channel's first selling warehouse, measured, and rolls everything back: the data is left as it was. Expected
from plain SQL before the job: every level of that warehouse gains the open quantity (ordered less shipped) of
the waiting physical lines of its variant, and no line is left waiting. Memory: the process's RSS may grow by
at most RSS_BUDGET_MB whatever the number of lines (it grew by 210 MB at 25,000 lines when they were read at
once)."""

from __future__ import annotations

from sqlalchemy import text

from bench.scale_jobs_measure import Measured, measure
from bench.verdicts import Verdicts
from extensions import db
from models.channels import SalesChannel
from services.inventory import allocation

RSS_BUDGET_MB = 64
# The channel's waiting lines: physical lines with a variant and something not shipped yet, of its open orders
# (the allocation's rule; a line shipped whole holds nothing).
WAITING = (
    "FROM sales_order_line l JOIN sales_order o ON o.id = l.order_id WHERE o.channel_id = :c"
    " AND o.status IN ('draft', 'approved', 'released', 'partially_shipped')"
    " AND l.is_physical AND l.variant_id IS NOT NULL AND l.quantity > l.shipped_quantity"
)
BUSIEST_CHANNEL = (
    "SELECT o.channel_id FROM sales_order o JOIN sales_order_line l ON l.order_id = o.id"
    " WHERE o.status IN ('draft', 'approved', 'released', 'partially_shipped') AND l.is_physical"
    " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
)
FIRST_SELLING_WAREHOUSE = (
    "SELECT warehouse_id FROM warehouse_mapping WHERE channel_id = :c AND sells_from"
    " ORDER BY is_primary DESC, id LIMIT 1"
)
# Module constants only, no input: S608 (SQL built from strings) does not apply.
GIVE_BACK = (
    "UPDATE inventory_level v SET allocated = v.allocated - held.quantity FROM ("  # noqa: S608
    " SELECT l.allocated_variant_id AS variant_id, l.allocated_warehouse_id AS warehouse_id,"
    " sum(l.allocated_quantity) AS quantity " + WAITING + " AND l.allocated_quantity > 0 GROUP BY 1, 2) held"
    " WHERE v.variant_id = held.variant_id AND v.warehouse_id = held.warehouse_id"
)
HOLD_NOTHING = (
    "UPDATE sales_order_line SET allocated_quantity = 0, allocated_variant_id = NULL,"  # noqa: S608
    " allocated_warehouse_id = NULL WHERE id IN (SELECT l.id " + WAITING + ")"
)
OPEN_QUANTITY = (
    "SELECT l.variant_id, sum(greatest(l.quantity - l.shipped_quantity, 0)) " + WAITING + " GROUP BY 1"  # noqa: S608
)
LEVELS = (
    "SELECT variant_id, allocated FROM inventory_level WHERE warehouse_id = :w"  # noqa: S608
    " AND variant_id IN (SELECT l.variant_id " + WAITING + ")"
)
COUNT_WAITING = "SELECT count(*) " + WAITING  # noqa: S608
COUNT_UNALLOCATED = COUNT_WAITING + " AND l.allocated_warehouse_id IS NULL"


def _release_in_sql(channel_id: int) -> None:
    """The channel's open lines as if imported with no warehouse mapped: their levels give back what they
    hold, and they hold nothing."""
    db.session.execute(text(GIVE_BACK), {"c": channel_id})
    db.session.execute(text(HOLD_NOTHING), {"c": channel_id})


def _levels(warehouse_id: int, channel_id: int) -> dict[int, int]:
    """allocated per variant in the warehouse, for the variants of the channel's waiting lines."""
    return dict(db.session.execute(text(LEVELS), {"w": warehouse_id, "c": channel_id}).tuples().all())


def waiting_lines(verdicts: Verdicts, *, spoil: bool = False) -> Measured:
    channel_id = db.session.scalar(text(BUSIEST_CHANNEL))
    warehouse_id = db.session.scalar(text(FIRST_SELLING_WAREHOUSE), {"c": channel_id})
    _release_in_sql(channel_id)
    gains = dict(db.session.execute(text(OPEN_QUANTITY), {"c": channel_id}).tuples().all())
    waiting = db.session.scalar(text(COUNT_WAITING), {"c": channel_id})
    before = _levels(warehouse_id, channel_id)
    expected = {variant: before.get(variant, 0) + gain for variant, gain in gains.items()}
    if spoil:
        first = min(expected)
        expected[first] += 1  # a unit no line holds
        print(f"  self-test: variant {first} is expected to hold one unit more than its lines")
    channel = db.session.get(SalesChannel, channel_id)
    with measure(db.engine, f"allocation of {waiting:,} waiting lines") as measured:
        allocated = allocation.allocate_waiting(channel, warehouse_id)
        db.session.flush()
    measured.items, measured.unit = allocated, "lines"
    after = _levels(warehouse_id, channel_id)
    left = db.session.scalar(text(COUNT_UNALLOCATED), {"c": channel_id})
    differ = sum(after.get(variant, 0) != figure for variant, figure in expected.items())
    db.session.rollback()  # the data as it was: its lines hold their stock again
    verdicts.check(
        "allocation: every level gains its waiting lines' open quantity",
        differ == 0 and len(expected) > 0,
        f"{len(expected):,} levels of warehouse {warehouse_id} (SQL), {differ} differ",
    )
    verdicts.check(
        "allocation: every waiting line allocated, none left",
        left == 0 and allocated == waiting,
        f"{allocated:,} allocated of {waiting:,} (SQL), {left} left",
    )
    grown = measured.rss_growth / 2**20
    verdicts.check(
        f"allocation: RSS grows at most {RSS_BUDGET_MB} MB", grown <= RSS_BUDGET_MB, f"+{grown:.0f} MB"
    )
    return measured
