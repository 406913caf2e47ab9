"""Redis down (jobs, throttles and the wizard's drafts live there): pages say so with a 503, never a 500."""

from __future__ import annotations

from tests.support.world import PASSWORD, ROLE_EMAILS

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_login_while_redis_is_down_is_a_503_page(make_app, app_config, world):
    app = make_app({**app_config, "REDIS_URL": DEAD_REDIS, "RATELIMIT_STORAGE_URI": DEAD_REDIS})
    email = next(iter(ROLE_EMAILS.values()))
    answer = app.test_client().post("/login", data={"email": email, "password": PASSWORD})
    assert answer.status_code == 503
    assert "did not answer; nothing was saved" in answer.get_data(as_text=True)
