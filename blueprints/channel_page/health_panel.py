"""The channel page's health panel, and each row's health on the channel list: services.channels.health
computes the facts and how each weighs; here each weight gets its colour and each fact its test id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from models.activity import SyncAction, SyncRun
from models.base import utcnow
from models.channels import SalesChannel
from services.channels import health
from services.channels.health import Severity
from sync.runs import last_runs

# Bootstrap's contextual colours.
COLOURS = {
    Severity.BAD: "danger",
    Severity.ATTENTION: "warning",
    Severity.GOOD: "success",
    Severity.UNKNOWN: "secondary",
}


@dataclass(frozen=True)
class Badge:
    """The most urgent thing about the channel: the list's Health column, the panel's headline."""

    level: str  # its colour
    label: str
    detail: str
    failed_orders: int


@dataclass(frozen=True)
class Row:
    key: str  # the row's test id
    label: str
    value: str
    level: str  # its colour
    at: datetime | None


@dataclass(frozen=True)
class HealthPanel:
    headline: Badge
    rows: list[Row]
    problems: list[str]  # why it is unhealthy; empty when it is not

    @property
    def unhealthy(self) -> bool:
        return bool(self.problems)


def present(facts: health.ChannelHealth) -> HealthPanel:
    headline = facts.headline
    return HealthPanel(
        headline=Badge(COLOURS[headline.severity], headline.label, headline.detail, headline.failed_orders),
        rows=[
            Row(f"health-{row.fact.replace('_', '-')}", row.label, row.value, COLOURS[row.severity], row.at)
            for row in facts.rows
        ],
        problems=facts.problems,
    )


def healths(
    channels: list[SalesChannel], latest: dict[tuple[int, SyncAction], SyncRun]
) -> dict[int, HealthPanel]:
    failing_after = timedelta(minutes=current_app.config["ALERT_FAILING_MINUTES"])
    facts = health.of_channels(channels, latest, now=utcnow(), failing_after=failing_after)
    return {channel_id: present(channel_facts) for channel_id, channel_facts in facts.items()}


def of_channel(channel: SalesChannel) -> HealthPanel:
    return healths([channel], last_runs([channel.id]))[channel.id]
