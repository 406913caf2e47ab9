"""The channel page's view tabs, in order: key, label, endpoint (called with channel_id, plus view=key for the
settings views the channels blueprint renders itself). Other blueprints render their view through render_page
with a `view_template` to include in the view panel."""

from __future__ import annotations

from flask import url_for

from models.channels import SalesChannel

TABS = [
    ("main", "Main settings", "channels.view"),
    ("advanced", "Advanced settings", "channels.view"),
    ("warehouse_mappings", "Warehouse Mappings", "mappings.warehouses"),
    ("carrier_mappings", "Carrier Mappings", "mappings.carriers"),
    ("sku_mappings", "SKU Mappings", "mappings.skus"),
    ("sync", "Sync Actions", "sync.actions"),
    ("history", "History", "channels.view"),
]
SETTINGS_VIEWS = frozenset({"main", "advanced", "history"})


def tab_url(channel: SalesChannel, key: str, endpoint: str) -> str:
    if key in SETTINGS_VIEWS:
        return url_for(endpoint, channel_id=channel.id, view=key)
    return url_for(endpoint, channel_id=channel.id)
