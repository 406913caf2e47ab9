"""Login, sessions and their end: SES-01..07, AUTH-01..04."""

from __future__ import annotations

import re
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
import time_machine

import config
from extensions import db
from models.tenancy import LoginSession, Role, User
from tests.support.mfa import pass_code_step
from tests.support.world import PASSWORD, ROLE_EMAILS

OWNER = ROLE_EMAILS[Role.ORG_OWNER]


def session_cookie(response, name: str) -> SimpleCookie:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return header
    raise AssertionError(f"no {name} cookie set")


def test_production_cookie_flags(app_config, make_app, world, monkeypatch):
    monkeypatch.setenv("TECHOMS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEYS", "ZGV2LW9ubHktdG9rZW4ta2V5LW5vdC1mb3ItcHJvZC0=")
    production = {k: v for k, v in config.from_environment().items() if "COOKIE" in k}
    app = make_app({**app_config, **production})
    client = app.test_client()
    response = client.post("/login", data={"email": OWNER, "password": PASSWORD})
    header = session_cookie(response, "__Host-techoms")
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"secure", "httponly", "path"} <= attributes
    assert "samesite=lax" in header.lower()
    assert "domain" not in attributes
    assert "remember_token" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_production_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.setenv("TECHOMS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(config.ConfigError):
        config.from_environment()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(config.ConfigError):
        config.from_environment()


def test_password_hash_is_scrypt(app):
    user = User(email="new@a.test")
    user.set_password("a long enough password")
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert user.check_password("a long enough password")


def test_login_discards_pre_login_session_data(client, world, login):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(OWNER)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_wrong_password_and_unknown_user_look_the_same(client, world):
    wrong = client.post("/login", data={"email": OWNER, "password": "wrong password"})
    unknown = client.post("/login", data={"email": "nobody@a.test", "password": "wrong password"})
    assert wrong.status_code == unknown.status_code == 200
    assert b"Email or password is incorrect." in wrong.data

    # Identical but for the email the form gives back and the time-stamped CSRF token.
    def normalised(body: bytes, email: str) -> bytes:
        return re.sub(rb"[\w.-]{60,}", b"TOKEN", body.replace(email.encode(), b"EMAIL"))

    assert normalised(wrong.data, OWNER) == normalised(unknown.data, "nobody@a.test")


def test_logout_ends_the_session_for_a_copied_cookie(app, client, world, login):
    login(OWNER)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert client.get("/overview").status_code == 200
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    response = replay.get("/overview")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.query(LoginSession).count() == 0


def test_logout_is_post_only(client, world, login):
    login(OWNER)
    assert client.get("/logout").status_code == 405


def test_idle_timeout(client, world, login):
    with time_machine.travel("2026-11-26 09:00:00+00:00", tick=False) as clock:
        login(OWNER)
        clock.shift(timedelta(minutes=29))
        assert client.get("/overview").status_code == 200
        clock.shift(timedelta(minutes=31))
        assert client.get("/overview").status_code == 302


def test_absolute_timeout_even_when_active(client, world, login):
    with time_machine.travel("2026-11-26 08:00:00+00:00", tick=False) as clock:
        login(OWNER)
        for _ in range(10 * 3 + 1):  # a request every 20 minutes for just over 10 hours
            clock.shift(timedelta(minutes=20))
            if client.get("/overview").status_code != 200:
                break
        else:
            pytest.fail("session outlived the absolute timeout")


def test_disabled_user_is_logged_out_everywhere(app, world, login):
    first, second = app.test_client(), app.test_client()
    login(OWNER, on=first)
    login(OWNER, on=second)
    owner = db.session.get(User, world.a.users[Role.ORG_OWNER].id)
    owner.active = False
    db.session.commit()
    assert first.get("/overview").status_code == 302
    assert second.get("/overview").status_code == 302


def test_disabled_user_cannot_log_in(client, world):
    world.a.users[Role.ACCOUNT_USER].active = False
    db.session.commit()
    response = client.post("/login", data={"email": ROLE_EMAILS[Role.ACCOUNT_USER], "password": PASSWORD})
    assert response.status_code == 200
    assert b"Email or password is incorrect." in response.data


def test_login_is_throttled_per_email(client, world):
    statuses = [
        client.post("/login", data={"email": OWNER, "password": f"wrong {i}"}).status_code for i in range(6)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    # The right password does not get through while throttled; the answer says when to try again.
    throttled = client.post("/login", data={"email": OWNER, "password": PASSWORD})
    assert throttled.status_code == 429 and 1 <= int(throttled.headers["Retry-After"]) <= 60


def test_login_is_throttled_per_ip(app_config, request):
    app_config["LOGIN_LIMITS_PER_IP"] = "3/minute"
    app = request.getfixturevalue("app")
    client = app.test_client()
    statuses = [
        client.post("/login", data={"email": f"someone{i}@a.test", "password": "x"}).status_code
        for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_login_redirect_only_to_own_paths(client, world):
    # The owner has MFA: where to go next is kept across the code step.
    response = client.post("/login?next=https://evil.example/x", data={"email": OWNER, "password": PASSWORD})
    response = pass_code_step(client, OWNER, response)
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/users/", data={"email": OWNER, "password": PASSWORD})
    response = pass_code_step(client, OWNER, response)
    assert response.headers["Location"] == "/users/"


def test_sensitive_action_needs_a_fresh_login(client, world, login):
    with time_machine.travel("2026-11-26 09:00:00+00:00", tick=False) as clock:
        login(OWNER)
        clock.shift(timedelta(minutes=15))
        target = world.memberships[Role.ACCOUNT_USER].id
        response = client.post(f"/users/memberships/{target}/role", data={"role": "account_admin"})
        assert response.status_code == 302 and "/reauthenticate" in response.headers["Location"]
        wrong = client.post("/reauthenticate", data={"password": "nope"})
        assert b"Password is incorrect." in wrong.data
        client.post("/reauthenticate", data={"password": PASSWORD})
        response = client.post(f"/users/memberships/{target}/role", data={"role": "account_admin"})
        assert response.status_code == 303
    db.session.expire_all()
    assert world.memberships[Role.ACCOUNT_USER].role == Role.ACCOUNT_ADMIN


def test_a_json_login_is_refused_and_cannot_skip_the_throttle(client, world):
    for i in range(5):
        client.post("/login", data={"email": OWNER, "password": f"wrong {i}"})
    # The per-email limit is spent; the same login as a JSON body must not get past it.
    response = client.post("/login", json={"email": OWNER, "password": PASSWORD})
    assert response.status_code in {415, 429}
    assert client.get("/overview").status_code == 302  # not logged in


def test_only_form_posts_log_in(client, world):
    bodies = ({"json": {"email": OWNER, "password": PASSWORD}}, {"data": "x", "content_type": "text/plain"})
    for body in bodies:
        response = client.post("/login", **body)
        assert response.status_code == 415
        assert b"form" in response.data
    assert client.get("/overview").status_code == 302


def test_logout_clears_the_browsers_site_data(client, world, login):
    login(OWNER)
    response = client.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cookies", "storage"'
    # The header clears this response's cookies too, so the message cannot ride in the session.
    assert b"You have been logged out." in client.get(response.headers["Location"]).data


@pytest.mark.parametrize(
    "next_url",
    ["/users/\r\nSet-Cookie: planted=1", "/users/\nX-Injected: 1", "/\x00users/", "/users/\x1b[2J", "/a\tb"],
)
def test_a_next_url_with_control_characters_is_refused(client, world, next_url):
    from web.safe_redirects import safe_next_url

    assert safe_next_url(next_url) is None
    response = client.post(
        "/login", query_string={"next": next_url}, data={"email": OWNER, "password": PASSWORD}
    )
    response = pass_code_step(client, OWNER, response)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "planted" not in " ".join(response.headers.getlist("Set-Cookie"))
