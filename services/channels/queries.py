"""The channels an account works with."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.channels import SalesChannel


def live_channels(account_id: int) -> list[SalesChannel]:
    """The account's channels, deleted ones left out, by name."""
    return list(
        db.session.scalars(
            select(SalesChannel)
            .where(SalesChannel.account_id == account_id, SalesChannel.deleted_at.is_(None))
            .order_by(SalesChannel.name)
        )
    )
