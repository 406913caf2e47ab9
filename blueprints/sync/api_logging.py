"""Manual logging of a channel's API traffic (on for 24 hours, then off by itself) and the log it keeps."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, url_for
from flask_login import current_user

from blueprints import channel_page
from blueprints.channel_page import sync_actions
from blueprints.sync.section import bp
from extensions import db
from forms.sync import ApiLoggingForm
from models.base import utcnow
from permissions import Permission, channel_or_404, require
from services import audit
from web.htmx import redirect_to

API_LOGGING_FOR = timedelta(hours=24)


@bp.post("/api-logging")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def toggle_api_logging(channel_id: int):
    """Manual logging of the channel's API traffic; it switches itself off after 24 hours."""
    channel = channel_or_404(channel_id)
    form = ApiLoggingForm()
    if not form.validate_on_submit():
        flash("Manual logging was not changed: the request did not say on or off.", "danger")
        return redirect_to(url_for("sync.actions", channel_id=channel.id))
    until = utcnow() + API_LOGGING_FOR if form.enable.data == "on" else None
    audit.apply_changes(channel, current_user, {"api_logging_until": until})
    db.session.commit()
    flash("Manual logging is on for 24 hours." if until else "Manual logging is off.", "success")
    return redirect_to(url_for("sync.actions", channel_id=channel.id))


@bp.get("/api-log")
@require(Permission.VIEW)
def api_log(channel_id: int):
    """The logged calls (newest first), tokens and customer data redacted."""
    channel = channel_or_404(channel_id)
    return channel_page.render_page(
        channel, "sync", view_template="sync/_api_log.html", **sync_actions.api_log_context(channel)
    )
