"""`/metrics` for Prometheus: bearer token (METRICS_TOKEN), else 404 (web/metrics.py)."""

from flask import Blueprint, abort
from prometheus_client import CONTENT_TYPE_LATEST

from extensions import db
from web import metrics

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def scrape():
    if not metrics.authorized():
        abort(404)  # answered as JSON: the path is sessionless (web/error_pages.py)
    try:
        body = metrics.exposition()
    finally:
        db.session.rollback()  # read-only: end the transaction the queries opened
    return body, 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}
