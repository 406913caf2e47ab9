"""Answering an invitation (`/invitations/<token>`, the link the inviter passed on). Public: a new person has
no login yet. A new person chooses a password and the login is made; an existing login accepts in its own
session only (logged in as the invited address). The token is a secret: the access log masks it
(observability/redaction.py) and a wrong, used or expired one is the same 404."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from extensions import db, limiter
from forms.common import EmptyForm
from forms.invitations import NewLoginForm
from services.accounts import invitations

bp = Blueprint("invitations", __name__, url_prefix="/invitations")
security_log = logging.getLogger("techoms.security")


@bp.route("/<string(maxlength=100):token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMITS_PER_IP"], methods=["POST"])
def respond(token: str):
    invitation = invitations.open_invitation(token)
    if invitation is None:
        return render_template("invitations/invalid.html"), 404
    login = invitations.invited_login(invitation)
    if login is None:
        return _new_login(invitation)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # to the login page, back here afterwards
    form = EmptyForm()
    if current_user.id != login.id:
        return render_template("invitations/accept.html", invitation=invitation, form=form, other_login=True)
    if form.validate_on_submit():
        invitations.accept_as(invitation, current_user)
        db.session.commit()
        security_log.info("invitation accepted", extra={"user_id": current_user.id})
        flash(f"You are now {invitation.role.label}.", "success")
        return redirect(url_for("home.index"))
    return render_template("invitations/accept.html", invitation=invitation, form=form, other_login=False)


def _new_login(invitation):
    form = NewLoginForm(email=invitation.email, data={"name": invitation.name})
    if form.validate_on_submit():
        user = invitations.accept_as_new_login(invitation, form.name.data or "", form.password.data)
        if user is None:  # a login with this address was made meanwhile: it accepts in its own session
            return current_app.login_manager.unauthorized()
        db.session.commit()
        security_log.info("invitation accepted with a new login", extra={"user_id": user.id})
        flash("Your login is ready: log in with your e-mail address and the password you chose.", "success")
        return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("invitations/new_login.html", invitation=invitation, form=form), status
