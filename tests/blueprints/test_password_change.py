"""Changing one's password (AUTH-02) ends the user's other sessions (SES-05)."""

from __future__ import annotations

import pytest

from extensions import db
from models.tenancy import Role, User
from services.accounts import passwords
from tests.support.world import PASSWORD, ROLE_EMAILS

OWNER = ROLE_EMAILS[Role.ORG_OWNER]
NEW = "a long and unusual passphrase"


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short", False),
        ("password", False),
        ("PassWord", False),  # common, whatever the case
        ("12345678", False),
        ("qwertyuiop", False),
        ("owner@a.test", False),
        ("x" * 129, False),
        ("correct horse battery staple", True),
        ("Tr0ub4dor&3 but longer", True),
        ("ünïcödé pässwörd", True),
        ("x" * 128, True),
    ],
)
def test_password_rules(password, accepted):
    assert (passwords.problems(password, OWNER) == []) is accepted


def test_change_needs_the_current_password_and_ends_other_sessions(app, client, world, login):
    other = app.test_client()
    login(OWNER, on=other)
    login(OWNER)
    wrong = client.post(
        "/password", data={"current_password": "nope", "new_password": NEW, "confirm_password": NEW}
    )
    assert b"Current password is incorrect." in wrong.data
    weak = client.post(
        "/password",
        data={"current_password": PASSWORD, "new_password": "password", "confirm_password": "password"},
    )
    assert b"one of the most common" in weak.data
    differ = client.post(
        "/password", data={"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW + "!"}
    )
    assert b"The two new passwords differ." in differ.data
    done = client.post(
        "/password", data={"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW}
    )
    assert done.status_code == 302
    assert client.get("/overview").status_code == 200  # this session goes on
    assert other.get("/overview").status_code == 302  # the other one is over
    db.session.expire_all()
    assert db.session.get(User, world.a.users[Role.ORG_OWNER].id).check_password(NEW)
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": OWNER, "password": PASSWORD}).status_code == 200
    assert fresh.post("/login", data={"email": OWNER, "password": NEW}).status_code == 302


def test_anonymous_cannot_change_a_password(client, world):
    assert "/login" in client.post("/password", data={"new_password": NEW}).headers["Location"]
