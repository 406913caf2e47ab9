"""The channel page's Order push section: turn push on (the intake URL with a new secret, shown once), rotate
the secret, turn it off. The URL is a credential of the channel: the same people who may change the access
token may change it."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from blueprints import channel_page
from blueprints.channel_page import order_push_section
from extensions import db
from forms.common import EmptyForm
from forms.order_push import OrderPushForm
from models.channels import SalesChannel
from permissions import Permission, channel_or_404, require
from services.order_push import settings
from web.htmx import is_htmx, render_fragment

bp = Blueprint("order_push", __name__, url_prefix="/channels")


def _answer(channel: SalesChannel, status: int = 200, **context):
    """htmx: the section alone; otherwise the Advanced settings page (a secret must not go through a
    redirect, so the page is answered directly)."""
    section = order_push_section.section(channel, **context)
    if is_htmx():
        return render_fragment(
            channel_page.PAGE, "push_section", channel=channel, **section.template_context()
        ), status
    return channel_page.render_page(channel, "advanced", status=status, order_push=section)


@bp.post("/<int:channel_id>/order-push/on")
@require(Permission.EDIT_CHANNEL_CREDENTIALS)
def turn_on(channel_id: int):
    channel = channel_or_404(channel_id)
    form = OrderPushForm()
    if not form.validate_on_submit():
        return _answer(channel, 422, form=form)
    _setting, secret = settings.turn_on(channel, current_user, form.api_version.data)
    db.session.commit()
    message = (
        "Order push is on. Copy the intake URL now: it is shown only this once."
        if secret
        else "Order push is on again, with the intake URL given before."
    )
    return _answer(channel, secret=secret, message=message)


@bp.post("/<int:channel_id>/order-push/rotate")
@require(Permission.EDIT_CHANNEL_CREDENTIALS)
def rotate(channel_id: int):
    channel = channel_or_404(channel_id)
    setting = settings.setting_of(channel)
    if not EmptyForm().validate_on_submit() or setting is None:
        return _answer(channel, 422, message=None)
    secret = settings.rotate_secret(setting, current_user)
    db.session.commit()
    return _answer(
        channel,
        secret=secret,
        message="New intake URL made; the old one no longer works. Enter this one in the Bright Sites admin.",
    )


@bp.post("/<int:channel_id>/order-push/off")
@require(Permission.EDIT_CHANNEL_CREDENTIALS)
def turn_off(channel_id: int):
    channel = channel_or_404(channel_id)
    setting = settings.setting_of(channel)
    if not EmptyForm().validate_on_submit() or setting is None:
        return _answer(channel, 422)
    settings.turn_off(setting, current_user)
    db.session.commit()
    return _answer(channel, message="Order push is off: scheduled imports fetch every order again.")
