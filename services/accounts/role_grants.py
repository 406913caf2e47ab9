"""Giving a login the organization already knows a role in an account or the organization. An address it does
not know (a new person, or a login of another organization: its existence is not the organization's to
learn) gets an invitation instead (services/accounts/invitations.py). Flushes; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from extensions import db
from models.tenancy import Account, Membership, Role, User
from services.accounts.memberships import belongs_to_organization
from services.accounts.users import user_by_email


class LoginOutsideOrganization(Exception):
    """No login of the organization has this e-mail (a new person, or a login of another organization)."""


class RoleAlreadyHeld(Exception):
    """The person already has a role in this scope: change it instead."""


@dataclass(frozen=True)
class Grant:
    user: User
    membership: Membership


def grant_role(account: Account, email: str, role: Role) -> Grant:
    """`role` for the login with `email` in `account` (or its organization, for an organization role)."""
    email = email.strip().casefold()
    user = user_by_email(email)
    if user is None or not belongs_to_organization(user, account.organization_id):
        raise LoginOutsideOrganization(email)
    scope = {"organization_id": account.organization_id} if role.is_org_level else {"account_id": account.id}
    if user is not None and db.session.scalar(select(Membership.id).filter_by(user_id=user.id, **scope)):
        raise RoleAlreadyHeld(email)
    membership = Membership(user_id=user.id, role=role, **scope)
    db.session.add(membership)
    db.session.flush()
    return Grant(user, membership)
