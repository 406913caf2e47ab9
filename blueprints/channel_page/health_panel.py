"""The channel page's health panel, and each row's health on the channel list."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from models.activity import SyncAction, SyncRun
from models.base import utcnow
from models.channels import SalesChannel
from services.channels import health
from sync.runs import last_runs


def healths(
    channels: list[SalesChannel], latest: dict[tuple[int, SyncAction], SyncRun]
) -> dict[int, health.ChannelHealth]:
    failing_after = timedelta(minutes=current_app.config["ALERT_FAILING_MINUTES"])
    return health.of_channels(channels, latest, now=utcnow(), failing_after=failing_after)


def of_channel(channel: SalesChannel) -> health.ChannelHealth:
    return healths([channel], last_runs([channel.id]))[channel.id]
