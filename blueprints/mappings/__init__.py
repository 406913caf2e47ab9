"""The channel page's mapping views, all on the `mappings` blueprint: Warehouse, Carrier and SKU Mappings.

`panel` creates the blueprint and holds what the views share (showing a view inside the channel page's view
panel, answering a post, CSV plumbing, the channel-scoped mapping lookup); `warehouses`, `carriers` and `skus`
add one kind each, and `refresh` re-reads the store's lists they pick from. Importing them here adds their
routes to the blueprint before the app registers it. Viewing needs VIEW, changing a mapping
EDIT_CHANNEL_SETTINGS, refreshing the store's lists (billed calls) RUN_SYNC.
"""

from __future__ import annotations

from blueprints.mappings import carriers, refresh, skus, warehouses
from blueprints.mappings.panel import bp

__all__ = ["bp", "carriers", "refresh", "skus", "warehouses"]
