"""A channel's health at a glance, for the channel list: the store refused its token, its last order import
failed, failed orders wait for a retry, no import yet, or OK. Computed for the whole list in one query (the
failed-order counts) besides the latest runs the list already reads."""

from __future__ import annotations

from dataclasses import dataclass

from models.activity import RunStatus, SyncAction, SyncRun
from models.channels import SalesChannel
from services.orders.failed_orders import failed_counts


@dataclass(frozen=True)
class Health:
    level: str  # a Bootstrap colour: danger, warning, success, secondary
    label: str
    detail: str = ""
    failed_orders: int = 0


def health(channel: SalesChannel, last_import: SyncRun | None, failed_orders: int) -> Health:
    """The most urgent thing to know about the channel (the order of the checks is the order of urgency)."""
    if channel.token_refused_at is not None:
        return Health(
            "danger", "Token refused", "The store refused the access token: replace it.", failed_orders
        )
    if last_import is not None and last_import.status == RunStatus.FAILED:
        return Health("danger", "Last run failed", last_import.error_summary, failed_orders)
    if failed_orders:
        plural = "" if failed_orders == 1 else "s"
        return Health(
            "warning", f"{failed_orders:,} failed order{plural}", "Waiting for a retry.", failed_orders
        )
    if last_import is None:
        return Health("secondary", "No import yet")
    return Health("success", "OK")


def of_channels(
    channels: list[SalesChannel], latest_runs: dict[tuple[int, SyncAction], SyncRun]
) -> dict[int, Health]:
    """Each channel's health; `latest_runs` is sync.runs.last_runs of the same channels."""
    counts = failed_counts([channel.id for channel in channels])
    return {
        channel.id: health(
            channel, latest_runs.get((channel.id, SyncAction.IMPORT_ORDERS)), counts.get(channel.id, 0)
        )
        for channel in channels
    }
