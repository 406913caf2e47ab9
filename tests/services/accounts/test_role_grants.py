"""services.accounts.role_grants: a role for a new login, for a login of the organization, refused for one of
another organization or for a role already held; on the real database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models.tenancy import Membership, Role, User
from services.accounts import role_grants


def test_a_new_login_gets_an_initial_password_and_the_role(world):
    grant = role_grants.grant_role(world.a.account, " New.Person@A.test ", " New Person ", Role.ACCOUNT_USER)
    db.session.commit()
    user = db.session.scalars(select(User).where(User.email == "new.person@a.test")).one()
    assert grant.user.id == user.id and user.name == "New Person"
    assert grant.initial_password and user.check_password(grant.initial_password)
    assert (grant.membership.account_id, grant.membership.role) == (world.a.account.id, Role.ACCOUNT_USER)


def test_a_login_of_the_organization_gets_another_role_without_a_password(world):
    user = world.a.users[Role.ACCOUNT_USER]
    grant = role_grants.grant_role(world.a2, user.email.upper(), "", Role.ACCOUNT_ADMIN)
    db.session.commit()
    assert grant.user.id == user.id and grant.initial_password is None
    assert grant.membership.account_id == world.a2.id


def test_an_organization_role_is_scoped_to_the_organization(world):
    grant = role_grants.grant_role(world.a.account, "orgadmin2@a.test", "Org Admin", Role.ORG_ADMIN)
    assert (grant.membership.organization_id, grant.membership.account_id) == (world.a.organization.id, None)


def test_a_login_of_another_organization_is_refused_and_nothing_is_written(world):
    before = db.session.scalar(select(db.func.count(Membership.id)))
    with pytest.raises(role_grants.LoginOutsideOrganization):
        role_grants.grant_role(world.a.account, "owner@b.test", "", Role.ACCOUNT_USER)
    assert db.session.scalar(select(db.func.count(Membership.id))) == before


def test_a_role_already_held_in_the_scope_is_refused(world):
    email = world.a.users[Role.ACCOUNT_USER].email
    with pytest.raises(role_grants.RoleAlreadyHeld):
        role_grants.grant_role(world.a.account, email, "", Role.ACCOUNT_ADMIN)
