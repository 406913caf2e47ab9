"""The landing page of the current account."""

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from blueprints.overview_page import board as overview_board
from permissions import Permission, current_account, require
from services import catalog
from services.channels import queries as channel_queries
from web.htmx import is_htmx, render

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
    """What needs attention today on each channel of the account (each item a link to where it is fixed),
    the day's flows, then the catalog's counts; htmx (the board's own poll) gets the board alone."""
    account = current_account()
    # The board's poll renders the board alone: the catalog's counts (a count of every variant) are not shown.
    counts = None if is_htmx() else catalog.catalog_counts(account.id)
    return render(
        "home/overview.html",
        "board",
        account=account,
        counts=counts,
        board=overview_board.board(account, channel_queries.live_channels(account.id)),
    )
