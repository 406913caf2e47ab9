"""GET /api/v1/events?after=<cursor>: the account's outbox in commit order.

A consumer stores `next_cursor` after handling a page and sends it back as `after`; across restarts and
concurrent writers it never misses an event (services/outbox.py orders events by commit, not by id) and may
see one again only if it did not store its cursor. `type` narrows the feed to some event types. Events past
the retention (OUTBOX_RETENTION_DAYS) are deleted once delivered: a cursor from before them answers 410.
"""

from __future__ import annotations

from flask import current_app, jsonify, request

from blueprints.api.auth import api_key_required, current_key
from forms.api_orders import decode_cursor, encode_cursor, parse_limit, unknown_parameters
from models.outbox import EVENT_TYPES
from services import outbox
from sync.outbox_sequence import try_sequence
from web.api_requests import json_error

PARAMETERS = {"after", "limit", "type"}


def _types(text: str | None, errors: dict[str, list[str]]) -> list[str]:
    if text is None:
        return []
    types = [part.strip() for part in text.split(",")]
    if not all(value in EVENT_TYPES for value in types):
        errors["type"] = [f"Give event types separated by commas, from {', '.join(EVENT_TYPES)}."]
    return types


def _before_retention(purged: int):
    """410: events after this cursor were deleted by the retention purge, so a page from it would have a
    silent gap. The consumer reads the orders again, then follows the feed from `resume_cursor`."""
    days = current_app.config["OUTBOX_RETENTION_DAYS"]
    response = jsonify(
        {
            "errors": {
                "after": [
                    f"Events after this cursor were deleted: the feed keeps {days:g} days. Read the orders "
                    "again (GET /api/v1/orders?updated_after=<when you last read the feed>), then follow "
                    "the feed from `resume_cursor`."
                ]
            },
            "resume_cursor": encode_cursor("position", purged),
        }
    )
    response.status_code = 410
    response.headers["Cache-Control"] = "no-store"
    return response


@api_key_required
def index():
    key = current_key()
    errors = unknown_parameters(request.args, PARAMETERS)
    after = 0
    if "after" in request.args:
        after = decode_cursor("position", request.args["after"])
        if after is None:
            errors["after"] = ["Not a cursor of this feed: pass `next_cursor` from the previous page as is."]
    limit = parse_limit(request.args, errors)
    types = _types(request.args.get("type"), errors)
    if errors:
        return json_error(422, errors)
    purged = outbox.purged_through(key.account_id)
    if "after" in request.args and after < purged:
        return _before_retention(purged)
    try_sequence()
    events = outbox.events_after(key.account_id, after or 0, limit, types)
    last = events[-1].position if events else after or 0
    return {
        "events": [outbox.event_json(event) for event in events],
        "next_cursor": encode_cursor("position", last),
        "has_more": len(events) == limit,
    }
