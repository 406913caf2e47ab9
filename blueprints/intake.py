"""The order push intake: `POST /intake/brightsites/<public id>/<secret>` takes one pushed order (the Show
Order JSON a Bright Sites store sends with the Push Orders add-on).

Public (no login; listed in permissions.PUBLIC_ENDPOINTS), no session and no CSRF (web/api_requests.py):
the secret in the URL authenticates the store. The payload is stored first and the answer (202) comes at
once; a job imports it. A wrong secret, an unknown id and push switched off are the same 404 (nothing
revealed); a body that is not a JSON object is a 400, one over 1 MiB a 413; each is counted. Pushes are
rate-limited per channel. The path's secret never reaches a log: observability/redaction.py masks it in
every log line."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from limits import parse
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import RequestEntityTooLarge

from extensions import csrf, db, limiter
from models.order_push import MAX_PAYLOAD_BYTES
from run_queue.enqueue import enqueue_pushed
from services.order_push import intake
from web.api_requests import api_error

log = logging.getLogger("techoms.intake")
bp = Blueprint("intake", __name__, url_prefix="/intake")
csrf.exempt(bp)

STATUS = {"not_found": 404, "unreadable": 400, "too_large": 413}


@bp.before_request
def limit_body() -> None:
    request.max_content_length = MAX_PAYLOAD_BYTES


def _within_rate(public_id: str) -> bool:
    """The per-channel push rate (ORDER_PUSH_RATE_LIMIT), counted in the limiter's Redis. Open when Redis is
    unreachable: a push the store sent is not sent again, and a stored one is safe (unlike a refused one)."""
    try:
        return limiter.limiter.hit(
            parse(current_app.config["ORDER_PUSH_RATE_LIMIT"]), "order-push", public_id
        )
    except RedisError:
        log.warning("order push rate not checked: Redis unavailable")
        return True


@bp.post("/brightsites/<string(maxlength=64):public_id>/<string(maxlength=128):secret>")
@limiter.exempt  # limited by _within_rate, which stays open without Redis
def brightsites_order(public_id: str, secret: str):
    if not _within_rate(public_id):
        intake.count_refusal(None, "rate_limited")
        return api_error(429)
    try:
        setting = intake.authenticate(public_id, secret)
        try:
            body = request.get_data(cache=False)
        except RequestEntityTooLarge:
            intake.count_refusal(setting.channel_id, "too_large")
            raise intake.Refused("too_large") from None
        pushed = intake.store_payload(setting, body)
    except intake.Refused as refused:
        db.session.rollback()
        return api_error(STATUS[refused.reason])
    try:
        db.session.commit()  # durable before the answer: the store does not push it again
    except OperationalError:  # the database is busy beyond its lock timeout (SQLite): the push is not taken
        db.session.rollback()
        log.warning("order push not stored: the database was busy")
        return api_error(503)
    try:
        enqueue_pushed(pushed.channel_id, pushed.id)
    except RedisError:  # stored is taken: the cron drains waiting pushes once Redis is back
        log.warning("order push %s stored; its import waits for the cron (Redis unavailable)", pushed.id)
    return jsonify({"received": True}), 202
