"""The landing page of the current account."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from permissions import Permission, current_account, require
from services import catalog

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """Send people to their account's overview (or to login)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_account() is None:
        return redirect(url_for("accounts.none"))
    return redirect(url_for("home.overview"))


@bp.get("/overview")
@require(Permission.VIEW)
def overview():
    """Counts for the current account."""
    account = current_account()
    counts = catalog.catalog_counts(account.id)
    return render_template("home/overview.html", account=account, counts=counts)
