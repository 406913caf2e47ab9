"""The header's account switcher and what the current account decides."""

from __future__ import annotations

from extensions import db
from models.tenancy import Role
from tests.support.world import ROLE_EMAILS


def test_org_user_switches_between_the_organizations_accounts(client, world, login):
    login(ROLE_EMAILS[Role.ORG_ADMIN])
    page = client.get("/overview").data
    assert b"Account A1" in page and b"Account A2" in page and b"Account B1" not in page
    response = client.post("/accounts/switch", data={"account_id": world.a2.id, "next": "/overview"})
    assert response.status_code == 303 and response.headers["Location"] == "/overview"
    assert b'<h1 class="h3">Account A2' in client.get("/overview").data


def test_switching_to_another_tenants_account_is_refused(client, world, login):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    client.post("/accounts/switch", data={"account_id": world.b.account.id})
    page = client.get("/overview").data
    assert b"That account is not available to you." in page
    assert b'<h1 class="h3">Account A1' in page


def test_account_user_sees_only_their_account(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    client.post("/accounts/switch", data={"account_id": world.a2.id})
    assert b'<h1 class="h3">Account A1' in client.get("/overview").data


def test_switch_rejects_garbage(client, world, login):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    for value in ("abc", "", "-1", "9" * 40, "<script>"):
        response = client.post("/accounts/switch", data={"account_id": value, "next": "//evil.example"})
        assert response.status_code == 303 and response.headers["Location"] == "/"


def test_user_without_active_membership_is_told_so(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    world.memberships[Role.ACCOUNT_USER].active = False
    db.session.commit()
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 403
    assert b"no active role in any account" in response.data
    assert client.get("/overview").status_code == 403
