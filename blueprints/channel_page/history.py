"""The channel page's History view: the channel's audited changes, newest first, with who made them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from extensions import db
from models.channels import AuditEvent, SalesChannel
from models.tenancy import User


@dataclass(frozen=True)
class HistoryView:
    events: Sequence[AuditEvent]
    users: dict[int, User]  # who made them, by id

    def template_context(self) -> dict[str, object]:
        return {"events": self.events, "users": self.users}


def view(channel: SalesChannel) -> HistoryView:
    events = db.session.scalars(
        select(AuditEvent)
        # The channel's own changes; views of order details are audited too, but are not settings.
        .where(AuditEvent.channel_id == channel.id, AuditEvent.action != "order_viewed")
        .order_by(AuditEvent.id.desc())
        .limit(200)
    ).all()
    user_ids = {e.user_id for e in events if e.user_id}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    return HistoryView(events, users)
