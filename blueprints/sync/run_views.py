"""A run of Sync Actions: its summary and events, the progress card polled while it is active, and Run now
for a run waiting for its retry."""

from __future__ import annotations

from flask import abort, flash, request, url_for

from blueprints import channel_page
from blueprints.channel_page import sync_actions
from blueprints.sync.section import bp
from extensions import db
from forms.common import EmptyForm
from models.activity import EventLevel, SyncRun
from permissions import Permission, channel_or_404, require
from run_queue.enqueue import retry_now
from web.htmx import redirect_to


def _run_or_404(channel_id: int, run_id: int) -> SyncRun:
    channel = channel_or_404(channel_id)
    run = db.session.get(SyncRun, run_id)
    if run is None or run.channel_id != channel.id:
        abort(404)
    return run


@bp.get("/runs/<int:run_id>")
@require(Permission.VIEW)
def run_detail(channel_id: int, run_id: int):
    """A run's summary and its events, filterable by level."""
    run = _run_or_404(channel_id, run_id)
    level = request.args.get("level")
    level = EventLevel(level) if level in {lvl.value for lvl in EventLevel} else None
    return channel_page.render_page(
        run.channel, "sync", view_template="sync/_run_detail.html", **sync_actions.run_context(run, level)
    )


@bp.get("/runs/<int:run_id>/progress")
@require(Permission.VIEW)
def run_progress(channel_id: int, run_id: int):
    """The polled progress card; 286 tells htmx to stop polling once the run is final."""
    run = _run_or_404(channel_id, run_id)
    return sync_actions.render_progress(run)


@bp.post("/runs/<int:run_id>/run-now")
@require(Permission.RUN_SYNC)
def run_now(channel_id: int, run_id: int):
    """A run waiting for its retry (the store failed) tries again now instead of at its next attempt."""
    run = _run_or_404(channel_id, run_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if retry_now(run):
        flash(f"{run.action.label} runs now instead of waiting for its retry.", "success")
    else:
        flash(f"{run.action.label} is not waiting for a retry any more: it has started or ended.", "info")
    return redirect_to(url_for("sync.actions", channel_id=run.channel_id))
