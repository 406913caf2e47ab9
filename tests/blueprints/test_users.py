"""Managing people: add (a login of the organization at once, anyone else by an invitation), change roles,
disable — within ACC-04's rules."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from extensions import db
from models.tenancy import Membership, Role, User
from services.accounts.memberships import grantable_roles
from tests.support.world import PASSWORD, ROLE_EMAILS, make_user


def membership_of(email: str) -> Membership:
    db.session.expire_all()
    return db.session.scalar(select(Membership).join(User).where(User.email == email))


def test_grantable_roles_never_exceed_the_actors():
    assert grantable_roles(Role.ACCOUNT_ADMIN, may_manage_org_users=False) == [
        Role.ACCOUNT_ADMIN,
        Role.ACCOUNT_USER,
    ]
    assert Role.ORG_OWNER not in grantable_roles(Role.ORG_ADMIN, may_manage_org_users=True)
    assert grantable_roles(Role.ORG_OWNER, may_manage_org_users=True)[0] == Role.ORG_OWNER


def invitation_path(response) -> str:
    link = re.search(rb'data-testid="invitation-link">([^<]+)<', response.data).group(1).decode()
    return "/" + link.split("/", 3)[3]


def test_a_new_person_is_invited_and_chooses_a_password(app, client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = client.post(
        "/users/new", data={"email": "New.Person@A.test", "name": "New", "role": "account_user"}
    )
    assert response.status_code == 200 and b"Invitation made" in response.data
    path = invitation_path(response)
    assert membership_of("new.person@a.test") is None  # nothing until accepted
    assert path.encode() not in client.get("/users/").data

    newcomer = app.test_client()
    page = newcomer.get(path)
    assert page.status_code == 200 and b"new.person@a.test" in page.data
    weak = newcomer.post(path, data={"name": "New", "password": "password", "confirm_password": "password"})
    assert weak.status_code == 422 and membership_of("new.person@a.test") is None
    chosen = "a long and unusual passphrase"
    accepted = newcomer.post(path, data={"name": "New", "password": chosen, "confirm_password": chosen})
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/login"
    assert membership_of("new.person@a.test").account_id == world.a.account.id
    assert newcomer.post("/login", data={"email": "new.person@a.test", "password": chosen}).status_code == 302
    assert app.test_client().get(path).status_code == 404  # used once


def test_existing_user_gets_the_role_without_a_new_password(client, world, login):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    client.post("/accounts/switch", data={"account_id": world.a2.id})
    response = client.post(
        "/users/new", data={"email": ROLE_EMAILS[Role.ACCOUNT_USER], "role": "account_admin"}
    )
    assert b"keep their password" in response.data
    again = client.post("/users/new", data={"email": ROLE_EMAILS[Role.ACCOUNT_USER], "role": "account_admin"})
    assert b"already has a role here" in again.data


def test_account_admin_cannot_grant_org_roles(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = client.post("/users/new", data={"email": "x@a.test", "role": "org_owner"})
    assert b"Not a valid choice" in response.data
    assert membership_of("x@a.test") is None


def test_nobody_changes_their_own_role(client, world, login):
    login(ROLE_EMAILS[Role.ORG_ADMIN])
    own = world.memberships[Role.ORG_ADMIN].id
    client.post(f"/users/memberships/{own}/role", data={"role": "org_supervisor"})
    assert b"You cannot change your own role" in client.get("/users/").data
    assert membership_of(ROLE_EMAILS[Role.ORG_ADMIN]).role == Role.ORG_ADMIN


def test_admin_cannot_touch_an_owner_nor_grant_owner(client, world, login):
    login(ROLE_EMAILS[Role.ORG_ADMIN])
    owner = world.memberships[Role.ORG_OWNER].id
    client.post(f"/users/memberships/{owner}/active")
    assert membership_of(ROLE_EMAILS[Role.ORG_OWNER]).active
    supervisor = world.memberships[Role.ORG_SUPERVISOR].id
    client.post(f"/users/memberships/{supervisor}/role", data={"role": "org_owner"})
    assert membership_of(ROLE_EMAILS[Role.ORG_SUPERVISOR]).role == Role.ORG_SUPERVISOR


def test_last_owner_cannot_be_removed(client, world, login):
    # A second owner demotes the first; then the remaining owner is the last one and is protected.
    login(ROLE_EMAILS[Role.ORG_OWNER])
    supervisor = world.memberships[Role.ORG_SUPERVISOR].id
    assert client.post(f"/users/memberships/{supervisor}/role", data={"role": "org_owner"}).status_code == 303
    client.post("/logout")
    login(ROLE_EMAILS[Role.ORG_SUPERVISOR])
    first_owner = world.memberships[Role.ORG_OWNER].id
    client.post(f"/users/memberships/{first_owner}/role", data={"role": "org_admin"})
    assert membership_of(ROLE_EMAILS[Role.ORG_OWNER]).role == Role.ORG_ADMIN
    client.post("/logout")
    login(ROLE_EMAILS[Role.ORG_OWNER])  # now an admin: may not touch the owner
    client.post(f"/users/memberships/{supervisor}/active")
    assert membership_of(ROLE_EMAILS[Role.ORG_SUPERVISOR]).active


def test_last_owner_rule_itself(app, world):
    from services.accounts.memberships import refusal

    owner_membership = world.memberships[Role.ORG_OWNER]
    other_owner = User(email="owner2@a.test", password_hash="x")
    # An actor of owner rank who is not the owner: only the last-owner rule can stop them.
    message = refusal(other_owner, Role.ORG_OWNER, owner_membership, deactivate=True)
    assert message and "at least one owner" in message
    message = refusal(other_owner, Role.ORG_OWNER, owner_membership, new_role=Role.ORG_ADMIN)
    assert message and "at least one owner" in message


def test_disabling_a_membership_ends_that_access(app, client, world, login):
    target = app.test_client()
    login(ROLE_EMAILS[Role.ACCOUNT_USER], on=target)
    assert target.get("/overview").status_code == 200
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = client.post(f"/users/memberships/{world.memberships[Role.ACCOUNT_USER].id}/active")
    assert response.status_code == 303
    assert target.get("/overview").status_code == 403
    client.post(f"/users/memberships/{world.memberships[Role.ACCOUNT_USER].id}/active")
    assert target.get("/overview").status_code == 200


def test_hostile_input_is_refused_with_messages(client, world, login):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    cases = [
        {"email": "", "role": "account_user"},
        {"email": "not an email", "role": "account_user"},
        {"email": "a" * 300 + "@a.test", "role": "account_user"},
        {"email": "<script>alert(1)</script>@a.test", "role": "account_user"},
        {"email": "ok@a.test", "role": "superuser"},
        {"email": "ok@a.test", "name": "x" * 500, "role": "account_user"},
        {"email": "ok@a.test\r\nBcc: x@evil", "role": "account_user"},
    ]
    for data in cases:
        response = client.post("/users/new", data=data)
        assert response.status_code == 200, data
        assert b"invalid-feedback" in response.data, data
        assert b"<script>alert(1)</script>" not in response.data
    assert db.session.scalar(select(User).where(User.email.like("%ok@a.test%"))) is None
    for bad in ("abc", "99999999"):
        assert client.post(f"/users/memberships/{bad}/role", data={"role": "account_user"}).status_code == 404


@pytest.mark.parametrize("name", ["Null\x00byte", "Two\r\nlines", "Escape\x1b[31m", "Tab\there"])
def test_control_characters_in_a_name_are_refused(client, world, login, name):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = client.post("/users/new", data={"email": "ctl@a.test", "name": name, "role": "account_user"})
    assert b"Remove control characters" in response.data
    assert b"invitation-link" not in response.data
    assert membership_of("ctl@a.test") is None


def test_adding_a_user_needs_a_fresh_password(client, world, login):
    with time_machine.travel("2026-11-26 09:00:00+00:00", tick=False) as clock:
        login(ROLE_EMAILS[Role.ORG_OWNER])
        clock.shift(timedelta(minutes=15))
        data = {"email": "late@a.test", "name": "Late", "role": "org_owner"}
        response = client.post("/users/new", data=data)
        assert response.status_code == 302 and "/reauthenticate" in response.headers["Location"]
        assert membership_of("late@a.test") is None
        assert "/reauthenticate" in client.get("/users/new").headers["Location"]
        client.post("/reauthenticate", data={"password": PASSWORD})
        response = client.post("/users/new", data=data)
        assert b"invitation-link" in response.data


def _normalised(body: bytes, email: str) -> bytes:
    """The page without the e-mail the form gives back, the CSRF token and the invitation's token."""
    return re.sub(rb"[\w.-]{40,}", b"TOKEN", body.replace(email.encode(), b"EMAIL"))


def test_adding_an_address_answers_the_same_whether_a_login_exists_or_not(app, client, world, login):
    """Issue 26, 9: an address of another organization's login, of a login with no role anywhere and of
    nobody get the same answer (an invitation); the existing person accepts in their own session."""
    outsider = world.b.users[Role.ORG_OWNER]
    outsider.name = "Bea Outsider"
    loner = make_user("loner@nowhere.test", name="Lou Loner")  # a login with no role anywhere
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    answers, paths = {}, {}
    for email in (outsider.email, loner.email, "nobody@nowhere.test"):
        response = client.post("/users/new", data={"email": email, "name": "", "role": "account_user"})
        assert b"Bea" not in response.data and b"Lou" not in response.data
        assert b"keep their password" not in response.data
        answers[email] = (response.status_code, _normalised(response.data, email))
        paths[email] = invitation_path(response)
    assert answers[outsider.email] == answers[loner.email] == answers["nobody@nowhere.test"]
    db.session.expire_all()
    assert [(m.organization_id, m.account_id) for m in db.session.get(User, outsider.id).memberships] == [
        (world.b.organization.id, None)
    ]

    # The existing login accepts only in its own session: not by setting a password, not as someone else.
    stranger = app.test_client()
    assert stranger.get(paths[outsider.email]).status_code == 302  # to the login page
    taken = stranger.post(paths[outsider.email], data={"password": "x" * 20, "confirm_password": "x" * 20})
    assert taken.status_code == 302 and "/login" in taken.headers["Location"]
    assert b"another login" in client.get(paths[outsider.email]).data  # the admin's own session
    assert client.post(paths[outsider.email]).status_code == 200
    db.session.expire_all()
    assert len(db.session.get(User, outsider.id).memberships) == 1

    invited = app.test_client()
    invited.post("/login", data={"email": loner.email, "password": PASSWORD})
    assert invited.post(paths[loner.email]).status_code == 302
    db.session.expire_all()
    assert [m.account_id for m in db.session.get(User, loner.id).memberships] == [world.a.account.id]


def test_a_login_of_the_same_organization_may_get_a_role_in_another_account(client, world, login):
    login(ROLE_EMAILS[Role.ORG_ADMIN])
    client.post("/accounts/switch", data={"account_id": world.a2.id})
    response = client.post(
        "/users/new", data={"email": ROLE_EMAILS[Role.ACCOUNT_ADMIN], "role": "account_user"}
    )
    assert b"keep their password" in response.data
