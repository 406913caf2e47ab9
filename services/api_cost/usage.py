"""Billed calls per channel, UTC day and action: counted with one atomic upsert wherever calls are counted (a
sync run's attempt, a route of the app that calls the store), read back in one query for the cost view.

Days and months are UTC calendar days and months, whatever the account's time zone (the page says so)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from connectors.brightsites.results import CallRecord
from extensions import db
from models.api_cost import ApiCallDay
from models.base import utcnow

# The routes of the app that call a store, besides the sync actions (their labels on the chart).
CONNECTION_CHECK = "connection_check"
REFERENCE_LISTS = "reference_lists"
LABELS = {
    "import_orders": "Import orders",
    "export_shipments": "Export shipments",
    "export_inventory": "Export inventory",
    "import_products": "Import products",
    CONNECTION_CHECK: "Connection checks",
    REFERENCE_LISTS: "Store lists",
}
CHART_DAYS = 30


def today() -> date:
    return utcnow().date()


def add(
    channel_id: int, action: str, calls: int, day: date | None = None, *, own_transaction: bool = False
) -> None:
    """calls += `calls` on the channel's row for `day` and `action`, created if missing: one statement, so
    two workers counting at once both count. In the caller's transaction (a run's attempt commits it with
    its ending), or with `own_transaction` committed at once: the calls are billed whether or not the
    request that made them saves anything (a refused token, a GET that only reads)."""
    if calls <= 0:
        return
    dialect = db.engine.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(ApiCallDay).values(
        channel_id=channel_id, day=day or today(), action=action[:40], calls=calls
    )
    statement = statement.on_conflict_do_update(
        index_elements=["channel_id", "day", "action"],
        set_={"calls": ApiCallDay.calls + statement.excluded.calls},
    )
    if own_transaction:
        with db.engine.begin() as connection:
            connection.execute(statement)
    else:
        db.session.execute(statement)


class CallTally:
    """The `on_call` of a client: counts its calls (from any thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0

    def __call__(self, record: CallRecord) -> None:
        with self._lock:
            self.calls += record.billed


@contextmanager
def counted(channel_id: int | None, action: str) -> Iterator[CallTally]:
    """Count the calls a client makes inside the block against the channel (none without a channel: the
    creation wizard tests a store before the channel exists)."""
    tally = CallTally()
    try:
        yield tally
    finally:
        if channel_id is not None:
            add(channel_id, action, tally.calls, own_transaction=True)


@dataclass(frozen=True)
class DayCalls:
    day: date
    by_action: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_action.values())


@dataclass(frozen=True)
class Usage:
    today: int
    month: int
    days: list[DayCalls]  # the last CHART_DAYS days, oldest first
    actions: list[str]  # the actions with calls in those days, in LABELS order

    @property
    def by_action(self) -> dict[str, int]:
        return {action: sum(d.by_action.get(action, 0) for d in self.days) for action in self.actions}


def month_start(day: date) -> date:
    return day.replace(day=1)


def usage(channel_id: int, on: date | None = None) -> Usage:
    """Calls today, this month and per day and action over the last CHART_DAYS days, in one query."""
    on = on or today()
    first_chart_day = on - timedelta(days=CHART_DAYS - 1)
    since = min(first_chart_day, month_start(on))
    rows = db.session.execute(
        select(ApiCallDay.day, ApiCallDay.action, ApiCallDay.calls).where(
            ApiCallDay.channel_id == channel_id, ApiCallDay.day >= since, ApiCallDay.day <= on
        )
    ).all()
    per_day: dict[date, dict[str, int]] = {}
    for day, action, calls in rows:
        per_day.setdefault(day, {})[action] = calls
    days = [
        DayCalls(first_chart_day + timedelta(days=n), per_day.get(first_chart_day + timedelta(days=n), {}))
        for n in range(CHART_DAYS)
    ]
    seen = {action for d in days for action in d.by_action}
    actions = [a for a in LABELS if a in seen] + sorted(seen - LABELS.keys())
    return Usage(
        today=sum(per_day.get(on, {}).values()),
        month=sum(calls for day, _action, calls in rows if day >= month_start(on)),
        days=days,
        actions=actions,
    )


def month_calls(channel_ids: list[int], on: date | None = None) -> dict[int, int]:
    """Each channel's calls this UTC month, in one query (the channel list, the schedule)."""
    if not channel_ids:
        return {}
    on = on or today()
    rows = db.session.execute(
        select(ApiCallDay.channel_id, func.sum(ApiCallDay.calls))
        .where(ApiCallDay.channel_id.in_(channel_ids), ApiCallDay.day >= month_start(on))
        .group_by(ApiCallDay.channel_id)
    ).all()
    return {channel_id: int(total or 0) for channel_id, total in rows}
