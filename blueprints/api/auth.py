"""The key check of /api/v1: `Authorization: Bearer <key>`, and nothing else authenticates (no session).

A missing, malformed, unknown or revoked key answers 401. Each client address may present a wrong key only so
often per key prefix (API_AUTH_FAILURE_LIMIT; a valid key with another prefix from the same address is not
held up by someone's guesses), and each key may make only so many calls (API_RATE_LIMIT); beyond that 429
with Retry-After. The counters live in the limiter's storage (Redis), shared by every web process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request
from limits import RateLimitItem, parse

from extensions import db, limiter
from models.api_keys import ApiKey
from services import api_keys
from web.api_requests import json_error

MAX_HEADER = 300
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="techOMS API"'}


def presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    if len(header) > MAX_HEADER:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _too_many(item: RateLimitItem, *identifiers: str):
    reset_at, _remaining = limiter.limiter.get_window_stats(item, *identifiers)
    wait = max(1, math.ceil(reset_at - time.time()))
    return json_error(
        429,
        {"request": [f"Too many requests; try again in {wait} s."]},
        headers={"Retry-After": str(wait)},
    )


def current_key() -> ApiKey:
    """The key this API request authenticated with (only inside an @api_key_required view)."""
    return g.api_key


def api_key_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        config = current_app.config
        presented = presented_key()
        # Counted per address and key prefix (malformed keys share one): guesses under one prefix never
        # block a key with another prefix from the same address (a shared office or NAT).
        scope = ("api-auth-failed", request.remote_addr or "unknown", api_keys.public_part(presented) or "-")
        failures = parse(config["API_AUTH_FAILURE_LIMIT"])
        if not limiter.limiter.test(failures, *scope):
            return _too_many(failures, *scope)
        key = api_keys.authenticate(presented)
        if key is None:
            if presented:  # a wrong key is a guess; a missing one is not
                limiter.limiter.hit(failures, *scope)
            message = (
                "This API key is not valid (unknown or revoked)."
                if presented
                else "Send an account API key: Authorization: Bearer <key>."
            )
            return json_error(401, {"authorization": [message]}, headers=CHALLENGE)
        if not key.account.active:
            return json_error(403, {"authorization": ["The account of this API key is disabled."]})
        calls = parse(config["API_RATE_LIMIT"])
        if not limiter.limiter.hit(calls, "api-key", str(key.id)):
            return _too_many(calls, "api-key", str(key.id))
        if api_keys.note_use(key):
            db.session.commit()
        g.api_key = key
        return view(*args, **kwargs)

    wrapped.authenticates_by_api_key = True  # read by permissions.enforce_declared_permission
    return wrapped
