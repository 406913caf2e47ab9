"""Reading one of the store's lists again (billed calls), from the mapping view that picks from it."""

from __future__ import annotations

from flask import request

from blueprints.mappings import carriers, skus, warehouses
from blueprints.mappings.panel import answer, bp
from permissions import Permission, channel_or_404, require
from services.channels import reference_cache
from web.store_call_limits import limit_store_calls

# The store's list -> the view that shows it (and answers its refresh).
REFRESH_VIEW = {
    "origin_addresses": warehouses.VIEW,
    "shipping_methods": carriers.VIEW,
    "channel_skus": skus.VIEW,
}


@bp.post("/refresh")
@require(Permission.RUN_SYNC)
@limit_store_calls
def refresh(channel_id: int):
    """Fetch one of the store's lists again (shipping methods, origin addresses or channel SKUs)."""
    channel = channel_or_404(channel_id)
    kind = request.form.get("kind", "")
    if kind not in REFRESH_VIEW:
        return answer(channel, skus.VIEW, "Nothing to refresh.", problem=True)
    reference = reference_cache.get(channel, kind, refresh=True)
    label = reference_cache.LABELS[kind]
    if reference.error:
        return answer(channel, REFRESH_VIEW[kind], reference.error, problem=True)
    return answer(channel, REFRESH_VIEW[kind], f"Read {len(reference.items)} {label} from the store.")
