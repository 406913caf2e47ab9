"""What the metrics report, computed from the database on each scrape: every web process answers the same,
whichever machine it runs on. All of it aggregates over every account; no label names a tenant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


def runs_by_action_and_status() -> list[tuple[str, str, int]]:
    rows = db.session.execute(
        select(SyncRun.action, SyncRun.status, func.count()).group_by(SyncRun.action, SyncRun.status)
    )
    return [(str(action), str(status), count) for action, status, count in rows]


def billed_calls_by_action() -> list[tuple[str, int]]:
    """Billed store calls every run made, added up per action (a run keeps the count of all its attempts)."""
    rows = db.session.execute(
        select(SyncRun.action, func.coalesce(func.sum(SyncRun.api_calls), 0)).group_by(SyncRun.action)
    )
    return [(str(action), int(total)) for action, total in rows]


def _duration_seconds() -> ColumnElement[float]:
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", SyncRun.finished_at - SyncRun.started_at)
    return (func.julianday(SyncRun.finished_at) - func.julianday(SyncRun.started_at)) * 86400.0


def run_durations(buckets: Sequence[float] = DURATION_BUCKETS) -> list[DurationHistogram]:
    """Finished runs that started: how long they took, per action, as one grouped query."""
    seconds = _duration_seconds()
    columns = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in buckets]
    rows = db.session.execute(
        select(SyncRun.action, func.count(), func.coalesce(func.sum(seconds), 0), *columns)
        .where(
            SyncRun.status.in_(FINAL_STATUSES),
            SyncRun.started_at.is_not(None),
            SyncRun.finished_at.is_not(None),
        )
        .group_by(SyncRun.action)
    )
    histograms = []
    for action, count, total, *within in rows:
        cumulative = [(float(bound), int(n or 0)) for bound, n in zip(buckets, within, strict=True)]
        cumulative.append((float("inf"), int(count)))
        histograms.append(DurationHistogram(str(action), cumulative, int(count), float(total or 0)))
    return histograms


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
