"""The host-system API, /api/v1: what a WMS or techSHIP calls, with JSON in and out.

Every endpoint but the OpenAPI description authenticates by an account API key (auth.py; listed in
permissions.API_KEY_ENDPOINTS). There is no session on these paths (web/api_requests.py), hence no cookie and
no CSRF token: the blueprint is exempt from CSRF by design. Errors are `{"errors": {"<field>": [...]}}`.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from blueprints.api import account, events, inventory, openapi, orders, shipments
from extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

bp.add_url_rule("/account", "account", account.show, methods=["GET"])
bp.add_url_rule("/inventory", "inventory", inventory.set_levels, methods=["PUT"])
bp.add_url_rule("/events", "events", events.index, methods=["GET"])
bp.add_url_rule("/orders", "orders", orders.index, methods=["GET"])
bp.add_url_rule("/orders/<int(max=2147483647):order_id>", "order", orders.show, methods=["GET"])
bp.add_url_rule("/openapi.json", "openapi", openapi.document, methods=["GET"])
bp.add_url_rule(
    "/orders/<int(max=2147483647):order_id>/shipments", "create_shipment", shipments.create, methods=["POST"]
)
MAX_BODY = 1024 * 1024


@bp.before_request
def limit_body() -> None:
    request.max_content_length = MAX_BODY  # what a shipment or a stock list needs, with room to spare


@bp.after_request
def no_caching(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
