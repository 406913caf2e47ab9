"""How a load user signs in: the one function to adapt when the login asks for more. Shared by the locustfile
(bench/load_users.py) and bench/load.py's probe; it needs only a requests-like client whose get/post take a
path. A user whose role requires a second factor was enrolled with `secret` at seed time: the code step
gets the code an authenticator app would show (each user logs in once, so no code is used twice)."""

from __future__ import annotations

import re

import pyotp

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CODE_PAGE = "/login/code"


def sign_in(client, email: str, password: str, secret: str | None = None) -> str:
    """Log in with the login form (CSRF token included), then the code step when asked, and return the
    page's CSRF token for later posts."""
    form = client.get("/login", name="login form")
    token = CSRF_FIELD.search(form.text).group(1)
    answer = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        name="login",
        allow_redirects=True,
    )
    if answer.url.split("?")[0].endswith(CODE_PAGE):
        if not secret:
            raise RuntimeError(f"login of {email} asks for a second factor, and the bench has no secret")
        answer = client.post(
            CODE_PAGE,
            data={"code": pyotp.TOTP(secret).now(), "csrf_token": CSRF_FIELD.search(answer.text).group(1)},
            name="login code",
            allow_redirects=True,
        )
    found = CSRF_META.search(answer.text)
    # Still on the login form (refused: it re-renders, with a CSRF token of its own) or the code step: failed.
    if found is None or answer.url.split("?")[0].endswith((CODE_PAGE, "/login")):
        raise RuntimeError(f"login of {email} failed: {answer.status_code}")
    return found.group(1)
