"""Event webhooks: one signed POST to an account's endpoint, and what came back.

The signature is HMAC-SHA256 over `<timestamp>.<body>` with the endpoint's secret, sent as
`TechOMS-Signature: t=<timestamp>,v1=<hex>` (one `v1` per live secret: both during a rotation's overlap). The
URL follows the alert webhooks' host rules (connectors/webhooks.py) and goes through the pinned transport:
public addresses only, vetted at connect time. No redirect is followed (a 3xx is a failure), the answer is
read up to EXCERPT_BYTES, and short timeouts keep a slow receiver from holding a worker. Nothing here logs
or returns a secret.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from connectors.brightsites.errors import BlockedAddress, HostNotFound
from connectors.brightsites.transport import build_session

TIMEOUT = (3, 5)  # connect, read: a receiver should answer at once and work afterwards
EXCERPT_BYTES = 1024
SIGNATURE_HEADER = "TechOMS-Signature"


@dataclass(frozen=True)
class Answer:
    delivered: bool
    status: int | None  # None: no HTTP answer at all
    excerpt: str
    error: str


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secrets: list[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={signature(secret, timestamp, body)}" for secret in secrets)])


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: one of the v1 signatures matches and the timestamp is recent."""
    fields = [part.partition("=") for part in header.split(",")]
    stamps = [value for name, _, value in fields if name == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(now - int(stamps[0])) > tolerance:
        return False
    expected = signature(secret, int(stamps[0]), body)
    return any(name == "v1" and hmac.compare_digest(value, expected) for name, _, value in fields)


def _routed(url: str, route_to: str | None) -> str:
    """Development and tests only (a deployment setting, never user input): keep the path, change the base."""
    if not route_to:
        return url
    parts = urlsplit(url)
    return route_to.rstrip("/") + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _excerpt(response: requests.Response) -> str:
    data = b""
    for chunk in response.iter_content(EXCERPT_BYTES):
        data += chunk
        if len(data) >= EXCERPT_BYTES:
            break
    return data[:EXCERPT_BYTES].decode("utf-8", errors="replace")


def post(url: str, body: bytes, headers: dict[str, str], *, route_to: str | None = None) -> Answer:
    session = build_session(pinned=not route_to)
    try:
        response = session.post(
            _routed(url, route_to),
            data=body,
            headers={**headers, "Content-Type": "application/json"},
            timeout=TIMEOUT,
            allow_redirects=False,
            stream=True,
        )
        try:
            excerpt = _excerpt(response)
        finally:
            response.close()
    except (BlockedAddress, HostNotFound) as error:
        return Answer(False, None, "", str(error))
    except requests.RequestException as error:
        return Answer(False, None, "", f"The endpoint could not be reached ({type(error).__name__}).")
    finally:
        session.close()
    if 200 <= response.status_code < 300:
        return Answer(True, response.status_code, excerpt, "")
    if 300 <= response.status_code < 400:
        return Answer(False, response.status_code, excerpt, "A redirect is not followed: give the final URL.")
    return Answer(False, response.status_code, excerpt, f"The endpoint answered {response.status_code}.")
