"""create_sandbox_app(): the simulator's Flask app. API routes live under /api/v2.7.0 and are selected by the
Host header's subdomain; the admin routes under /__sandbox are not part of the Bright Sites API."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from sandbox import api_catalog, api_inventory, api_orders, api_shipments, store_side
from sandbox.errors import ApiError
from sandbox.gateway import after_api_request, before_api_request, end_api_request
from sandbox.store import StoreRegistry

API_PREFIX = "/api/v2.7.0"


def _api_error(error: ApiError) -> tuple[Response, int]:
    return jsonify({"errors": error.errors}), error.status


def _http_error(error: HTTPException) -> tuple[Response, int]:
    status = error.code or 500
    return jsonify({"errors": {"base": error.name}}), status


def _before_request() -> Response | None:
    # app-level rather than blueprint-level so unknown API paths are counted as billable calls too
    if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
        return before_api_request()
    return None


def create_sandbox_app(registry: StoreRegistry | None = None) -> Flask:
    app = Flask("sandbox")
    app.json.sort_keys = False  # keep the documented field order
    app.extensions["sandbox_registry"] = registry or StoreRegistry()

    api = Blueprint("api", __name__, url_prefix=API_PREFIX)
    for module in (api_orders, api_shipments, api_inventory, api_catalog):
        module.register(api)
    app.register_blueprint(api)
    app.register_blueprint(store_side.blueprint)  # the admin blueprint with the store-side routes

    app.before_request(_before_request)
    app.after_request(after_api_request)
    app.teardown_request(end_api_request)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    return app
