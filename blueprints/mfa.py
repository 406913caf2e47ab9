"""Two-factor authentication (TOTP): the login's code step, enrolment with a QR code, recovery codes,
switching it off, and an organization owner's reset of another member's second factor."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, fresh_login_required, login_fresh

from extensions import db, limiter
from forms.common import EmptyForm
from forms.mfa import EnrolmentForm, LoginCodeForm
from models.tenancy import User
from permissions import Permission, current_account, require
from services.accounts import memberships, mfa, recovery_codes, security_notices, totp
from web import login_sessions, second_factor
from web.htmx import redirect_to, render

bp = Blueprint("mfa", __name__)
security_log = logging.getLogger("techoms.security")
WRONG_CODE = "That code is not valid. Enter the current code from your app, or one of your recovery codes."


def _code_step_limits(view):
    """The code step is throttled like the password: per user and per client address (AUTH-03)."""
    per_user = limiter.limit(
        lambda: current_app.config["LOGIN_LIMITS_PER_EMAIL"],
        key_func=second_factor.pending_limit_key,
        methods=["POST"],
    )
    per_ip = limiter.limit(lambda: current_app.config["LOGIN_LIMITS_PER_IP"], methods=["POST"])
    return per_user(per_ip(view))


@bp.route("/login/code", methods=["GET", "POST"])
@_code_step_limits
def verify():
    """After the password: the code from the authenticator app, or a recovery code."""
    user = second_factor.pending_user()
    if user is None:
        flash("Please log in to continue.", "info")
        return redirect(url_for("auth.login"))
    if not mfa.is_enabled(user):
        return redirect(url_for("mfa.enrol"))
    form = LoginCodeForm()
    if form.validate_on_submit():
        if mfa.verify(user, form.code.data):
            db.session.commit()
            security_log.info("second factor passed", extra={"user_id": user.id})
            return redirect(second_factor.finish(user))
        db.session.rollback()
        security_log.info("second factor failed", extra={"user_id": user.id})
        form.code.errors.append(WRONG_CODE)
    status = 422 if form.errors else 200
    return render_template("mfa/verify.html", form=form), status


def _enrolling_user() -> User | None:
    return current_user if current_user.is_authenticated else second_factor.pending_user()


@bp.route("/mfa/enrol", methods=["GET", "POST"])
@_code_step_limits
def enrol():
    """Set up the authenticator app: the QR code and the key as text; a code from the app switches MFA on and
    shows the recovery codes once. Reached after the password (a role that requires MFA) or from the
    user menu."""
    user = _enrolling_user()
    if user is None:
        flash("Please log in to continue.", "info")
        return redirect(url_for("auth.login"))
    if current_user.is_authenticated and not login_fresh():
        # Outside the login's own enrolment, a stolen session must not enrol its own authenticator (and
        # lock the owner out): the password again first, as for turning it off.
        return current_app.login_manager.needs_refresh()
    if mfa.is_enabled(user):
        return redirect(url_for("mfa.settings" if current_user.is_authenticated else "mfa.verify"))
    secret = mfa.enrolment_secret(user)
    db.session.commit()
    form = EnrolmentForm()
    if form.validate_on_submit():
        codes = mfa.confirm_enrolment(user, form.code.data)
        if codes is not None:
            db.session.commit()
            security_log.info("second factor enabled", extra={"user_id": user.id})
            security_notices.second_factor_changed(user, "enabled")
            # After a password alone, the enrolment's code is the second factor: the login happens now.
            next_url = url_for("home.index") if current_user.is_authenticated else second_factor.finish(user)
            return render_template("mfa/recovery_codes.html", codes=codes, next_url=next_url, enrolled=True)
        form.code.errors.append("That code does not match. Check the app's clock and try the next code.")
    uri = totp.provisioning_uri(secret, user.email)
    return render_template(
        "mfa/enrol.html",
        form=form,
        qr_svg=second_factor.qr_code_svg(uri),
        secret=secret,
        required=mfa.is_required(user),
    ), (422 if form.errors else 200)


@bp.get("/mfa")
def settings():
    """Your two-factor authentication: on or off, recovery codes left, and what you may do about it."""
    enabled = mfa.is_enabled(current_user)
    return render_template(
        "mfa/settings.html",
        enabled=enabled,
        required=mfa.is_required(current_user),
        remaining=recovery_codes.remaining(current_user.id) if enabled else 0,
        button_form=EmptyForm(),
    )


@bp.post("/mfa/recovery-codes")
@fresh_login_required
def regenerate_recovery_codes():
    """A new set of recovery codes (after the password): the old ones stop working. From the settings page
    (htmx) the codes replace its panel; a stale login gets the password prompt in place first."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not mfa.is_enabled(current_user):
        return redirect_to(url_for("mfa.settings"))
    codes = mfa.regenerate_recovery_codes(current_user)
    db.session.commit()
    security_log.info("recovery codes regenerated", extra={"user_id": current_user.id})
    return render("mfa/recovery_codes.html", "panel", codes=codes, next_url=url_for("mfa.settings"))


@bp.post("/mfa/disable")
@fresh_login_required
def disable():
    """Switch one's own MFA off (after the password), unless a role requires it."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    reason = mfa.disable(current_user)
    if reason:
        db.session.rollback()
        flash(reason, "danger")
    else:
        db.session.commit()
        security_log.info("second factor disabled", extra={"user_id": current_user.id})
        security_notices.second_factor_changed(current_user, "disabled")
        flash("Two-factor authentication is off.", "success")
    return redirect_to(url_for("mfa.settings"))


def _member_or_404(membership_id: int) -> User:
    """The user of a membership of the current account or of its organization; anything else is a 404."""
    membership = memberships.managed_membership(current_account(), membership_id, with_organization=True)
    if membership is None:
        abort(404)
    return membership.user


@bp.post("/users/memberships/<int:membership_id>/mfa-reset")
@require(Permission.RESET_MFA)
@fresh_login_required
def reset(membership_id: int):
    """An owner clears another member's second factor (a lost phone): their sessions end and they enrol again
    at their next login. Nobody resets their own this way."""
    target = _member_or_404(membership_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    reason = mfa.reset(current_user, target, current_account().organization_id)
    if reason:
        db.session.rollback()
        flash(reason, "danger")
        return redirect_to(url_for("users.index"))
    login_sessions.end_all_for(target.id)
    db.session.commit()
    security_log.info("second factor reset", extra={"actor_id": current_user.id, "user_id": target.id})
    security_notices.second_factor_changed(target, "reset")
    flash(
        f"Two-factor authentication of {target.email} was reset; they set it up at their next login.",
        "success",
    )
    return redirect_to(url_for("users.index"))
