"""The outbox's sequencer: gives committed events their position (commit order) and per-object version.

Its own small transactions (it commits), so it lives with the other units of work that own theirs: the events
feed and the webhook dispatcher call it before they read. One sequencer at a time: a PostgreSQL advisory lock
(held to its commit), SQLite's single writer elsewhere; the unique position catches anything else.
"""

from __future__ import annotations

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from extensions import db
from models.outbox import OutboxEvent

SEQUENCE_BATCH = 1000
# Any fixed number: the one PostgreSQL advisory lock every sequencer takes in turn.
SEQUENCER_LOCK = 230_023


def try_sequence() -> int:
    """`sequence()`, for readers: when another sequencer holds SQLite's write lock or took a position first,
    what it does is enough (nothing here is lost: unsequenced rows wait for the next call)."""
    try:
        return sequence()
    except (OperationalError, IntegrityError):
        db.session.rollback()
        return 0


def sequence() -> int:
    """Give positions (and per-object versions) to committed events that have none; commits. Returns how
    many were sequenced. Safe to call from any number of processes at once: they take turns."""
    total = 0
    while True:
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEQUENCER_LOCK})
        # Read after the lock: in READ COMMITTED each statement sees what committed before it, so the previous
        # sequencer's positions are visible and every row seen here committed before any later-seen row.
        waiting = db.session.execute(
            select(OutboxEvent.id, OutboxEvent.object_type, OutboxEvent.object_id)
            .where(OutboxEvent.position.is_(None))
            .order_by(OutboxEvent.id)
            .limit(SEQUENCE_BATCH)
        ).all()
        if not waiting:
            db.session.commit()
            return total
        last = db.session.scalar(select(func.coalesce(func.max(OutboxEvent.position), 0)))
        versions = _versions({(row.object_type, row.object_id) for row in waiting})
        for offset, row in enumerate(waiting, start=1):
            key = (row.object_type, row.object_id)
            versions[key] = versions.get(key, 0) + 1
            written = db.session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == row.id, OutboxEvent.position.is_(None))
                .values(position=last + offset, version=versions[key])
                .execution_options(synchronize_session=False)
            ).rowcount
            if written != 1:
                # Another sequencer placed this row after we read it (SQLite reads outside a transaction until
                # the first write): our positions and versions are stale, so none of them is kept.
                db.session.rollback()
                break
        else:
            db.session.commit()
            total += len(waiting)


def _versions(objects: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
    found: dict[tuple[str, int], int] = {}
    for object_type in {kind for kind, _ in objects}:
        ids = [object_id for kind, object_id in objects if kind == object_type]
        rows = db.session.execute(
            select(OutboxEvent.object_id, func.max(OutboxEvent.version))
            .where(OutboxEvent.object_type == object_type, OutboxEvent.object_id.in_(ids))
            .group_by(OutboxEvent.object_id)
        )
        for object_id, version in rows:
            found[(object_type, object_id)] = version or 0
    return found
