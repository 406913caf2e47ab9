"""Probes for process managers and load balancers. Public, sessionless, and they say nothing about data:
`/healthz` is liveness (the process answers), `/readyz` readiness (web/readiness.py): 503 when a check
fails."""

from flask import Blueprint

from web import readiness

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def health():
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}


@bp.get("/readyz")
def ready():
    results = readiness.run_checks()
    ok = all(results.values())
    body = {
        "status": "ok" if ok else "failing",
        "checks": {name: "ok" if passed else "failing" for name, passed in results.items()},
    }
    return body, 200 if ok else 503, {"Cache-Control": "no-store"}
