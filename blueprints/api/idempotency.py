"""`Idempotency-Key` on POSTs of /api/v1: a repeated request gets the first answer instead of acting twice.

The first successful answer is stored with a hash of the request, in the same transaction as what the POST
created; so a key is either unused or tied to a complete result. A repeat with the same key and the same
request replays the stored answer (`Idempotent-Replayed: true`); the same key with a different request is
refused (422). Answers that created nothing (validation errors) are not stored: the client fixes the body
and sends it again with the same key. Keys are kept per account.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Response, jsonify, request

from extensions import db
from models.api_keys import IdempotencyKey
from services import api_keys
from web.api_requests import json_error

HEADER = "Idempotency-Key"
MAX_LENGTH = 255


def requested_key() -> tuple[str | None, str | None]:
    """(the key, None), (None, None) when absent, or (None, why it is unusable)."""
    value = request.headers.get(HEADER)
    if value is None:
        return None, None
    value = value.strip()
    if not value or len(value) > MAX_LENGTH or not all(" " <= char <= "~" for char in value):
        return None, f"{HEADER} must be 1 to {MAX_LENGTH} printable ASCII characters (a UUID will do)."
    return value, None


def request_hash(payload: Any) -> str:
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "body": payload},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay(account_id: int, key: str, fingerprint: str) -> Response | None:
    """The stored answer for this key, a 422 if the key was used for another request, or None."""
    row = api_keys.idempotency_record(account_id, key)
    if row is None:
        return None
    if row.request_hash != fingerprint:
        message = "This key was already used for a different request; send a new request with a new key."
        return json_error(422, {"idempotency_key": [message]})
    response = jsonify(row.response_body)
    response.status_code = row.status_code
    response.headers["Idempotent-Replayed"] = "true"
    return response


def remember(account_id: int, key: str, fingerprint: str, status: int, body: dict[str, Any]) -> None:
    """Store the answer; the caller commits it together with what the request created."""
    db.session.add(
        IdempotencyKey(
            account_id=account_id, key=key, request_hash=fingerprint, status_code=status, response_body=body
        )
    )
