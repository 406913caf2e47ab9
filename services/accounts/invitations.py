"""Invitations: a role offered to an e-mail address the organization does not know, whether or not a login
with it exists elsewhere. The inviter gets the same answer either way (a link shown once); the invited
person accepts through it, in their own session (an existing login) or by choosing a password (a new login).
Flushes; the caller commits."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from extensions import db
from models.base import utcnow
from models.invitations import Invitation
from models.tenancy import Account, Membership, Role, User
from services.accounts.role_grants import user_by_email

VALID_FOR = timedelta(days=7)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(account: Account, email: str, name: str, role: Role, inviter: User | None) -> str:
    """A new invitation for `email`; returns its token (shown once, stored only hashed)."""
    token = secrets.token_urlsafe(32)
    scope = {"organization_id": account.organization_id} if role.is_org_level else {"account_id": account.id}
    db.session.add(
        Invitation(
            email=email.strip().casefold(),
            name=name.strip(),
            role=role,
            token_hash=_hash(token),
            invited_by_id=inviter.id if inviter else None,
            expires_at=utcnow() + VALID_FOR,
            **scope,
        )
    )
    db.session.flush()
    return token


def open_invitation(token: str) -> Invitation | None:
    """The unused, unexpired invitation of this token, or None."""
    if not token or len(token) > 100:
        return None
    found = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if found is None or found.accepted_at is not None or found.expires_at <= utcnow():
        return None
    return found


def invited_login(invitation: Invitation) -> User | None:
    """The existing login the invitation is for (it accepts in its own session), or None for a new person."""
    return user_by_email(invitation.email)


def _take_role(invitation: Invitation, user: User) -> None:
    scope = (
        {"organization_id": invitation.organization_id}
        if invitation.organization_id is not None
        else {"account_id": invitation.account_id}
    )
    held = db.session.scalar(select(Membership).filter_by(user_id=user.id, **scope))
    if held is None:
        db.session.add(Membership(user_id=user.id, role=invitation.role, **scope))
    invitation.accepted_at = utcnow()
    db.session.flush()


def accept_as(invitation: Invitation, user: User) -> bool:
    """The logged-in `user` accepts; False when the invitation is for another e-mail address."""
    if user.email.casefold() != invitation.email:
        return False
    _take_role(invitation, user)
    return True


def accept_as_new_login(invitation: Invitation, name: str, password: str) -> User | None:
    """A new person accepts by choosing a password: the login is made now. None when a login with the
    address exists (it must log in and accept in its own session instead)."""
    if invited_login(invitation) is not None:
        return None
    user = User(email=invitation.email, name=name.strip() or invitation.name)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    _take_role(invitation, user)
    return user
