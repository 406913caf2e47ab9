"""Error pages: a clear page for people, a short fragment for htmx, JSON for the API, never a stack trace."""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, Response, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException, InternalServerError

from extensions import db, limiter
from web.api_requests import api_error, is_sessionless_request
from web.htmx import is_htmx

log = logging.getLogger("techoms.errors")

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Reload the page and try again."),
    403: ("Not allowed", "Your role does not allow this action in the current account."),
    404: ("Not found", "There is nothing here, or it is outside the accounts you can see."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    410: ("Expired", "This form expired (after 30 minutes) or was started elsewhere. Please start again."),
    413: ("Too large", "The upload or form is larger than allowed."),
    415: ("Not a form", "This address accepts only the form on its page; send it from there."),
    429: ("Too many attempts", "Too many requests in a short time. Wait a minute and try again."),
    500: ("Something went wrong", "An unexpected error happened. It has been logged; nothing was saved."),
    503: ("Busy for a moment", "A service the app needs did not answer; nothing was saved. Try again soon."),
}


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, ("Error", "The request failed."))
    if is_sessionless_request():  # the API and the probes: JSON, and no session to render a page with
        return api_error(code)
    # A history restore gets the full page too (is_htmx): htmx swaps it in as the whole document.
    if not is_htmx():
        return render_template("errors/error.html", code=code, title=title, message=detail or message), code
    fragment = render_template("errors/_error.html", code=code, title=title, message=detail or message)
    if code == 429:
        # htmx swaps this one (responseHandling in base.html) on top of the page, whatever it targeted.
        return fragment, code, {"HX-Retarget": "main", "HX-Reswap": "afterbegin"}
    return fragment, code


def retry_after(response: Response) -> Response:
    """after_request: every 429 says when to try again (RFC 9110 Retry-After), from the limit that was hit
    when Flask-Limiter knows it, else a minute (the shortest window of the configured limits)."""
    if response.status_code == 429 and "Retry-After" not in response.headers:
        wait = 60
        try:
            current = limiter.current_limit
            if current is not None:
                wait = math.ceil(current.reset_at - time.time())
        except RedisError:  # the counters are out of reach: the default wait still answers
            pass
        response.headers["Retry-After"] = str(max(1, wait))
    return response


def init_app(app: Flask) -> None:
    app.after_request(retry_after)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400, "Your form expired or was sent from elsewhere. Reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, RateLimitExceeded) and error.limit.error_message:
            return render_error(429, error.description)
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        if isinstance(error, RedisError):  # Redis is out (jobs, throttles): say so, it is no bug of ours
            log.warning("Redis unavailable on %s: %s", request.endpoint, type(error).__name__)
            db.session.rollback()
            return render_error(503)
        log.exception("unhandled error on %s", request.endpoint)
        db.session.rollback()
        return render_error(InternalServerError.code)
