"""The login's second step. After the password, a user who has MFA (or whose role requires it) is not logged
in yet: the session keeps only a half-finished login (the user id, when, where to go next) for 5 minutes,
which opens the code prompt or the enrolment page and nothing else (every other route sees an anonymous
visitor). The code logs the user in on a brand-new login session (login_sessions.start: new id).

A logged-in user whose role requires MFA without having it (promoted since the login) reaches only the
enrolment page until enrolled: `enforce_enrolment` sends every other request there.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import segno
from flask import Flask, Response, request, session, url_for
from flask_login import current_user
from markupsafe import Markup

from extensions import db
from models.base import utcnow
from models.tenancy import User
from permissions import API_KEY_ENDPOINTS, PUBLIC_ENDPOINTS
from services.accounts import mfa
from web import login_sessions
from web.htmx import redirect_to

PENDING_KEY = "second_factor"
PENDING_FOR = timedelta(minutes=5)
# What a user who must enrol may still reach once logged in (enrolment on a stale login asks the password).
ENROLMENT_EXEMPT = PUBLIC_ENDPOINTS | API_KEY_ENDPOINTS | {"auth.logout", "auth.reauthenticate"}


def begin(user: User, next_url: str | None) -> None:
    """The password was right: remember that, and nothing from before (SES-03)."""
    session.clear()
    # Permanent like a login's: a non-permanent one makes Flask-Login's "strong" protection ask the browser to
    # drop a remember cookie there never is.
    session.permanent = True
    session[PENDING_KEY] = {"user_id": user.id, "at": utcnow().timestamp(), "next": next_url or ""}


def pending_user() -> User | None:
    """The user of the half-finished login, if it is recent and the user still active."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    started = datetime.fromtimestamp(float(pending.get("at", 0)), utcnow().tzinfo)
    if utcnow() - started > PENDING_FOR:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, int(pending.get("user_id", 0)))
    return user if user is not None and user.active else None


def pending_limit_key() -> str:
    """The rate-limit key of the code step: per user, whichever browser tries."""
    pending = session.get(PENDING_KEY)
    user_id = pending.get("user_id") if isinstance(pending, dict) else None
    if user_id is None and current_user.is_authenticated:
        user_id = current_user.id
    return f"mfa-code:{user_id}"


def finish(user: User) -> str:
    """The second factor passed: log in on a new session. Returns where to go next."""
    pending = session.get(PENDING_KEY) or {}
    next_url = pending.get("next") if isinstance(pending, dict) else None
    login_sessions.start(user)
    return next_url or url_for("home.index")


def qr_code_svg(uri: str) -> Markup:
    """The QR code as inline SVG markup: drawn on the server, no script, no image request (the CSP allows
    neither inline scripts nor other origins)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", border=2)
    return Markup(svg)  # noqa: S704  only shapes: the URI is drawn as modules, never written as text


def enforce_enrolment() -> Response | None:
    """before_request: a logged-in user who must have MFA and has not enrolled goes to the enrolment page."""
    if request.endpoint is None or request.endpoint in ENROLMENT_EXEMPT:
        return None
    if not current_user.is_authenticated or not mfa.needs_enrolment(current_user):
        return None
    return redirect_to(url_for("mfa.enrol"))


def init_app(app: Flask) -> None:
    app.before_request(enforce_enrolment)
