"""The order push intake: `POST /intake/brightsites/<public id>/<secret>` takes one pushed order (the Show
Order JSON a Bright Sites store sends with the Push Orders add-on).

Public (no login; listed in permissions.PUBLIC_ENDPOINTS), no session and no CSRF (web/api_requests.py):
the secret in the URL authenticates the store. The payload is stored first and the answer (202) comes at
once; a job imports it. A wrong secret, an unknown id and push switched off are the same 404 (nothing
revealed); a body that is not a JSON object is a 400, one over 1 MiB a 413; each is counted. Authenticated
pushes are rate-limited per channel, wrong URLs per client address; every 429 says when to retry. The
path's secret never reaches a log: observability/redaction.py masks it in every log line."""

from __future__ import annotations

import logging
import math
import time

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


def _over_limit(limit: str, *identifiers: str, count: bool) -> int | None:
    """Seconds to wait when `identifiers` are past `limit` (counting this request when `count`), else None.
    Open when Redis is unreachable: a push the store sent is not sent again, and a stored one is safe (unlike
    a refused one)."""
    item = parse(current_app.config[limit])
    strategy = limiter.limiter
    try:
        within = strategy.hit(item, *identifiers) if count else strategy.test(item, *identifiers)
        if within:
            return None
        reset_at, _remaining = strategy.get_window_stats(item, *identifiers)
    except RedisError:
        log.warning("order push rate not checked: Redis unavailable")
        return None
    return max(1, math.ceil(reset_at - time.time()))


def _too_many(wait: int):
    response = api_error(429)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.post("/brightsites/<string(maxlength=64):public_id>/<string(maxlength=128):secret>")
@limiter.exempt  # limited by _over_limit, which stays open without Redis
def brightsites_order(public_id: str, secret: str):
    # Wrong URLs count against the client's address, not the channel: the public id is no secret, so guesses
    # must not use up the store's own push rate. Only authenticated pushes count against the channel.
    address = request.remote_addr or "unknown"
    wait = _over_limit("ORDER_PUSH_FAILURE_LIMIT", "order-push-failed", address, count=False)
    if wait is not None:
        intake.count_refusal(None, "rate_limited")
        return _too_many(wait)
    try:
        setting = intake.authenticate(public_id, secret)
    except intake.Refused as refused:
        db.session.rollback()
        _over_limit("ORDER_PUSH_FAILURE_LIMIT", "order-push-failed", address, count=True)
        return api_error(STATUS[refused.reason])
    wait = _over_limit("ORDER_PUSH_RATE_LIMIT", "order-push", public_id, count=True)
    if wait is not None:
        intake.count_refusal(setting.channel_id, "rate_limited")
        db.session.rollback()
        return _too_many(wait)
    try:
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
