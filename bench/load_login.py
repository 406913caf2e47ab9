"""How a load user signs in: the one function to adapt when the login asks for more (e.g. a second factor).
Shared by the locustfile (bench/load_users.py) and bench/load.py's probe; it needs only a requests-like
client whose get/post take a path."""

from __future__ import annotations

import re

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def sign_in(client, email: str, password: str) -> str:
    """Log in with the login form (CSRF token included) and return the page's CSRF token for later posts."""
    form = client.get("/login", name="login form")
    token = CSRF_FIELD.search(form.text).group(1)
    answer = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        name="login",
        allow_redirects=True,
    )
    found = CSRF_META.search(answer.text)
    if found is None:
        raise RuntimeError(f"login of {email} failed: {answer.status_code}")
    return found.group(1)
