"""The landing page of the current account."""

from flask import Blueprint, redirect, url_for
from flask_login import current_user
from sqlalchemy import func, select

from blueprints import overview_board
from extensions import db
from models.catalog import Product, ProductVariant, account_warehouse
from models.channels import SalesChannel
from permissions import Permission, current_account, require
from web.htmx import render

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
    counts = {
        "products": db.session.scalar(select(func.count(Product.id)).where(Product.account_id == account.id)),
        "variants": db.session.scalar(
            select(func.count(ProductVariant.id)).where(ProductVariant.account_id == account.id)
        ),
        "warehouses": db.session.scalar(
            select(func.count())
            .select_from(account_warehouse)
            .where(account_warehouse.c.account_id == account.id)
        ),
    }
    channels = db.session.scalars(
        select(SalesChannel)
        .where(SalesChannel.account_id == account.id, SalesChannel.deleted_at.is_(None))
        .order_by(SalesChannel.name)
    ).all()
    return render(
        "home/overview.html",
        "board",
        account=account,
        counts=counts,
        board=overview_board.board(account, list(channels)),
    )
