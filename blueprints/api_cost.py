"""The channel page's API cost section: calls today, this month and over the last 30 days by action (a
server-drawn chart), and the monthly allowance and warning threshold (audited)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from blueprints import channel_page
from blueprints.channel_page import api_cost_section
from extensions import db
from forms.api_cost import ApiCostForm
from permissions import Permission, channel_or_404, require
from services.api_cost import budget
from web.htmx import is_htmx, render_fragment

bp = Blueprint("api_cost", __name__, url_prefix="/channels")


def _answer(channel, form: ApiCostForm, *, message: str | None = None, status: int = 200):
    context = {
        "channel": channel,
        "messages": {"api_cost": message},
        "warnings": {},
        "refresh_banner": status == 200,  # the page's banner quotes the saved threshold, not the old one
        **api_cost_section.section(channel, form).template_context(),
    }
    return render_fragment(channel_page.PAGE, "api_cost_section", **context), status


@bp.post("/<int:channel_id>/api-cost")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def save(channel_id: int):
    channel = channel_or_404(channel_id)
    form = ApiCostForm()
    if not form.validate_on_submit():
        if is_htmx():
            return _answer(channel, form, status=422)
        return channel_page.render_page(channel, "main", status=422, api_cost_form=form)
    changed = budget.change(channel, current_user, form.monthly_allowance.data, form.warning_calls.data)
    db.session.commit()
    message = "API cost settings saved." if changed else "Nothing changed."
    if is_htmx():
        return _answer(channel, api_cost_section.cost_form(channel), message=message)
    flash(message, "success")
    return redirect(url_for("channels.view", channel_id=channel.id, view="main"), code=303)
