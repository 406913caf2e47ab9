"""Bright Sites (BrightStores / OrderMyGear) connector: HTTP client, shop-domain rules, record translation."""

from connectors.brightsites.client import BrightSitesClient
from connectors.brightsites.errors import (
    AuthenticationError,
    BlockedAddress,
    BrightSitesError,
    HostNotFound,
    InvalidShopDomain,
    NotFound,
    PaginationLimitExceeded,
    PermissionDenied,
    RateLimited,
    RedirectRefused,
    ResponseTooLarge,
    Unavailable,
    UnexpectedResponse,
    ValidationFailed,
)
from connectors.brightsites.results import CallRecord, ConnectionReport, Page

__all__ = [
    "AuthenticationError",
    "BlockedAddress",
    "BrightSitesClient",
    "BrightSitesError",
    "CallRecord",
    "ConnectionReport",
    "HostNotFound",
    "InvalidShopDomain",
    "NotFound",
    "Page",
    "PaginationLimitExceeded",
    "PermissionDenied",
    "RateLimited",
    "RedirectRefused",
    "ResponseTooLarge",
    "Unavailable",
    "UnexpectedResponse",
    "ValidationFailed",
]
