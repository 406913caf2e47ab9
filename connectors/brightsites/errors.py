"""Typed errors of the Bright Sites client.

Their text carries only the HTTP method, the endpoint path template (e.g. `/orders/{order_id}`) and the
status: never a URL, a query string or the token, because tracebacks end up in logs and in RQ's failed-job
registry (security requirement LOG-02). Errors raised while handling a `requests` exception use
`from None`.
"""

from __future__ import annotations

from collections.abc import Mapping


class InvalidShopDomain(ValueError):
    """The Shop Domain a user typed is not a Bright Sites store address; `message` is fit to show them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BrightSitesError(Exception):
    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        endpoint: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.endpoint = endpoint
        self.status = status


class AuthenticationError(BrightSitesError):
    """401: the token is unknown, expired or missing. Never retried."""


class PermissionDenied(BrightSitesError):
    """403: typically a read-only token used for a write. Never retried."""


class NotFound(BrightSitesError):
    """404: unknown id, or (on any endpoint) an unknown store."""


class ValidationFailed(BrightSitesError):
    """422: the store refused the values; `field_errors` maps each parameter to its messages."""

    def __init__(
        self,
        message: str,
        *,
        field_errors: Mapping[str, list[str]],
        method: str | None = None,
        endpoint: str | None = None,
        status: int | None = 422,
    ) -> None:
        super().__init__(message, method=method, endpoint=endpoint, status=status)
        self.field_errors = dict(field_errors)


class TryAgainLater(BrightSitesError):
    """The store did not serve the request now but may later; `retry_after` is the store's Retry-After in
    seconds, when it sent one."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        method: str | None = None,
        endpoint: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, method=method, endpoint=endpoint, status=status)
        self.retry_after = retry_after


class RateLimited(TryAgainLater):
    """429: too many calls."""


class Unavailable(TryAgainLater):
    """5xx, connection failure or timeout: worth trying again later."""


class NotSent(Unavailable):
    """The connection was never made (refused, connect timeout): the store received nothing, so the outcome
    of a write is sure (not written), unlike a 5xx or a connection dropped after the request went out."""


class HostNotFound(BrightSitesError):
    """The store's host name does not resolve."""


class BlockedAddress(BrightSitesError):
    """The store's host resolves to a non-public address (SSRF guard, SSRF-04)."""


class UnexpectedResponse(BrightSitesError):
    """A redirect, an unexpected status, or a body that is not the JSON the contract promises."""


class RedirectRefused(UnexpectedResponse):
    """3xx: redirects are never followed (SSRF-03)."""


class ResponseTooLarge(UnexpectedResponse):
    """The body exceeded the client's max_response_bytes."""


class PaginationLimitExceeded(BrightSitesError):
    """A listing did not end within the client's max_pages guard."""
