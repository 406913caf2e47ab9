"""Alert webhooks: the URL an account gives, held to the Shop Domain guard's host rules (https, a host name,
no user, port, IP literal or internal address), and one JSON POST to it through the pinned transport, which
connects only to public addresses vetted at connect time (no DNS rebinding) and follows no redirect."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

from connectors.brightsites.errors import BlockedAddress, HostNotFound, InvalidShopDomain
from connectors.brightsites.hosts import _check_host_syntax, resolve_public_addresses
from connectors.brightsites.transport import build_session

MAX_LENGTH = 500
TIMEOUT = (5, 10)


class WebhookRefused(ValueError):
    """The URL breaks a rule; the message can be shown to the user."""


class WebhookFailed(RuntimeError):
    """The POST did not get a 2xx answer; the message names no secret."""


def normalise_webhook_url(value: str) -> str:
    """The URL as it will be called, or WebhookRefused. A host that does not resolve, or resolves to an
    internal address, is refused now (a typo is caught at save, not at the first alert); every connection
    resolves and vets it again."""
    text = (value or "").strip()
    if len(text) > MAX_LENGTH:
        raise WebhookRefused(f"The webhook URL is longer than {MAX_LENGTH} characters.")
    if not text.isascii() or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise WebhookRefused("The webhook URL must not contain spaces, control or non-ASCII characters.")
    parts = urlsplit(text)
    if parts.scheme != "https":
        raise WebhookRefused("The webhook URL must start with https://.")
    if "@" in parts.netloc:
        raise WebhookRefused("The webhook URL must not contain a user name or password.")
    host = parts.netloc.lower()
    try:
        _check_host_syntax(host)
    except InvalidShopDomain as error:
        raise WebhookRefused(str(error).split(" Enter the store")[0]) from None
    if "." not in host:
        raise WebhookRefused("The webhook URL needs a full host name (for example hooks.example.com).")
    if parts.fragment:
        raise WebhookRefused("The webhook URL must not contain a fragment.")
    try:
        resolve_public_addresses(host)
    except BlockedAddress:
        raise WebhookRefused("The webhook's host resolves to an internal address.") from None
    except HostNotFound:
        raise WebhookRefused(
            f"The webhook's host name does not resolve: {host}. Check the address (is it spelt right, is it "
            "public?)."
        ) from None
    return parts._replace(netloc=host).geturl()


def _host(url: str) -> str:
    return urlsplit(url).hostname or "?"


def post_json(url: str, payload: dict[str, Any]) -> int:
    """POST `payload`; the status code, or WebhookFailed."""
    session = build_session(pinned=True)
    try:
        response = session.post(url, json=payload, timeout=TIMEOUT, allow_redirects=False)
    except HostNotFound:
        raise WebhookFailed(f"The webhook's host name does not resolve: {_host(url)}.") from None
    except BlockedAddress:
        message = f"The webhook's host name resolves to a non-public address: {_host(url)}."
        raise WebhookFailed(message) from None
    except requests.RequestException as error:
        raise WebhookFailed(f"The webhook could not be reached ({type(error).__name__}).") from None
    finally:
        session.close()
    if not 200 <= response.status_code < 300:
        raise WebhookFailed(f"The webhook answered {response.status_code}.")
    return response.status_code
