"""A listing's watermark per channel and action (`SyncCursor`): the instant up to which the store's list has
been read, so the next run asks only for what changed since (the inventory export keeps when it last read the
store's stock in full). The one reader and writer of the table; it never moves back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from extensions import db
from models.activity import SyncAction, SyncCursor
from models.channels import SalesChannel


def cursor(channel: SalesChannel, action: SyncAction) -> SyncCursor | None:
    return db.session.scalar(
        select(SyncCursor).where(SyncCursor.channel_id == channel.id, SyncCursor.action == action)
    )


def value(channel: SalesChannel, action: SyncAction) -> datetime | None:
    current = cursor(channel, action)
    return current.value if current is not None else None


def advance(channel: SalesChannel, action: SyncAction, value: datetime) -> None:
    current = cursor(channel, action)
    if current is None:
        db.session.add(SyncCursor(channel_id=channel.id, action=action, value=value))
    elif value > current.value:
        current.value = value
