"""Probes for process managers, load balancers and monitoring. Public, sessionless, and they say nothing about
data: `/healthz` is liveness (the process answers), `/readyz` the web process's readiness (database, Redis),
`/readyz/cron` background work's (the cron ticked recently, the queue is not piling up); web/readiness.py.
503 when a check fails."""

from flask import Blueprint

from web import readiness

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def health():
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}


@bp.get("/readyz")
def ready():
    return _answer(readiness.run_checks(readiness.WEB_CHECKS))


@bp.get("/readyz/cron")
def background_ready():
    return _answer(readiness.run_checks(readiness.BACKGROUND_CHECKS))


def _answer(results: dict[str, bool]):
    ok = all(results.values())
    body = {
        "status": "ok" if ok else "failing",
        "checks": {name: "ok" if passed else "failing" for name, passed in results.items()},
    }
    return body, 200 if ok else 503, {"Cache-Control": "no-store"}
