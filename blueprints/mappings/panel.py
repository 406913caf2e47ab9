"""What every mapping view shares: the `mappings` blueprint, showing a view inside the channel page's view
panel (channel_page.render_page), the answer to a post, a kind's CSV import and export routes, and the
channel-scoped lookup of a mapping. The per-kind modules (warehouses, carriers, skus) import this one, never
the other way round.

htmx posts get the view back with a notice or a problem; plain posts a redirect (PRG) with a flash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from flask import Blueprint, Response, abort, flash, redirect, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from blueprints import channel_page
from extensions import db
from forms.mappings import CsvImportForm
from models.channels import SalesChannel
from models.mappings import CarrierMapping, SkuMapping
from permissions import Permission, channel_or_404, require
from services.mappings import lookup
from services.mappings.csv_io import MAX_BYTES, FileRefused
from web.htmx import is_htmx

bp = Blueprint("mappings", __name__, url_prefix="/channels/<int:channel_id>/mappings")

FORM_EXPIRED = "Your form expired. Reload the page and try again."

Mapping = TypeVar("Mapping", CarrierMapping, SkuMapping)


@dataclass(frozen=True)
class MappingView:
    """One mapping view of the channel page."""

    key: str  # the channel page's view (its tab)
    endpoint: str  # the view's GET, where a plain post is redirected
    template: str  # included in the view panel
    context: Callable[..., dict]  # (channel, **overrides) -> the template's context


def show(channel: SalesChannel, view: MappingView, status: int = 200, **overrides):
    """The channel page on this mapping view (htmx: the view panel), with the view's context."""
    context = view.context(channel, **overrides)
    return channel_page.render_page(channel, view.key, status=status, view_template=view.template, **context)


def answer(channel: SalesChannel, view: MappingView, notice: str, *, problem: bool = False, **overrides):
    """After a post: htmx gets the view with the message; a plain request is redirected to the view."""
    if is_htmx():
        key = "problem" if problem else "notice"
        return show(channel, view, **{key: notice}, **overrides)
    flash(notice, "danger" if problem else "success")
    return redirect(url_for(view.endpoint, channel_id=channel.id), code=303)


def form_expired(channel: SalesChannel, view: MappingView):
    """A button's post whose CSRF token expired: nothing was done."""
    return answer(channel, view, FORM_EXPIRED, problem=True)


def conflict(channel: SalesChannel, view: MappingView, message: str):
    """A concurrent writer took the key between validation and commit."""
    db.session.rollback()
    return answer(channel, view, message, problem=True)


def mapping_or_404(channel: SalesChannel, model: type[Mapping], mapping_id: int) -> Mapping:
    """The channel's mapping with this id; another channel's (or tenant's) is 404."""
    mapping = lookup.mapping_of_channel(channel.id, model, mapping_id)
    if mapping is None:
        abort(404)
    return mapping


def download(rows: Iterable[str], filename: str) -> Response:
    """A CSV attachment streamed from a generator of text chunks (the request context stays open for it)."""
    response = Response(stream_with_context(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _import_csv(channel: SalesChannel, view: MappingView, importer: Callable) -> tuple:
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


def add_csv_routes(
    kind: str,
    view: MappingView,
    importer: Callable,
    exporter: Callable[[int], Iterable[str]],
    filename: str,
) -> None:
    """A mapping kind's CSV routes: `POST /<kind>/import` (endpoint `import_<kind>`) adds the file's rows,
    never overwriting, and answers with each row's outcome; `GET /<kind>/export` (`export_<kind>`) downloads
    the channel's mappings as `filename`."""

    @require(Permission.EDIT_CHANNEL_SETTINGS)
    def import_mappings(channel_id: int):
        return _import_csv(channel_or_404(channel_id), view, importer)

    @require(Permission.VIEW)
    def export_mappings(channel_id: int):
        return download(exporter(channel_or_404(channel_id).id), filename)

    bp.add_url_rule(f"/{kind}/import", f"import_{kind}", import_mappings, methods=["POST"])
    bp.add_url_rule(f"/{kind}/export", f"export_{kind}", export_mappings, methods=["GET"])
