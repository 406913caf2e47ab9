"""Privacy › Purge now: how many orders would lose their customer data, a confirmation and a fresh password,
then a purge run watched in Sync Actions. Also the confirmation a lower retention threshold asks for before
the Privacy section saves it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, url_for
from flask_login import current_user, fresh_login_required

from blueprints import channel_page
from extensions import db
from forms.channels import PrivacyForm
from forms.privacy import PurgeNowForm
from models.activity import SyncAction, SyncTrigger
from models.base import utcnow
from models.channels import SalesChannel
from permissions import Permission, channel_or_404, require
from services import privacy
from sync.start import start_run
from web.htmx import is_htmx, redirect_to, render_fragment

bp = Blueprint("privacy", __name__, url_prefix="/channels/<int:channel_id>/privacy")


@dataclass(frozen=True)
class PurgePreview:
    """What "Purge now" would do at this moment: the partial shows it above the confirmation."""

    days: int | None
    orders: int


def preview(channel: SalesChannel) -> PurgePreview:
    days = channel.pii_retention_days
    return PurgePreview(days, privacy.preview_count(channel.id, days, utcnow()))


def _render_purge(channel: SalesChannel, form: PurgeNowForm, status: int = 200):
    return channel_page.render_page(
        channel, "main", status=status, purge_preview=preview(channel), purge_form=form
    )


@bp.get("/purge")
@require(Permission.EDIT_PII_RETENTION)
@fresh_login_required
def purge(channel_id: int):
    """The preview and the confirmation, in the channel page's Privacy section."""
    return _render_purge(channel_or_404(channel_id), PurgeNowForm(formdata=None))


@bp.post("/purge")
@require(Permission.EDIT_PII_RETENTION)
@fresh_login_required
def start_purge(channel_id: int):
    """Start a purge run now (the daily one does the same); it shows in Sync Actions like any run."""
    channel = channel_or_404(channel_id)
    form = PurgeNowForm()
    if channel.pii_retention_days is None:
        form.form_errors.append("Set a retention threshold first: without one, customer data is kept.")
        return _render_purge(channel, form, status=422)
    if not form.validate_on_submit():
        return _render_purge(channel, form, status=422)
    run, created = start_run(channel, SyncAction.PURGE_PII, SyncTrigger.MANUAL, current_user)
    db.session.commit()
    if created:
        flash("PII purge started.", "success")
    else:
        flash("A PII purge is already queued or running for this channel; showing it.", "info")
    return redirect_to(url_for("sync.actions", channel_id=channel.id))


def confirm_lower_threshold(channel: SalesChannel, form: PrivacyForm):
    """Before the Privacy section saves a lower threshold (blank counts as forever) that makes orders due at
    the next run: the section again, with how many and a confirmation. None when there is nothing to ask."""
    if form.confirm_purge.data or not form.validate_on_submit():
        return None
    new, old = form.pii_retention_days.data, channel.pii_retention_days
    if new is None or (old is not None and new >= old):
        return None
    due = privacy.preview_count(channel.id, new, utcnow())
    if not due:
        return None
    overrides = {"privacy_form": form, "purge_lowering": PurgePreview(new, due)}
    if is_htmx():
        return render_fragment(
            channel_page.PAGE, "privacy_section", channel=channel, messages={}, **overrides
        )
    return channel_page.render_page(channel, "main", **overrides)
