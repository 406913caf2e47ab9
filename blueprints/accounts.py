"""The header's account switcher: choose the current account among those the user may see."""

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from forms.accounts import SwitchAccountForm
from permissions import current_account
from web.safe_redirects import safe_next_url

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


@bp.post("/switch")
def switch():
    """Remember the chosen account in the session; an account outside the user's scope is refused."""
    current_account()
    form = SwitchAccountForm(g.visible_accounts)
    if form.validate_on_submit():
        session["account_id"] = form.account_id.data
        flash("Switched account.", "success")
    else:
        flash("That account is not available to you.", "danger")
    return redirect(safe_next_url(request.form.get("next")) or url_for("home.index"), code=303)


@bp.get("/none")
def none():
    """Shown to a user whose memberships are all disabled."""
    if current_account() is not None:
        return redirect(url_for("home.index"))
    return render_template("accounts/none.html"), 403
