"""SKU Mappings view (routes on the `mappings` blueprint): the paginated list with live search, the variant
picker, add / edit / delete, Auto-map (identical SKUs, then likely matches to confirm), the Unmapped view and
CSV import / export."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from blueprints.mappings.panel import (
    MappingView,
    add_csv_routes,
    answer,
    bp,
    conflict,
    form_expired,
    mapping_or_404,
    show,
)
from extensions import db
from forms.common import EmptyForm
from forms.mappings import AutoMapConfirmForm, CsvImportForm, SkuMappingForm
from models.channels import SalesChannel
from models.mappings import SkuMapping
from permissions import Permission, channel_or_404, require
from services.channels import reference_cache
from services.inventory import store_records
from services.mappings import csv_io, sku_auto_map, sku_lists
from services.mappings import skus as sku_mappings
from services.orders import failed_orders
from web.htmx import is_htmx, render_fragment
from web.store_call_limits import limit_store_calls

MAPPING_ID = "<int(max=2147483647):sku_mapping_id>"
MAX_QUERY = 100
UNMAPPED_SHOWN = 500


def _search_text(raw: str) -> str:
    return "".join(char for char in raw if char.isprintable()).strip()[:MAX_QUERY]


def _context(channel: SalesChannel, **overrides) -> dict:
    q = _search_text(request.args.get("q", ""))
    page = request.args.get("page", 1, type=int) if request.method == "GET" else 1
    form = overrides.pop("form", None) or SkuMappingForm(
        channel, formdata=None, data={"channel_sku": _search_text(request.args.get("new_sku", ""))}
    )
    editing = overrides.get("editing")
    mappings = sku_lists.mapping_page(channel, q, page)
    context = {
        "q": q,
        "mappings": mappings,
        "last_pushes": store_records.last_pushes(channel.id, [row.channel_sku_key for row in mappings.items]),
        "form": form,
        "editing": None,
        "import_form": CsvImportForm(formdata=None),
        "report": None,
        "unmapped": None,
        "columns": csv_io.SKU_COLUMNS,
        # The picker's checked choice: what the form chose, else the variant being edited.
        "chosen": getattr(form, "variant", None) or (editing.variant if editing else None),
        "variants": [],
        "searched": False,
        "proposals": None,  # Auto-map's likely matches, waiting for confirmation
        "confirm_form": None,
        "fixed_orders": 0,  # failed orders a retry would now let through (after confirming)
    }
    context = {**context, **overrides}
    chosen = context["chosen"]
    # The store's weight in the channel's unit beside techOMS's grams, for the variants the picker shows.
    context["store_weights"] = sku_lists.store_weights(
        channel, [variant.id for variant in [*context["variants"], *([chosen] if chosen else [])]]
    )
    return context


VIEW = MappingView("sku_mappings", "mappings.skus", "mappings/_skus.html", _context)


@bp.get("/skus")
@require(Permission.VIEW)
def skus(channel_id: int):
    """The channel's SKU mappings, 50 a page; the search box (htmx, debounced) gets only the results."""
    channel = channel_or_404(channel_id)
    if is_htmx() and request.headers.get("HX-Target") == "sku-results":
        context = _context(channel)
        return render_fragment(VIEW.template, "sku_results", channel=channel, **context)
    return show(channel, VIEW)


@bp.get("/skus/variants")
@require(Permission.VIEW)
def variant_search(channel_id: int):
    """The picker's choices: variants of the account by SKU prefix or product name."""
    channel = channel_or_404(channel_id)
    variants = sku_lists.variant_choices(channel, _search_text(request.args.get("variant_q", "")))
    return render_fragment(
        VIEW.template,
        "variant_choices",
        variants=variants,
        chosen=None,
        searched=True,
        store_weights=sku_lists.store_weights(channel, [variant.id for variant in variants]),
    )


def _save(channel: SalesChannel, form: SkuMappingForm, mapping: SkuMapping | None):
    saved = sku_mappings.save_mapping(channel, mapping, form.channel_sku.data, form.variant, current_user)
    text = f"{saved.channel_sku} → {form.variant.sku}"
    try:
        db.session.commit()
    except IntegrityError:
        return conflict(channel, VIEW, f"{form.channel_sku.data} was mapped meanwhile: nothing saved.")
    return answer(channel, VIEW, f"Saved: {text}.")


@bp.post("/skus")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def add_sku(channel_id: int):
    channel = channel_or_404(channel_id)
    form = SkuMappingForm(channel)
    if not form.validate_on_submit():
        return show(channel, VIEW, status=422, form=form)
    return _save(channel, form, None)


@bp.route(f"/skus/{MAPPING_ID}/edit", methods=["GET", "POST"])
@require(Permission.EDIT_CHANNEL_SETTINGS)
def edit_sku(channel_id: int, sku_mapping_id: int):
    channel = channel_or_404(channel_id)
    mapping = mapping_or_404(channel, SkuMapping, sku_mapping_id)
    data = {"channel_sku": mapping.channel_sku, "variant_id": str(mapping.variant_id)}
    form = SkuMappingForm(channel, mapping, data=data)
    if form.validate_on_submit():
        return _save(channel, form, mapping)
    return show(channel, VIEW, status=422 if form.errors else 200, form=form, editing=mapping)


@bp.post(f"/skus/{MAPPING_ID}/delete")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def delete_sku(channel_id: int, sku_mapping_id: int):
    channel = channel_or_404(channel_id)
    mapping = mapping_or_404(channel, SkuMapping, sku_mapping_id)
    if not EmptyForm().validate_on_submit():
        return form_expired(channel, VIEW)
    text = f"{mapping.channel_sku} → {mapping.variant.sku}"
    sku_mappings.delete_mapping(channel, mapping, current_user)
    db.session.commit()
    return answer(channel, VIEW, f"Mapping {text} deleted.")


@bp.post("/skus/auto-map")
@require(Permission.EDIT_CHANNEL_SETTINGS)
@limit_store_calls
def auto_map(channel_id: int):
    """Read the store's channel SKUs and map those equal to a techOMS SKU; then propose likely matches for the
    SKUs still mapping to nothing (those failed orders need first), for the user to tick and confirm."""
    channel = channel_or_404(channel_id)
    if not EmptyForm().validate_on_submit():
        return form_expired(channel, VIEW)
    reference = reference_cache.get(channel, "channel_skus", refresh=True)
    if reference.error:
        return answer(channel, VIEW, reference.error, problem=True)
    report = sku_auto_map.auto_map(channel, reference.items, current_user)
    try:
        db.session.commit()
    except IntegrityError:
        return conflict(channel, VIEW, "Mappings changed meanwhile: nothing was auto-mapped. Try again.")
    proposals = sku_auto_map.propose(channel, reference.items)
    if not proposals.items:
        return answer(channel, VIEW, report.summary(), proposals=proposals)
    return show(
        channel,
        VIEW,
        notice=report.summary(),
        proposals=proposals,
        confirm_form=AutoMapConfirmForm(formdata=None),
    )


@bp.get("/skus/catalog-proposals")
@require(Permission.VIEW)
def catalog_proposals(channel_id: int):
    """The mappings Import products proposed for store SKUs spelled differently from techOMS SKUs (nothing
    was created for them), to tick and confirm as Auto-map's; no store call."""
    channel = channel_or_404(channel_id)
    proposals = sku_auto_map.propose(channel, sku_auto_map.catalog_waiting_skus(channel))
    if not (proposals.items or proposals.ambiguous):
        return show(channel, VIEW, notice="No store SKU read by Import products waits for a mapping.")
    return show(channel, VIEW, proposals=proposals, confirm_form=AutoMapConfirmForm(formdata=None))


@bp.post("/skus/auto-map/confirm")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def confirm_auto_map(channel_id: int):
    """Map the ticked proposals; the answer says how many failed orders a retry now lets through."""
    channel = channel_or_404(channel_id)
    form = AutoMapConfirmForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            return form_expired(channel, VIEW)
        return answer(channel, VIEW, form.proposal.errors[0], problem=True)
    report = sku_auto_map.create_confirmed(channel, form.proposal.data, current_user)
    try:
        db.session.commit()
    except IntegrityError:
        return conflict(channel, VIEW, "Mappings changed meanwhile: nothing was mapped. Run Auto-map again.")
    fixed = failed_orders.fixed_count(channel)
    message = f"{len(report.created)} mapping{'' if len(report.created) == 1 else 's'} created"
    if report.skipped:
        message += f" ({len(report.skipped)} skipped: mapped meanwhile or no longer in techOMS)"
    message += (
        f"; {fixed} failed order{' can' if fixed == 1 else 's can'} now be retried."
        if fixed
        else "; no failed order was waiting on these SKUs."
    )
    return answer(channel, VIEW, message, fixed_orders=fixed)


@bp.get("/skus/unmapped")
@require(Permission.VIEW)
def unmapped_skus(channel_id: int):
    """Store SKUs that map to nothing (no mapping, no identical techOMS SKU): the orders they would stop."""
    channel = channel_or_404(channel_id)
    reference = reference_cache.get(channel, "channel_skus")
    skus = sku_mappings.unmapped(channel, reference.items) if not reference.error else []
    unmapped = {"reference": reference, "skus": skus[:UNMAPPED_SHOWN], "total": len(skus)}
    return show(channel, VIEW, unmapped=unmapped)


add_csv_routes("skus", VIEW, csv_io.import_skus, csv_io.export_skus, csv_io.SKU_TEMPLATE)
