"""The channel page's History view: the channel's audited changes, newest first, with who made them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.channels import AuditEvent, SalesChannel
from models.tenancy import User
from services import audit
from services.accounts import users

HISTORY_SIZE = 200


@dataclass(frozen=True)
class HistoryView:
    events: Sequence[AuditEvent]
    users: dict[int, User]  # who made them, by id

    def template_context(self) -> dict[str, object]:
        return {"events": self.events, "users": self.users}


def view(channel: SalesChannel) -> HistoryView:
    events = audit.channel_history(channel.id, HISTORY_SIZE)
    return HistoryView(events, users.users_by_id(e.user_id for e in events if e.user_id))
