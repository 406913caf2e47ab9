"""Carrier Mappings view (routes on the `mappings` blueprint): list, add, edit, make primary, delete, CSV."""

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
from forms.mappings import CarrierMappingForm, CsvImportForm
from models.channels import SalesChannel
from models.mappings import CarrierMapping
from permissions import Permission, channel_or_404, require
from services.channels import reference_cache
from services.mappings import carriers as carrier_mappings
from services.mappings import csv_io
from web.htmx import render_fragment

MAPPING_ID = "<int(max=2147483647):carrier_mapping_id>"


def _form(channel: SalesChannel, mapping: CarrierMapping | None = None, **kwargs) -> CarrierMappingForm:
    return CarrierMappingForm(channel, carrier_mappings.carrier_services(), mapping, **kwargs)


def _context(channel: SalesChannel, **overrides) -> dict:
    return {
        "rows": carrier_mappings.carrier_rows(channel),
        "form": overrides.pop("form", None) or _form(channel, formdata=None),
        "editing": None,
        "import_form": CsvImportForm(formdata=None),
        "report": None,
        "methods": reference_cache.get(channel, "shipping_methods"),
        "columns": csv_io.CARRIER_COLUMNS,
        **overrides,
    }


VIEW = MappingView("carrier_mappings", "mappings.carriers", "mappings/_carriers.html", _context)


def _save(channel: SalesChannel, form: CarrierMappingForm, mapping: CarrierMapping | None):
    saved = carrier_mappings.save_carrier_mapping(
        channel,
        mapping,
        carrier_code=form.carrier_channel_code.data,
        service_code=form.service_channel_code.data,
        carrier_service=form.carrier_service,
        primary=form.is_primary.data,
        user=current_user,
    )
    text = f"{carrier_mappings.channel_codes(saved)} → {carrier_mappings.describe(saved)}"
    try:
        db.session.commit()
    except IntegrityError:
        return conflict(
            channel, VIEW, f"{form.carrier_channel_code.data} was mapped meanwhile: nothing saved."
        )
    return answer(channel, VIEW, f"Saved: {text}.")


@bp.get("/carriers")
@require(Permission.VIEW)
def carriers(channel_id: int):
    """Store shipping methods ↔ techOMS carrier services, with the primary row of each service marked."""
    return show(channel_or_404(channel_id), VIEW)


@bp.post("/carriers")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def add_carrier(channel_id: int):
    channel = channel_or_404(channel_id)
    form = _form(channel)
    if not form.validate_on_submit():
        return show(channel, VIEW, status=422, form=form)
    return _save(channel, form, None)


@bp.get("/carriers/services")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def carrier_service_field(channel_id: int):
    """The service select offering only the chosen carrier's services (htmx swaps it when the carrier
    changes); the service already chosen stays chosen when it belongs to that carrier."""
    channel = channel_or_404(channel_id)
    form = _form(channel, formdata=request.args, meta={"csrf": False})
    if form.carrier_service_id.data not in {value for value, _label in form.carrier_service_id.choices}:
        form.carrier_service_id.data = None
    return render_fragment(VIEW.template, "carrier_service_field", channel=channel, form=form)


@bp.route(f"/carriers/{MAPPING_ID}/edit", methods=["GET", "POST"])
@require(Permission.EDIT_CHANNEL_SETTINGS)
def edit_carrier(channel_id: int, carrier_mapping_id: int):
    channel = channel_or_404(channel_id)
    mapping = mapping_or_404(channel, CarrierMapping, carrier_mapping_id)
    service = mapping.carrier_service
    data = {
        "carrier_channel_code": mapping.carrier_channel_code,
        "service_channel_code": mapping.service_channel_code or "",
        "carrier_id": service.carrier_id,
        "carrier_service_id": service.id,
        "is_primary": mapping.is_primary,
    }
    form = _form(channel, mapping, data=data)
    if form.validate_on_submit():
        return _save(channel, form, mapping)
    status = 422 if form.errors else 200
    return show(channel, VIEW, status=status, form=form, editing=mapping)


@bp.post(f"/carriers/{MAPPING_ID}/primary")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def make_primary(channel_id: int, carrier_mapping_id: int):
    """Make this row the one used for techOMS → channel; the service's other rows stop being primary."""
    channel = channel_or_404(channel_id)
    mapping = mapping_or_404(channel, CarrierMapping, carrier_mapping_id)
    if not EmptyForm().validate_on_submit():
        return form_expired(channel, VIEW)
    if mapping.is_wildcard:
        return answer(
            channel, VIEW, "A wildcard code cannot be primary: it cannot be sent to the store.", problem=True
        )
    carrier_mappings.make_primary(channel, mapping, current_user)
    try:
        db.session.commit()
    except IntegrityError:
        return conflict(channel, VIEW, "The primary changed meanwhile: check it and try again.")
    pair = carrier_mappings.describe(mapping).removesuffix(" (primary)")
    return answer(channel, VIEW, f"{carrier_mappings.channel_codes(mapping)} is now primary for {pair}.")


@bp.post(f"/carriers/{MAPPING_ID}/delete")
@require(Permission.EDIT_CHANNEL_SETTINGS)
def delete_carrier(channel_id: int, carrier_mapping_id: int):
    channel = channel_or_404(channel_id)
    mapping = mapping_or_404(channel, CarrierMapping, carrier_mapping_id)
    if not EmptyForm().validate_on_submit():
        return form_expired(channel, VIEW)
    codes = carrier_mappings.channel_codes(mapping)
    carrier_mappings.delete_carrier_mapping(channel, mapping, current_user)
    db.session.commit()
    return answer(channel, VIEW, f"Mapping {codes} deleted.")


add_csv_routes("carriers", VIEW, csv_io.import_carriers, csv_io.export_carriers, csv_io.CARRIER_TEMPLATE)
