"""What a channel's runs left to read: recent runs, a run's events and their counts by level, the logged API
calls."""

from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models.activity import ApiCallLog, EventLevel, SyncEvent, SyncRun


def recent_runs(channel_id: int, limit: int) -> list[SyncRun]:
    """Newest first."""
    return list(
        db.session.scalars(
            select(SyncRun).where(SyncRun.channel_id == channel_id).order_by(SyncRun.id.desc()).limit(limit)
        )
    )


def run_events(run_id: int, level: EventLevel | None, limit: int) -> list[SyncEvent]:
    """In the order they happened; only those of `level` when given."""
    query = select(SyncEvent).where(SyncEvent.run_id == run_id)
    if level is not None:
        query = query.where(SyncEvent.level == level)
    return list(db.session.scalars(query.order_by(SyncEvent.id).limit(limit)))


def event_counts(run_id: int) -> dict[EventLevel, int]:
    """How many events of each level the run has (levels without one are left out)."""
    rows = db.session.execute(
        select(SyncEvent.level, func.count()).where(SyncEvent.run_id == run_id).group_by(SyncEvent.level)
    ).tuples()
    return dict(rows.all())


def logged_calls(channel_id: int, limit: int) -> list[ApiCallLog]:
    """The channel's logged API calls, newest first."""
    return list(
        db.session.scalars(
            select(ApiCallLog)
            .where(ApiCallLog.channel_id == channel_id)
            .order_by(ApiCallLog.id.desc())
            .limit(limit)
        )
    )
