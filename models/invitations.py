"""An invitation to take a role in an account or its organization, given to an e-mail address the
organization does not know yet (a new person, or a login of another organization). Adding such an address
answers the same either way, so nobody learns whether a login exists elsewhere; the person accepts through
the link, in their own session (an existing login) or by choosing a password (a new one)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import enum_as_string, utcnow
from models.tenancy import Role


class Invitation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)  # lower-cased
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[Role] = mapped_column(enum_as_string(Role))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex; the link is shown once
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("(organization_id IS NULL) <> (account_id IS NULL)", name="exactly_one_scope"),
    )
