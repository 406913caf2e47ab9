"""Rules for managing people's roles: nobody grants above their own role, changes their own access, or leaves
an organization without an owner (ACC-04)."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from extensions import db
from models.tenancy import ACCOUNT_ROLES, ORG_ROLES, Account, Membership, Role, User


def grantable_roles(actor_role: Role, *, may_manage_org_users: bool) -> list[Role]:
    """Roles the actor may hand out, highest first."""
    candidates = (ORG_ROLES | ACCOUNT_ROLES) if may_manage_org_users else ACCOUNT_ROLES
    return sorted((r for r in candidates if r.rank <= actor_role.rank), key=lambda r: -r.rank)


def belongs_to_organization(user: User, organization_id: int) -> bool:
    """Whether the user already has a role, active or not, in this organization or one of its accounts.

    Only such a login may be given another role here: anyone else's login is not the organization's to see
    (its name, that it exists) nor to move into one of its accounts."""
    membership = (
        select(Membership.id)
        .outerjoin(Account, Membership.account_id == Account.id)
        .where(
            Membership.user_id == user.id,
            or_(Membership.organization_id == organization_id, Account.organization_id == organization_id),
        )
        .limit(1)
    )
    return db.session.scalar(membership) is not None


def active_owner_count(organization_id: int) -> int:
    return db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.organization_id == organization_id,
            Membership.role == Role.ORG_OWNER,
            Membership.active,
        )
    )


def refusal(
    actor: User,
    actor_role: Role,
    membership: Membership,
    *,
    new_role: Role | None = None,
    deactivate: bool = False,
) -> str | None:
    """Why this change is not allowed, or None when it is."""
    if membership.user_id == actor.id:
        return "You cannot change your own role or access."
    if membership.role.rank > actor_role.rank:
        return "You cannot change a user whose role is above yours."
    if new_role is not None:
        if new_role.rank > actor_role.rank:
            return "You cannot grant a role above your own."
        if new_role.is_org_level != membership.role.is_org_level:
            return "Organization roles and account roles cannot be swapped; add a new membership instead."
    losing_owner = (
        membership.role == Role.ORG_OWNER
        and membership.active
        and (deactivate or (new_role is not None and new_role != Role.ORG_OWNER))
    )
    if losing_owner and active_owner_count(membership.organization_id) <= 1:
        return "An organization needs at least one owner: make someone else owner first."
    return None


def _listed() -> Select[tuple[Membership]]:
    return select(Membership).options(joinedload(Membership.user)).join(User).order_by(User.email)


def of_organization(organization_id: int) -> list[Membership]:
    """The organization-level roles (not its accounts'), with their users, by e-mail."""
    return list(db.session.scalars(_listed().where(Membership.organization_id == organization_id)))


def of_account(account_id: int) -> list[Membership]:
    """The account's roles, with their users, by e-mail."""
    return list(db.session.scalars(_listed().where(Membership.account_id == account_id)))


def managed_membership(account: Account, membership_id: int, *, with_organization: bool) -> Membership | None:
    """A membership of `account`, or (`with_organization`) an organization-level one of its organization."""
    scopes = [Membership.account_id == account.id]
    if with_organization:
        scopes.append(Membership.organization_id == account.organization_id)
    return db.session.scalar(select(Membership).where(Membership.id == membership_id, or_(*scopes)))
