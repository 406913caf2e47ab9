"""The alerts made for an account, newest first (the Outbox view)."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.alerts import Alert


def recent_alerts(account_id: int, limit: int) -> list[Alert]:
    return list(
        db.session.scalars(
            select(Alert).where(Alert.account_id == account_id).order_by(Alert.id.desc()).limit(limit)
        )
    )
