"""The channel list and the channel page: view tabs, section saves, token replacement, delete, history."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user, fresh_login_required, login_fresh
from sqlalchemy.exc import IntegrityError

from blueprints import channel_page, privacy
from extensions import db, login_manager
from forms.channels import (
    AdvancedSettingsForm,
    DeleteChannelForm,
    GeneralForm,
    MainSettingsForm,
    PrivacyForm,
    TokenForm,
)
from models.channels import SalesChannel
from permissions import Permission, can, channel_or_404, current_account, require, security_log
from services.channels import queries as channel_queries
from services.channels import settings
from web.htmx import redirect_to
from web.store_call_limits import limit_store_calls

bp = Blueprint("channels", __name__, url_prefix="/channels")


@bp.get("/")
@require(Permission.VIEW)
def index():
    """Sales Channels › Channels of the current account."""
    return channel_page.render_list(channel_queries.live_channels(current_account().id))


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


def _saved(channel: SalesChannel, section: str, form, outcome: settings.Outcome):
    """Commit what the service changed and answer with its message (and warning)."""
    db.session.commit()
    return channel_page.section_answer(
        channel, section, form, message=outcome.message, warning=outcome.warning
    )


def _save_settings(channel: SalesChannel, section: str, form):
    """Main or advanced settings: validate, change, commit, answer."""
    if not form.validate_on_submit():
        return channel_page.section_answer(channel, section, form, status=422)
    values = channel_page.section_values(section, form)
    return _saved(channel, section, form, settings.change_settings(channel, current_user, section, values))


@bp.post("/<int:channel_id>/main")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def save_main(channel_id: int):
    return _save_settings(channel_or_404(channel_id), "main", MainSettingsForm())


@bp.post("/<int:channel_id>/advanced")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def save_advanced(channel_id: int):
    return _save_settings(channel_or_404(channel_id), "advanced", AdvancedSettingsForm())


@bp.post("/<int:channel_id>/privacy")
@require(Permission.EDIT_PII_RETENTION)
@fresh_login_required
def save_privacy(channel_id: int):
    channel = channel_or_404(channel_id)
    form = PrivacyForm()
    # A lower threshold that makes orders due is saved only once confirmed.
    unconfirmed = privacy.confirm_lower_threshold(channel, form)
    if unconfirmed is not None:
        return unconfirmed
    if not form.validate_on_submit():
        return channel_page.section_answer(channel, "privacy", form, status=422)
    outcome = settings.change_privacy(channel, current_user, form.pii_retention_days.data)
    return _saved(channel, "privacy", form, outcome)


@bp.post("/<int:channel_id>/general")
@require(Permission.EDIT_CHANNEL_SETTINGS)
@limit_store_calls
def save_general(channel_id: int):
    """Name for every editor. The Shop Domain, and the access token that may come with a new store, only for
    those who may change credentials, after a fresh login, and only to a store that accepts the token."""
    channel = channel_or_404(channel_id)
    form = GeneralForm(channel_id=channel.id)
    if not form.validate_on_submit():
        return channel_page.section_answer(channel, "general", form, status=422)
    new_domain, token = form.shop_domain.data, form.access_token.data or None
    if new_domain != channel.shop_domain or token:
        if not can(Permission.EDIT_CHANNEL_CREDENTIALS):
            form.shop_domain.errors.append(
                "Only organization owners, organization admins and account admins may change the Shop Domain"
                " or the access token."
            )
            return channel_page.section_answer(channel, "general", form, status=422)
        if not login_fresh():
            return login_manager.needs_refresh()
    outcome = settings.change_general(channel, current_user, form.name.data, new_domain, token)
    if outcome.refused:
        (form.access_token if token else form.shop_domain).errors.append(outcome.refusal)
        return channel_page.section_answer(channel, "general", form, status=422)
    try:
        db.session.commit()
    except IntegrityError:  # another request took the domain between validation and commit
        db.session.rollback()
        form.shop_domain.errors.append(f"{new_domain} is already used by another sales channel.")
        return channel_page.section_answer(channel, "general", form, status=422)
    return channel_page.section_answer(
        channel, "general", form, message=outcome.message, warning=outcome.warning
    )


@bp.post("/<int:channel_id>/token")
@require(Permission.EDIT_CHANNEL_CREDENTIALS)
@fresh_login_required
@limit_store_calls
def replace_token(channel_id: int):
    """Replace the access token after the store accepts it; the old one is destroyed."""
    channel = channel_or_404(channel_id)
    form = TokenForm()
    if not form.validate_on_submit():
        return channel_page.section_answer(channel, "token", form, status=422)
    outcome = settings.replace_token(channel, current_user, form.access_token.data)
    if outcome.refused:
        form.access_token.errors.append(outcome.refusal)
        return channel_page.section_answer(channel, "token", form, status=422)
    security_log.info("channel token replaced", extra={"channel_id": channel.id})
    return _saved(channel, "token", TokenForm(formdata=None), outcome)


@bp.get("/<int:channel_id>/delete")
@require(Permission.VIEW)
def delete_page(channel_id: int):
    """The delete's address opened (Back after a refused delete): the channel page, where Delete lives."""
    channel_or_404(channel_id)
    return redirect(url_for("channels.view", channel_id=channel_id, view="main"))


@bp.post("/<int:channel_id>/delete")
@require(Permission.MANAGE_CHANNELS)
def delete(channel_id: int):
    """Delete after the name is typed: schedules stop, the token is destroyed, orders and history stay."""
    channel = channel_or_404(channel_id)
    form = DeleteChannelForm(channel_name=channel.name)
    if not form.validate_on_submit():
        return channel_page.render_page(channel, "main", delete_form=form, status=422)
    settings.delete_channel(channel, current_user)
    db.session.commit()
    security_log.info("channel deleted", extra={"channel_id": channel.id})
    flash(f"Channel {channel.name} deleted. Its orders and history are kept.", "success")
    return redirect_to(url_for("channels.index"))
