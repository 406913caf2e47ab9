"""The channel list and the channel page: view tabs, section saves, token replacement, delete, history."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user, fresh_login_required
from sqlalchemy import select

from blueprints import channel_page, privacy
from extensions import db
from forms.channels import (
    AdvancedSettingsForm,
    DeleteChannelForm,
    GeneralForm,
    MainSettingsForm,
    PrivacyForm,
    TokenForm,
)
from models.channels import SalesChannel
from permissions import Permission, channel_or_404, current_account, require
from web.htmx import redirect_to

bp = Blueprint("channels", __name__, url_prefix="/channels")


@bp.get("/")
@require(Permission.VIEW)
def index():
    """Sales Channels › Channels of the current account."""
    channels = db.session.scalars(
        select(SalesChannel)
        .where(SalesChannel.account_id == current_account().id, SalesChannel.deleted_at.is_(None))
        .order_by(SalesChannel.name)
    ).all()
    return channel_page.render_list(channels)


@bp.get("/<int:channel_id>")
@require(Permission.VIEW)
def detail(channel_id: int):
    channel_or_404(channel_id)
    return redirect(url_for("channels.view", channel_id=channel_id, view="main"))


@bp.get("/<int:channel_id>/<any(main, advanced, history):view>")
@require(Permission.VIEW)
def view(channel_id: int, view: str):
    """One view of the channel page; htmx tab switches get only the view panel."""
    return channel_page.render_page(channel_or_404(channel_id), view)


@bp.post("/<int:channel_id>/main")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def save_main(channel_id: int):
    channel = channel_or_404(channel_id)
    return channel_page.save_section(channel, "main", MainSettingsForm())


@bp.post("/<int:channel_id>/advanced")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def save_advanced(channel_id: int):
    channel = channel_or_404(channel_id)
    return channel_page.save_section(channel, "advanced", AdvancedSettingsForm())


@bp.post("/<int:channel_id>/privacy")
@require(Permission.EDIT_PII_RETENTION)
@fresh_login_required
def save_privacy(channel_id: int):
    channel = channel_or_404(channel_id)
    form = PrivacyForm()
    # A lower threshold that makes orders due is saved only once confirmed.
    unconfirmed = privacy.confirm_lower_threshold(channel, form)
    return unconfirmed or channel_page.save_section(channel, "privacy", form)


@bp.post("/<int:channel_id>/general")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def save_general(channel_id: int):
    """Name for every editor; the Shop Domain only for those who may change credentials, re-tested first."""
    channel = channel_or_404(channel_id)
    return channel_page.save_general(channel, GeneralForm(channel_id=channel.id))


@bp.post("/<int:channel_id>/token")
@require(Permission.EDIT_CHANNEL_CREDENTIALS)
@fresh_login_required
def replace_token(channel_id: int):
    """Replace the access token after the store accepts it; the old one is destroyed."""
    return channel_page.replace_token(channel_or_404(channel_id), TokenForm())


@bp.post("/<int:channel_id>/delete")
@require(Permission.MANAGE_CHANNELS)
def delete(channel_id: int):
    """Delete after the name is typed: schedules stop, the token is destroyed, orders and history stay."""
    channel = channel_or_404(channel_id)
    form = DeleteChannelForm(channel_name=channel.name)
    if not form.validate_on_submit():
        return channel_page.render_page(channel, "main", delete_form=form, status=422)
    channel_page.delete_channel(channel, current_user)
    db.session.commit()
    flash(f"Channel {channel.name} deleted. Its orders and history are kept.", "success")
    return redirect_to(url_for("channels.index"))
