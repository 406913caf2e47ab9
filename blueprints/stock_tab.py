"""The channel page's Stock tab: per store SKU the figure techOMS publishes and its parts, the last value
pushed and the store's value, a "differs" filter, the CSV export, and the Preview of the next delta export
(computed from the database: no store call)."""

from __future__ import annotations

from flask import Blueprint, request

from blueprints import channel_page
from blueprints.mappings.panel import download
from permissions import Permission, channel_or_404, require
from services.inventory import full_compare_preview, publish_queue, stock_explained
from web.store_call_limits import limit_store_calls

bp = Blueprint("stock", __name__, url_prefix="/channels/<int:channel_id>/stock")
TEMPLATE = "stock/_tab.html"


@bp.get("")
@require(Permission.VIEW)
def view(channel_id: int):
    channel = channel_or_404(channel_id)
    preview = stock_explained.delta_preview(channel) if request.args.get("preview") == "delta" else None
    return _tab(channel, preview=preview)


@bp.post("/preview-full")
@require(Permission.RUN_SYNC)
@limit_store_calls
def preview_full(channel_id: int):
    """What a full compare would change: the store's inventory read (its listing calls), nothing written."""
    channel = channel_or_404(channel_id)
    return _tab(channel, full_preview=full_compare_preview.preview(channel))


def _tab(channel, *, preview=None, full_preview=None):
    only_differing = request.values.get("differs") == "1"
    return channel_page.render_page(
        channel,
        "stock",
        view_template=TEMPLATE,
        stock_lines=stock_explained.lines(channel, only_differing=only_differing),
        only_differing=only_differing,
        preview=preview,
        full_preview=full_preview,
        publish_due=channel.id in publish_queue.due_channels(),
    )


@bp.get("/stock.csv")
@require(Permission.VIEW)
def export_csv(channel_id: int):
    channel = channel_or_404(channel_id)
    return download(stock_explained.csv_rows(channel), f"stock-channel-{channel.id}.csv")
