"""A run started by hand once the channel's calls this month reached its allowance: asked for a confirmation
first (the Sync Actions view with the question on top; its button sends the same form again, confirmed)."""

from __future__ import annotations

from flask import request

from blueprints import channel_page
from blueprints.channel_page import sync_actions
from models.channels import SalesChannel
from services.api_cost import budget

CONFIRMED = "confirmed"


def confirmation(channel: SalesChannel, what: str):
    """None when the run may start; otherwise the page asking to confirm `what` (e.g. "Import orders")."""
    state = budget.state(channel)
    if not state.over_allowance or request.form.get("over_allowance") == CONFIRMED:
        return None
    question = {
        "what": what,
        "message": state.message,
        "url": request.path,
        "fields": [
            (name, value)
            for name, value in request.form.items(multi=True)
            if name not in ("csrf_token", "over_allowance")
        ],
    }
    return channel_page.render_page(
        channel,
        "sync",
        view_template="sync/_actions.html",
        over_allowance=question,
        **sync_actions.actions_context(channel),
    )
