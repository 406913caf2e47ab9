"""One budget for the billed calls people can start: every route that calls a store is limited per user and,
when it acts on a channel, per channel (Flask-Limiter, on the shared Redis storage).

The budget is shared across the routes (testing a connection, replacing a token, moving a channel to another
store, refreshing the store's lists...), so trying each of them in turn buys no extra calls. Apply it with one
line, under the route's permission decorators (the key needs the logged-in user):

    @require(Permission.EDIT_CHANNEL_CREDENTIALS)
    @limit_store_calls
    def replace_token(channel_id): ...

The limits are settings: STORE_CALL_LIMITS_PER_USER and STORE_CALL_LIMITS_PER_CHANNEL.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_login import current_user

from extensions import limiter

MESSAGE = (
    "The store bills every call, so connection tests and refreshes are limited to a few a minute. "
    "Wait a minute and try again."
)


def _per_user() -> str:
    return current_app.config["STORE_CALL_LIMITS_PER_USER"]


def _per_channel() -> str:
    return current_app.config["STORE_CALL_LIMITS_PER_CHANNEL"]


def _user_key() -> str:
    return f"user:{current_user.id}"


def _channel_key() -> str:
    return f"channel:{request.view_args['channel_id']}"


def _no_channel() -> bool:
    """The creation wizard's routes act on no channel yet: only the user's budget applies."""
    return "channel_id" not in (request.view_args or {})


_USER_BUDGET = limiter.shared_limit(
    _per_user, scope="store-calls-per-user", key_func=_user_key, error_message=MESSAGE
)
_CHANNEL_BUDGET = limiter.shared_limit(
    _per_channel,
    scope="store-calls-per-channel",
    key_func=_channel_key,
    exempt_when=_no_channel,
    error_message=MESSAGE,
)


def limit_store_calls(view: Callable) -> Callable:
    """The view, counted against the user's and the channel's budget of store calls (429 past either)."""
    limited = _USER_BUDGET(_CHANNEL_BUDGET(view))
    limited.limits_store_calls = True  # read by the test that finds every route calling a store
    return limited
