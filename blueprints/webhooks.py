"""Webhooks of the current account, on the API keys screen: endpoints (the secret shown once, rotated with an
overlap), disable by hand, enable again (also after an automatic disable), delete (the log stays), a test
event, and the delivery log with filters by status and event and a Replay per delivery. Sending happens only
in workers (jobs/webhook_jobs.py): nothing here waits for a receiver."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user, fresh_login_required

from extensions import db
from forms.common import EmptyForm
from forms.webhooks import WebhookEndpointForm
from models.outbox import EVENT_TYPES
from models.webhooks import DeliveryStatus, WebhookEndpoint
from permissions import Permission, current_account, require
from services.webhooks import endpoints, log
from web.htmx import redirect_to, render

bp = Blueprint("webhooks", __name__, url_prefix="/api-keys/webhooks")
ENDPOINT_ID = "<int(max=2147483647):endpoint_id>"
DELIVERY_ID = "<int(max=2147483647):delivery_id>"
FILTER_EVENTS = (*EVENT_TYPES, "test")


def _filters() -> tuple[DeliveryStatus | None, str | None, int]:
    status = request.args.get("status") or None
    event = request.args.get("event") or None
    page = request.args.get("page", "1")
    return (
        DeliveryStatus(status) if status in {s.value for s in DeliveryStatus} else None,
        event if event in FILTER_EVENTS else None,
        int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1,
    )


def _render(form: WebhookEndpointForm, *, secret: str | None = None, shown_for=None, status: int = 200):
    account = current_account()
    status_filter, event_filter, page = _filters()
    body = render(
        "webhooks/index.html",
        "panel",
        account=account,
        endpoints=log.endpoints_of_account(account.id),
        form=form,
        button_form=EmptyForm(formdata=None),
        secret=secret,
        shown_for=shown_for,
        deliveries=log.delivery_page(account.id, status=status_filter, event_type=event_filter, page=page),
        status_filter=status_filter.value if status_filter else "",
        event_filter=event_filter or "",
        statuses=list(DeliveryStatus),
        event_types=FILTER_EVENTS,
    )
    return body, status


def _own_endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = log.endpoint_of_account(current_account().id, endpoint_id)
    if endpoint is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return endpoint


@bp.get("/")
@require(Permission.MANAGE_WEBHOOKS)
def index():
    return _render(WebhookEndpointForm(formdata=None))


@bp.post("/")
@require(Permission.MANAGE_WEBHOOKS)
@fresh_login_required
def create():
    """A new endpoint; its secret is in this answer only (stored encrypted, never shown again)."""
    form = WebhookEndpointForm()
    if not form.validate_on_submit():
        return _render(form, status=422)
    try:
        endpoint, secret = endpoints.create_endpoint(current_account(), form.url.data, form.event_types.data)
    except (endpoints.EndpointRefused, ValueError) as error:
        form.url.errors.append(str(error))
        return _render(form, status=422)
    db.session.commit()
    return _render(WebhookEndpointForm(formdata=None), secret=secret, shown_for=endpoint, status=201)


@bp.post(f"/{ENDPOINT_ID}/rotate")
@require(Permission.MANAGE_WEBHOOKS)
@fresh_login_required
def rotate(endpoint_id: int):
    """A new secret, shown once; the old one signs too for the overlap, so the receiver can switch."""
    endpoint = _own_endpoint(endpoint_id)
    if endpoint.deleted_at is not None:
        abort(404)
    secret = endpoints.rotate_secret(endpoint)
    db.session.commit()
    return _render(WebhookEndpointForm(formdata=None), secret=secret, shown_for=endpoint)


def _endpoint_button(
    endpoint_id: int,
    *,
    applies: Callable[[WebhookEndpoint], bool],
    act: Callable[[WebhookEndpoint], object],
    notice: str,
):
    """A button of an endpoint's row: `act` when it still `applies` (a second click, or a click on a page
    older than the endpoint's state, does nothing), committed and said in `notice` (`{url}`: the
    endpoint's); back to the screen either way."""
    endpoint = _own_endpoint(endpoint_id)
    if applies(endpoint):
        act(endpoint)
        db.session.commit()
        flash(notice.format(url=endpoint.url), "success")
    return redirect_to(url_for("webhooks.index"))


def _not_deleted(endpoint: WebhookEndpoint) -> bool:
    return endpoint.deleted_at is None


@bp.post(f"/{ENDPOINT_ID}/enable")
@require(Permission.MANAGE_WEBHOOKS)
def enable(endpoint_id: int):
    notice = "Endpoint {url} enabled: waiting deliveries go out again."
    return _endpoint_button(endpoint_id, applies=_not_deleted, act=endpoints.enable, notice=notice)


@bp.post(f"/{ENDPOINT_ID}/disable")
@require(Permission.MANAGE_WEBHOOKS)
def disable(endpoint_id: int):
    return _endpoint_button(
        endpoint_id,
        applies=lambda endpoint: endpoint.is_live,
        act=lambda endpoint: endpoints.disable_by_hand(endpoint, current_user.email),
        notice="Endpoint {url} disabled: its deliveries wait until you enable it.",
    )


@bp.post(f"/{ENDPOINT_ID}/delete")
@require(Permission.MANAGE_WEBHOOKS)
def delete(endpoint_id: int):
    notice = "Endpoint {url} deleted; its delivery log stays below."
    return _endpoint_button(endpoint_id, applies=_not_deleted, act=endpoints.delete_endpoint, notice=notice)


@bp.post(f"/{ENDPOINT_ID}/test")
@require(Permission.MANAGE_WEBHOOKS)
def send_test(endpoint_id: int):
    return _endpoint_button(
        endpoint_id,
        applies=lambda endpoint: endpoint.is_live,
        act=endpoints.send_test_event,
        notice="Test event queued: it appears in the log below once the worker sent it.",
    )


@bp.post(f"/deliveries/{DELIVERY_ID}/replay")
@require(Permission.MANAGE_WEBHOOKS)
def replay(delivery_id: int):
    delivery = log.delivery_of_account(current_account().id, delivery_id)
    if delivery is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if endpoints.replay(delivery):
        db.session.commit()
        flash(f"Delivery {delivery.id} ({delivery.event_type}) queued again.", "success")
    else:
        flash("Its endpoint was deleted: nothing to send it to.", "warning")
    return redirect_to(url_for("webhooks.index"))
