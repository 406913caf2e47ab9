"""Second factors of users: who must have one, enrolment, the login's code check (a TOTP code or a recovery
code), recovery codes again, switching it off, and the reset by an organization owner. Each change leaves an
MfaEvent. The caller commits."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update

from extensions import db
from models.base import utcnow
from models.mfa import MfaCredential, MfaEvent, MfaEventKind
from models.tenancy import Membership, Role, User
from services.accounts import recovery_codes, totp
from services.accounts.memberships import belongs_to_organization
from services.channels.token_vault import TokenUnreadable


class AlreadyEnabled(Exception):
    """Enrolment asked for while a confirmed second factor exists."""


def required_roles() -> frozenset[Role]:
    return frozenset(Role(value) for value in current_app.config["MFA_REQUIRED_ROLES"])


def is_required(user: User) -> bool:
    """Whether any active role of the user, in any organization or account, needs a second factor."""
    roles = required_roles()
    if not roles:
        return False
    return (
        db.session.scalar(
            select(Membership.id)
            .where(Membership.user_id == user.id, Membership.active, Membership.role.in_(roles))
            .limit(1)
        )
        is not None
    )


def credential(user: User) -> MfaCredential | None:
    return db.session.scalar(select(MfaCredential).where(MfaCredential.user_id == user.id))


def is_enabled(user: User) -> bool:
    found = credential(user)
    return found is not None and found.enabled


def enabled_among(user_ids: list[int]) -> set[int]:
    """Which of these users have MFA on (the users list shows it)."""
    return set(
        db.session.scalars(
            select(MfaCredential.user_id).where(
                MfaCredential.user_id.in_(user_ids), MfaCredential.enabled_at.is_not(None)
            )
        )
    )


def needs_enrolment(user: User) -> bool:
    """A role requires MFA and none is on. Asked on every request of a logged-in user: one statement."""
    roles = required_roles()
    if not roles:
        return False
    enabled = (
        select(MfaCredential.id)
        .where(MfaCredential.user_id == user.id, MfaCredential.enabled_at.is_not(None))
        .exists()
    )
    required = (
        select(Membership.id)
        .where(Membership.user_id == user.id, Membership.active, Membership.role.in_(roles))
        .exists()
    )
    return bool(db.session.scalar(select(and_(~enabled, required))))


def _event(user: User, kind: MfaEventKind, actor: User | None) -> None:
    db.session.add(MfaEvent(user_id=user.id, actor_id=actor.id if actor else None, kind=kind))


def enrolment_secret(user: User) -> str:
    """The secret being enrolled: the same one until confirmed, so reloading the page keeps the QR code."""
    found = credential(user)
    if found is not None and found.enabled:
        raise AlreadyEnabled()
    if found is None:
        found = MfaCredential(user_id=user.id, secret_ciphertext=totp.encrypt(totp.new_secret()))
        db.session.add(found)
        db.session.flush()
    try:
        return totp.decrypt(found.secret_ciphertext)
    except TokenUnreadable:  # under a key removed since: nothing was confirmed with it, so a new one
        secret = totp.new_secret()
        found.secret_ciphertext = totp.encrypt(secret)
        return secret


def confirm_enrolment(user: User, code: str, now: datetime | None = None) -> list[str] | None:
    """Switch MFA on when `code` matches the secret being enrolled. Returns the new recovery codes (shown
    once), or None for a wrong code."""
    found = credential(user)
    if found is None or found.enabled:
        return None
    try:
        secret = totp.decrypt(found.secret_ciphertext)
    except TokenUnreadable:
        return None
    step = totp.matching_step(secret, code, now or utcnow(), None)
    if step is None:
        return None
    found.enabled_at = utcnow()
    found.last_used_step = step
    _event(user, MfaEventKind.ENABLED, user)
    return recovery_codes.replace_all(user.id)


def verify(user: User, code: str, now: datetime | None = None) -> bool:
    """The login's second step: a TOTP code newer than the last accepted one, or an unused recovery code.
    Both are spent with a conditional UPDATE, so two requests with the same code cannot both pass."""
    found = credential(user)
    if found is None or not found.enabled:
        return False
    if recovery_codes.looks_like_recovery_code(code):
        if recovery_codes.use(user.id, code):
            _event(user, MfaEventKind.RECOVERY_CODE_USED, user)
            return True
        return False
    try:
        secret = totp.decrypt(found.secret_ciphertext)
    except TokenUnreadable:
        return False
    step = totp.matching_step(secret, code, now or utcnow(), found.last_used_step)
    if step is None:
        return False
    spent = db.session.execute(
        update(MfaCredential)
        .where(
            MfaCredential.id == found.id,
            or_(MfaCredential.last_used_step.is_(None), MfaCredential.last_used_step < step),
        )
        .values(last_used_step=step)
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1


def regenerate_recovery_codes(user: User) -> list[str]:
    _event(user, MfaEventKind.RECOVERY_CODES_REGENERATED, user)
    return recovery_codes.replace_all(user.id)


def _remove(user: User) -> None:
    db.session.execute(delete(MfaCredential).where(MfaCredential.user_id == user.id))
    recovery_codes.remove_all(user.id)


def disable(user: User) -> str | None:
    """Switch one's own MFA off. Returns why not, when a role of the user requires it."""
    if is_required(user):
        return "Your role requires two-factor authentication; it cannot be switched off."
    _remove(user)
    _event(user, MfaEventKind.DISABLED, user)
    return None


def reset_refusal(actor: User, target: User, organization_id: int) -> str | None:
    if actor.id == target.id:
        return "You cannot reset your own two-factor authentication here."
    if not belongs_to_organization(target, organization_id):
        return "This person is not a member of your organization."
    return None


def reset(actor: User, target: User, organization_id: int) -> str | None:
    """An organization owner clears another member's second factor (a lost phone). The member enrols again at
    the next login; the caller ends their sessions. Returns why not, if refused."""
    reason = reset_refusal(actor, target, organization_id)
    if reason:
        return reason
    _remove(target)
    _event(target, MfaEventKind.RESET, actor)
    return None


def reencrypt_all() -> tuple[int, list[int]]:
    """Every stored TOTP secret under the newest key (with `flask tokens rotate`). Returns (how many, ids of
    users whose secret no configured key can read)."""
    done, unreadable = 0, []
    for found in db.session.scalars(select(MfaCredential)):
        try:
            found.secret_ciphertext = totp.reencrypt(found.secret_ciphertext)
            done += 1
        except TokenUnreadable:
            unreadable.append(found.user_id)
    return done, unreadable
