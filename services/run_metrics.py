"""What the metrics report, computed from the database on each scrape: every web process answers the same,
whichever machine it runs on. All of it aggregates over every account; no label names a tenant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, select

from extensions import db
from models.activity import PendingOrder, RunStatus, SyncRun
from models.shipments import ExportStatus, Shipment
from services.shipments.export_state import UNCONFIRMED

FINAL_STATUSES = (RunStatus.SUCCEEDED, RunStatus.PARTIAL, RunStatus.FAILED)
# Upper bounds (seconds) of the run duration histogram: a small import takes seconds, a first one an hour.
DURATION_BUCKETS: tuple[float, ...] = (1, 5, 15, 60, 300, 900, 3600)


@dataclass(frozen=True)
class DurationHistogram:
    action: str
    cumulative: list[tuple[float, int]]  # (upper bound, runs at most that long), +Inf last
    count: int
    total_seconds: float


@dataclass(frozen=True)
class RunFigures:
    runs: list[tuple[str, str, int]]  # (action, status, runs)
    billed_calls: dict[str, int]  # action -> billed calls of all its runs (every attempt)
    durations: list[DurationHistogram]  # per action, finished runs that started


def _duration_seconds() -> ColumnElement[float]:
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", SyncRun.finished_at - SyncRun.started_at)
    return (func.julianday(SyncRun.finished_at) - func.julianday(SyncRun.started_at)) * 86400.0


def run_figures(buckets: Sequence[float] = DURATION_BUCKETS) -> RunFigures:
    """Everything the runs table says, in one grouped pass over it (it is the table that grows)."""
    # The duration once per row (NULL unless the run started and finished), then the sums over it.
    per_run = select(
        SyncRun.action, SyncRun.status, SyncRun.api_calls, _duration_seconds().label("seconds")
    ).subquery()
    seconds = per_run.c.seconds
    rows = db.session.execute(
        select(
            per_run.c.action,
            per_run.c.status,
            func.count(),
            func.coalesce(func.sum(per_run.c.api_calls), 0),
            func.count(seconds),
            func.coalesce(func.sum(seconds), 0),
            *[func.sum(case((seconds <= bound, 1), else_=0)) for bound in buckets],
        ).group_by(per_run.c.action, per_run.c.status)
    ).all()
    runs, calls = [], {}
    timed_count: dict[str, int] = {}
    timed_total: dict[str, float] = {}
    within: dict[str, list[int]] = {}
    for action, status, count, api_calls, n_timed, total, *in_buckets in rows:
        action, status = str(action), str(status)
        runs.append((action, status, int(count)))
        calls[action] = calls.get(action, 0) + int(api_calls)
        if RunStatus(status) not in FINAL_STATUSES:
            continue
        timed_count[action] = timed_count.get(action, 0) + int(n_timed or 0)
        timed_total[action] = timed_total.get(action, 0.0) + float(total or 0)
        previous = within.get(action, [0] * len(buckets))
        within[action] = [a + int(b or 0) for a, b in zip(previous, in_buckets, strict=True)]
    durations = [
        DurationHistogram(
            action,
            [*zip(map(float, buckets), within[action], strict=True), (float("inf"), timed_count[action])],
            timed_count[action],
            timed_total[action],
        )
        for action in sorted(within)
    ]
    return RunFigures(runs=runs, billed_calls=calls, durations=durations)


def failed_orders() -> int:
    """Store orders that failed to import and wait for a retry."""
    return db.session.scalar(select(func.count(PendingOrder.id))) or 0


def unsent_shipments() -> int:
    """Shipments the store has not confirmed yet (waiting, or sent with an unknown outcome)."""
    return (
        db.session.scalar(select(func.count(Shipment.id)).where(Shipment.export_status.in_(UNCONFIRMED))) or 0
    )


def shipments_in_error() -> int:
    """Shipments the store refused or that cannot be sent until someone acts."""
    return (
        db.session.scalar(select(func.count(Shipment.id)).where(Shipment.export_status == ExportStatus.ERROR))
        or 0
    )


def snapshot() -> dict[str, Any]:
    """Every figure the database gives, as plain JSON values (processes share it through Redis)."""
    figures = run_figures()
    return {
        "runs": figures.runs,
        "billed_calls": figures.billed_calls,
        "durations": [
            {
                "action": h.action,
                "buckets": [
                    ["+Inf" if bound == float("inf") else f"{bound:g}", n] for bound, n in h.cumulative
                ],
                "sum": h.total_seconds,
            }
            for h in figures.durations
        ],
        "failed_orders": failed_orders(),
        "unsent_shipments": unsent_shipments(),
        "shipments_in_error": shipments_in_error(),
    }
