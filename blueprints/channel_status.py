"""What the channel page's side column shows besides its settings (the health panel, the API cost section and
its banner) and what the channel list adds to each row (health, the cost banner): queries only."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from forms.api_cost import ApiCostForm
from models.activity import SyncAction, SyncRun
from models.base import utcnow
from models.channels import SalesChannel
from services.api_cost import budget, chart, usage
from services.channels import health
from sync.runs import last_runs


def healths(
    channels: list[SalesChannel], latest: dict[tuple[int, SyncAction], SyncRun]
) -> dict[int, health.ChannelHealth]:
    failing_after = timedelta(minutes=current_app.config["ALERT_FAILING_MINUTES"])
    return health.of_channels(channels, latest, now=utcnow(), failing_after=failing_after)


def health_context(channel: SalesChannel) -> dict:
    return {"channel_health": healths([channel], last_runs([channel.id]))[channel.id]}


def cost_form(channel: SalesChannel) -> ApiCostForm:
    settings = budget.settings_of(channel)
    data = {name: getattr(settings, name) if settings else None for name in budget.FIELDS}
    return ApiCostForm(formdata=None, data=data)


def cost_context(channel: SalesChannel, form: ApiCostForm | None = None) -> dict:
    channel_usage = usage.usage(channel.id)
    return {
        "api_usage": channel_usage,
        "api_chart": chart.chart(channel_usage),
        "api_labels": usage.LABELS,
        "budget_state": budget.state(channel),
        "api_cost_form": form or cost_form(channel),
    }


def side_context(channel: SalesChannel) -> dict:
    return health_context(channel) | cost_context(channel)


def list_context(channels: list[SalesChannel], latest: dict[tuple[int, SyncAction], SyncRun]) -> dict:
    return {
        "health": healths(channels, latest),
        "budgets": budget.states([c.id for c in channels]),
    }
