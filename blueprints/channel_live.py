"""The channel page's live panel: the health panel with the API cost figures and banner, asked for again
when a run shown on the page ends (`sync-run-finished`) and on a poll that backs off while no run is active,
so what the side column says is never older than the last run."""

from __future__ import annotations

from flask import Blueprint, render_template

from blueprints.channel_page import api_cost_section, health_panel
from permissions import Permission, channel_or_404, require
from sync.runs import last_runs
from web.live_refresh import next_poll

bp = Blueprint("channel_live", __name__, url_prefix="/channels")


@bp.get("/<int:channel_id>/live")
@require(Permission.VIEW)
def panel(channel_id: int):
    channel = channel_or_404(channel_id)
    latest = last_runs([channel.id])
    active = any(not run.status.is_final for run in latest.values())
    return render_template(
        "channels/_live_panel.html",
        channel=channel,
        live_poll=next_poll(active),
        channel_health=health_panel.healths([channel], latest)[channel.id],
        **api_cost_section.section(channel).template_context(),
    )
