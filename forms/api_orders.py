"""The query of GET /api/v1/orders (and the `after` of GET /api/v1/events) read into a filter, or messages per
field. Unknown parameters are refused by name, so a misspelt filter never silently returns everything."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import select

from extensions import db
from models.channels import SalesChannel
from models.orders import OrderStatus
from services.orders.fulfilment import OrderFilter

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_ID = 2**63 - 1
ORDER_PARAMETERS = {"cursor", "limit", "channel", "status", "fulfilment", "updated_after"}
Errors = dict[str, list[str]]


def encode_cursor(kind: str, value: int) -> str:
    raw = json.dumps({kind: value}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, text: str) -> int | None:
    """The number a cursor of this kind carries, or None when it is not one of ours."""
    if not text or len(text) > 100:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        value = json.loads(raw).get(kind)
    except (binascii.Error, ValueError, AttributeError):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        return None
    return value


def unknown_parameters(args: Mapping[str, str], known: set[str]) -> Errors:
    return {
        name[:40]: [f"Unknown parameter; use one of {', '.join(sorted(known))}."]
        for name in args
        if name not in known
    }


def parse_limit(args: Mapping[str, str], errors: Errors) -> int:
    text = args.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        errors["limit"] = [f"Give a whole number from 1 to {MAX_LIMIT}."]
        return DEFAULT_LIMIT
    return int(text)


def _channels(account_id: int, text: str, errors: Errors) -> tuple[int, ...]:
    ids = [part.strip() for part in text.split(",")]
    if not all(part.isdigit() and int(part) <= 2**31 - 1 for part in ids) or len(ids) > 50:
        errors["channel"] = ["Give channel ids separated by commas (at most 50)."]
        return ()
    wanted = {int(part) for part in ids}
    found = set(
        db.session.scalars(
            select(SalesChannel.id).where(SalesChannel.account_id == account_id, SalesChannel.id.in_(wanted))
        )
    )
    if wanted - found:
        missing = ", ".join(str(n) for n in sorted(wanted - found))
        errors["channel"] = [f"No channel {missing} in this API key's account."]
    return tuple(sorted(found))


def _statuses(text: str, errors: Errors) -> tuple[OrderStatus, ...]:
    values = [part.strip() for part in text.split(",")]
    known = {status.value for status in OrderStatus}
    if not all(value in known for value in values):
        errors["status"] = [f"Give statuses separated by commas, from {', '.join(sorted(known))}."]
        return ()
    return tuple(OrderStatus(value) for value in values)


def parse_time(text: str) -> datetime | None:
    """An ISO 8601 time with its offset (Z or +hh:mm), in UTC; None when it is not one."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")) if len(text) <= 40 else None
    except ValueError:
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)


def parse_order_query(account_id: int, args: Mapping[str, str]) -> tuple[OrderFilter | None, Errors]:
    errors = unknown_parameters(args, ORDER_PARAMETERS)
    after_id = 0
    if "cursor" in args:
        after_id = decode_cursor("after_id", args["cursor"])
        if after_id is None:
            errors["cursor"] = ["Not a cursor of this list: pass `next_cursor` from the previous page as is."]
    limit = parse_limit(args, errors)
    channel_ids = _channels(account_id, args["channel"], errors) if "channel" in args else ()
    statuses = _statuses(args["status"], errors) if "status" in args else ()
    fulfilment = args.get("fulfilment")
    if fulfilment is not None and fulfilment != "ready":
        errors["fulfilment"] = [
            "The only value is `ready` (approved, allocated, not held, something to ship)."
        ]
    updated_after = None
    if "updated_after" in args:
        updated_after = parse_time(args["updated_after"])
        if updated_after is None:
            errors["updated_after"] = ["Give an ISO 8601 time with its offset, e.g. 2026-12-01T08:00:00Z."]
    if errors:
        return None, errors
    return OrderFilter(
        account_id=account_id,
        after_id=after_id or 0,
        channel_ids=channel_ids,
        statuses=statuses,
        ready=fulfilment == "ready",
        updated_after=updated_after,
        limit=limit,
    ), {}
