"""Liveness for process managers and load balancers. Public, says nothing about data."""

from flask import Blueprint

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def health():
    return {"status": "ok"}
