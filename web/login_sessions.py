"""Server-side login sessions: the signed cookie only names a row here, so logout, revocation and the idle and
absolute timeouts hold for every copy of the cookie (SES-03..06)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete, select

from extensions import db, login_manager
from forms.auth import ReauthenticateForm
from models.base import utcnow
from models.tenancy import LoginSession, User
from web.htmx import is_htmx

SESSION_KEY = "login_session"
FRESH_KEY = "fresh_at"
# Writing last_seen_at on every request would make every page view a database write.
TOUCH_INTERVAL = timedelta(seconds=60)
FRESH_FOR = timedelta(minutes=10)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User) -> None:
    """Log `user` in on a brand-new session: nothing from before the login survives."""
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            token_hash=_hash(token),
            user_id=user.id,
            ip_address=(request.remote_addr or "")[:45],
            user_agent=request.user_agent.string[:255],
        )
    )
    db.session.commit()
    session.permanent = True
    session[SESSION_KEY] = token
    mark_fresh()
    login_user(user, remember=False, fresh=True)


def mark_fresh() -> None:
    session[FRESH_KEY] = utcnow().timestamp()
    session["_fresh"] = True


def load(user_id: str) -> User | None:
    """Flask-Login's user_loader: the user only if this cookie's login session is alive."""
    token = session.get(SESSION_KEY)
    if not token or not user_id.isdigit():
        return None
    row = db.session.scalar(select(LoginSession).where(LoginSession.token_hash == _hash(token)))
    if row is None or row.user_id != int(user_id):
        return None
    now = utcnow()
    config = current_app.config
    expired = (
        now - row.last_seen_at > config["SESSION_IDLE_TIMEOUT"]
        or now - row.created_at > config["SESSION_ABSOLUTE_TIMEOUT"]
    )
    if expired or not row.user.active:
        db.session.delete(row)
        db.session.commit()
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
        db.session.commit()
    fresh_at = session.get(FRESH_KEY)
    if fresh_at is None or now - datetime.fromtimestamp(fresh_at, now.tzinfo) > FRESH_FOR:
        session["_fresh"] = False
    return row.user


def end() -> None:
    """Logout: the row goes, so a copied cookie stops working too."""
    token = session.get(SESSION_KEY)
    if token:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == _hash(token)))
        db.session.commit()
    logout_user()
    session.clear()


def end_others() -> None:
    """Every other session of the current user (after a password change), keeping this one."""
    token = session.get(SESSION_KEY)
    user_id = int(current_user.get_id())
    db.session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user_id, LoginSession.token_hash != _hash(token or "")
        )
    )


def end_all_for(user_id: int) -> None:
    """Every session of the user, e.g. when the account is disabled or the password changes (SES-05)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def _return_path() -> str:
    """Where to come back to: for htmx, the page the user is on rather than the fragment's URL."""
    if is_htmx() and request.headers.get("HX-Current-URL"):
        parts = urlsplit(request.headers["HX-Current-URL"])
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.full_path.rstrip("?")


def _send_to(endpoint: str, message: str) -> Response:
    url = url_for(endpoint, next=_return_path())
    flash(message, "info")
    if is_htmx():  # htmx reads HX-Redirect before it looks at the status
        return Response(status=401, headers={"HX-Redirect": url})
    return redirect(url)


def unauthorized() -> Response:
    """Not logged in (or the session ended): to the login page, also from an htmx request."""
    return _send_to("auth.login", "Please log in to continue.")


def needs_refresh() -> Response:
    """A sensitive change on a session older than 10 minutes: confirm the password first. An htmx request
    gets the password prompt in place (the page and what was typed on it stay); a plain one goes to the
    re-authentication page."""
    if is_htmx():
        return reauthentication_prompt(ReauthenticateForm(formdata=None))
    return _send_to("auth.reauthenticate", "Please confirm your password to continue.")


REAUTH_PANEL = "#reauth-panel"  # in base.html


def reauthentication_prompt(form: ReauthenticateForm, status: int = 200) -> Response:
    """The password prompt swapped into the page's re-authentication panel, whatever the request aimed at.
    `reauthentication-needed` fires on the element that asked, so app.js sends it again once confirmed."""
    response = Response(render_template("auth/_reauthenticate_panel.html", form=form), status=status)
    response.headers["HX-Retarget"] = REAUTH_PANEL
    response.headers["HX-Reswap"] = "innerHTML"
    if status == 200:
        response.headers["HX-Trigger"] = "reauthentication-needed"
    return response


def reauthenticated() -> Response:
    """After the password was confirmed from the in-place prompt: the panel empties, and `reauthenticated`
    tells app.js to send the waiting form again."""
    return Response("", status=200, headers={"HX-Trigger": "reauthenticated"})


def init_app(app: Flask) -> None:
    """Flask-Login on server-side sessions: the user loader, and where anonymous or stale sessions go."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.refresh_view = "auth.reauthenticate"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.needs_refresh_handler(needs_refresh)
