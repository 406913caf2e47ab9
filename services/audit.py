"""Audit trail of a channel: settings, mappings and token changes, and views of full contact details; one row
per changed field, old → new, secrets masked to their last four characters."""

from __future__ import annotations

from datetime import date
from enum import Enum

from sqlalchemy import select

from extensions import db
from models.channels import AuditEvent, SalesChannel, mask_token
from models.tenancy import User

SECRET_FIELDS = frozenset({"access_token", "token_ciphertext"})
FIELD_LENGTH = 60


def audit_field(text: str) -> str:
    """A field label short enough for the audit column, with an ellipsis when cut."""
    return text if len(text) <= FIELD_LENGTH else text[: FIELD_LENGTH - 1] + "…"


def display(value: object) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "(empty)"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def record(
    channel: SalesChannel,
    user: User | None,
    action: str,
    field: str = "",
    old: object = None,
    new: object = None,
) -> AuditEvent:
    if field in SECRET_FIELDS:  # a secret keeps only its last four characters, as the page shows it
        old, new = (mask_token(old) if old else None), (mask_token(new) if new else None)
    event = AuditEvent(
        account_id=channel.account_id,
        channel_id=channel.id,
        user_id=user.id if user else None,
        action=action,
        field=field,
        old_value=display(old) if field else "",
        new_value=display(new) if field else "",
    )
    db.session.add(event)
    return event


def apply_changes(channel: SalesChannel, user: User, values: dict[str, object]) -> list[str]:
    """Set each value that differs and audit it; returns the names of the fields that changed."""
    changed = []
    for field, new in values.items():
        old = getattr(channel, field)
        if old != new:
            setattr(channel, field, new)
            record(channel, user, "setting_changed", field, old, new)
            changed.append(field)
    return changed


def channel_history(channel_id: int, limit: int) -> list[AuditEvent]:
    """The channel's own changes, newest first (views of order details are audited too, but are not
    settings)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.channel_id == channel_id, AuditEvent.action != "order_viewed")
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )
