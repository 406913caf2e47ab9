"""Login (the password; the second factor follows in blueprints/mfa.py), logout, password re-confirmation for
sensitive actions, change password."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.security import check_password_hash

from extensions import db, limiter
from forms.auth import ChangePasswordForm, LoginForm, ReauthenticateForm
from services.accounts import mfa, users
from web import login_sessions, second_factor
from web.htmx import is_htmx
from web.safe_redirects import safe_next_url

bp = Blueprint("auth", __name__)
security_log = logging.getLogger("techoms.security")

# Checked when the email is unknown, so both failures take the same time (AUTH-04).
_DUMMY_HASH = "scrypt:32768:8:1$dummysaltdummys$" + "0" * 128


def _submitted_email_key() -> str:
    return "login-email:" + request.form.get("email", "").strip().casefold()[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMITS_PER_EMAIL"], key_func=_submitted_email_key, methods=["POST"]
)
@limiter.limit(lambda: current_app.config["LOGIN_LIMITS_PER_IP"], methods=["POST"])
def login():
    """Email + password. One message for every failure, so it never tells which emails exist."""
    if request.method == "GET" and request.args.get("logged_out"):
        flash("You have been logged out.", "info")
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().casefold()
        user = users.user_by_email(email)
        password_ok = (
            user.check_password(form.password.data)
            if user
            else check_password_hash(_DUMMY_HASH, form.password.data)
        )
        if user is not None and password_ok and user.active:
            next_url = safe_next_url(request.args.get("next"))
            if mfa.is_enabled(user) or mfa.is_required(user):
                # Not logged in yet: the code prompt, or the enrolment a role that requires MFA asks for.
                second_factor.begin(user, next_url)
                security_log.info("password accepted, second factor next", extra={"user_id": user.id})
                return redirect(url_for("mfa.verify" if mfa.is_enabled(user) else "mfa.enrol"))
            login_sessions.start(user)
            security_log.info("login succeeded", extra={"user_id": user.id})
            return redirect(next_url or url_for("home.index"))
        security_log.info("login failed")
        form.form_errors.append("Email or password is incorrect.")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Ends this login session on the server; the cookie, even copied, no longer works."""
    security_log.info("logout", extra={"user_id": current_user.id})
    login_sessions.end()
    # What this browser kept of the session (cookies, htmx history in storage) goes too, on a shared computer.
    # That clears this response's own cookies as well, so the message travels in the URL, not in a flash.
    response = redirect(url_for("auth.login", logged_out=1))
    response.headers["Clear-Site-Data"] = '"cookies", "storage"'
    return response


@bp.route("/reauthenticate", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMITS_PER_EMAIL"],
    key_func=lambda: f"reauth:{current_user.id}",
    methods=["POST"],
)
def reauthenticate():
    """Confirm the password before a sensitive change (token, shop domain, retention, roles). From the
    in-place prompt (htmx) the answer stays in the page: the prompt again with its error, or the event that
    sends the waiting form again."""
    form = ReauthenticateForm()
    if form.validate_on_submit():
        if current_user.check_password(form.password.data):
            login_sessions.mark_fresh()
            if is_htmx():
                return login_sessions.reauthenticated()
            return redirect(safe_next_url(request.args.get("next")) or url_for("home.index"))
        form.password.errors.append("Password is incorrect.")
    if is_htmx():
        return login_sessions.reauthentication_prompt(form, status=422)
    return render_template("auth/reauthenticate.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMITS_PER_EMAIL"],
    key_func=lambda: f"password:{current_user.id}",
    methods=["POST"],
)
def change_password():
    """Change one's own password; needs the current one. Every other session of the user ends (SES-05)."""
    form = ChangePasswordForm(email=current_user.email)
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("Current password is incorrect.")
        else:
            current_user.set_password(form.new_password.data)
            login_sessions.end_others()
            db.session.commit()
            security_log.info("password changed", extra={"user_id": current_user.id})
            flash("Password changed. Your other sessions have been logged out.", "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)
