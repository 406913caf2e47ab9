"""services.accounts.role_grants: a role for a login of the organization; refused for an address it does not
know (a new person or a login of another organization: they get an invitation) or for a role already held;
on the real database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models.tenancy import Membership, Role, User
from services.accounts import role_grants


def test_an_address_the_organization_does_not_know_is_refused(world):
    with pytest.raises(role_grants.LoginOutsideOrganization):
        role_grants.grant_role(world.a.account, " New.Person@A.test ", Role.ACCOUNT_USER)
    assert db.session.scalar(select(User).where(User.email == "new.person@a.test")) is None


def test_a_login_of_the_organization_gets_another_role_without_a_password(world):
    user = world.a.users[Role.ACCOUNT_USER]
    grant = role_grants.grant_role(world.a2, user.email.upper(), Role.ACCOUNT_ADMIN)
    db.session.commit()
    assert grant.user.id == user.id
    assert grant.membership.account_id == world.a2.id


def test_an_organization_role_is_scoped_to_the_organization(world):
    user = world.a.users[Role.ACCOUNT_USER]  # an account role now; an organization role too
    grant = role_grants.grant_role(world.a.account, user.email, Role.ORG_ADMIN)
    assert (grant.membership.organization_id, grant.membership.account_id) == (world.a.organization.id, None)


def test_a_login_of_another_organization_is_refused_and_nothing_is_written(world):
    before = db.session.scalar(select(db.func.count(Membership.id)))
    with pytest.raises(role_grants.LoginOutsideOrganization):
        role_grants.grant_role(world.a.account, "owner@b.test", Role.ACCOUNT_USER)
    assert db.session.scalar(select(db.func.count(Membership.id))) == before


def test_a_role_already_held_in_the_scope_is_refused(world):
    email = world.a.users[Role.ACCOUNT_USER].email
    with pytest.raises(role_grants.RoleAlreadyHeld):
        role_grants.grant_role(world.a.account, email, Role.ACCOUNT_ADMIN)
