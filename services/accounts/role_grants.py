"""Giving a person a role in an account or its organization: a new login with an initial password (returned
once), or a login the organization already knows; never a login of another organization (its existence is
not the organization's to learn). Flushes; the caller commits."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from extensions import db
from models.tenancy import Account, Membership, Role, User
from services.accounts.memberships import belongs_to_organization


class LoginOutsideOrganization(Exception):
    """The e-mail is a login of another organization only."""


class RoleAlreadyHeld(Exception):
    """The person already has a role in this scope: change it instead."""


@dataclass(frozen=True)
class Grant:
    user: User
    membership: Membership
    initial_password: str | None  # only for a login made now: shown once, never stored in clear


def user_by_email(email: str) -> User | None:
    """The login with this e-mail, whatever its case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().casefold()))


def grant_role(account: Account, email: str, name: str, role: Role) -> Grant:
    """`role` for the person with `email` in `account` (or its organization, for an organization role)."""
    email = email.strip().casefold()
    user = user_by_email(email)
    if user is not None and not belongs_to_organization(user, account.organization_id):
        raise LoginOutsideOrganization(email)
    scope = {"organization_id": account.organization_id} if role.is_org_level else {"account_id": account.id}
    if user is not None and db.session.scalar(select(Membership.id).filter_by(user_id=user.id, **scope)):
        raise RoleAlreadyHeld(email)
    initial_password = None
    if user is None:
        initial_password = secrets.token_urlsafe(12)
        user = User(email=email, name=name.strip())
        user.set_password(initial_password)
        db.session.add(user)
        db.session.flush()
    membership = Membership(user_id=user.id, role=role, **scope)
    db.session.add(membership)
    db.session.flush()
    return Grant(user, membership, initial_password)
