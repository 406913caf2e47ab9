"""The channel page's mapping views: Warehouse Mappings here, Carrier and SKU Mappings in their own modules
(blueprints/carrier_mappings.py, blueprints/sku_mappings.py) on the same blueprint.

Each view renders inside the channel page's view panel (channel_page.render_page); htmx posts get the panel
back with a message, plain posts a redirect (PRG) with a flash. Viewing needs VIEW, changing a mapping
EDIT_CHANNEL_SETTINGS, refreshing the store's lists (billed calls) RUN_SYNC.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from blueprints import channel_page
from extensions import db
from forms.mappings import CsvImportForm, WarehouseIdentifierForm
from models.catalog import Warehouse
from models.channels import SalesChannel
from permissions import Permission, channel_or_404, require
from services.channels import reference_cache
from services.mappings import warehouses as warehouse_mappings
from services.mappings.csv_io import MAX_BYTES, FileRefused
from web.htmx import is_htmx
from web.store_call_limits import limit_store_calls

bp = Blueprint("mappings", __name__, url_prefix="/channels/<int:channel_id>/mappings")

# view key -> (endpoint of its tab, template included in the view panel)
VIEWS = {
    "warehouse_mappings": ("mappings.warehouses", "mappings/_warehouses.html"),
    "carrier_mappings": ("mappings.carriers", "mappings/_carriers.html"),
    "sku_mappings": ("mappings.skus", "mappings/_skus.html"),
}
# view key -> function(channel, **overrides) giving the view's template context; filled by each module.
CONTEXT: dict[str, Callable[..., dict]] = {}
REFRESH_VIEW = {
    "origin_addresses": "warehouse_mappings",
    "shipping_methods": "carrier_mappings",
    "channel_skus": "sku_mappings",
}


def show(channel: SalesChannel, view: str, status: int = 200, **overrides):
    """The channel page on this mapping view (htmx: the view panel), with the view's context."""
    context = CONTEXT[view](channel, **overrides)
    return channel_page.render_page(channel, view, status=status, view_template=VIEWS[view][1], **context)


def answer(channel: SalesChannel, view: str, notice: str, *, problem: bool = False, **overrides):
    """After a post: htmx gets the view with the message; a plain request is redirected to the view."""
    if is_htmx():
        key = "problem" if problem else "notice"
        return show(channel, view, **{key: notice}, **overrides)
    flash(notice, "danger" if problem else "success")
    return redirect(url_for(VIEWS[view][0], channel_id=channel.id), code=303)


def conflict(channel: SalesChannel, view: str, message: str):
    """A concurrent writer took the key between validation and commit."""
    db.session.rollback()
    return answer(channel, view, message, problem=True)


def download(rows, filename: str) -> Response:
    """A CSV attachment streamed from a generator of text chunks (the request context stays open for it)."""
    response = Response(stream_with_context(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def import_csv(channel: SalesChannel, view: str, importer: Callable) -> tuple:
    """A CSV import view's answer: the row report, or the form with why the whole file was refused."""
    form = CsvImportForm()
    if not form.validate_on_submit():
        return show(channel, view, status=422, import_form=form)
    try:
        report = importer(channel, form.file.data.read(MAX_BYTES + 1), current_user)
        db.session.commit()
    except FileRefused as exc:
        db.session.rollback()
        form.file.errors.append(str(exc))
        return show(channel, view, status=422, import_form=form)
    except IntegrityError:
        return conflict(channel, view, "Mappings changed meanwhile: nothing was imported. Try again.")
    return show(channel, view, report=report, notice=f"Import finished: {report.summary()}.")


def enabled_warehouse_or_404(channel: SalesChannel, warehouse_id: int) -> Warehouse:
    for warehouse, _mapping in warehouse_mappings.warehouse_rows(channel):
        if warehouse.id == warehouse_id:
            return warehouse
    abort(404)


def _warehouse_context(channel: SalesChannel, **overrides) -> dict:
    return {
        "rows": warehouse_mappings.warehouse_rows(channel),
        "origins": reference_cache.get(channel, "origin_addresses"),
        "errors": {},
        **overrides,
    }


CONTEXT["warehouse_mappings"] = _warehouse_context


@bp.get("/warehouses")
@require(Permission.VIEW)
def warehouses(channel_id: int):
    """One row per warehouse enabled for the account, with its External Identifier on the store."""
    return show(channel_or_404(channel_id), "warehouse_mappings")


@bp.post("/warehouses/<int:warehouse_id>")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def save_warehouse(channel_id: int, warehouse_id: int):
    """Set the warehouse's identifier; blank (or Remove) unmaps it."""
    channel = channel_or_404(channel_id)
    warehouse = enabled_warehouse_or_404(channel, warehouse_id)
    form = WarehouseIdentifierForm()
    if not form.validate_on_submit():
        return show(channel, "warehouse_mappings", status=422, errors={warehouse.id: form})
    identifier = "" if request.form.get("action") == "remove" else form.external_identifier.data or ""
    message = warehouse_mappings.set_warehouse_identifier(channel, warehouse, identifier, current_user)
    try:
        db.session.commit()
    except IntegrityError:
        return conflict(
            channel, "warehouse_mappings", "The mapping changed meanwhile: check it and try again."
        )
    return answer(channel, "warehouse_mappings", message)


@bp.post("/refresh")
@require(Permission.RUN_SYNC)
@limit_store_calls
def refresh(channel_id: int):
    """Fetch one of the store's lists again (shipping methods, origin addresses or channel SKUs)."""
    channel = channel_or_404(channel_id)
    kind = request.form.get("kind", "")
    if kind not in REFRESH_VIEW:
        return answer(channel, "sku_mappings", "Nothing to refresh.", problem=True)
    reference = reference_cache.get(channel, kind, refresh=True)
    label = reference_cache.LABELS[kind]
    if reference.error:
        return answer(channel, REFRESH_VIEW[kind], reference.error, problem=True)
    return answer(channel, REFRESH_VIEW[kind], f"Read {len(reference.items)} {label} from the store.")


# The carrier and SKU views add their routes to this blueprint.
from blueprints.mappings import carriers as _carriers  # noqa: E402,F401
from blueprints.mappings import skus as _skus  # noqa: E402,F401
