"""Organizations, accounts, users, their memberships (roles) and login sessions."""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from extensions import db
from models.base import enum_as_string, utcnow


class Role(enum.StrEnum):
    ORG_OWNER = "org_owner"
    ORG_ADMIN = "org_admin"
    ORG_SUPERVISOR = "org_supervisor"
    ACCOUNT_ADMIN = "account_admin"
    ACCOUNT_USER = "account_user"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_org_level(self) -> bool:
        return self in ORG_ROLES

    @property
    def rank(self) -> int:
        return ROLE_RANK[self]


ROLE_LABELS = {
    Role.ORG_OWNER: "Organization Owner",
    Role.ORG_ADMIN: "Organization Admin",
    Role.ORG_SUPERVISOR: "Organization Supervisor",
    Role.ACCOUNT_ADMIN: "Account Admin",
    Role.ACCOUNT_USER: "Account User",
}
ORG_ROLES = frozenset({Role.ORG_OWNER, Role.ORG_ADMIN, Role.ORG_SUPERVISOR})
ACCOUNT_ROLES = frozenset({Role.ACCOUNT_ADMIN, Role.ACCOUNT_USER})
# Who outranks whom, for "nobody grants a role above their own" (ACC-04).
ROLE_RANK = {
    Role.ORG_OWNER: 5,
    Role.ORG_ADMIN: 4,
    Role.ORG_SUPERVISOR: 3,
    Role.ACCOUNT_ADMIN: 2,
    Role.ACCOUNT_USER: 1,
}


class Organization(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    accounts: Mapped[list[Account]] = relationship(back_populates="organization", order_by="Account.name")


def account_code_from_name(name: str) -> str:
    """`Acme Retail (US)` -> `ACME-RETAIL-US`: ASCII, upper case, dashes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    code = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").upper()
    return code[:32].strip("-") or "ACCOUNT"


class Account(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="accounts")

    __table_args__ = (UniqueConstraint("organization_id", "name"),)


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Immutable once created: it is the login and the audit identity.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # Flask-Login protocol. is_authenticated is only ever asked of a loaded, validated user.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # scrypt, Werkzeug's default

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Membership(db.Model):
    """A role for a user, either over a whole organization or over one account (exactly one of the two)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_as_string(Role))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization | None] = relationship()
    account: Mapped[Account | None] = relationship()

    __table_args__ = (
        CheckConstraint("(organization_id IS NULL) <> (account_id IS NULL)", name="exactly_one_scope"),
        UniqueConstraint("user_id", "organization_id"),
        UniqueConstraint("user_id", "account_id"),
    )


class LoginSession(db.Model):
    """Server-side record of a login: logout and revocation end it for every copy of the cookie (SES-04)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of the random id kept in the signed cookie: a database leak does not yield live sessions.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")

    user: Mapped[User] = relationship()
