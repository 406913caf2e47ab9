"""Users of the organization and of the current account: add, change role, disable."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, render_template, url_for
from flask_login import current_user, fresh_login_required

from extensions import db
from forms.common import EmptyForm
from forms.users import ChangeRoleForm, NewMembershipForm
from models.tenancy import Membership, Role
from permissions import Permission, can, current_account, current_role, require
from services.accounts import memberships, mfa, role_grants
from services.accounts.memberships import grantable_roles, refusal
from web.htmx import redirect_to

bp = Blueprint("users", __name__, url_prefix="/users")
security_log = logging.getLogger("techoms.security")
# The same words whatever the reason, so the answer never tells whether a login exists elsewhere.
NOT_ADDABLE = "This e-mail can't be added here. Ask the person's organization owner."


def _grantable() -> list[Role]:
    return grantable_roles(current_role(), may_manage_org_users=can(Permission.MANAGE_ORG_USERS))


def _membership_or_404(membership_id: int) -> Membership:
    """A membership of the current account, or an org-level one of its organization for org user managers."""
    membership = memberships.managed_membership(
        current_account(), membership_id, with_organization=can(Permission.MANAGE_ORG_USERS)
    )
    if membership is None:
        abort(404)
    return membership


@bp.get("/")
@require(Permission.MANAGE_ACCOUNT_USERS)
def index():
    """Organization users (for org owners and admins) and the current account's users."""
    account = current_account()
    org_memberships = (
        memberships.of_organization(account.organization_id) if can(Permission.MANAGE_ORG_USERS) else []
    )
    account_memberships = memberships.of_account(account.id)
    members = [m.user_id for m in (*org_memberships, *account_memberships)]
    return render_template(
        "users/index.html",
        account=account,
        org_memberships=org_memberships,
        account_memberships=account_memberships,
        roles=_grantable(),
        toggle_form=EmptyForm(),
        mfa_on=mfa.enabled_among(members),
        refusal=lambda m, **kw: refusal(current_user, current_role(), m, **kw),
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.MANAGE_ACCOUNT_USERS)
@fresh_login_required
def create():
    """Give a person a role: a new user gets an initial password shown once; a login of the organization just
    the role. Granting a role (Organization Owner included) asks for the password, as changing one does."""
    form = NewMembershipForm(_grantable())
    if form.validate_on_submit():
        role = Role(form.role.data)
        try:
            grant = role_grants.grant_role(current_account(), form.email.data, form.name.data, role)
        except role_grants.LoginOutsideOrganization:
            security_log.info(
                "role refused for a login outside the organization", extra={"actor_id": current_user.id}
            )
            form.email.errors.append(NOT_ADDABLE)
            return render_template("users/new.html", form=form)
        except role_grants.RoleAlreadyHeld:
            form.email.errors.append("This person already has a role here; change it in the list instead.")
        else:
            db.session.commit()
            security_log.info(
                "role granted",
                extra={"actor_id": current_user.id, "user_id": grant.user.id, "role": role.value},
            )
            return render_template(
                "users/created.html", user=grant.user, role=role, initial_password=grant.initial_password
            )
    return render_template("users/new.html", form=form)


@bp.post("/memberships/<int:membership_id>/role")
@require(Permission.MANAGE_ACCOUNT_USERS)
@fresh_login_required
def change_role(membership_id: int):
    """Change a role, within the rules of services.accounts.memberships."""
    membership = _membership_or_404(membership_id)
    form = ChangeRoleForm(_grantable())
    if not form.validate_on_submit():
        flash("Choose one of the roles you may grant.", "danger")
        return redirect_to(url_for("users.index"))
    new_role = Role(form.role.data)
    reason = refusal(current_user, current_role(), membership, new_role=new_role)
    if reason:
        flash(reason, "danger")
        return redirect_to(url_for("users.index"))
    old_role, membership.role = membership.role, new_role
    db.session.commit()
    security_log.info(
        "role changed",
        extra={
            "actor_id": current_user.id,
            "membership_id": membership.id,
            "old": old_role.value,
            "new": new_role.value,
        },
    )
    flash(f"{membership.user.email} is now {new_role.label}.", "success")
    return redirect_to(url_for("users.index"))


@bp.post("/memberships/<int:membership_id>/active")
@require(Permission.MANAGE_ACCOUNT_USERS)
@fresh_login_required
def toggle_active(membership_id: int):
    """Disable a role (access ends on the person's next request) or enable it again."""
    membership = _membership_or_404(membership_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    reason = refusal(current_user, current_role(), membership, deactivate=membership.active)
    if reason:
        flash(reason, "danger")
        return redirect_to(url_for("users.index"))
    membership.active = not membership.active
    db.session.commit()
    security_log.info(
        "membership toggled",
        extra={"actor_id": current_user.id, "membership_id": membership.id, "active": membership.active},
    )
    flash(f"{membership.user.email} {'enabled' if membership.active else 'disabled'}.", "success")
    return redirect_to(url_for("users.index"))
