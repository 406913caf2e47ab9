"""The Sync Actions view of the channel page, and the `sync` blueprint every Sync route is on (the modules of
this package add their routes to it)."""

from __future__ import annotations

from flask import Blueprint

from blueprints import channel_page
from blueprints.channel_page import sync_actions
from permissions import Permission, channel_or_404, require

bp = Blueprint("sync", __name__, url_prefix="/channels/<int:channel_id>/sync")


@bp.get("")
@require(Permission.VIEW)
def actions(channel_id: int):
    """Last activity per action, the run history, failed orders waiting for a retry, manual logging."""
    channel = channel_or_404(channel_id)
    return channel_page.render_page(
        channel, "sync", view_template="sync/_actions.html", **sync_actions.actions_context(channel)
    )
