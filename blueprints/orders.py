"""Orders of the current account: a filtered, paginated list (htmx live filtering) and the order's detail;
what the order page's buttons (holds, store writes, shipments, read again) share: the order or shipment a
button posted for, and the way back to the page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request, url_for
from flask_login import current_user

from blueprints.order_page import shipments_section
from extensions import db
from forms.common import EmptyForm
from forms.order_holds import HoldForm
from forms.order_notes import NoteForm
from forms.orders import OrderFilterForm
from models.orders import SalesOrder
from models.shipments import Shipment
from permissions import Permission, current_account, current_role, in_account_or_404, require
from services import audit, timezones
from services.orders import queries as order_queries
from services.orders import store_writes
from services.orders import timeline as order_timeline
from services.orders.pii_masking import ContactView, masks_pii
from services.shipments import queries as shipment_queries
from web.htmx import redirect_to, render

bp = Blueprint("orders", __name__, url_prefix="/orders")

PER_PAGE = 50
MAX_PAGE = 100_000  # keeps the OFFSET inside what the database accepts
# Ids above a 32-bit integer cannot exist; the route refuses them before they reach the database driver.
ORDER_ID = "<int(max=2147483647):order_id>"
SHIPMENT_ID = "<int(max=2147483647):shipment_id>"


@bp.get("/")
@require(Permission.VIEW)
def index():
    """The account's orders, newest first, 50 a page; htmx gets only the results block."""
    account = current_account()
    form = OrderFilterForm(order_queries.account_channels(account), request.args)
    filters = form.filters()
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    masked = masks_pii(current_role())
    orders = order_queries.order_page(
        account,
        filters,
        timezones.zone(account.timezone),
        page,
        PER_PAGE,
        contact_masked=masked,
        count_cap=current_app.config["ORDER_COUNT_CAP"],
    )
    return render(
        "orders/index.html",
        "results",
        form=form,
        orders=orders,
        filtered=filters != order_queries.OrderFilters(),
        timezone=account.timezone,
        pii=ContactView(masked=masked),
    )


@bp.get(f"/{ORDER_ID}")
@require(Permission.VIEW)
def detail(order_id: int):
    """Header, lines, shipments, addresses and sync events of one order of the account."""
    order = in_account_or_404(SalesOrder, order_id)
    if not masks_pii(current_role()) and order.pii_purged_at is None:
        # Who saw a customer's full contact details, and when (PII-09); without the details themselves.
        audit.record(order.channel, current_user, "order_viewed", "order", None, order.number)
        db.session.commit()
    return render_detail(order)


def render_detail(order: SalesOrder, status: int = 200, **shipments_context):
    """The order page (htmx: its `order` block); `shipments_context` overrides the shipments section's."""
    context = {
        "hold_form": HoldForm(),
        "release_form": EmptyForm(),
        "note_form": NoteForm(),
        "store_writes": store_writes.order_writes(order),
        "timeline": order_timeline.timeline(order),
    } | shipments_section.context(order)
    context |= shipments_context
    page = render(
        "orders/detail.html",
        "order",
        order=order,
        lines=order_queries.order_lines(order),
        events=order_queries.order_events(order),
        max_events=order_queries.MAX_EVENTS,
        timezone=current_account().timezone,
        pii=ContactView.for_role(current_role()),
        **context,
    )
    return page, status


def posted_order_or_404(order_id: int) -> SalesOrder:
    """The account's order a button of its page posted for: 404 outside the account, 400 when the post's
    CSRF token is missing or stale."""
    order = in_account_or_404(SalesOrder, order_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return order


def posted_shipment_or_404(order_id: int, shipment_id: int) -> tuple[SalesOrder, Shipment]:
    """As `posted_order_or_404`, for a button of one of the order's shipments (another order's is a 404)."""
    order = in_account_or_404(SalesOrder, order_id)
    shipment = shipment_queries.shipment_of_order(order, shipment_id)
    if shipment is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return order, shipment


def back_to_order(order: SalesOrder):
    """A button's answer: the order page again (its notice flashed)."""
    return redirect_to(url_for("orders.detail", order_id=order.id))
