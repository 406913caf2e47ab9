"""The channel list: each channel's last activity per flow, its health and where its calls stand against the
monthly allowance."""

from __future__ import annotations

from flask import current_app

from blueprints.channel_page import health_panel
from models.activity import SyncAction
from models.channels import SalesChannel
from services.api_cost import budget
from services.orders.counts import imported_per_channel
from sync.runs import last_runs
from web.htmx import render

# The list's last-activity columns: action, heading, test id.
ACTIVITY_COLUMNS = (
    (SyncAction.IMPORT_ORDERS, "Last order import", "last-import"),
    (SyncAction.EXPORT_SHIPMENTS, "Last shipment export", "last-export"),
    (SyncAction.EXPORT_INVENTORY, "Last inventory export", "last-inventory-export"),
)


def render_list(channels: list[SalesChannel]):
    latest = last_runs([c.id for c in channels])
    return render(
        "channels/index.html",
        "channel_table",
        channels=channels,
        last_runs=latest,
        activity_columns=ACTIVITY_COLUMNS,
        health=health_panel.healths(channels, latest),
        budgets=budget.states([c.id for c in channels]),
        orders_imported=imported_per_channel(
            [c.id for c in channels], cap=current_app.config["CHANNEL_ORDER_COUNT_CAP"]
        ),
    )
