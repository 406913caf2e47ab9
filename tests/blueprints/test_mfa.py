"""Two-factor authentication (AUTH-05): the code step after the password, enrolment, recovery codes, turning
it off, an owner's reset, and the gate that keeps a user whose role requires MFA on the enrolment page."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from extensions import db
from models.base import utcnow
from models.mfa import MfaCredential, MfaEvent, MfaEventKind, MfaRecoveryCode
from models.tenancy import LoginSession, Role, User
from services.accounts import mfa, totp
from tests.support.mfa import TOTP_SECRET, current_code, enrol
from tests.support.world import PASSWORD, ROLE_EMAILS

OWNER = ROLE_EMAILS[Role.ORG_OWNER]
ADMIN = ROLE_EMAILS[Role.ORG_ADMIN]
SUPERVISOR = ROLE_EMAILS[Role.ORG_SUPERVISOR]
CODE_PAGE = "/login/code"
ENROL_PAGE = "/mfa/enrol"


def password_step(client, email: str):
    return client.post("/login", data={"email": email, "password": PASSWORD})


def unenrol(user: User) -> None:
    db.session.execute(MfaCredential.__table__.delete().where(MfaCredential.user_id == user.id))
    db.session.commit()


def enrol_through_the_page(client) -> list[str]:
    """Read the key from the enrolment page, answer with the app's code; returns the recovery codes shown."""
    page = client.get(ENROL_PAGE).data.decode()
    secret = re.search(r'data-testid="mfa-secret">([A-Z2-7]+)<', page).group(1)
    response = client.post(ENROL_PAGE, data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    return re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>", response.data.decode())


def test_the_required_roles_default_to_owners_and_admins(app):
    assert set(app.config["MFA_REQUIRED_ROLES"]) == {"org_owner", "org_admin"}


def test_an_admin_without_mfa_is_sent_to_enrolment_and_reaches_nothing_else(client, world):
    unenrol(world.a.users[Role.ORG_ADMIN])
    response = password_step(client, ADMIN)
    assert response.status_code == 302 and response.headers["Location"] == ENROL_PAGE
    # Half logged in: every other route sees an anonymous visitor.
    for path in ("/overview", "/users/", "/channels/", "/mfa"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], path
    assert db.session.query(LoginSession).count() == 0
    page = client.get(ENROL_PAGE)
    assert page.status_code == 200
    assert b"<svg" in page.data and b"Your role requires two-factor authentication" in page.data


def test_a_logged_in_user_promoted_to_admin_must_enrol_before_anything_else(client, world, login):
    login(SUPERVISOR)
    assert client.get("/overview").status_code == 200
    world.memberships[Role.ORG_SUPERVISOR].role = Role.ORG_ADMIN
    db.session.commit()
    response = client.get("/users/")
    assert response.status_code == 303 and response.headers["Location"] == ENROL_PAGE
    htmx = client.get("/overview", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == ENROL_PAGE
    assert client.get(ENROL_PAGE).status_code == 200
    codes = enrol_through_the_page(client)
    assert len(codes) == 10
    assert client.get("/users/").status_code == 200


def test_enrolment_after_the_password_logs_in_on_a_new_session(client, world):
    unenrol(world.a.users[Role.ORG_ADMIN])
    password_step(client, ADMIN)
    wrong = client.post(ENROL_PAGE, data={"code": "000000"})
    assert wrong.status_code == 422 and b"That code does not match" in wrong.data
    codes = enrol_through_the_page(client)
    assert len(set(codes)) == 10
    assert db.session.query(LoginSession).count() == 1
    assert client.get("/overview").status_code == 200
    admin = world.a.users[Role.ORG_ADMIN]
    assert mfa.is_enabled(admin)
    stored = db.session.scalars(select(MfaRecoveryCode.code_hash).where(MfaRecoveryCode.user_id == admin.id))
    assert not set(stored) & set(codes)  # hashes only
    kinds = db.session.scalars(select(MfaEvent.kind).where(MfaEvent.user_id == admin.id)).all()
    assert kinds == [MfaEventKind.ENABLED]


def test_the_secret_is_encrypted_at_rest(client, world):
    unenrol(world.a.users[Role.ORG_ADMIN])
    password_step(client, ADMIN)
    page = client.get(ENROL_PAGE).data.decode()
    secret = re.search(r'data-testid="mfa-secret">([A-Z2-7]+)<', page).group(1)
    admin_id = world.a.users[Role.ORG_ADMIN].id
    ciphertext = db.session.scalar(
        select(MfaCredential.secret_ciphertext).where(MfaCredential.user_id == admin_id)
    )
    assert secret not in ciphertext and totp.decrypt(ciphertext) == secret
    # Reloading the page keeps the same key until it is confirmed.
    assert secret in client.get(ENROL_PAGE).data.decode()


def test_the_code_step_logs_in_with_a_new_session_id(app, client, world):
    response = password_step(client, OWNER)
    assert response.status_code == 302 and response.headers["Location"] == CODE_PAGE
    before = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert client.get("/overview").status_code == 302  # not logged in yet
    wrong = client.post(CODE_PAGE, data={"code": "123456"})
    assert wrong.status_code == 422 and b"That code is not valid" in wrong.data
    done = client.post(CODE_PAGE, data={"code": current_code(OWNER)})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value != before
    assert client.get("/overview").status_code == 200


def test_a_code_cannot_be_used_twice(app, world):
    first, second = app.test_client(), app.test_client()
    code = current_code(OWNER)
    password_step(first, OWNER)
    password_step(second, OWNER)
    assert first.post(CODE_PAGE, data={"code": code}).status_code == 302
    assert second.post(CODE_PAGE, data={"code": code}).status_code == 422


def test_codes_of_the_neighbouring_steps_only(app, world):
    owner = world.a.users[Role.ORG_OWNER]
    with time_machine.travel("2026-11-26 09:00:10+00:00", tick=False):
        now = time.time()
        late = pyotp.TOTP(TOTP_SECRET).at(now - 30)
        too_late = pyotp.TOTP(TOTP_SECRET).at(now - 60)
        assert not mfa.verify(owner, too_late, utcnow())
        assert mfa.verify(owner, late, utcnow())
        assert not mfa.verify(owner, late, utcnow())  # spent
        db.session.rollback()


def test_a_recovery_code_works_once(client, world, login):
    login(OWNER)
    codes = mfa.regenerate_recovery_codes(world.a.users[Role.ORG_OWNER])
    db.session.commit()
    client.post("/logout")
    password_step(client, OWNER)
    response = client.post(CODE_PAGE, data={"code": codes[0].upper().replace("-", " ")})
    assert response.status_code == 302
    assert client.get("/overview").status_code == 200
    client.post("/logout")
    password_step(client, OWNER)
    assert client.post(CODE_PAGE, data={"code": codes[0]}).status_code == 422
    kinds = db.session.scalars(select(MfaEvent.kind)).all()
    assert MfaEventKind.RECOVERY_CODE_USED in kinds


def test_the_code_step_is_throttled_per_user(client, world):
    password_step(client, OWNER)
    statuses = [client.post(CODE_PAGE, data={"code": f"00000{i}"}).status_code for i in range(6)]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429
    assert client.post(CODE_PAGE, data={"code": current_code(OWNER)}).status_code == 429


def test_the_half_finished_login_expires(client, world):
    with time_machine.travel("2026-11-26 09:00:00+00:00", tick=False) as clock:
        password_step(client, OWNER)
        clock.shift(timedelta(minutes=6))
        response = client.post(CODE_PAGE, data={"code": current_code(OWNER)})
        assert response.status_code == 302 and response.headers["Location"] == "/login"
        assert client.get("/overview").status_code == 302


def test_the_code_page_without_a_password_goes_to_login(client, world):
    for path in (CODE_PAGE, ENROL_PAGE):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_regenerated_recovery_codes_replace_the_old_ones(client, world, login):
    owner = world.a.users[Role.ORG_OWNER]
    old = mfa.regenerate_recovery_codes(owner)
    db.session.commit()
    login(OWNER)
    response = client.post("/mfa/recovery-codes")
    assert response.status_code == 200
    new = re.findall(r"<li>([a-z2-9-]{14})</li>", response.data.decode())
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/logout")
    password_step(client, OWNER)
    assert client.post(CODE_PAGE, data={"code": old[0]}).status_code == 422
    assert client.post(CODE_PAGE, data={"code": new[0]}).status_code == 302


def test_regenerating_needs_a_fresh_password(client, world, login):
    with time_machine.travel("2026-11-26 09:00:00+00:00", tick=False) as clock:
        login(OWNER)
        clock.shift(timedelta(minutes=15))
        response = client.post("/mfa/recovery-codes")
        assert response.status_code == 302 and "/reauthenticate" in response.headers["Location"]
        # From the settings page (htmx): the password prompt in place, then the codes in the page's panel.
        htmx = {"HX-Request": "true"}
        prompt = client.post("/mfa/recovery-codes", headers=htmx)
        assert prompt.headers["HX-Retarget"] == "#reauth-panel"
        assert client.post("/reauthenticate", data={"password": PASSWORD}, headers=htmx).status_code == 200
        panel = client.post("/mfa/recovery-codes", headers=htmx)
        assert panel.status_code == 200 and b'id="mfa-panel"' in panel.data and b"<html" not in panel.data


def test_turning_mfa_off_only_where_no_role_requires_it(client, world, login):
    login(OWNER)
    response = client.post("/mfa/disable")
    assert response.status_code == 303
    assert mfa.is_enabled(world.a.users[Role.ORG_OWNER])
    client.post("/logout")

    supervisor = world.a.users[Role.ORG_SUPERVISOR]
    enrol(supervisor)
    db.session.commit()
    login(SUPERVISOR)  # the helper answers the code step
    assert b"Turn off" in client.get("/mfa").data
    assert client.post("/mfa/disable").status_code == 303
    db.session.expire_all()
    assert not mfa.is_enabled(supervisor)
    client.post("/logout")
    assert password_step(client, SUPERVISOR).headers["Location"] == "/"  # no code asked any more


def test_any_user_may_enrol_from_the_user_menu(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert b"Set up" in client.get("/mfa").data
    assert len(enrol_through_the_page(client)) == 10
    client.post("/logout")
    assert password_step(client, ROLE_EMAILS[Role.ACCOUNT_USER]).headers["Location"] == CODE_PAGE


def test_an_owner_resets_another_members_mfa(app, client, world, login):
    admin_client = app.test_client()
    login(ADMIN, on=admin_client)
    login(OWNER)
    admin_membership = world.memberships[Role.ORG_ADMIN]
    users_page = client.get("/users/").data.decode()
    assert f"/users/memberships/{admin_membership.id}/mfa-reset" in users_page
    assert f"/users/memberships/{world.memberships[Role.ORG_OWNER].id}/mfa-reset" not in users_page
    response = client.post(f"/users/memberships/{admin_membership.id}/mfa-reset")
    assert response.status_code == 303
    admin = world.a.users[Role.ORG_ADMIN]
    assert not mfa.is_enabled(admin)
    event = db.session.scalar(select(MfaEvent).where(MfaEvent.kind == MfaEventKind.RESET))
    assert (event.user_id, event.actor_id) == (admin.id, world.a.users[Role.ORG_OWNER].id)
    assert admin_client.get("/overview").status_code == 302  # the admin's sessions ended
    assert password_step(admin_client, ADMIN).headers["Location"] == ENROL_PAGE


def test_nobody_resets_their_own_mfa_that_way(client, world, login):
    login(OWNER)
    own = world.memberships[Role.ORG_OWNER].id
    response = client.post(f"/users/memberships/{own}/mfa-reset")
    assert response.status_code == 303
    assert mfa.is_enabled(world.a.users[Role.ORG_OWNER])


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.ACCOUNT_ADMIN])
def test_only_owners_reset(client, world, login, role):
    login(ROLE_EMAILS[role])
    target = world.memberships[Role.ACCOUNT_USER].id
    assert client.post(f"/users/memberships/{target}/mfa-reset").status_code == 403


def test_another_organizations_member_is_not_found(client, world, login):
    login(OWNER)
    b_owner = db.session.scalar(
        select(MfaCredential.user_id).where(MfaCredential.user_id == world.b.users[Role.ORG_OWNER].id)
    )
    from models.tenancy import Membership

    membership = db.session.scalar(select(Membership.id).where(Membership.user_id == b_owner))
    assert client.post(f"/users/memberships/{membership}/mfa-reset").status_code == 404
    assert mfa.is_enabled(world.b.users[Role.ORG_OWNER])


def test_demo_totp_prints_the_code_in_development_only(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "totp", OWNER])
    assert result.exit_code == 0 and result.output.strip() == pyotp.TOTP(TOTP_SECRET).now()
    assert runner.invoke(args=["demo", "totp", SUPERVISOR]).exit_code != 0
    app.config["ENV_NAME"] = "production"
    refused = runner.invoke(args=["demo", "totp", OWNER])
    assert refused.exit_code != 0 and "Refused in production" in refused.output


def test_tokens_rotate_re_encrypts_the_totp_secrets(app, world):
    from cryptography.fernet import Fernet

    old_key = app.config["TOKEN_ENCRYPTION_KEYS"][0]
    app.config["TOKEN_ENCRYPTION_KEYS"] = [Fernet.generate_key().decode(), old_key]
    result = app.test_cli_runner().invoke(args=["tokens", "rotate"])
    assert "Re-encrypted 3 two-factor secret(s)" in result.output
    app.config["TOKEN_ENCRYPTION_KEYS"] = app.config["TOKEN_ENCRYPTION_KEYS"][:1]
    db.session.expire_all()
    for ciphertext in db.session.scalars(select(MfaCredential.secret_ciphertext)):
        assert totp.decrypt(ciphertext) == TOTP_SECRET


def test_an_unconfirmed_secret_under_a_removed_key_is_replaced(app, client, world):
    from cryptography.fernet import Fernet

    unenrol(world.a.users[Role.ORG_ADMIN])
    password_step(client, ADMIN)
    client.get(ENROL_PAGE)
    app.config["TOKEN_ENCRYPTION_KEYS"] = [Fernet.generate_key().decode()]
    page = client.get(ENROL_PAGE)
    assert page.status_code == 200 and b'data-testid="mfa-secret"' in page.data
    assert len(enrol_through_the_page(client)) == 10


@pytest.fixture
def outbox(app, tmp_path):
    app.config.update(ALERT_OUTBOX=str(tmp_path / "outbox"), SMTP_HOST="")
    return tmp_path / "outbox"


def notices(outbox) -> list[str]:
    return sorted(p.read_text() for p in outbox.glob("mfa-*.eml")) if outbox.exists() else []


def test_enrolment_from_a_stale_login_asks_for_the_password_first(client, world, login, outbox):
    """A stolen session must not enrol its own authenticator and lock the owner out (issue 26, 1)."""
    user = world.a.users[Role.ACCOUNT_USER]
    with time_machine.travel("2026-11-26 09:00:00+00:00", tick=False) as clock:
        login(ROLE_EMAILS[Role.ACCOUNT_USER])
        clock.shift(timedelta(minutes=11))
        page = client.get(ENROL_PAGE)
        assert page.status_code == 302 and "/reauthenticate" in page.headers["Location"]
        assert b"mfa-secret" not in page.data
        posted = client.post(ENROL_PAGE, data={"code": "123456"})
        assert posted.status_code == 302 and "/reauthenticate" in posted.headers["Location"]
        db.session.expire_all()
        assert not mfa.is_enabled(user) and notices(outbox) == []

        assert client.post("/reauthenticate", data={"password": PASSWORD}).status_code == 302
        assert len(enrol_through_the_page(client)) == 10
    db.session.expire_all()
    assert mfa.is_enabled(user)
    (mail,) = notices(outbox)
    assert f"To: {user.email}" in mail and "turned on" in mail


def test_a_promoted_stale_user_confirms_the_password_then_enrols(client, world, login):
    with time_machine.travel("2026-11-26 09:00:00+00:00", tick=False) as clock:
        login(SUPERVISOR)
        world.memberships[Role.ORG_SUPERVISOR].role = Role.ORG_ADMIN
        db.session.commit()
        clock.shift(timedelta(minutes=11))
        page = client.get(ENROL_PAGE)
        assert page.status_code == 302 and "/reauthenticate" in page.headers["Location"]
        assert client.get(page.headers["Location"]).status_code == 200  # not sent back to enrolment
        assert client.post("/reauthenticate", data={"password": PASSWORD}).status_code == 302
        assert len(enrol_through_the_page(client)) == 10


def test_turning_mfa_off_or_a_reset_is_told_by_e_mail(client, world, login, outbox):
    supervisor = world.a.users[Role.ORG_SUPERVISOR]
    enrol(supervisor)
    db.session.commit()
    login(SUPERVISOR)
    assert client.post("/mfa/disable").status_code == 303
    (mail,) = notices(outbox)
    assert f"To: {supervisor.email}" in mail and "turned off" in mail
    client.post("/logout")

    enrol(supervisor)
    db.session.commit()
    login(OWNER)
    membership = world.memberships[Role.ORG_SUPERVISOR]
    assert client.post(f"/users/memberships/{membership.id}/mfa-reset").status_code in (302, 303)
    assert any("was reset" in text for text in notices(outbox))
